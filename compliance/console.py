"""The ``compliance`` console script: Ctrl-C handled from its first instructions.

Importing the command line (click, pydantic, the models) takes tens of milliseconds; a Ctrl-C
in that window would otherwise end in Python's ``KeyboardInterrupt`` traceback. This module
imports only ``os`` and ``signal`` (both loaded with the interpreter) and sets, when imported,
a SIGINT handler that says ``interrupted`` and ends with status 130, as
:func:`compliance.cli.main` does once it has taken over. (Python's own start-up and the
``compliance`` wrapper script pip writes run before it: an interrupt there is Python's.)
"""

import os
import signal

#: The shell's status for a process ended by SIGINT (128 + 2): Ctrl-C, or ``kill -INT``.
EXIT_INTERRUPTED = 130


def _early_interrupt(signum: int, frame: object) -> None:
    """SIGINT before the command line is imported: nothing started yet, nothing to stop."""
    try:  # noqa: SIM105 (contextlib would be one more import before the handler is set)
        os.write(2, b"interrupted\n")
    except OSError:  # stderr closed: the status still says it
        pass
    os._exit(EXIT_INTERRUPTED)


signal.signal(signal.SIGINT, _early_interrupt)


def run() -> None:
    """Entry point of the console script (and of ``python -m compliance``); never returns."""
    signal.signal(signal.SIGINT, _early_interrupt)  # again, for a caller that reset it
    from compliance.cli import main

    main()

"""The ``compliance`` console script: Ctrl-C handled from the first instruction.

Importing the command line (click, pydantic, the models) takes tens of milliseconds; a Ctrl-C
in that window would otherwise end in Python's ``KeyboardInterrupt`` traceback. This module
imports nothing heavy: it sets a SIGINT handler that says ``interrupted`` and ends with status
130, as :func:`compliance.cli.main` does once it has taken over, and only then imports it.
"""

from __future__ import annotations

import contextlib
import os
import signal
from typing import NoReturn

#: The shell's status for a process ended by SIGINT (128 + 2): Ctrl-C, or ``kill -INT``.
EXIT_INTERRUPTED = 130


def _early_interrupt(signum: int, frame: object) -> None:
    """SIGINT before the command line is imported: nothing started yet, nothing to stop."""
    with contextlib.suppress(OSError):  # stderr closed: the status still says it
        os.write(2, b"interrupted\n")
    os._exit(EXIT_INTERRUPTED)


def run() -> NoReturn:
    """Entry point of the console script (and of ``python -m compliance``)."""
    signal.signal(signal.SIGINT, _early_interrupt)
    from compliance.cli import main

    main()

"""Coverage-guided fuzzing of the loader and validator with atheris (run on demand).

    pip install atheris
    python fuzz/atheris_loader.py -atheris_runs=200000 fuzz/corpus   # or -max_total_time=600

Every input is fed to the YAML and the JSON path of the loader and, when it parses, to the
manifest validator. The only acceptable outcomes are success and InputError; anything else
(a RecursionError, MemoryError, IndexError...) is a crash atheris reports with its input.
"""

from __future__ import annotations

import contextlib
import sys

import atheris

with atheris.instrument_imports():
    from compliance.errors import InputError
    from compliance.sources.document import parse_bytes
    from compliance.validate import validate_document


def one_input(data: bytes) -> None:
    """Feed ``data`` to both syntaxes; only success or InputError may come back."""
    for json_syntax in (False, True):
        with contextlib.suppress(InputError):
            validate_document(parse_bytes("fuzz", data, json_syntax=json_syntax))


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()

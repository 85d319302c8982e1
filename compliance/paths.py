"""Locate the rule packs and data files (in a source checkout and in an installed wheel), and
the working directory."""

from __future__ import annotations

from pathlib import Path

from compliance.errors import UsageError


def rules_root() -> Path:
    """Return the directory holding the rule packs and ``data/``.

    An installed wheel carries the repository's ``rules/`` inside the package as ``_rules``
    (``force-include`` in pyproject.toml); a source checkout has ``rules/`` next to the
    package. The wheel location wins when both exist.
    """
    package = Path(__file__).resolve().parent
    bundled = package / "_rules"
    if bundled.is_dir():
        return bundled
    return package.parent / "rules"


def data_dir() -> Path:
    """Return the directory of the reference data files (region table, jurisdictions, ...)."""
    return rules_root() / "data"


def working_directory(needed_for: str) -> Path:
    """The working directory, where the configuration is looked for and relative paths start;
    ``needed_for`` says what needs it (``cannot look for the configuration``), for the error.

    Raises:
        UsageError: it no longer exists (deleted after the shell entered it), so what needs it
            cannot be done: exit 2 with one line, never an internal error deep in the run.
    """
    try:
        return Path.cwd()
    except FileNotFoundError:
        raise UsageError(
            f"{needed_for}: the working directory no longer exists (it was deleted after the shell "
            "entered it); cd to an existing folder and run the command again"
        ) from None

"""Locate the rule packs and data files, in a source checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path


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

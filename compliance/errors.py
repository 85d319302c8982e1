"""The one exception hierarchy: problems carry file, line and column, rendered once by the CLI."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import NamedTuple


class Problem(NamedTuple):
    """One thing wrong with one input file, or with the run as a whole.

    ``file`` is empty for a problem of no one file (nothing to check: no files given and no
    configuration). ``line`` and ``column`` are 1-based and file-relative, or ``None`` where
    no position is known (the file could not be opened, say). ``message`` names the key path
    and the offending value where there is one.
    """

    file: str
    line: int | None
    column: int | None
    message: str

    def render(self) -> str:
        """Return the compiler-style line ``FILE:LINE:COLUMN: message`` (or ``FILE: message``;
        ``error: message`` for a problem of no one file)."""
        if not self.file:
            return f"error: {self.message}"
        if self.line is None:
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}:{self.column or 1}: {self.message}"


class ComplianceError(Exception):
    """Base of every error this tool raises on purpose (never for its own bugs)."""


class InputError(ComplianceError):
    """Unusable input: one or more problems, each pointing at a place in a file (exit status 2)."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems, key=_problem_order)
        super().__init__("\n".join(p.render() for p in self.problems))


class UsageError(ComplianceError):
    """The command line asked for something impossible, e.g. a missing rules folder (exit 2)."""


def _problem_order(p: Problem) -> tuple[str, int, int, str]:
    return (p.file, p.line or 0, p.column or 0, p.message)


def closest_id(word: str, ids: Collection[str]) -> str:
    """`` (did you mean 'X'?)`` for the id among ``ids`` closest to ``word`` (letter case
    ignored: rule ids are upper case), or an empty string."""
    import difflib  # only for a did-you-mean hint

    by_upper = {i.upper(): i for i in ids}
    close = difflib.get_close_matches(word.upper(), list(by_upper), n=1, cutoff=0.6)
    return f" (did you mean {by_upper[close[0]]!r}?)" if close else ""

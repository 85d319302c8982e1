"""Write the drafts of ``compliance import``: YAML that the tool's own reader reads back as written.

What the imported files say reaches a draft in two places, and neither may let it write YAML
of its own. A comment line (:func:`comment`) shows its text as
:func:`~compliance.terminal.printable` makes it: on one line, so that no line break in a name
ends the comment and starts a live key such as ``waivers:``, and with no character the reader
refuses (``U+001B``, ``U+FFFE``, NEL). Values (:func:`dump`) are quoted wherever the reader
would take them for something else (``1e5`` is a number to it, ``null`` nothing) and
double-quoted, with escapes, wherever they hold a line break the reader refuses raw (NEL, LS,
PS). A text no YAML can hold, a lone surrogate (a JSON plan may escape one as ``\\ud800``), is
unusable input.
"""

from __future__ import annotations

from typing import Any

import yaml

from compliance.errors import InputError, Problem
from compliance.sources.document import ODD_BREAKS, reads_as_text
from compliance.terminal import printable

_STR = "tag:yaml.org,2002:str"


def comment(text: str) -> str:
    """``text`` as one YAML comment line, ``# `` and all (no line break at its end)."""
    return "# " + printable(text)


class _Unwritable(ValueError):
    """A text no YAML file can hold."""


class _Dumper(yaml.SafeDumper):
    """Writes each string so that it reads back as itself, and a list shared by two places
    twice (anchors would only puzzle a reader)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _text(dumper: _Dumper, data: str) -> yaml.ScalarNode:
    if any("\ud800" <= ch <= "\udfff" for ch in data):
        raise _Unwritable(printable(data))
    style = None
    if not reads_as_text(data) or ODD_BREAKS.search(data):
        style = '"'
    return dumper.represent_scalar(_STR, data, style=style)


_Dumper.add_representer(str, _text)


def dump(data: Any, source: str, *, width: int) -> str:
    """``data`` as block YAML (keys in their order, lines folded past ``width``).

    Raises:
        InputError: a string holds a lone surrogate; the problem is ``source``'s (the file
            imported).
    """
    try:
        text: str = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=width)
    except _Unwritable as exc:
        message = f"{exc}: a lone surrogate (an unpaired \\ud800-\\udfff escape) is no text a draft can hold"
        raise InputError([Problem(source, None, None, message)]) from None
    return text

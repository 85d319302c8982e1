"""Text from the input made safe to print: on one line, with no character a terminal obeys.

Every string a user wrote (a name, an id, a path, a waiver's reason) goes through
:func:`printable` before the text and Markdown reports, GitHub annotations, an error line on
stderr or a comment of an imported draft (:mod:`compliance.sources.draft`) show it. A
recipient named ``"Acme\\r\\x1b[2K..."`` could otherwise rewrite a CI log line, and a line
break could forge a finding (or, in a draft's comment, a key).
"""

from __future__ import annotations

import re

#: C0 controls but tab and line feed, DEL, C1 controls, the bidirectional overrides and
#: isolates (which reorder what is shown), lone surrogates (which no encoder accepts) and the
#: noncharacters U+FFFE and U+FFFF (which neither YAML nor XML may hold).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
_BREAK = re.compile("[\t\n\u2028\u2029]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` on one line: each tab, line feed and Unicode line or paragraph separator
    becomes a space and every other control character its escape, shown literally (``\\r`` as
    ``\\x0d``, ESC as ``\\x1b``, U+202E as ``\\u202e``)."""
    return _BREAK.sub(" ", _CONTROL.sub(_escape, text))


def printable_lines(text: str) -> str:
    """A whole document (whose own line breaks are line feeds) with :func:`printable` applied
    to each line: for rendered reports, where the input's strings sit among the template's."""
    return "\n".join(printable(line) for line in text.split("\n"))

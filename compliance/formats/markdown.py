"""Markdown summary (``--format markdown``) for a pull-request comment or ``$GITHUB_STEP_SUMMARY``.

A verdict and summary table, then the findings by file with citation and why. GitHub refuses
a comment body over 65,536 characters (and a step summary over 1 MiB, which that many
characters cannot reach), so past :data:`MAX_CHARS` the remaining findings are left out with a
note saying how many. Text from manifests is escaped so that it cannot
open HTML, links (autolinks included) or table cells, mention a GitHub user, nor carry a
control character (:func:`~compliance.terminal.printable`).
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import groupby

from compliance.findings import Finding, Report
from compliance.formats import RenderOptions
from compliance.outcomes import target_ref
from compliance.terminal import printable

MAX_CHARS = 65_536
UNUSED = "unused waiver: "
_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~!&])")
_LABELS = {
    "violation": "Violation",
    "needs_review": "Needs review",
    "waived": "Waived",
    "notice": "Notice",
}


#: where GitHub makes a link of plain text: ``scheme://...`` and ``www....``, wherever they
#: start (after ``_`` too)
_AUTOLINK = re.compile(r"(?i)(:)(?=//)|(?<=www)(\.)")
#: ``@name``: a mention, or an e-mail address (``mailto:`` and ``xmpp:`` ones included), which
#: GitHub links however its dots are escaped
_AT = re.compile(r"@(?=\w)")


def escape(text: str) -> str:
    """``text`` as literal Markdown on one line, control characters shown as escapes. Besides
    the characters that open HTML, links, emphasis or table cells, it defuses what GitHub turns
    into links or notifications on its own: ``scheme://`` and ``www.`` autolinks (their colon
    or dot escaped), and ``@name`` mentions and e-mail links (a zero-width space after the
    ``@``); ``&`` is escaped, so no character reference makes one either."""
    text = _SPECIAL.sub(r"\\\1", " ".join(printable(text).split()))
    text = _AUTOLINK.sub(lambda m: "\\" + m[0], text)
    return _AT.sub("@&#8203;", text)


def _finding(f: Finding) -> list[str]:
    where = f"line {f.line}, column {f.column}" if f.line else "file"
    cite = ""
    if f.citation:
        cite = f" · {escape(f.citation[0])} Art. {escape(f.citation[1])}"
        if f.also_cites:
            cite += " (also " + ", ".join(f"{escape(i)} Art. {escape(a)}" for i, a in f.also_cites) + ")"
    head = (
        f"- **{_LABELS.get(f.outcome, f.outcome)}** · {f.severity} · `{f.rule_id}` on "
        f"{escape(target_ref(f.target))} ({where}){cite}"
    )
    lines = [head, f"  {escape(f.title)}"]
    lines.extend(f"  - {escape(reason)}" for reason in f.why)
    if f.waiver is not None:
        lines.append(
            f"  - waived until {f.waiver.expires_on} by {escape(f.waiver.approved_by)}: "
            f"{escape(f.waiver.reason)}"
        )
    return lines


def render(report: Report, options: RenderOptions) -> str:
    """Render the report as Markdown of at most :data:`MAX_CHARS` characters."""
    status = report.exit_status(options.fail_on)
    verdict = {0: "passed", 1: "failed", 2: "could not check every file"}[status]
    s = report.summary()
    unusable = {p.file for p in report.errors}
    checked = sum(1 for f in report.files if f not in unusable)
    head = [
        f"## dataflow-compliance: {verdict}",
        "",
        f"{checked} of {len(report.files)} file{'' if len(report.files) == 1 else 's'} checked "
        f"against {len(report.rules)} rules "
        f"as of {report.as_of}; the run fails on violations and reviews of severity "
        f"{options.fail_on} or above.",
        "",
        "| Outcome | Findings |",
        "| --- | ---: |",
        *(f"| {label} | {s[key]} |" for key, label in _LABELS.items()),
        "",
    ]
    if report.baselined is not None:
        head += [
            f"{report.baselined} known finding{'' if report.baselined == 1 else 's'} hidden by the "
            f"baseline; {len(report.stale_baseline)} stale baseline "
            f"entr{'y' if len(report.stale_baseline) == 1 else 'ies'}.",
            "",
        ]
    # each block: what it counts as when left out ("" for headings and spacing), its lines
    body: list[tuple[str, list[str]]] = []
    if report.errors:
        body.append(("", ["### Files that could not be checked", ""]))
        body.extend(("problem", [f"- {escape(p.render())}"]) for p in report.errors)
        body.append(("", [""]))
    for file, in_file in groupby(report.findings, key=lambda f: f.file):
        body.append(("", [f"### {escape(file)}", ""]))
        body.extend(("finding", _finding(f)) for f in in_file)
        body.append(("", [""]))
    if report.unused_waivers:
        body.append(("", ["### Unused waivers", ""]))
        body.extend(
            ("waiver", [f"- {escape(w.file)} line {w.line}: {escape(w.message.removeprefix(UNUSED))}"])
            for w in report.unused_waivers
        )
        body.append(("", [""]))
    if report.stale_baseline:
        body.append(("", ["### Stale baseline entries", ""]))
        body.extend(
            (
                "stale",
                [
                    f"- {escape(e.file)}: {escape(e.rule_id)} on {escape(e.target)} ({e.outcome}) "
                    f"{report.stale_reason(i)}"
                ],
            )
            for i, e in enumerate(report.stale_baseline)
        )
        body.append(("", [""]))
    out = "\n".join(head) + "\n"
    # room for the note: it counts no more than everything, so it is never longer than this
    reserve = len(_left_out(Counter(kind for kind, _ in body if kind)))
    for i, (_, lines) in enumerate(body):
        text = "\n".join(lines) + "\n"
        if len(out) + len(text) + reserve > MAX_CHARS:
            return out + _left_out(Counter(kind for kind, _ in body[i:] if kind))
        out += text
    return out


_LEFT_OUT = {
    "problem": ("problem of an unusable file", "problems of unusable files"),
    "finding": ("finding", "findings"),
    "waiver": ("unused waiver", "unused waivers"),
    "stale": ("stale baseline entry", "stale baseline entries"),
}


def _left_out(left: Counter[str]) -> str:
    """The note that ends a summary cut short, counting what it leaves out by kind."""
    parts = [f"{left[k]} more {_LEFT_OUT[k][left[k] != 1]}" for k in _LEFT_OUT if left[k]]
    if not parts:  # only headings and spacing remain
        return ""
    shown = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return (
        f"\n_{shown} left out to stay under GitHub's limit for a comment (65,536 characters); "
        "see the JSON or SARIF report for all of them._\n"
    )

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
from itertools import groupby

from compliance.findings import Finding, Report
from compliance.formats import RenderOptions
from compliance.outcomes import target_ref
from compliance.terminal import printable

MAX_CHARS = 65_536
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
    body: list[list[str]] = []
    if report.errors:
        block = ["### Files that could not be checked", ""]
        block.extend(f"- {escape(p.render())}" for p in report.errors)
        body.append([*block, ""])
    for file, in_file in groupby(report.findings, key=lambda f: f.file):
        body.append([f"### {escape(file)}", ""])
        for f in in_file:
            body.append(_finding(f))
        body[-1] = [*body[-1], ""]
    if report.unused_waivers:
        block = ["### Unused waivers", ""]
        block.extend(
            f"- {escape(w.file)} line {w.line}: {escape(w.message.removeprefix('unused waiver: '))}"
            for w in report.unused_waivers
        )
        body.append([*block, ""])
    if report.stale_baseline:
        block = ["### Stale baseline entries", ""]
        block.extend(
            f"- {escape(e.file)}: {escape(e.rule_id)} on {escape(e.target)} ({e.outcome}) "
            f"{report.stale_reason(i)}"
            for i, e in enumerate(report.stale_baseline)
        )
        body.append([*block, ""])
    out = "\n".join(head) + "\n"
    for i, block in enumerate(body):
        text = "\n".join(block) + "\n"
        left = sum(1 for b in body[i:] if b and b[0].startswith("- "))
        note = (
            f"\n_{left} more findings left out to stay under GitHub's limit for a comment "
            "(65,536 characters); see the JSON or SARIF report for all of them._\n"
        )
        if len(out) + len(text) + len(note) > MAX_CHARS:
            return out + note
        out += text
    return out

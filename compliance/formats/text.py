"""Human-readable output: findings grouped by file and target, with the why and a summary.

Every line goes through :func:`~compliance.terminal.printable` before colours are added: a line
of the report is one line on the terminal, and no control character from the input is in it.
"""

from __future__ import annotations

from itertools import groupby

from compliance.findings import Finding, Report
from compliance.formats import RenderOptions
from compliance.terminal import printable

_COLOURS = {
    "violation": "\033[31m",
    "needs_review": "\033[33m",
    "waived": "\033[36m",
    "notice": "\033[34m",
}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"
_SECTIONS = {"flow": "flows", "system": "systems", "dataset": "datasets"}


def _target(f: Finding) -> str:
    kind, ident = f.target
    return "organization" if kind == "organization" else f"{_SECTIONS[kind]}/{ident}"


def render(report: Report, options: RenderOptions) -> str:
    """Render ``report`` for a terminal (colour only when ``options.color``)."""

    def paint(code: str, text: str) -> str:
        return f"{code}{printable(text)}{_RESET}" if options.color else printable(text)

    lines: list[str] = []

    def add(text: str) -> None:
        lines.append(printable(text))

    for file, in_file in groupby(report.findings, key=lambda f: f.file):
        lines.append(paint(_BOLD, file))
        ordered = sorted(in_file, key=lambda f: (_target(f), f.line or 0, f.rule_id))
        for target, group in groupby(ordered, key=_target):
            add(f"  {target}")
            for f in group:
                where = f"{file}:{f.line}:{f.column}" if f.line else file
                cite = f" [{f.citation[0]} Art. {f.citation[1]}]" if f.citation else ""
                outcome = paint(_COLOURS.get(f.outcome, ""), f.outcome.replace("_", " "))
                lines.append(
                    printable(f"    {where}: ") + outcome + printable(f" {f.severity} {f.rule_id}{cite}")
                )
                add(f"      {f.title}")
                for reason in f.why:
                    lines.append(paint(_DIM, f"      - {reason}"))
                if f.waiver is not None:
                    add(
                        f"      waived until {f.waiver.expires_on} by {f.waiver.approved_by}: "
                        f"{f.waiver.reason}"
                    )
                if options.explain and f.remediation:
                    add(f"      fix: {' '.join(f.remediation.split())}")
        lines.append("")
    for w in report.unused_waivers:
        where = f"{w.file}:{w.line}:{w.column}" if w.line else w.file
        add(f"{where}: {w.message}")
    for i, e in enumerate(report.stale_baseline):
        entry = f"{e.file}: stale baseline entry: {e.rule_id} on {e.target} ({e.outcome})"
        add(f"{entry} {report.stale_reason(i)}")
    # The problems themselves go to stderr; the report (perhaps written with -o) still has to
    # say which files it does not cover, and that other input (the configuration, the set's
    # other manifests, a plan) was unusable.
    unchecked = {p.file for p in report.errors}
    for file in [f for f in report.files if f in unchecked]:
        add(f"{file}: not checked (unusable input, see the errors)")
    for file in sorted(unchecked - set(report.files)):
        add(f"{file}: unusable input, see the errors" if file else "unusable input, see the errors")
    s = report.summary()
    checked = sum(1 for f in report.files if f not in unchecked)
    parts = [
        f"{s['violation']} violation{'s' if s['violation'] != 1 else ''}",
        f"{s['needs_review']} needing review",
        f"{s['waived']} waived",
        f"{s['notice']} notice{'s' if s['notice'] != 1 else ''}",
    ]
    if report.baselined is not None:
        parts.append(f"{report.baselined} baselined")
    tail = f"{checked} of {len(report.files)} file{'s' if len(report.files) != 1 else ''} checked"
    tail += f" against {len(report.rules)} rule{'s' if len(report.rules) != 1 else ''} as of {report.as_of}"
    lines.append(", ".join(parts) + f" ({tail})")
    return "\n".join(lines) + "\n"

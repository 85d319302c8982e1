"""GitHub Actions workflow-command annotations (``--format github``).

GitHub shows only about ten annotations of each level per step, so the most severe come first:
unusable files, then findings that fail the run (``::error``), counted findings below
``--fail-on`` and unused waivers (``::warning``), notices (``::notice``). Waived findings are
not annotated; the closing line counts them with the rest. Values are escaped as GitHub's
runner does: ``%``, CR and LF everywhere, and also ``:`` and ``,`` in properties; before that,
control characters from the input are shown as escapes (:func:`~compliance.terminal.printable`),
except in the ``file`` property, whose CR and LF are escaped as the runner reads them, so that
it names the file as it is.
"""

from __future__ import annotations

from compliance.findings import SEVERITY_RANK, Report, Standing
from compliance.formats import RenderOptions
from compliance.formats.sarif import repository_path
from compliance.outcomes import target_ref
from compliance.terminal import printable

_LEVEL_RANK = {"error": 0, "warning": 1, "notice": 2}
#: A finding's annotation level by where it stands against ``--fail-on``
#: (:func:`~compliance.findings.standing`, as the exit status, SARIF and JUnit decide)
LEVELS: dict[Standing, str] = {"failing": "error", "below_gate": "warning", "informational": "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a command property's value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, file: str, line: int | None, col: int | None, title: str) -> str:
    """One ``::level file=...,line=...,col=...,title=...::message`` line."""
    # the path's own CR and LF escaped first, so the runner reads them back and finds the file
    props = [f"file={printable(escape_property(repository_path(file)))}"] if file else []
    if line is not None:
        props.append(f"line={line}")
        if col is not None:
            props.append(f"col={col}")
    props.append(f"title={escape_property(printable(title))}")
    return f"::{level} {','.join(props)}::{escape_data(printable(message))}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def render(report: Report, options: RenderOptions) -> str:
    """Render one annotation per finding, most severe first, then a closing total."""
    entries: list[tuple[tuple[int, int, str, int], str]] = []
    for p in report.errors:
        entries.append(
            ((-1, 0, p.file, p.line or 0), command("error", p.message, p.file, p.line, p.column, "unusable"))
        )
    for f in report.findings:
        if f.outcome == "waived":
            continue
        level = LEVELS[f.standing(options.fail_on)]
        cite = f" [{f.citation[0]} Art. {f.citation[1]}]" if f.citation else ""
        title = f"{f.rule_id}{cite}"
        message = f"{f.outcome.replace('_', ' ')} {f.severity} on {target_ref(f.target)}: {f.message}"
        key = (_LEVEL_RANK[level], -SEVERITY_RANK[f.severity], f.file, f.line or 0)
        entries.append((key, command(level, message, f.file, f.line, f.column, title)))
    for w in report.unused_waivers:
        message = w.message
        key = (_LEVEL_RANK["warning"], 0, w.file, w.line or 0)
        entries.append((key, command("warning", message, w.file, w.line, w.column, "unused waiver")))
    lines = [text for _, text in sorted(entries, key=lambda e: e[0])]
    s = report.summary()
    status = report.exit_status(options.fail_on)
    verdict = {0: "passed", 1: "failed", 2: "unusable input"}[status]
    lines.append(
        f"dataflow-compliance: {_count(s['violation'], 'violation')}, {s['needs_review']} needing "
        f"review, {s['waived']} waived, {_count(s['notice'], 'notice')}, "
        f"{_count(len(report.errors), 'input problem')} in {_count(len(report.files), 'file')} "
        f"as of {report.as_of} (fail-on {options.fail_on}: {verdict})"
        + (
            f"; baseline: {report.baselined} hidden, {len(report.stale_baseline)} stale"
            if report.baselined is not None
            else ""
        )
    )
    return "\n".join(lines) + "\n"

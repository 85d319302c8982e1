"""SARIF 2.1.0 output (``--format sarif``) for GitHub code scanning and other SARIF consumers.

One run; ``tool.driver.rules`` lists every rule that ran (and the notice kinds that occurred),
each with its citation and remediation in ``help`` (what ``compliance explain <ID>`` prints, in
short). No ``helpUri`` or ``informationUri``: the project publishes no page per rule, and code
scanning would show a dead link on every alert; the help travels inside the log instead.

Locations are repository-relative (to the nearest folder above the working directory holding
``.git``, else the working directory), percent-encoded, with ``uriBaseId`` ``%SRCROOT%``; a
finding with no known position points at line 1, column 1 of its file. Rules are tagged
``security`` with a ``security-severity`` score (:data:`SECURITY_SEVERITY`), which code scanning
ranks alerts by. ``partialFingerprints``
hash the rule id, the target, the file and the finding's ``detail`` (which remote access),
never the line, so unrelated edits keep them.

A result's level is where its finding stands against ``--fail-on``, as for the exit status:
``error`` when it fails the run, ``warning`` when counted but below the gate, ``note`` for a
notice or a waived finding. A rule's ``defaultConfiguration`` level is that of its own outcome
and severity (a finding whose severity was raised may stand higher).

Waived findings are left out unless ``options.include_waived`` (GitHub code scanning ignores
SARIF suppressions, so a waived result would show as open there); then each carries a
``suppressions`` entry. GitHub rejects runs of more than 25,000 results and files over 10 MB
gzipped: past either limit the least severe results are left out and the run says so in
``properties`` and a tool execution notification.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from compliance.findings import BUILTIN_CHECKS, SEVERITY_RANK, Finding, Report, Standing, standing
from compliance.formats import RenderOptions
from compliance.formats.json_report import dumps_indented
from compliance.outcomes import target_ref
from compliance.paths import working_directory
from compliance.policy.rules import Rule
from compliance.terminal import printable, printable_lines

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
MAX_RESULTS = 25_000
MAX_GZIP_BYTES = 10 * 1000 * 1000
FINGERPRINT_KEY = "dataflowComplianceFinding/v1"

#: A result's level by where its finding stands against ``--fail-on``
#: (:func:`~compliance.findings.standing`, as the exit status, JUnit and ``github`` decide)
LEVELS: dict[Standing, str] = {"failing": "error", "below_gate": "warning", "informational": "note"}
_OUTCOME_RANK = {"violation": 3, "needs_review": 2, "waived": 1, "notice": 0}
#: GitHub code scanning ranks an alert by ``properties.security-severity`` (a score from 0.0 to
#: 10.0 it reads as critical above 9.0, high from 7.0, medium from 4.0, low below) on a rule
#: tagged ``security``; a custom ``severity`` key is ignored. One score inside each band.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


def repository_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: the working directory) holding ``.git``;
    the working directory itself when there is none. Raises :class:`UsageError` when the
    working directory no longer exists."""
    here = (
        start or working_directory("cannot find the repository that SARIF locations are relative to")
    ).resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return here


def repository_path(file: str, root: Path | None = None) -> str:
    """``file`` relative to the repository root with forward slashes, or absolute (with forward
    slashes) when it lies outside the repository. The root is a physical path; ``file`` is taken
    as given first, then with its folder's symbolic links resolved (a working directory reached
    through a link, as ``$PWD`` spells it), but never through the file's own link."""
    base = root or repository_root()
    absolute = Path(os.path.abspath(file))
    for candidate in (absolute, Path(os.path.realpath(absolute.parent)) / absolute.name):
        try:
            return candidate.relative_to(base).as_posix()
        except ValueError:
            continue
    return absolute.as_posix()


def artifact_location(file: str, root: Path | None = None) -> dict[str, str]:
    """A SARIF ``artifactLocation``: a percent-encoded relative reference against ``%SRCROOT%``,
    or a ``file:`` URI for a file outside the repository."""
    path = repository_path(file, root)
    encoded = quote(os.fsencode(path), safe="/")  # a name that is not UTF-8: its own bytes
    if path.startswith("/"):
        return {"uri": "file://" + encoded}
    return {"uri": encoded, "uriBaseId": "%SRCROOT%"}


def fingerprint(f: Finding, root: Path | None = None) -> str:
    """Hash of rule id, target and repository path: stable while the line moves. A finding
    with a ``detail`` (each remote access to a system) adds it, so that code scanning keeps one
    alert per access and a new access is a new alert; findings without one hash as before. A
    notice adds its facts but the days left, to tell apart two mechanisms of one flow expiring."""
    parts = [f.rule_id, target_ref(f.target), repository_path(f.file, root) if f.file else ""]
    if f.detail:
        parts.append(f"detail={f.detail}")
    if f.outcome == "notice":
        parts.extend(f"{k}={v}" for k, v in sorted(f.facts.items()) if k != "days_left")
    key = "\0".join(parts)
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _citations(rule: Rule, report: Report) -> str:
    main = rule.citation.text(report.as_of)
    also = [c.text(report.as_of) for c in rule.also_cites]
    return main + (f" (also {', '.join(also)})" if also else "")


def _rule_descriptor(rule: Rule, report: Report, fail_on: str) -> dict[str, Any]:
    cites = _citations(rule, report)
    remediation = " ".join(rule.remediation.split())
    references = "".join(f"\n- {r}" for r in rule.references)
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": printable(rule.title)},
        "fullDescription": {"text": printable(" ".join(rule.rationale.split()))},
        "help": {
            "text": printable(f"{cites}. {remediation}"),
            "markdown": printable_lines(f"**{cites}**\n\n{remediation}\n\nReferences:{references}"),
        },
        "defaultConfiguration": {"level": LEVELS[standing(rule.outcome, rule.severity, fail_on)]},
        "properties": {
            "tags": list(dict.fromkeys(["security", "compliance", rule.regime, rule.pack])),
            "severity": rule.severity,
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "citation": cites,
        },
    }


def _builtin_descriptor(f: Finding, fail_on: str) -> dict[str, Any]:
    """The descriptor of a check built into the engine (:data:`BUILTIN_CHECKS`), from one of its
    findings ``f``: a notice is a ``note`` that never fails a run; a ``TF-*`` consistency check
    takes its level from its outcome and severity, as a rule does, and cites no article."""
    title, documentation = BUILTIN_CHECKS[f.rule_id]
    notice = f.outcome == "notice"
    severity = f.severity
    properties: dict[str, Any] = {"tags": ["compliance", "notice"]}
    if not notice:
        properties = {
            "tags": ["security", "compliance", "terraform"],
            "severity": severity,
            "security-severity": SECURITY_SEVERITY[severity],
        }
    return {
        "id": f.rule_id,
        "name": "".join(part.capitalize() for part in f.rule_id.split("-")),
        "shortDescription": {"text": title},
        "fullDescription": {"text": documentation},
        "help": {"text": documentation},
        "defaultConfiguration": {
            "level": LEVELS[standing(f.original_outcome or f.outcome, severity, fail_on)]
        },
        "properties": properties,
    }


def _result(f: Finding, index: int, root: Path, fail_on: str) -> dict[str, Any]:
    out: dict[str, Any] = {"ruleId": f.rule_id, "ruleIndex": index, "level": LEVELS[f.standing(fail_on)]}
    out["message"] = {"text": printable(f.message)}
    if f.file:
        out["locations"] = [
            {
                "physicalLocation": {
                    "artifactLocation": artifact_location(f.file, root),
                    "region": {"startLine": f.line or 1, "startColumn": f.column or 1},
                },
                "logicalLocations": [{"name": f.target[1], "fullyQualifiedName": target_ref(f.target)}],
            }
        ]
        out["partialFingerprints"] = {FINGERPRINT_KEY: fingerprint(f, root)}
    props: dict[str, Any] = {"outcome": f.original_outcome or f.outcome, "severity": f.severity}
    if f.citation:
        props["citation"] = f"{f.citation[0]} Art. {f.citation[1]}"
    if f.waiver is not None:
        out["suppressions"] = [
            {
                "kind": "inSource",
                "status": "accepted",
                "justification": printable(f.waiver.reason),
                "properties": {
                    "approvedBy": printable(f.waiver.approved_by),
                    "expiresOn": f.waiver.expires_on.isoformat(),
                },
            }
        ]
    out["properties"] = props
    return out


def _severity_key(f: Finding) -> tuple[int, int]:
    return (-SEVERITY_RANK[f.severity], -_OUTCOME_RANK.get(f.outcome, 0))


def _notification(level: str, text: str, file: str, line: int | None, column: int | None, root: Path) -> Any:
    note: dict[str, Any] = {"level": level, "message": {"text": printable(text)}}
    if file:
        physical: dict[str, Any] = {"artifactLocation": artifact_location(file, root)}
        if line is not None:
            physical["region"] = {"startLine": line, "startColumn": column or 1}
        note["locations"] = [{"physicalLocation": physical}]
    return note


def sarif_log(report: Report, options: RenderOptions, limit: int = MAX_RESULTS) -> dict[str, Any]:
    """The SARIF log as a dict, keeping at most ``limit`` results (the most severe)."""
    root = repository_root()
    descriptors = [_rule_descriptor(r, report, options.fail_on) for r in report.rules]
    index = {r.id: i for i, r in enumerate(report.rules)}
    for f in report.findings:
        if f.rule_id not in index:
            index[f.rule_id] = len(descriptors)
            descriptors.append(_builtin_descriptor(f, options.fail_on))
    shown = [f for f in report.findings if f.outcome != "waived" or options.include_waived]
    kept = set(map(id, sorted(shown, key=_severity_key)[:limit]))
    left_out = len(shown) - len(kept)
    notifications = [_notification("error", p.message, p.file, p.line, p.column, root) for p in report.errors]
    if left_out:
        notifications.append(
            _notification(
                "warning",
                f"{left_out} of {len(shown)} results left out to stay within GitHub code scanning's "
                "limits; the most severe are kept. Use --format json for all of them.",
                "",
                None,
                None,
                root,
            )
        )
    invocation: dict[str, Any] = {"executionSuccessful": not report.errors}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    if report.unused_waivers:
        invocation["toolConfigurationNotifications"] = [
            _notification(
                "warning",
                w.message,
                w.file,
                w.line,
                w.column,
                root,
            )
            for w in report.unused_waivers
        ]
    invocation["properties"] = {"asOf": report.as_of.isoformat(), "failOn": options.fail_on}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "dataflow-compliance",
                "version": report.tool_version,
                "semanticVersion": report.tool_version,
                "rules": descriptors,
            }
        },
        "invocations": [invocation],
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index[f.rule_id], root, options.fail_on) for f in shown if id(f) in kept],
        "properties": {
            "packs": dict(report.packs),
            "summary": report.summary(),
            "resultsLeftOut": left_out,
        },
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: Report, options: RenderOptions) -> str:
    """Render the report as SARIF 2.1.0 JSON, within GitHub's result-count and size limits."""
    limit = MAX_RESULTS
    while True:
        text = dumps_indented(sarif_log(report, options, limit)) + "\n"
        if limit == 0 or len(gzip.compress(text.encode("utf-8", "backslashreplace"))) <= MAX_GZIP_BYTES:
            return text
        limit = min(limit, len(report.findings)) * 4 // 5

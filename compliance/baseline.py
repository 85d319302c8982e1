"""Baselines for gradual adoption: record today's findings, then report only new ones.

An entry is ``rule_id``, ``file`` (relative to the baseline file's folder, with forward
slashes, so the baseline holds wherever the check runs from; for a finding about an
organization, ``organization: <its name>``, as the finding lands on whichever of its files
a run lists first), ``target`` (``flows/x``, ``organization``), ``outcome`` and
``fingerprint``: a SHA-256 of the rule id, the target, the severity, the finding's ``detail``
(which remote access) and its facts, without the explanatory sentences (``why``, which name
the as-of date) and ``days_left``. The organization's volume figures (``cn.*_individuals``)
enter only as which measures the finding rests on and whether each is above zero, not as
counts: a rule's volume conditions fix the band its total is in (a total crossing into another
band fires another rule or stops this one), and a routine headcount update in one file must not
re-open every volume finding of the organization. So an entry stops matching when the facts
behind the finding change (another destination, another source country, a system moved to
another country or reached from another, a new volume measure such as sensitive PI now
leaving, a severity raised by Art. 9 or sensitive data, a mechanism recorded but not in force,
a waiver that expired), not when a line moves, a day passes or a count moves within its band.

This release writes version 3 and reads versions 3 and 2. A version 2 file (earlier releases)
is matched with the fingerprints of its version, which took neither the ``detail`` nor the
system facts ``system_country`` and ``access_countries``, so recording it again is needed only
for a system finding to follow a system that moves. Version 1 fingerprints ignored severity
and volume measures, so checked against today's fingerprints a version 1 file would hide
nothing; it is refused with a request to record the baseline again. Every field :func:`record`
writes is required when reading (:func:`load`), but ``organizations`` in a version 2 file: the
releases that wrote version 2 did not all record it.

Only ``violation`` and ``needs_review`` findings are recorded (waivers and notices take care of
themselves). Each entry hides at most one finding with all five fields equal; entries for files
the run checked that hide nothing are stale and are listed, so the baseline can shrink. The file
also records, under ``organizations``, the files each organization was recorded over: its
entries are stale only after a run that judged all of them (or reported one of its findings).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Collection
from pathlib import Path
from typing import Any, NamedTuple

from compliance.errors import InputError, Problem
from compliance.findings import COUNTED, BaselineEntry, Finding, Report
from compliance.outcomes import target_ref

BASELINE_VERSION = 3
#: The versions this release reads (:data:`BASELINE_VERSION` and the one before it).
READABLE = (2, 3)
_VOLATILE = ("why", "days_left")
#: Facts that version 2 fingerprints did not have (``compliance.policy.conditions``: the
#: country of a system and where remote access to it comes from).
_SINCE_3 = ("system_country", "access_countries")
_FIELDS = ("rule_id", "file", "target", "outcome", "fingerprint")


def fingerprint(f: Finding, version: int = BASELINE_VERSION) -> str:
    """The hash of rule id, target, severity, the finding's facts (volume figures reduced to
    the measures named and whether each is above zero, see the module docstring) and its
    ``detail``, when it has one (which remote access of a system the finding is about); with
    ``version`` 2, as that version computed it (no detail, no :data:`_SINCE_3` facts)."""
    facts: dict[str, Any] = {}
    for k, v in f.facts.items():
        if k in _VOLATILE or (version == 2 and k in _SINCE_3):
            continue
        if k.startswith("cn.") and k.endswith("_individuals"):
            facts[k] = "above zero" if v else "zero"
        else:
            facts[k] = v
    parts: list[Any] = [f.rule_id, target_ref(f.target), f.severity, facts]
    if f.detail and version >= 3:  # which remote access (``access from SG by other_entity``)
        parts.append(f.detail)
    key = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _relative(file: str, folder: Path) -> str:
    return Path(os.path.relpath(os.path.realpath(file), os.path.realpath(folder))).as_posix()


#: The ``file`` of an entry for a finding about an organization, before its normalised name:
#: such a finding lands on whichever of the organization's files a run lists first.
ORGANIZATION_FILE = "organization: "


def entry(f: Finding, folder: Path, version: int = BASELINE_VERSION) -> BaselineEntry:
    """The baseline entry of finding ``f`` for a baseline file of ``version`` in ``folder``."""
    file = ORGANIZATION_FILE + f.organization if f.organization else _relative(f.file, folder)
    return BaselineEntry(f.rule_id, file, target_ref(f.target), f.outcome, fingerprint(f, version))


def record(report: Report, path: str) -> str:
    """The baseline document (JSON text) of the counted findings of ``report``, to be written
    to ``path``; entries are sorted so that re-recording gives a small diff."""
    folder = Path(path).parent
    entries = sorted(
        (entry(f, folder) for f in report.findings if f.outcome in COUNTED),
        key=lambda e: (e.file, e.rule_id, e.target, e.fingerprint),
    )
    organizations: dict[str, list[str]] = {}
    for file, key in report.organizations.items():
        organizations.setdefault(key, []).append(_relative(file, folder))
    doc = {
        "baseline_version": BASELINE_VERSION,
        "tool": {"name": "dataflow-compliance", "version": report.tool_version},
        "as_of": report.as_of.isoformat(),
        "findings": [e._asdict() for e in entries],
        "organizations": {key: sorted(files) for key, files in sorted(organizations.items())},
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


#: What each recorded value must look like: a hand edit that breaks one is an error, never an
#: entry that silently matches nothing.
_VALUE_CHECKS = (
    ("rule_id", (re.compile(r"[A-Z][A-Z0-9]*(-[A-Z0-9]+)+"), "a rule id")),
    ("target", (re.compile(r"organization|(datasets|systems|flows)/.+"), "a target (flows/<id>, ...)")),
    ("outcome", (re.compile(r"violation|needs_review"), "violation or needs_review")),
    ("fingerprint", (re.compile(r"[0-9a-f]{64}"), "a fingerprint (64 hexadecimal digits)")),
    ("file", (re.compile(r".+", re.DOTALL), "a file name")),
)


#: The fields of a baseline file, in the order :func:`record` writes them, and what each holds.
_TOP_LEVEL = {
    "baseline_version": "the version of this format",
    "tool": 'the name and version of the tool that recorded it: {"name": ..., "version": ...}',
    "as_of": "the date it was recorded, YYYY-MM-DD",
    "findings": "the list of entries",
    "organizations": "each organization's list of files",
}


class Baseline(NamedTuple):
    """A baseline file read: its ``entries``, and ``organizations``: each organization's key ->
    the files (as entries name them) it was recorded over, or ``None`` in a file recorded before
    this was written down."""

    entries: list[BaselineEntry]
    organizations: dict[str, frozenset[str]] | None
    version: int = BASELINE_VERSION


def _date_problem(value: object) -> str | None:
    """What is wrong with ``value`` as the date a baseline was recorded, or ``None``."""
    import datetime as dt

    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value, re.ASCII):
        return f"{json.dumps(value)} is not the date it was recorded (YYYY-MM-DD)"
    try:
        dt.date.fromisoformat(value)
    except ValueError as exc:  # written as a date, but the month or the day does not exist
        return f"{json.dumps(value)}: there is no such day ({exc})"
    return None


def load(path: str) -> Baseline:
    """Read a baseline file: the fields :func:`record` writes, each required and of its type
    (``organizations`` may be left out of a version 2 file, whose earlier releases did not
    record it; ``null`` is never a value).

    Raises:
        InputError: the file is missing or not a baseline this release reads: one problem, with
            its position, for each field missing, unknown or malformed (``tool`` not its name
            and version, ``as_of`` not a date, an entry not five strings of their form,
            ``organizations`` not each organization's files).
    """
    from compliance.sources.document import read_document

    if not os.path.exists(path):
        raise InputError(
            [Problem(path, None, None, "no such baseline file (write one with `compliance baseline`)")]
        )
    if os.path.isdir(path):
        raise InputError([Problem(path, None, None, "is a directory, not a baseline file")])
    expected = "a baseline (write one with `compliance baseline`)"
    doc = read_document(path, expected=expected, what="baseline file")
    data: Any = doc.data
    version = data.get("baseline_version") if isinstance(data, dict) else None
    if type(version) is not int:  # not True (== 1) nor 2.0 (== 2)
        version = None
    if version == 1:
        raise InputError(
            [
                doc.problem(
                    ("baseline_version",),
                    "baseline_version 1 is from an older release whose fingerprints ignored severity "
                    "and volume measures; record the baseline again with `compliance baseline`",
                )
            ]
        )
    if not isinstance(data, dict) or version not in READABLE:
        if isinstance(data, dict) and "baseline_version" in data:
            got = json.dumps(data["baseline_version"])
            readable = " or ".join(map(str, READABLE))
            message = f"baseline_version: {got} is not one this release reads ({readable})"
        else:
            message = f"not a baseline file (baseline_version {BASELINE_VERSION})"
        raise InputError([doc.problem(("baseline_version",), message)])
    problems = []
    for key, holds in _TOP_LEVEL.items():
        if key not in data and not (key == "organizations" and version == 2):
            problems.append(doc.problem((), f"top level: missing required field {key!r} ({holds})"))
    for key in data:
        if key not in _TOP_LEVEL:
            problems.append(
                doc.problem(
                    (key,), f"unknown field {key!r} (a baseline has {', '.join(_TOP_LEVEL)})", key=True
                )
            )
    tool = data.get("tool")
    if "tool" in data and not (
        isinstance(tool, dict)
        and set(tool) == {"name", "version"}
        and all(isinstance(v, str) and v for v in tool.values())
    ):
        shown = json.dumps(tool)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        problems.append(doc.problem(("tool",), f"tool: {shown} is not {_TOP_LEVEL['tool']}"))
    elif isinstance(tool, dict) and tool["name"] != "dataflow-compliance":
        # another tool's baseline file: its entries mean nothing here
        problems.append(
            doc.problem(
                ("tool", "name"),
                f"tool.name: {json.dumps(tool['name'])[:60]} recorded it, not dataflow-compliance: "
                "this is another tool's baseline",
            )
        )
    recorded = _date_problem(data["as_of"]) if "as_of" in data else None
    if recorded is not None:  # informational, but never garbled
        problems.append(doc.problem(("as_of",), f"as_of: {recorded}"))
    items = data.get("findings", [])
    if not isinstance(items, list):
        problems.append(doc.problem(("findings",), "findings: expected a list of entries"))
        items = []
    out = []
    for i, item in enumerate(items):
        if (
            not isinstance(item, dict)
            or set(item) != set(_FIELDS)
            or not all(isinstance(v, str) for v in item.values())
        ):
            problems.append(
                doc.problem(
                    ("findings", i), f"findings[{i}]: expected exactly the strings {', '.join(_FIELDS)}"
                )
            )
            continue
        wrong = [(key, why) for key, (pattern, why) in _VALUE_CHECKS if not pattern.fullmatch(item[key])]
        for key, why in wrong:
            message = f"findings[{i}].{key}: {item[key]!r} is not {why}"
            problems.append(doc.problem(("findings", i, key), message))
        if not wrong:
            out.append(BaselineEntry(**{k: item[k] for k in _FIELDS}))
    organizations = _organizations(data, doc, problems)
    if problems:
        raise InputError(problems)
    assert version is not None
    return Baseline(out, organizations, version)


def _organizations(
    data: dict[str, Any], doc: Any, problems: list[Problem]
) -> dict[str, frozenset[str]] | None:
    """The ``organizations`` of a baseline (``None`` when absent), problems added to ``problems``."""
    if "organizations" not in data:
        return None
    value = data["organizations"]
    if not isinstance(value, dict) or not all(
        isinstance(files, list) and files and all(isinstance(f, str) and f for f in files)
        for files in value.values()
    ):
        problems.append(
            doc.problem(("organizations",), "organizations: expected each organization's list of files")
        )
        return None
    return {key: frozenset(files) for key, files in value.items()}


def apply(report: Report, baseline: Baseline, path: str, skipped: Collection[str] = ()) -> None:
    """Remove from ``report`` the findings the baseline at ``path`` holds (one entry hides one
    finding) and record how many were hidden and which entries of checked files are stale.

    Entries of ``skipped`` rules (rules the tool has that this run did not run: another
    ``--pack``, a rule the configuration disables) are never stale, since the run says nothing
    of them; an entry of a rule the tool no longer has (removed or renamed) can be. An
    organization's entries are checked when one of its findings is reported, or when the run
    judged every file the baseline recorded it over: a run of some of its files judges it on
    part of its facts, so what it no longer reports is not shown to be fixed.
    """
    entries = baseline.entries
    folder = Path(path).parent
    left = Counter(entries)
    kept = []
    hidden = 0
    for f in report.findings:
        if f.outcome in COUNTED:
            e = entry(f, folder, baseline.version)
            if left[e] > 0:
                left[e] -= 1
                hidden += 1
                continue
        kept.append(f)
    unusable = {p.file for p in report.errors}
    checked = {_relative(f, folder) for f in report.files if f not in unusable}
    checked |= {ORGANIZATION_FILE + f.organization for f in report.findings if f.organization}
    # An organization judged over every file the baseline recorded it over, one of them among
    # the files reported on (its findings are reported there); a baseline recorded before the
    # files were written down takes any judged file as enough.
    judged: dict[str, set[str]] = {}
    for file, key in report.organizations.items():
        judged.setdefault(key, set()).add(_relative(file, folder))
    shown = {_relative(f, folder) for f in report.files}
    recorded = baseline.organizations
    checked |= {
        ORGANIZATION_FILE + key
        for key, files in judged.items()
        if not files.isdisjoint(shown) and (recorded is None or files >= recorded.get(key, frozenset(files)))
    }
    stale = []
    for e in entries:
        if left[e] > 0 and e.file in checked and e.rule_id not in skipped:
            left[e] -= 1
            stale.append(e)
    # a finding now waived (or a notice) is not one reported again as new
    refired = {
        (e.rule_id, e.file, e.target)
        for e in (entry(f, folder, baseline.version) for f in kept if f.outcome in COUNTED)
    }
    report.findings = kept
    report.baselined = hidden
    report.stale_baseline = stale
    report.stale_changed = {i for i, e in enumerate(stale) if (e.rule_id, e.file, e.target) in refired}

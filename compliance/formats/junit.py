"""JUnit XML output (``--format junit``) for CI test-report views (GitLab, Jenkins, Azure).

One ``testsuite`` per manifest file, its properties the as-of date, the tool version and the
``fail_on`` severity; in it one ``testcase`` per finding, named by its rule, its target and
what tells it apart from the other findings of both (:func:`case_names`), and one passed
``testcase`` per rule that found nothing in the file. A case fails exactly when its
finding fails the run (:func:`~compliance.findings.standing`, as for the exit status and the
other formats): a ``failure`` for a ``violation`` or ``needs_review`` at or above
``--fail-on``; ``skipped`` for ``waived``; a passed case whose ``system-out`` holds the finding
for one below ``--fail-on`` (saying so) and for a notice. A file that could not be read or
validated has one ``testcase`` per problem, each with its ``error``, since test views show a
case's first error only (a problem of no one file, nothing to check, in the suite ``(run)``). The
root counts tests, failures and errors (Jenkins' ``junit-10.xsd`` allows no more there); each
suite counts its skipped cases too.
Control characters from the input are shown as escapes (as in text output); characters XML
1.0 cannot hold are removed from all text.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Sequence

from compliance.errors import Problem
from compliance.findings import Finding, Report
from compliance.formats import RenderOptions
from compliance.outcomes import target_ref
from compliance.terminal import printable, printable_lines

#: The suite of a problem of no one file (nothing to check)
RUN_SUITE = "(run)"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot represent (control characters, lone
    surrogates, U+FFFE/U+FFFF)."""
    return _NOT_XML.sub("", text)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    # What the input says is shown as text, as in the other formats a person reads (control
    # characters and bidirectional overrides as escapes, see compliance.terminal); what is left
    # that XML cannot hold is removed.
    el = ET.SubElement(parent, tag, {k: xml_text(printable(v)) for k, v in attrs.items()})
    if text is not None:
        el.text = xml_text(printable_lines(text))
    return el


def _where(f: Finding) -> str:
    return f"{f.file}:{f.line}:{f.column}" if f.line else f.file


def _details(f: Finding) -> str:
    lines = [f"{_where(f)}: {f.outcome} {f.severity} {f.rule_id} on {target_ref(f.target)}"]
    if f.citation:
        lines.append(f"citation: {f.citation[0]} Art. {f.citation[1]}")
    lines.append(f.title)
    lines.extend(f"- {reason}" for reason in f.why)
    if f.remediation:
        lines.append(f"fix: {' '.join(f.remediation.split())}")
    return "\n".join(printable(line) for line in lines)  # a line break in the input stays inside its line


def case_names(findings: Sequence[Finding]) -> list[str]:
    """The test case name of each of ``findings`` (those of one file): rule id, target and the
    finding's ``detail`` (the access entry of a remote access, the pack of a notice, ...), so
    that a name stays the same from run to run; a name that still repeats (two findings alike
    in all of these) takes its rank, `` #2`` on."""
    return _ranked(
        [f"{f.rule_id} {target_ref(f.target)}" + (f" ({f.detail})" if f.detail else "") for f in findings]
    )


def _ranked(names: Sequence[str]) -> list[str]:
    """``names`` with each repeat of a name followed by its rank (`` #2`` on)."""
    seen: Counter[str] = Counter()
    out = []
    for name in names:
        seen[name] += 1
        out.append(name if seen[name] == 1 else f"{name} #{seen[name]}")
    return out


def _case(suite: ET.Element, file: str, name: str, f: Finding, fail_on: str) -> str | None:
    """Add the test case of finding ``f``; return the count it adds to (``failures``,
    ``skipped``), if any."""
    case = _sub(suite, "testcase", name=name, classname=file)
    if f.line:
        case.set("line", str(f.line))
    standing = f.standing(fail_on)
    if standing == "failing":
        _sub(case, "failure", _details(f), message=f.message, type=f.outcome)
        return "failures"
    if f.waiver is not None:
        w = f.waiver
        _sub(case, "skipped", message=f"waived until {w.expires_on} by {w.approved_by}: {w.reason}")
        return "skipped"
    below = f"\nseverity {f.severity} is below fail-on {fail_on}: this does not fail the run"
    _sub(case, "system-out", _details(f) + (below if standing == "below_gate" else ""))
    return None


def _error_cases(suite: ET.Element, file: str, problems: list[Problem]) -> None:
    """One test case per problem, named by where it is and what (``load and validate 4:9: ...``)."""
    names = _ranked(
        [
            "load and validate" + (f" {p.line}:{p.column or 1}" if p.line else "") + f": {p.message}"
            for p in problems
        ]
    )
    for name, p in zip(names, problems, strict=True):
        case = _sub(suite, "testcase", name=name, classname=file or RUN_SUITE)
        _sub(case, "error", printable(p.render()), message=p.message, type="input")


def render(report: Report, options: RenderOptions) -> str:
    """Render the report as one JUnit XML document with an XML declaration."""
    errors: dict[str, list[Problem]] = defaultdict(list)
    for p in report.errors:
        errors[p.file].append(p)
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for f in report.findings:
        by_file[f.file].append(f)
    files = list(dict.fromkeys([*report.files, *errors, *by_file]))
    root = ET.Element("testsuites", name="dataflow-compliance")
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for file in files:
        suite = _sub(root, "testsuite", name=file or RUN_SUITE)
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        props = _sub(suite, "properties")
        _sub(props, "property", name="as_of", value=report.as_of.isoformat())
        _sub(props, "property", name="tool_version", value=report.tool_version)
        _sub(props, "property", name="fail_on", value=options.fail_on)
        if file in errors:
            _error_cases(suite, file, errors[file])
            counts["tests"] = counts["errors"] = len(errors[file])
        else:
            findings = by_file.get(file, [])
            for name, f in zip(case_names(findings), findings, strict=True):
                state = _case(suite, file, name, f, options.fail_on)
                if state is not None:
                    counts[state] += 1
                counts["tests"] += 1
            fired = {f.rule_id for f in findings}
            for rule in report.rules:
                if rule.id not in fired:
                    _sub(suite, "testcase", name=rule.id, classname=file)
                    counts["tests"] += 1
        unused = [w for w in report.unused_waivers if w.file == file]
        if unused:  # no test state fits a waiver that matched nothing: the suite's output says so
            lines = [f"{w.file}:{w.line or 0}:{w.column or 0}: {w.message}" for w in unused]
            _sub(suite, "system-out", "\n".join(lines))
        for key, n in counts.items():
            suite.set(key, str(n))
            total[key] += n
    for key in ("tests", "failures", "errors"):
        root.set(key, str(total[key]))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

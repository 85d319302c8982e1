"""The small fixed report every format test renders, and what all formats must agree on.

The report comes from the real pipeline (load, validate, facts, rules, waivers, notices) run
on a small manifest with a fixed as-of date, against a two-rule pack written here so that
edits to the shipped packs cannot change the expected documents. The manifest's path holds a
space, a ``#`` and a non-ASCII letter to exercise URI encoding.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from compliance.findings import Report
from compliance.formats import FORMATS, RenderOptions, render
from compliance.formats.github import command
from compliance.formats.markdown import escape
from compliance.outcomes import target_ref
from compliance.run import check
from compliance.run import shipped_packs as load

AS_OF = dt.date(2025, 12, 1)
MANIFEST_PATH = "data flows/bücher #1.yaml"

MANIFEST = """\
manifest_version: 1
organization:
  name: Beispiel GmbH
  established_in: [DE]
  ciio: false
  state_organ: false
datasets:
  - id: customers
    categories: [user.contact.email, user.name]
    subjects:
      - {residency: DE, count: 20000}
    important_data: false
    core_data: false
systems:
  - id: crm
    location: aws:eu-central-1
    operator: {name: Beispiel GmbH, role: controller}
    stores: [customers]
  - id: remote
    location: aws:us-east-1
    operator: {name: Recipient Ltd, role: processor}
    stores: []
  - id: tokyo
    location: JP
    operator: {name: Tokyo KK, role: processor}
    stores: []
flows:
  - id: crm-to-remote
    from: crm
    to: remote
    datasets: [customers]
    purpose: essential.service
    started_on: "2025-02-01"
    recipient: {name: Recipient Ltd, role: processor, dpf_certified: false}
    mechanisms: []
  - id: crm-to-tokyo
    from: crm
    to: tokyo
    datasets: [customers]
    purpose: essential.service
    started_on: "2025-02-01"
    recipient: {name: Tokyo KK, role: processor, dpf_certified: false}
    mechanisms: []
waivers:
  - rule: TEST-EU-REVIEW
    target: flows/crm-to-tokyo
    reason: "Reviewed in ticket #42: 100% internal, see <notes>"
    approved_by: dpo@beispiel.example
    expires_on: "2026-01-15"
"""

_RULE = """\
id: {id}
title: "{title}"
severity: {severity}
citation: {{instrument: GDPR, article: "{article}"}}
regime: eu
target: flow
effective: {{from: "2018-05-25"}}
when:
  all:
    - transfer: eu
    - carries: personal
{require}outcome: {outcome}
rationale: Personal data may leave the EEA only under Chapter V.
remediation: Sign the 2021 SCCs or use an adequate destination.
references: ["Regulation (EU) 2016/679 (GDPR), Art. {article}"]
"""

RULES = {
    "TEST-EU-TOOL": _RULE.format(
        id="TEST-EU-TOOL",
        title="A transfer out of the EEA needs a transfer tool",
        severity="high",
        article="44",
        require="require:\n  any:\n    - adequacy: true\n    - in_force: [scc-2021]\n",
        outcome="violation",
    ),
    "TEST-EU-REVIEW": _RULE.format(
        id="TEST-EU-REVIEW",
        title="Every transfer out of the EEA is reviewed",
        severity="low",
        article="46",
        require="",
        outcome="needs_review",
    ),
}


def write_sample(folder: Path, manifest: str = MANIFEST) -> tuple[Path, Path]:
    """Write the test pack and the manifest under ``folder``; return (rules dir, manifest)."""
    rules = folder / "test-rules"
    rules.mkdir()
    (rules / "pack.yaml").write_text(
        'id: test-rules\ntitle: Test rules\nversion: local\ndata_date: "2025-12-01"\n', encoding="utf-8"
    )
    for rule_id, text in RULES.items():
        (rules / f"{rule_id}.yaml").write_text(text, encoding="utf-8")
    manifest_file = folder / MANIFEST_PATH
    manifest_file.parent.mkdir(parents=True)
    manifest_file.write_text(manifest, encoding="utf-8")
    return rules, manifest_file


def sample_report(folder: Path, extra_files: tuple[str, ...] = ()) -> Report:
    """Run the real pipeline on the sample, from ``folder`` (which must be the working
    directory, so that file names are relative as on a command line)."""
    rules, _ = write_sample(folder)
    packs = load([], [str(rules)])
    return check([MANIFEST_PATH, *extra_files], packs, AS_OF)


@pytest.fixture
def report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Report:
    monkeypatch.chdir(tmp_path)
    return sample_report(tmp_path)


def test_sample_has_every_outcome(report: Report) -> None:
    got = [(f.rule_id, f.outcome, f.target[1], f.line, f.column) for f in report.findings]
    assert got == [
        ("TEST-EU-REVIEW", "needs_review", "crm-to-remote", 28, 5),
        ("TEST-EU-TOOL", "violation", "crm-to-remote", 28, 5),
        ("TEST-EU-REVIEW", "waived", "crm-to-tokyo", 36, 5),
        ("NOTICE-WAIVER-EXPIRING", "notice", "crm-to-tokyo", 45, 5),
    ]
    assert not report.errors


def _lines_by_format(report: Report) -> dict[str, list[int]]:
    opts = RenderOptions(include_waived=True)
    sarif = json.loads(render("sarif", report, opts))
    junit = ET.fromstring(render("junit", report, opts))
    return {
        "sarif": [
            r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in sarif["runs"][0]["results"]
        ],
        "junit": [int(c.get("line", "0")) for c in junit.iter("testcase") if c.get("line")],
        "github": [int(m) for m in re.findall(r",line=(\d+),", render("github", report, opts))],
        "markdown": [int(m) for m in re.findall(r"\(line (\d+),", render("markdown", report, opts))],
        "json": [f["location"]["line"] for f in json.loads(render("json", report, opts))["findings"]],
    }


def test_all_formats_carry_the_same_lines(report: Report) -> None:
    lines = _lines_by_format(report)
    every = sorted(f.line or 0 for f in report.findings)
    assert sorted(lines["sarif"]) == every
    assert sorted(lines["json"]) == every
    assert sorted(lines["markdown"]) == every
    # JUnit has one testcase per rule and target; GitHub does not annotate waived findings.
    assert sorted(lines["junit"]) == [28, 28, 36, 45]
    assert sorted(lines["github"]) == [28, 28, 45]


def test_every_format_is_registered_and_renders(report: Report) -> None:
    for name in ("sarif", "junit", "github", "markdown"):
        assert name in FORMATS
        assert render(name, report, RenderOptions()).endswith("\n")


def test_the_bytes_written_are_the_text_in_utf_8(report: Report) -> None:
    # the CLI writes render_bytes (JSON straight from orjson, the others encoded)
    from compliance.formats import render_bytes

    for name in FORMATS:
        for options in (RenderOptions(), RenderOptions(explain=True, fail_on="high")):
            assert render_bytes(name, report, options) == render(name, report, options).encode("utf-8")


@pytest.mark.parametrize("unusable", ["empty", "hidden-only", "unreadable", "missing.yaml"])
def test_every_format_reports_an_unusable_input_beside_a_checked_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unusable: str
) -> None:
    # Whatever input yields no manifest (a folder holding none or that cannot be listed, a
    # missing file), the file beside it is still reported, the input is named as not checked
    # and the run fails with status 2, in every format alike.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    (tmp_path / "hidden-only").mkdir()
    (tmp_path / "hidden-only" / ".draft.yaml").write_text(MANIFEST, encoding="utf-8")
    (tmp_path / "unreadable").mkdir()
    (tmp_path / "unreadable" / "a.yaml").write_text(MANIFEST, encoding="utf-8")
    walk = os.walk

    def refused(top: str, onerror: Any = None, followlinks: bool = False) -> Any:
        if top != "unreadable":
            return walk(top, onerror=onerror, followlinks=followlinks)
        onerror(PermissionError(13, "Permission denied", top))  # as os.walk reports it
        return iter(())

    monkeypatch.setattr(os, "walk", refused)
    report = sample_report(tmp_path, (unusable,))
    (problem,) = report.errors
    assert (report.files, problem.file, report.exit_status("low")) == ([MANIFEST_PATH, unusable], unusable, 2)
    fired = ["NOTICE-WAIVER-EXPIRING", "TEST-EU-REVIEW", "TEST-EU-REVIEW", "TEST-EU-TOOL"]
    options = RenderOptions(include_waived=True)

    text = render("text", report, options)
    assert text.endswith(
        f"\n{unusable}: not checked (unusable input, see the errors)\n1 violation, 1 needing review, "
        "1 waived, 1 notice (1 of 2 files checked against 2 rules as of 2025-12-01)\n"
    )
    assert sorted(re.findall(r"\d: (?:needs review|violation|waived|notice) \w+ ([\w-]+)", text)) == fired

    markdown = render("markdown", report, options)
    assert markdown.startswith(
        "## dataflow-compliance: could not check every file\n\n1 of 2 files checked against 2 rules "
    )
    assert f"### Files that could not be checked\n\n- {escape(problem.render())}\n" in markdown
    assert sorted(re.findall(r"`([\w-]+)`", markdown)) == fired

    github = render("github", report, options).splitlines()
    assert github[0] == command("error", problem.message, unusable, None, None, "unusable")
    assert github[-1].endswith(", 1 input problem in 2 files as of 2025-12-01 (fail-on low: unusable input)")
    # GitHub does not annotate waived findings
    assert sorted(re.findall(r"title=([A-Z][\w-]+)", "\n".join(github))) == sorted(set(fired))

    doc = json.loads(render("json", report, options))
    assert (doc["files"], doc["exit_status"]) == ([MANIFEST_PATH, unusable], 2)
    assert doc["errors"] == [{"file": unusable, "line": None, "column": None, "message": problem.message}]
    assert sorted(f["rule_id"] for f in doc["findings"]) == fired

    (run,) = json.loads(render("sarif", report, options))["runs"]
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    assert [
        n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for n in invocation["toolExecutionNotifications"]
    ] == [unusable]
    assert sorted(r["ruleId"] for r in run["results"]) == fired

    junit = ET.fromstring(render("junit", report, options).encode("utf-8"))
    assert [(s.get("name"), s.get("tests"), s.get("errors")) for s in junit.iter("testsuite")] == [
        (MANIFEST_PATH, "4", "0"),
        (unusable, "1", "1"),
    ]
    assert [e.get("message") for e in junit.iter("error")] == [problem.message]


@pytest.mark.parametrize("fail_on", ["low", "medium", "high", "critical"])
def test_every_format_fails_exactly_the_findings_that_fail_the_run(report: Report, fail_on: str) -> None:
    # The sample has a high violation and a low needs_review: each gate passes a different
    # share of them, and every format must draw the line where the exit status does.
    options = RenderOptions(fail_on=fail_on)
    failing = sorted(f"{f.rule_id} {target_ref(f.target)}" for f in report.findings if f.counts(fail_on))
    status = report.exit_status(fail_on)
    assert (status, len(failing)) == {"low": (1, 2), "medium": (1, 1), "high": (1, 1), "critical": (0, 0)}[
        fail_on
    ]

    junit = ET.fromstring(render("junit", report, options).encode("utf-8"))
    failed_cases = [c.get("name") for c in junit.iter("testcase") if c.find("failure") is not None]
    assert (sorted(failed_cases), junit.get("failures")) == (failing, str(len(failing)))
    assert [p.get("value") for p in junit.iter("property") if p.get("name") == "fail_on"] == [fail_on]

    github = render("github", report, options)
    errors = re.findall(r"^::error .*title=([\w-]+)[^:]*::[a-z ]+ [a-z]+ on ([\w/-]+):", github, re.MULTILINE)
    assert sorted(f"{rule} {target}" for rule, target in errors) == failing
    assert github.endswith(f"(fail-on {fail_on}: {'failed' if status else 'passed'})\n")

    assert json.loads(render("json", report, options))["exit_status"] == status
    verdict = "failed" if status else "passed"
    assert render("markdown", report, options).startswith(f"## dataflow-compliance: {verdict}\n")

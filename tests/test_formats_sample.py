"""The small fixed report every format test renders, and what all formats must agree on.

The report comes from the real pipeline (load, validate, facts, rules, waivers, notices) run
on a small manifest with a fixed as-of date, against a two-rule pack written here so that
edits to the shipped packs cannot change the expected documents. The manifest's path holds a
space, a ``#`` and a non-ASCII letter to exercise URI encoding.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from compliance.findings import Report
from compliance.formats import FORMATS, RenderOptions, render
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

"""JUnit XML: exact document, parsed with a real XML parser; errors and unrepresentable characters."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_formats_sample import AS_OF, sample_report

from compliance.findings import Report
from compliance.formats import RenderOptions, render
from compliance.formats.junit import xml_text
from compliance.run import check, shipped_packs

EXPECTED = """\
<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="dataflow-compliance" tests="4" failures="2" errors="0" skipped="1">
  <testsuite name="data flows/bücher #1.yaml" tests="4" failures="2" errors="0" skipped="1">
    <properties>
      <property name="as_of" value="2025-12-01" />
      <property name="tool_version" value="0.1.0" />
      <property name="fail_on" value="low" />
    </properties>
    <testcase name="TEST-EU-REVIEW flows/crm-to-remote" classname="data flows/bücher #1.yaml" line="28">
      <failure message="Every transfer out of the EEA is reviewed: flow crm-to-remote is a transfer of customers from DE to Recipient Ltd in US, outside the EEA; customers hold personal information" type="needs_review">data flows/bücher #1.yaml:28:5: needs_review low TEST-EU-REVIEW on flows/crm-to-remote
citation: GDPR Art. 46
Every transfer out of the EEA is reviewed
- flow crm-to-remote is a transfer of customers from DE to Recipient Ltd in US, outside the EEA
- customers hold personal information
fix: Sign the 2021 SCCs or use an adequate destination.</failure>
    </testcase>
    <testcase name="TEST-EU-TOOL flows/crm-to-remote" classname="data flows/bücher #1.yaml" line="28">
      <failure message="A transfer out of the EEA needs a transfer tool: flow crm-to-remote is a transfer of customers from DE to Recipient Ltd in US, outside the EEA; customers hold personal information; adequacy decision (EU) 2023/1795 for US covers only DPF-certified recipients; Recipient Ltd is not; no scc-2021 in force on 2025-12-01" type="violation">data flows/bücher #1.yaml:28:5: violation high TEST-EU-TOOL on flows/crm-to-remote
citation: GDPR Art. 44
A transfer out of the EEA needs a transfer tool
- flow crm-to-remote is a transfer of customers from DE to Recipient Ltd in US, outside the EEA
- customers hold personal information
- adequacy decision (EU) 2023/1795 for US covers only DPF-certified recipients; Recipient Ltd is not
- no scc-2021 in force on 2025-12-01
fix: Sign the 2021 SCCs or use an adequate destination.</failure>
    </testcase>
    <testcase name="TEST-EU-REVIEW flows/crm-to-tokyo" classname="data flows/bücher #1.yaml" line="36">
      <skipped message="waived until 2026-01-15 by dpo@beispiel.example: Reviewed in ticket #42: 100% internal, see &lt;notes&gt;" />
    </testcase>
    <testcase name="NOTICE-WAIVER-EXPIRING flows/crm-to-tokyo" classname="data flows/bücher #1.yaml" line="45">
      <system-out>data flows/bücher #1.yaml:45:5: notice low NOTICE-WAIVER-EXPIRING on flows/crm-to-tokyo
A waiver expires within 90 days
- the waiver of TEST-EU-REVIEW expires on 2026-01-15 (45 days)</system-out>
    </testcase>
  </testsuite>
</testsuites>
"""  # noqa: E501


@pytest.fixture
def report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Report:
    monkeypatch.chdir(tmp_path)
    return sample_report(tmp_path)


def test_exact_output(report: Report) -> None:
    assert render("junit", report, RenderOptions()) == EXPECTED


def test_parses_with_counts(report: Report) -> None:
    root = ET.fromstring(render("junit", report, RenderOptions()).encode("utf-8"))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("skipped"), root.get("errors")) == (
        "4",
        "2",
        "1",
        "0",
    )
    names = [c.get("name") for c in root.iter("testcase")]
    assert names == [
        "TEST-EU-REVIEW flows/crm-to-remote",
        "TEST-EU-TOOL flows/crm-to-remote",
        "TEST-EU-REVIEW flows/crm-to-tokyo",
        "NOTICE-WAIVER-EXPIRING flows/crm-to-tokyo",
    ]


def test_a_finding_below_fail_on_is_a_passed_case_that_keeps_its_text(report: Report) -> None:
    root = ET.fromstring(render("junit", report, RenderOptions(fail_on="high")).encode("utf-8"))
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("4", "1", "1")
    review = next(root.iter("testcase"))
    assert review.get("name") == "TEST-EU-REVIEW flows/crm-to-remote"
    assert [child.tag for child in review] == ["system-out"]
    assert (review.findtext("system-out") or "").split("\n") == [
        "data flows/bücher #1.yaml:28:5: needs_review low TEST-EU-REVIEW on flows/crm-to-remote",
        "citation: GDPR Art. 46",
        "Every transfer out of the EEA is reviewed",
        "- flow crm-to-remote is a transfer of customers from DE to Recipient Ltd in US, outside the EEA",
        "- customers hold personal information",
        "fix: Sign the 2021 SCCs or use an adequate destination.",
        "severity low is below fail-on high: this does not fail the run",
    ]
    # at the gate or above it still fails; a notice passes with no such line
    assert [child.tag for child in list(root.iter("testcase"))[1]] == ["failure"]
    notice = list(root.iter("testcase"))[3]
    assert (notice.findtext("system-out") or "").endswith("(45 days)")


def test_rules_without_findings_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    report = sample_report(tmp_path)
    clean = dataclasses.replace(report, findings=[])
    root = ET.fromstring(render("junit", clean, RenderOptions()).encode("utf-8"))
    cases = list(root.iter("testcase"))
    assert [c.get("name") for c in cases] == ["TEST-EU-REVIEW", "TEST-EU-TOOL"]
    assert all(len(c) == 0 for c in cases)


def test_unreadable_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    sample_report(tmp_path)
    report = check(["missing.yaml"], shipped_packs([], ["test-rules"]), AS_OF)
    root = ET.fromstring(render("junit", report, RenderOptions()).encode("utf-8"))
    assert root.get("errors") == "1"
    (case,) = root.iter("testcase")
    assert case.get("classname") == "missing.yaml"
    (error,) = case.iter("error")
    assert error.get("message") == report.errors[0].message


def test_control_characters_are_shown_and_what_xml_cannot_hold_is_removed(report: Report) -> None:
    assert xml_text("a\x00b\x1bc\ud800d\ufffee\tf\U0001f600") == "abcde\tf\U0001f600"
    nasty = report.findings[0]._replace(
        title="Title\r\n::error::pwn", why=("bell\x07 and nul\x00 and ]]> end \u202e\ud800",)
    )
    text = render("junit", dataclasses.replace(report, findings=[nasty]), RenderOptions())
    root = ET.fromstring(text.encode("utf-8"))
    failure = next(root.iter("failure"))
    body = (failure.text or "").split("\n")
    assert "- bell\\x07 and nul\\x00 and ]]> end \\u202e\\ud800" in body  # escapes, as in text output
    assert "Title\\x0d ::error::pwn" in body  # no line of the body starts with input text
    assert (failure.get("message") or "").startswith("Title\\x0d ::error::pwn: ")


def test_unused_waivers_are_in_their_suites_output(report: Report) -> None:
    from compliance.findings import UnusedWaiver

    file = report.files[0]
    stale = UnusedWaiver(file, 47, 5, "TEST-EU-TOOL", "flows/gone", AS_OF, "no rule has the id 'X'")
    doc = ET.fromstring(render("junit", dataclasses.replace(report, unused_waivers=[stale]), RenderOptions()))
    (suite,) = doc.iter("testsuite")
    assert [el.text for el in suite.findall("system-out")] == [
        f"{file}:47:5: unused waiver: TEST-EU-TOOL on flows/gone matches no finding; no rule has the id 'X'"
    ]
    # the counts stay those of the test cases
    assert (suite.get("tests"), suite.get("failures")) == ("4", "2")

"""JUnit XML: exact document, parsed with a real XML parser; errors and unrepresentable characters."""

from __future__ import annotations

import dataclasses
import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_formats_sample import AS_OF, sample_report

from compliance.findings import Report
from compliance.formats import RenderOptions, render
from compliance.formats.junit import case_names, xml_text
from compliance.run import check, shipped_packs

ROOT = Path(__file__).resolve().parent.parent

EXPECTED = """\
<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="dataflow-compliance" tests="4" failures="2" errors="0">
  <testsuite name="data flows/bücher #1.yaml" tests="4" failures="2" errors="0" skipped="1">
    <properties>
      <property name="as_of" value="2025-12-01" />
      <property name="tool_version" value="0.1.0" />
      <property name="fail_on" value="low" />
    </properties>
    <testcase name="TEST-EU-REVIEW flows/crm-to-remote" classname="data flows/bücher #1.yaml" line="28">
      <failure message="Every transfer out of the EEA is reviewed: flow crm-to-remote is a transfer of customers from DE to Recipient Ltd in US, outside the EEA; customers holds personal information" type="needs_review">data flows/bücher #1.yaml:28:5: needs_review low TEST-EU-REVIEW on flows/crm-to-remote
citation: GDPR Art. 46
Every transfer out of the EEA is reviewed
- flow crm-to-remote is a transfer of customers from DE to Recipient Ltd in US, outside the EEA
- customers holds personal information
fix: Sign the 2021 SCCs or use an adequate destination.</failure>
    </testcase>
    <testcase name="TEST-EU-TOOL flows/crm-to-remote" classname="data flows/bücher #1.yaml" line="28">
      <failure message="A transfer out of the EEA needs a transfer tool: flow crm-to-remote is a transfer of customers from DE to Recipient Ltd in US, outside the EEA; customers holds personal information; adequacy decision (EU) 2023/1795 for US covers only DPF-certified recipients; Recipient Ltd is not; no scc-2021 in force on 2025-12-01" type="violation">data flows/bücher #1.yaml:28:5: violation high TEST-EU-TOOL on flows/crm-to-remote
citation: GDPR Art. 44
A transfer out of the EEA needs a transfer tool
- flow crm-to-remote is a transfer of customers from DE to Recipient Ltd in US, outside the EEA
- customers holds personal information
- adequacy decision (EU) 2023/1795 for US covers only DPF-certified recipients; Recipient Ltd is not
- no scc-2021 in force on 2025-12-01
fix: Sign the 2021 SCCs or use an adequate destination.</failure>
    </testcase>
    <testcase name="TEST-EU-REVIEW flows/crm-to-tokyo" classname="data flows/bücher #1.yaml" line="36">
      <skipped message="waived until 2026-01-15 by dpo@beispiel.example: Reviewed in ticket #42: 100% internal, see &lt;notes&gt;" />
    </testcase>
    <testcase name="NOTICE-WAIVER-EXPIRING flows/crm-to-tokyo (waiver of TEST-EU-REVIEW)" classname="data flows/bücher #1.yaml" line="45">
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
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "2", "0")
    (suite,) = root.iter("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped"), suite.get("errors")) == (
        "4",
        "2",
        "1",
        "0",
    )
    # Jenkins' junit-10.xsd allows tests, failures and errors on the root, and no more
    assert sorted(root.keys()) == ["errors", "failures", "name", "tests"]
    names = [c.get("name") for c in root.iter("testcase")]
    assert names == [
        "TEST-EU-REVIEW flows/crm-to-remote",
        "TEST-EU-TOOL flows/crm-to-remote",
        "TEST-EU-REVIEW flows/crm-to-tokyo",
        "NOTICE-WAIVER-EXPIRING flows/crm-to-tokyo (waiver of TEST-EU-REVIEW)",
    ]


def test_a_finding_below_fail_on_is_a_passed_case_that_keeps_its_text(report: Report) -> None:
    root = ET.fromstring(render("junit", report, RenderOptions(fail_on="high")).encode("utf-8"))
    assert (root.get("tests"), root.get("failures"), root.find("testsuite").get("skipped")) == ("4", "1", "1")  # type: ignore[union-attr]
    review = next(root.iter("testcase"))
    assert review.get("name") == "TEST-EU-REVIEW flows/crm-to-remote"
    assert [child.tag for child in review] == ["system-out"]
    assert (review.findtext("system-out") or "").split("\n") == [
        "data flows/bücher #1.yaml:28:5: needs_review low TEST-EU-REVIEW on flows/crm-to-remote",
        "citation: GDPR Art. 46",
        "Every transfer out of the EEA is reviewed",
        "- flow crm-to-remote is a transfer of customers from DE to Recipient Ltd in US, outside the EEA",
        "- customers holds personal information",
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
    assert (case.get("classname"), case.get("name")) == ("missing.yaml", "load and validate: no such file")
    (error,) = case.iter("error")
    assert error.get("message") == report.errors[0].message


def test_each_problem_of_an_unusable_file_is_a_case_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # test views show one error per case: six problems in one case showed the first only
    monkeypatch.chdir(tmp_path)
    sample_report(tmp_path)
    (tmp_path / "bad.yaml").write_text(
        "manifest_version: 1\norganization: {name: X}\nbogus: 1\nmore: 2\n", encoding="utf-8"
    )
    report = check(["bad.yaml"], shipped_packs([], ["test-rules"]), AS_OF)
    root = ET.fromstring(render("junit", report, RenderOptions()).encode("utf-8"))
    cases = list(root.iter("testcase"))
    assert [(c.get("name"), [e.get("message") for e in c.iter("error")]) for c in cases] == [
        (f"load and validate {p.line}:{p.column}: {p.message}", [p.message]) for p in report.errors
    ]
    assert len(cases) == len(report.errors) > 3
    assert root.get("errors") == root.get("tests") == str(len(report.errors))


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


ACCESS = """\
    access_from:
      - {location: SG, by: other_entity}
      - {location: "aws:ap-southeast-1", by: other_entity}
      - {location: JP}
"""


def travel_with_access(folder: Path, header: str = "", access: str = ACCESS) -> Path:
    """fixtures/example-travel.yaml below ``header``, with booking-db's remote access as
    ``access`` (by default: also from an AWS region in SG, the country of its first entry, and
    from JP)."""
    text = (ROOT / "fixtures" / "example-travel.yaml").read_text(encoding="utf-8")
    one = "    access_from:\n      - {location: SG, by: other_entity}\n"
    assert text.count(one) == 1
    path = folder / "travel.yaml"
    path.write_text(header + text.replace(one, access), encoding="utf-8")
    return path


def _cases(report: Report) -> list[tuple[str | None, list[str]]]:
    root = ET.fromstring(render("junit", report, RenderOptions()).encode("utf-8"))
    return [(c.get("name"), [child.tag for child in c]) for c in root.iter("testcase") if len(c)]


def test_one_case_per_finding_each_named_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Three remote accesses to booking-db (two from SG) each fire the same three rules on the
    # same target, and both packs' data dates have passed: every finding is its own case.
    monkeypatch.chdir(tmp_path)
    travel_with_access(tmp_path)
    report = check(["travel.yaml"], shipped_packs(None, ()), dt.date(2026, 11, 30))
    counted = [f for f in report.findings if f.outcome in ("violation", "needs_review")]
    assert len(counted) == 11
    root = ET.fromstring(render("junit", report, RenderOptions()).encode("utf-8"))
    cases = sum(1 for _ in root.iter("testcase"))
    (suite,) = root.iter("testsuite")
    assert (root.get("tests"), root.get("failures"), suite.get("skipped")) == (str(cases), "11", "1")
    db = "systems/booking-db (access from"
    assert _cases(report) == [
        ("NOTICE-PACK-DATE organization (pack cn)", ["system-out"]),
        ("NOTICE-PACK-DATE organization (pack eu)", ["system-out"]),
        *(
            (f"{rule} {db} {place} by other_entity)", ["failure"])
            for place in ("SG", "aws:ap-southeast-1", "JP")
            for rule in ("CN-CBDF-7-VOLUME-ASSESSMENT", "CN-PIPL-39-SEPARATE-CONSENT", "CN-PIPL-55-PIPIA")
        ),
        ("CN-CBDF-7-VOLUME-ASSESSMENT flows/cn-bookings-to-support", ["failure"]),
        ("CN-PIPL-39-SEPARATE-CONSENT flows/staff-to-hr-hub", ["failure"]),
        ("EU-GDPR-46-TIA flows/eu-bookings-to-analytics", ["skipped"]),
        ("NOTICE-WAIVER-EXPIRING flows/eu-bookings-to-analytics (waiver of EU-GDPR-46-TIA)", ["system-out"]),
    ]
    # each failure is its own finding's, with its own line
    failures = [c for c in root.iter("testcase") if c.find("failure") is not None]
    pipia = [c for c in failures if (c.get("name") or "").startswith("CN-PIPL-55-PIPIA systems/")]
    assert [(c.get("line"), len(c.findall("failure"))) for c in pipia] == [("39", 1), ("40", 1), ("41", 1)]


def test_case_names_survive_unrelated_edits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # lines moved and the access entries in another order: the same cases, by name
    monkeypatch.chdir(tmp_path)
    packs = shipped_packs(None, ())
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    travel_with_access(tmp_path / "a")
    head, *entries = ACCESS.splitlines(keepends=True)
    travel_with_access(tmp_path / "b", "# owner: data protection office\n\n", head + "".join(entries[::-1]))
    before = _cases(check(["a/travel.yaml"], packs, dt.date(2026, 11, 30)))
    after = _cases(check(["b/travel.yaml"], packs, dt.date(2026, 11, 30)))
    assert before != after  # in another order
    assert sorted(before) == sorted(after)
    assert len({name for name, _ in before}) == len(before) == 15


def test_findings_alike_in_everything_are_numbered(report: Report) -> None:
    first = report.findings[1]
    twin = first._replace(line=99)
    assert case_names([first, twin, first._replace(detail="access from JP by other_entity"), twin]) == [
        "TEST-EU-TOOL flows/crm-to-remote",
        "TEST-EU-TOOL flows/crm-to-remote #2",
        "TEST-EU-TOOL flows/crm-to-remote (access from JP by other_entity)",
        "TEST-EU-TOOL flows/crm-to-remote #3",
    ]
    root = ET.fromstring(
        render("junit", dataclasses.replace(report, findings=[first, twin]), RenderOptions())
    )
    assert (root.get("failures"), [c.get("line") for c in root.iter("testcase") if len(c)]) == (
        "2",
        ["28", "99"],
    )

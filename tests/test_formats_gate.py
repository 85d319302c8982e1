"""Every format marks a finding as failing exactly when the exit status counts it.

The SARIF level, the ``github`` annotation level and the JUnit test state of each finding are
read back from the rendered documents and compared finding by finding, over reports with
every outcome and severity, configured severities, and each ``--fail-on`` gate.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from test_formats_junit import travel_with_access
from test_formats_sample import sample_report

from compliance import cli as cli_module
from compliance.config import load_config
from compliance.findings import Report
from compliance.formats import RenderOptions, render
from compliance.run import check, shipped_packs

ROOT = Path(__file__).resolve().parent.parent
SG = "fixtures/sg-edtech-startup.json"
LOWERED = (
    "severity: {EU-GDPR-27-REPRESENTATIVE-TARGETS-UNKNOWN: {severity: low, reason: t}, "
    "CN-PIPL-53-REPRESENTATIVE: {severity: medium, reason: t}}\n"
)

#: What each format's mark says about a finding, in one vocabulary
SARIF = {"error": "failing", "warning": "below_gate", "note": "informational"}
GITHUB = {"error": "failing", "warning": "below_gate", "notice": "informational"}


def _sarif(report: Report, fail_on: str) -> list[tuple[str, str, str]]:
    (run,) = json.loads(render("sarif", report, RenderOptions(fail_on=fail_on)))["runs"]
    return [
        (r["ruleId"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"], SARIF[r["level"]])
        for r in run["results"]
    ]


def _github(report: Report, fail_on: str) -> Counter[tuple[str, str, str, str]]:
    """(rule, target, line, standing) of every finding's annotation."""
    text = render("github", report, RenderOptions(fail_on=fail_on))
    pattern = (
        r"^::(\w+) (?:file=[^,]*,)?(?:line=(\d+),col=\d+,)?title=([\w-]+)[^:]*::[a-z ]+ [a-z]+ on ([^:]+):"
    )
    return Counter(
        (rule, target, line, GITHUB[level])
        for level, line, rule, target in re.findall(pattern, text, re.MULTILINE)
        if rule != "unused"
    )


def _junit(report: Report, fail_on: str) -> dict[str, list[tuple[str, str]]]:
    """Suite name -> (case name, standing) of every case about a finding, in order."""
    root = ET.fromstring(render("junit", report, RenderOptions(fail_on=fail_on)).encode("utf-8"))
    out: dict[str, list[tuple[str, str]]] = {}
    for suite in root.iter("testsuite"):
        cases = out.setdefault(suite.get("name", ""), [])
        for case in suite.iter("testcase"):
            tags = [child.tag for child in case]
            if not tags:  # a rule that found nothing in the file
                continue
            if tags == ["failure"]:
                state = "failing"
            elif tags == ["skipped"]:
                state = "informational"  # waived
            else:
                assert tags == ["system-out"]
                below = "this does not fail the run" in (case.findtext("system-out") or "")
                state = "below_gate" if below else "informational"
            cases.append((case.get("name", ""), state))
        assert int(suite.get("failures", "")) == sum(1 for _, state in cases if state == "failing")
    return out


def _target(finding: dict[str, Any]) -> str:
    kind, ident = finding["target"]["kind"], finding["target"]["id"]
    return "organization" if kind == "organization" else f"{kind}s/{ident}"


def _agree(report: Report, fail_on: str) -> list[str]:
    """Check that the formats agree finding by finding; return each finding's standing."""
    findings = json.loads(render("json", report, RenderOptions(fail_on=fail_on)))["findings"]
    sarif = _sarif(report, fail_on)
    shown = [f for f in findings if f["outcome"] != "waived"]  # SARIF and github leave them out
    assert [(rule, target) for rule, target, _ in sarif] == [(f["rule_id"], _target(f)) for f in shown]
    by_finding = iter(state for _, _, state in sarif)
    standings = [next(by_finding) if f["outcome"] != "waived" else "informational" for f in findings]

    github = _github(report, fail_on)
    assert github == Counter(
        (f["rule_id"], _target(f), str(f["location"]["line"] or ""), state)
        for f, state in zip(findings, standings, strict=True)
        if f["outcome"] != "waived"
    )

    junit = _junit(report, fail_on)
    for file, cases in junit.items():
        in_file = [
            (f, state) for f, state in zip(findings, standings, strict=True) if f["location"]["file"] == file
        ]
        assert [state for _, state in cases] == [state for _, state in in_file]
        assert [name.split(" ")[:2] for name, _ in cases] == [[f["rule_id"], _target(f)] for f, _ in in_file]
    assert sum(len(cases) for cases in junit.values()) == len(findings)

    # and the exit status counts exactly the failing ones
    assert report.exit_status(fail_on) == (1 if "failing" in standings else 0)
    never_counted = [
        state for f, state in zip(findings, standings, strict=True) if f["outcome"] in ("waived", "notice")
    ]
    assert set(never_counted) <= {"informational"}
    return standings


@pytest.fixture(scope="module")
def fixture_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    """The sg-edtech fixture as of 2026-11-29 with the shipped severities; the travel fixture
    (with a waived finding and a notice) as of that day too; and the day after, past the packs'
    data dates, the travel fixture with booking-db accessed from three places, so that each of
    three rules has three findings on that one system."""
    packs = shipped_packs(None, ())
    as_of = dt.date(2026, 11, 29)
    access = travel_with_access(tmp_path_factory.mktemp("access"))
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(ROOT)
        return {
            "sg": check([SG], packs, as_of),
            "travel": check(["fixtures/example-travel.yaml"], packs, as_of),
            "access": check([str(access)], packs, as_of + dt.timedelta(days=1)),
        }


def _lowered_report(tmp_path: Path) -> Report:
    """The sg-edtech fixture as of 2026-11-29 with the severities of :data:`LOWERED`."""
    config = tmp_path / ".compliance.yaml"
    config.write_text(LOWERED, encoding="utf-8")
    loaded = load_config(str(config))
    assert loaded is not None
    packs = loaded.adjust(shipped_packs(None, ()), lambda: set())
    return check([str(ROOT / SG)], packs, dt.date(2026, 11, 29))


F, B, N = "failing", "below_gate", "informational"  # N: never counts (notice, waived)


@pytest.mark.parametrize(
    ("fail_on", "sg", "lowered", "sample"),
    [
        # sg: high CN-PIPL-53, medium EU-GDPR-27-...-UNKNOWN; lowered: medium and low;
        # sample: a low needs_review, a high violation, a waived finding and a notice
        ("low", [F, F], [F, F], [F, F, N, N]),
        ("medium", [F, F], [F, B], [B, F, N, N]),
        ("high", [F, B], [B, B], [B, F, N, N]),
        ("critical", [B, B], [B, B], [B, B, N, N]),
    ],
)
def test_formats_agree_finding_by_finding(
    fixture_reports: dict[str, Report],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fail_on: str,
    sg: list[str],
    lowered: list[str],
    sample: list[str],
) -> None:
    assert _agree(fixture_reports["sg"], fail_on) == sg
    assert _agree(_lowered_report(tmp_path), fail_on) == lowered
    travel = _agree(fixture_reports["travel"], fail_on)
    assert Counter(travel)[N] == 2  # a waived finding and its waiver's notice
    access = _agree(fixture_reports["access"], fail_on)  # two pack notices more
    failing = 4 if fail_on == "critical" else 11  # the four CBDF-7 findings are critical, the rest high
    assert Counter(access) == Counter({F: failing, B: 11 - failing, N: 4})
    monkeypatch.chdir(tmp_path)
    assert _agree(sample_report(tmp_path), fail_on) == sample


def test_a_lowered_severity_that_fails_the_run_is_a_sarif_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The run fails on the low finding, so code scanning must see an error, not a note.
    (tmp_path / ".compliance.yaml").write_text(LOWERED, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        cli_module.main(["check", "--as-of", "2026-11-29", "--format", "sarif", str(ROOT / SG)])
    assert exc.value.code == 1
    (run,) = json.loads(capsys.readouterr().out)["runs"]
    assert [(r["ruleId"], r["properties"]["severity"], r["level"]) for r in run["results"]] == [
        ("CN-PIPL-53-REPRESENTATIVE", "medium", "error"),
        ("EU-GDPR-27-REPRESENTATIVE-TARGETS-UNKNOWN", "low", "error"),
    ]
    levels = {r["id"]: r["defaultConfiguration"]["level"] for r in run["tool"]["driver"]["rules"]}
    assert (levels["CN-PIPL-53-REPRESENTATIVE"], levels["EU-GDPR-27-REPRESENTATIVE-TARGETS-UNKNOWN"]) == (
        "error",
        "error",
    )


def test_each_remote_access_is_its_own_code_scanning_alert(fixture_reports: dict[str, Report]) -> None:
    # booking-db is reached from three places: three findings of each rule on one system. With
    # one fingerprint they would be one GitHub alert, and a new access would join an old alert.
    log = json.loads(render("sarif", fixture_reports["access"], RenderOptions(fail_on="low")))
    prints = Counter(
        (r["ruleId"], r["partialFingerprints"]["dataflowComplianceFinding/v1"])
        for r in log["runs"][0]["results"]
    )
    assert max(prints.values()) == 1
    on_booking_db = Counter(
        r["ruleId"]
        for r in log["runs"][0]["results"]
        if r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "systems/booking-db"
    )
    assert on_booking_db == {
        "CN-PIPL-55-PIPIA": 3,
        "CN-PIPL-39-SEPARATE-CONSENT": 3,
        "CN-CBDF-7-VOLUME-ASSESSMENT": 3,
    }

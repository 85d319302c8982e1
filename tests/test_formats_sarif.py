"""SARIF output: validity against the official 2.1.0 schema (with URI formats really checked),
rule metadata, locations, fingerprints, waivers, unreadable files and GitHub's limits."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from test_formats_sample import AS_OF, MANIFEST, MANIFEST_PATH, sample_report, write_sample

from compliance.findings import Report
from compliance.formats import RenderOptions, render, sarif
from compliance.run import MANIFEST_SUFFIXES, check, shipped_packs

REPO = Path(__file__).resolve().parent.parent
SCHEMA_FILE = REPO / "tests" / "data" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    # Every format jsonschema knows (the Draft-4 checker alone skips the schema's uri-reference);
    # without the URI extra installed those formats are skipped silently, which must not pass.
    checker = jsonschema.FormatChecker()
    assert {"uri", "uri-reference"} <= set(checker.checkers)
    return jsonschema.Draft4Validator(schema, format_checker=checker)


def _errors(validator: jsonschema.Draft4Validator, doc: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]


@pytest.fixture
def report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Report:
    monkeypatch.chdir(tmp_path)
    return sample_report(tmp_path)


def _log(report: Report, **options: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(render("sarif", report, RenderOptions(**options)))
    return doc


def test_the_format_checker_rejects_a_bad_uri(validator: jsonschema.Draft4Validator) -> None:
    doc = {"version": "2.1.0", "$schema": "not a uri", "runs": []}
    assert _errors(validator, doc)
    location = {"artifactLocation": {"uri": "a b#c#d"}}
    run = {
        "tool": {"driver": {"name": "x"}},
        "results": [{"message": {"text": "m"}, "locations": [{"physicalLocation": location}]}],
    }
    assert _errors(validator, {"version": "2.1.0", "runs": [run]})


@pytest.mark.parametrize(
    "manifest",
    sorted(str(p.relative_to(REPO)) for p in (REPO / "fixtures").rglob("*") if p.suffix in MANIFEST_SUFFIXES),
)
def test_every_fixture_validates(
    manifest: str, validator: jsonschema.Draft4Validator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    report = check([manifest], shipped_packs(None, ()), dt.date(2025, 6, 1))
    for include_waived in (False, True):
        doc = _log(report, include_waived=include_waived)
        assert _errors(validator, doc) == []
        assert len(doc["runs"]) == 1


def test_sample_and_errors_validate(report: Report, validator: jsonschema.Draft4Validator) -> None:
    broken = dataclasses.replace(report, errors=list(report.errors))
    broken.errors.extend(
        check(["missing file.yaml"], shipped_packs([], [str(Path("test-rules"))]), AS_OF).errors
    )
    for r in (report, broken):
        assert _errors(validator, _log(r, include_waived=True)) == []


def test_rules_lists_every_rule_that_ran(report: Report) -> None:
    rules = _log(report)["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["TEST-EU-REVIEW", "TEST-EU-TOOL", "NOTICE-WAIVER-EXPIRING"]
    assert rules[1] == {
        "id": "TEST-EU-TOOL",
        "name": "TestEuTool",
        "shortDescription": {"text": "A transfer out of the EEA needs a transfer tool"},
        "fullDescription": {"text": "Personal data may leave the EEA only under Chapter V."},
        "help": {
            "text": "GDPR Art. 44. Sign the 2021 SCCs or use an adequate destination.",
            "markdown": "**GDPR Art. 44**\n\nSign the 2021 SCCs or use an adequate destination.\n\n"
            "References:\n- Regulation (EU) 2016/679 (GDPR), Art. 44",
        },
        "defaultConfiguration": {"level": "error"},
        "properties": {
            "tags": ["security", "compliance", "eu", "test-rules"],
            "severity": "high",
            "security-severity": "8.0",
            "citation": "GDPR Art. 44",
        },
    }
    # a rule's default level is where a finding of its own outcome and severity stands against
    # --fail-on: the low TEST-EU-REVIEW fails a run gated at low
    assert rules[0]["defaultConfiguration"] == {"level": "error"}
    assert rules[2]["defaultConfiguration"] == {"level": "note"}
    assert rules[2]["properties"] == {"tags": ["compliance", "notice"]}
    assert rules[2]["help"]["text"].startswith("A waiver that covers a finding ends within 90 days;")

    def defaults(fail_on: str) -> list[str]:
        driver = _log(report, fail_on=fail_on)["runs"][0]["tool"]["driver"]
        return [r["defaultConfiguration"]["level"] for r in driver["rules"]]

    assert defaults("high") == ["warning", "error", "note"]
    assert defaults("critical") == ["warning", "warning", "note"]


def test_shipped_rules_all_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    packs = shipped_packs(None, ())
    report = check(["fixtures/example-travel.yaml"], packs, dt.date(2025, 6, 1))
    rules = _log(report)["runs"][0]["tool"]["driver"]["rules"]
    shipped = [r.id for p in packs for r in p.rules]
    assert [r["id"] for r in rules][: len(shipped)] == shipped
    for r in rules[: len(shipped)]:
        assert " Art. " in r["help"]["text"]
        assert r["defaultConfiguration"]["level"] in ("error", "warning", "note")
    # no link to pages nobody publishes: code scanning would show it on every alert
    driver = _log(report)["runs"][0]["tool"]["driver"]
    assert sorted(driver) == ["name", "rules", "semanticVersion", "version"]
    assert [r for r in driver["rules"] if "helpUri" in r] == []


def test_exact_result(report: Report) -> None:
    results = _log(report)["runs"][0]["results"]
    assert [(r["ruleId"], r["ruleIndex"], r["level"]) for r in results] == [
        ("TEST-EU-REVIEW", 0, "error"),
        ("TEST-EU-TOOL", 1, "error"),
        ("NOTICE-WAIVER-EXPIRING", 2, "note"),
    ]
    assert results[1] == {
        "ruleId": "TEST-EU-TOOL",
        "ruleIndex": 1,
        "level": "error",
        "message": {
            "text": "A transfer out of the EEA needs a transfer tool: flow crm-to-remote is a transfer of "
            "customers from DE to Recipient Ltd in US, outside the EEA; customers holds personal "
            "information; adequacy decision (EU) 2023/1795 for US covers only DPF-certified "
            "recipients; Recipient Ltd is not; no scc-2021 in force on 2025-12-01"
        },
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {
                        "uri": "data%20flows/b%C3%BCcher%20%231.yaml",
                        "uriBaseId": "%SRCROOT%",
                    },
                    "region": {"startLine": 28, "startColumn": 5},
                },
                "logicalLocations": [{"name": "crm-to-remote", "fullyQualifiedName": "flows/crm-to-remote"}],
            }
        ],
        "partialFingerprints": {
            "dataflowComplianceFinding/v1": "0c05967fc58c025922f2543ed6e15d0475a150142659aff1d27481ad5e454bba"
        },
        "properties": {"outcome": "violation", "severity": "high", "citation": "GDPR Art. 44"},
    }


def test_waived_left_out_unless_asked(report: Report) -> None:
    assert all("suppressions" not in r for r in _log(report)["runs"][0]["results"])
    results = _log(report, include_waived=True)["runs"][0]["results"]
    waived = [r for r in results if "suppressions" in r]
    assert len(results) == 4
    assert waived[0]["level"] == "note"
    assert waived[0]["properties"]["outcome"] == "needs_review"
    assert waived[0]["suppressions"] == [
        {
            "kind": "inSource",
            "status": "accepted",
            "justification": "Reviewed in ticket #42: 100% internal, see <notes>",
            "properties": {"approvedBy": "dpo@beispiel.example", "expiresOn": "2026-01-15"},
        }
    ]


def test_fingerprints_survive_unrelated_edits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def prints(folder: Path, manifest: str) -> list[tuple[str, int, str]]:
        folder.mkdir()
        monkeypatch.chdir(folder)
        rules, _ = write_sample(folder, manifest)
        report = check([MANIFEST_PATH], shipped_packs([], [str(rules)]), AS_OF)
        return [
            (
                r["ruleId"],
                r["locations"][0]["physicalLocation"]["region"]["startLine"],
                r["partialFingerprints"]["dataflowComplianceFinding/v1"],
            )
            for r in _log(report, include_waived=True)["runs"][0]["results"]
        ]

    before = prints(tmp_path / "a", MANIFEST)
    after = prints(tmp_path / "b", "# owner: data protection office\n\n" + MANIFEST)
    assert [line + 2 for _, line, _ in before] == [line for _, line, _ in after]
    assert [(r, fp) for r, _, fp in before] == [(r, fp) for r, _, fp in after]
    assert len({fp for _, _, fp in before}) == len(before)


def test_clean_run_has_empty_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    rules, manifest = write_sample(tmp_path)
    text = manifest.read_text(encoding="utf-8")
    clean = text.split("flows:\n")[0] + "flows: []\n"
    manifest.write_text(clean, encoding="utf-8")
    report = check([MANIFEST_PATH], shipped_packs([], [str(rules)]), AS_OF)
    run = _log(report)["runs"][0]
    assert run["results"] == []
    assert run["invocations"][0]["executionSuccessful"] is True


def test_unreadable_file_is_a_notification(report: Report) -> None:
    broken = check(["missing file.yaml"], shipped_packs([], ["test-rules"]), AS_OF)
    invocation = _log(broken)["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    note = invocation["toolExecutionNotifications"][0]
    assert note["level"] == "error"
    assert note["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "missing%20file.yaml",
        "uriBaseId": "%SRCROOT%",
    }


def test_paths_are_repository_relative(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    sub = tmp_path / "sub dir"
    sub.mkdir()
    monkeypatch.chdir(sub)
    assert sarif.artifact_location("a/ü#.yaml") == {
        "uri": "sub%20dir/a/%C3%BC%23.yaml",
        "uriBaseId": "%SRCROOT%",
    }
    outside = sarif.artifact_location(str(tmp_path.parent / "x y.yaml"))
    assert outside["uri"].startswith("file:///") and outside["uri"].endswith("/x%20y.yaml")


def test_a_working_directory_reached_through_a_link_keeps_paths_relative(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `cd link; compliance check "$PWD/m.yaml"`: the shell's $PWD spells the link, the process's
    # working directory is the physical folder; the path and the fingerprint must not change
    real = tmp_path / "repo"
    (real / ".git").mkdir(parents=True)
    (real / "data").mkdir()
    (tmp_path / "link").symlink_to(real)
    monkeypatch.chdir(tmp_path / "link")
    assert sarif.repository_path(str(tmp_path / "link" / "data" / "m.yaml")) == "data/m.yaml"
    assert sarif.repository_path("data/m.yaml") == "data/m.yaml"
    # a manifest that is itself a link out of the repository keeps its own name
    (tmp_path / "elsewhere.yaml").write_text("x", encoding="utf-8")
    (real / "data" / "linked.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    assert sarif.repository_path("data/linked.yaml") == "data/linked.yaml"


def test_too_many_results_keeps_the_most_severe(report: Report, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sarif, "MAX_RESULTS", 1)
    run = _log(report)["runs"][0]
    assert [r["ruleId"] for r in run["results"]] == ["TEST-EU-TOOL"]
    assert run["properties"]["resultsLeftOut"] == 2
    assert (
        "2 of 3 results left out" in run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
    )


def test_size_limit_drops_results(report: Report, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sarif, "MAX_GZIP_BYTES", 1)
    run = _log(report)["runs"][0]
    assert run["results"] == []
    assert run["properties"]["resultsLeftOut"] == 3


def test_a_result_is_an_error_only_when_it_fails_the_run(report: Report) -> None:
    # as the exit status, JUnit and the github format draw the line: below --fail-on, a
    # finding of any severity is a warning, not an error that code scanning would block on; at
    # or above it, one of any severity is an error; a notice is a note
    def levels(fail_on: str) -> list[tuple[str, str, str]]:
        results = _log(report, fail_on=fail_on)["runs"][0]["results"]
        return [(r["ruleId"], r["properties"]["severity"], r["level"]) for r in results]

    assert levels("low") == [
        ("TEST-EU-REVIEW", "low", "error"),
        ("TEST-EU-TOOL", "high", "error"),
        ("NOTICE-WAIVER-EXPIRING", "low", "note"),
    ]
    assert levels("high") == [
        ("TEST-EU-REVIEW", "low", "warning"),
        ("TEST-EU-TOOL", "high", "error"),
        ("NOTICE-WAIVER-EXPIRING", "low", "note"),
    ]
    assert levels("critical") == [
        ("TEST-EU-REVIEW", "low", "warning"),
        ("TEST-EU-TOOL", "high", "warning"),
        ("NOTICE-WAIVER-EXPIRING", "low", "note"),
    ]

"""Baselines: the recorded document, one entry hiding one finding, stale entries in text and
JSON, fingerprints that follow the facts and not the line or the date, and exact errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_config import AS_OF, manifest, run

from compliance.run import shipped_packs

RULES = sum(len(p.rules) for p in shipped_packs(None, ()))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "dataflows").mkdir()
    (tmp_path / "dataflows" / "a.yaml").write_text(manifest("crm-to-bi", "crm", "customers", 60000))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def record(capsys: pytest.CaptureFixture[str], *files: str, out: str = "baseline.json") -> dict[str, object]:
    code, stdout, err = run(capsys, "baseline", "--as-of", AS_OF, "-o", out, *files)
    assert (code, stdout) == (0, "")
    assert err.endswith(" recorded\n")
    doc: dict[str, object] = json.loads(Path(out).read_text())
    return doc


def check_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    code, out, _ = run(capsys, "check", "--as-of", AS_OF, "--format", "json", *args)
    return code, json.loads(out)


def test_the_recorded_document(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "baseline", "--as-of", AS_OF, "-o", "baseline.json", "dataflows/a.yaml")
    assert (code, err) == (0, "baseline.json: 2 findings recorded\n")
    doc = json.loads((project / "baseline.json").read_text())
    assert doc["baseline_version"] == 3 and doc["as_of"] == AS_OF
    entries = [{k: v for k, v in e.items() if k != "fingerprint"} for e in doc["findings"]]
    assert entries == [
        {
            "rule_id": "CN-PIPL-39-SEPARATE-CONSENT",
            "file": "dataflows/a.yaml",
            "target": "flows/crm-to-bi",
            "outcome": "violation",
        },
        {
            "rule_id": "CN-PIPL-55-PIPIA",
            "file": "dataflows/a.yaml",
            "target": "flows/crm-to-bi",
            "outcome": "violation",
        },
    ]
    assert all(len(e["fingerprint"]) == 64 for e in doc["findings"])


def test_a_baselined_run_reports_nothing_and_passes(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record(capsys, "dataflows/a.yaml")
    code, report = check_json(capsys, "--baseline", "baseline.json", "dataflows/a.yaml")
    assert code == 0
    assert (report["findings"], report["baselined"], report["stale_baseline"]) == ([], 2, [])
    code, out, _ = run(capsys, "check", "--as-of", AS_OF, "--baseline", "baseline.json", "dataflows/a.yaml")
    assert (code, out) == (
        0,
        "0 violations, 0 needing review, 0 waived, 0 notices, 2 baselined "
        f"(1 of 1 file checked against {RULES} rules as of 2026-06-01)\n",
    )


def test_a_baseline_and_reports_kept_in_the_checked_folder_are_not_manifests(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The run's own baseline and output files are skipped when the checked folder holds them;
    other baselines and reports there are named for what they are, with exit 2."""
    record(capsys, "dataflows", out="dataflows/baseline.json")
    assert sorted(p.name for p in (project / "dataflows").iterdir()) == ["a.yaml", "baseline.json"]
    code, out, _ = run(
        capsys,
        "check",
        "--as-of",
        AS_OF,
        "--format",
        "json",
        "--baseline",
        "dataflows/baseline.json",
        "-o",
        "dataflows/r.json",
        "dataflows",
    )
    assert (code, out) == (0, "")
    report = json.loads((project / "dataflows" / "r.json").read_text())
    assert (report["files"], report["findings"], report["baselined"]) == (["dataflows/a.yaml"], [], 2)
    code, _, err = run(
        capsys, "check", "--as-of", AS_OF, "--format", "sarif", "-o", "dataflows/x.sarif", "dataflows"
    )
    assert (code, err) == (
        2,
        "dataflows/baseline.json:1:1: this is a baseline file (`compliance baseline`), not a manifest: "
        "give it with --baseline\n"
        "dataflows/r.json:1:1: this is a JSON report of `compliance check`, not a manifest\n",
    )
    (project / "dataflows" / "x.sarif").rename(project / "dataflows" / "x.json")
    code, _, err = run(capsys, "validate", "dataflows/x.json")
    assert (code, err) == (
        2,
        "dataflows/x.json:1:1: this is a SARIF log (`compliance check --format sarif`), not a manifest\n",
    )
    # named, the run's own baseline is skipped as in the folder (pre-commit names it when it
    # changes); a baseline that is not the run's own is still no manifest
    code, _, err = run(
        capsys, "check", "--as-of", AS_OF, "--baseline", "dataflows/baseline.json", "dataflows/baseline.json"
    )
    assert (code, err) == (0, "")
    code, _, err = run(capsys, "check", "--as-of", AS_OF, "dataflows/baseline.json")
    assert code == 2 and "dataflows/baseline.json:1:1: this is a baseline file" in err


def test_without_a_baseline_the_json_report_keeps_its_shape(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, report = check_json(capsys, "dataflows/a.yaml")
    assert "baselined" not in report and "stale_baseline" not in report


def test_the_baseline_holds_from_another_working_directory(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    record(capsys, "dataflows/a.yaml")
    monkeypatch.chdir(project / "dataflows")
    code, report = check_json(capsys, "--baseline", "../baseline.json", "a.yaml")
    assert (code, report["baselined"]) == (0, 2)


def test_a_new_finding_is_reported_and_moving_lines_or_days_keeps_old_ones_hidden(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record(capsys, "dataflows/a.yaml")
    # lines move, a day passes, a second transfer of the same kind appears: only it is new
    text = manifest("crm-to-bi", "crm", "customers", 60000)
    extra = text[text.index("  - id: crm-to-bi") :].replace("crm-to-bi", "crm-to-bi-2")
    (project / "dataflows" / "a.yaml").write_text("# moved\n\n" + text + extra)
    code, out, _ = run(
        capsys,
        "check",
        "--as-of",
        "2026-06-02",
        "--format",
        "json",
        "--baseline",
        "baseline.json",
        "dataflows/a.yaml",
    )
    report = json.loads(out)
    assert code == 1
    assert [(f["rule_id"], f["target"]["id"]) for f in report["findings"]] == [
        ("CN-PIPL-39-SEPARATE-CONSENT", "crm-to-bi-2"),
        ("CN-PIPL-55-PIPIA", "crm-to-bi-2"),
    ]
    assert (report["baselined"], report["stale_baseline"]) == (2, [])


def test_one_entry_hides_one_finding(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record(capsys, "dataflows/a.yaml")
    doc = json.loads((project / "baseline.json").read_text())
    doc["findings"] = [doc["findings"][0]]
    (project / "baseline.json").write_text(json.dumps(doc))
    code, report = check_json(capsys, "--baseline", "baseline.json", "dataflows/a.yaml")
    assert code == 1
    assert [f["rule_id"] for f in report["findings"]] == ["CN-PIPL-55-PIPIA"]
    assert report["baselined"] == 1


def test_changed_facts_make_a_new_finding_and_a_stale_entry(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record(capsys, "dataflows/a.yaml")
    # 150,000 individuals: CBDF 8 now fires; the facts of the other two are unchanged
    (project / "dataflows" / "a.yaml").write_text(manifest("crm-to-bi", "crm", "customers", 150000))
    code, report = check_json(capsys, "--baseline", "baseline.json", "dataflows/a.yaml")
    assert code == 1
    assert [f["rule_id"] for f in report["findings"]] == ["CN-CBDF-8-CONTRACT-OR-CERT"]
    # the flow goes away: both entries are stale, in JSON and text
    (project / "dataflows" / "a.yaml").write_text(
        manifest("crm-to-bi", "crm", "customers", 60000).split("flows:")[0] + "flows: []\n"
    )
    code, report = check_json(capsys, "--baseline", "baseline.json", "dataflows/a.yaml")
    assert code == 0
    stale = report["stale_baseline"]
    assert isinstance(stale, list)
    assert [(e["rule_id"], e["file"], e["target"], e["outcome"]) for e in stale] == [
        ("CN-PIPL-39-SEPARATE-CONSENT", "dataflows/a.yaml", "flows/crm-to-bi", "violation"),
        ("CN-PIPL-55-PIPIA", "dataflows/a.yaml", "flows/crm-to-bi", "violation"),
    ]
    code, out, _ = run(capsys, "check", "--as-of", AS_OF, "--baseline", "baseline.json", "dataflows/a.yaml")
    assert (code, out) == (
        0,
        "dataflows/a.yaml: stale baseline entry: CN-PIPL-39-SEPARATE-CONSENT on flows/crm-to-bi (violation) "
        "no longer reported (fixed, or now waived); record the baseline again to drop it\n"
        "dataflows/a.yaml: stale baseline entry: CN-PIPL-55-PIPIA on flows/crm-to-bi (violation) "
        "no longer reported (fixed, or now waived); record the baseline again to drop it\n"
        "0 violations, 0 needing review, 0 waived, 0 notices, 0 baselined "
        f"(1 of 1 file checked against {RULES} rules as of 2026-06-01)\n",
    )


def test_entries_of_files_not_checked_are_not_stale(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "dataflows" / "b.yaml").write_text(manifest("x-to-bi", "x", "xs", 10, org="Other Co"))
    record(capsys, "dataflows/a.yaml", "dataflows/b.yaml")
    code, report = check_json(capsys, "--baseline", "baseline.json", "dataflows/b.yaml")
    assert (code, report["baselined"], report["stale_baseline"]) == (0, 2, [])


def test_organization_entries_are_stale_once_all_its_findings_are_gone(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The Singapore start-up targets the EU and China with no representative in either: two
    # organization findings. Once it is established in both, neither fires, and with no
    # finding of the organization left its entries must still be listed as stale.
    source = Path(__file__).resolve().parents[1] / "fixtures" / "sg-edtech-startup.json"
    doc = json.loads(source.read_text())
    (project / "m.json").write_text(json.dumps(doc))
    recorded = record(capsys, "m.json")
    org_entries = [e for e in recorded["findings"] if e["target"] == "organization"]  # type: ignore[union-attr]
    assert [e["rule_id"] for e in org_entries] == [
        "CN-PIPL-53-REPRESENTATIVE",
        "EU-GDPR-27-REPRESENTATIVE-TARGETS-UNKNOWN",
    ]
    doc["organization"]["established_in"] = ["SG", "CN", "DE"]
    (project / "m.json").write_text(json.dumps(doc))
    code, report = check_json(capsys, "--baseline", "baseline.json", "m.json")
    # established in Germany, the GDPR binds its flows from Singapore on: two new reviews; in
    # mainland China, its learners' data held only in Singapore may have been collected there
    assert (code, report["summary"]) == (1, {"violation": 0, "needs_review": 3, "waived": 0, "notice": 0})
    assert {f["rule_id"] for f in report["findings"]} == {  # type: ignore[union-attr]
        "EU-GDPR-44-EXPORTER-OUTSIDE-EEA",
        "CN-PIPL-38-ORIGIN-DEFAULTED",
    }
    stale = report["stale_baseline"]
    assert isinstance(stale, list)
    assert [(e["rule_id"], e["file"]) for e in stale if e["target"] == "organization"] == [
        ("CN-PIPL-53-REPRESENTATIVE", f"organization: {doc['organization']['name']}"),
        ("EU-GDPR-27-REPRESENTATIVE-TARGETS-UNKNOWN", f"organization: {doc['organization']['name']}"),
    ]
    assert not any(
        f["target"] == {"kind": "organization", "id": "organization"} and f["outcome"] != "notice"
        for f in report["findings"]
    )  # type: ignore[index,union-attr]


def org_file(target: str, residency: str, system: str, org: str = "Acme") -> str:
    """A US organization's manifest with one dataset of 100 people residing in ``residency``,
    targeting ``target``: with ``EU`` and no representative, an Art. 27 finding."""
    return f"""\
manifest_version: 1
organization: {{name: {org}, established_in: [US], targets: [{target}], ciio: false, state_organ: false}}
datasets:
  - id: u
    categories: [user.contact.email]
    subjects: [{{residency: {residency}, count: 100}}]
    important_data: false
    core_data: false
systems:
  - {{id: {system}, location: US, operator: {{name: {org}, role: controller}}, stores: [u]}}
flows: []
"""


def test_organization_entries_of_a_run_over_part_of_its_files_are_not_stale(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Two files of one organization, only the second targeting the EU (no representative): the
    # organization's Art. 27 finding rests on b.yaml. A run of a.yaml alone (pre-commit with no
    # configured set) judges the organization on part of its facts and must not call it fixed.
    (project / "a.yaml").write_text(org_file("US", "US", "a1"))
    (project / "b.yaml").write_text(org_file("EU", "DE", "a2"))
    recorded = record(capsys, "a.yaml", "b.yaml")
    assert recorded["organizations"] == {"Acme": ["a.yaml", "b.yaml"]}
    assert [e["rule_id"] for e in recorded["findings"]] == ["EU-GDPR-27-REPRESENTATIVE"]  # type: ignore[union-attr]
    code, report = check_json(capsys, "--baseline", "baseline.json", "a.yaml")
    assert (code, report["stale_baseline"]) == (0, [])
    # both files, the EU target gone: now it is fixed, and stale
    (project / "b.yaml").write_text(org_file("US", "US", "a2"))
    code, report = check_json(capsys, "--baseline", "baseline.json", "a.yaml", "b.yaml")
    stale = report["stale_baseline"]
    assert isinstance(stale, list)
    assert (code, [(e["rule_id"], e["file"]) for e in stale]) == (
        0,
        [("EU-GDPR-27-REPRESENTATIVE", "organization: Acme")],
    )


def test_a_pre_commit_run_of_the_configured_set_leaves_other_organizations_entries_alone(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # With a configured set every organization is judged whole, but only the given file's
    # findings are reported: another organization's unreported finding is not fixed.
    (project / "orgs").mkdir()
    (project / "orgs" / "x.yaml").write_text(org_file("EU", "DE", "x1", org="Xco"))
    (project / "orgs" / "y.yaml").write_text(org_file("EU", "DE", "y1", org="Yco"))
    (project / ".compliance.yaml").write_text("manifests: [orgs]\n")
    recorded = record(capsys)
    assert [e["file"] for e in recorded["findings"]] == ["organization: Xco", "organization: Yco"]  # type: ignore[union-attr]
    code, report = check_json(capsys, "--baseline", "baseline.json", "orgs/x.yaml")
    assert (code, report["stale_baseline"]) == (0, [])


def test_a_baseline_recorded_without_organizations_still_goes_stale_after_a_full_run(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "a.yaml").write_text(org_file("EU", "DE", "a1"))
    record(capsys, "a.yaml")
    doc = json.loads((project / "baseline.json").read_text())
    del doc["organizations"]  # as an earlier release wrote it, at version 2
    doc["baseline_version"] = 2
    (project / "baseline.json").write_text(json.dumps(doc))
    (project / "a.yaml").write_text(org_file("US", "US", "a1"))
    code, report = check_json(capsys, "--baseline", "baseline.json", "a.yaml")
    stale = report["stale_baseline"]
    assert isinstance(stale, list)
    assert (code, [e["file"] for e in stale]) == (0, ["organization: Acme"])


def test_a_missing_baseline_exits_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "check", "--baseline", "nope.json", "dataflows/a.yaml") == (
        2,
        "",
        "nope.json: no such baseline file (write one with `compliance baseline`)\n",
    )


#: What every baseline records besides its version and entries, put last so that the
#: positions of the problems before it stay as written.
RECORDED = ', "tool": {"name": "dataflow-compliance", "version": "1.0"}, "as_of": "2026-11-29"}'


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('{"findings": []}\n', "baseline.json:1:1: not a baseline file (baseline_version 3)"),
        (
            '{"baseline_version": 2, "findings": {}' + RECORDED,
            "baseline.json:1:37: findings: expected a list of entries",
        ),
        (
            '{"baseline_version": 2,\n "findings": [{"rule_id": "X"}]' + RECORDED,
            "baseline.json:2:15: findings[0]: expected exactly the strings rule_id, file, target, outcome, "
            "fingerprint",
        ),
        ('{"baseline_version": 2, "findings": [}\n', None),
        ("", "baseline.json: file is empty; expected a baseline (write one with `compliance baseline`)"),
        (
            '{"baseline_version": true, "findings": []}\n',
            "baseline.json:1:22: baseline_version: true is not one this release reads (2 or 3)",
        ),
        (
            '{"baseline_version": 2.0, "findings": []}\n',
            "baseline.json:1:22: baseline_version: 2.0 is not one this release reads (2 or 3)",
        ),
        (
            '{"baseline_version": "2", "findings": []}\n',
            'baseline.json:1:22: baseline_version: "2" is not one this release reads (2 or 3)',
        ),
        (
            '{"baseline_version": 2, "Findings": []' + RECORDED,
            "baseline.json:1:1: top level: missing required field 'findings' (the list of entries)\n"
            "baseline.json:1:25: unknown field 'Findings' (a baseline has baseline_version, tool, as_of, "
            "findings, organizations)",
        ),
        (
            '{"baseline_version": 2, "findings": [], "organizations": {"Acme": []}' + RECORDED,
            "baseline.json:1:58: organizations: expected each organization's list of files",
        ),
        (
            '{"baseline_version": 1, "findings": []}\n',
            "baseline.json:1:22: baseline_version 1 is from an older release whose fingerprints ignored "
            "severity and volume measures; record the baseline again with `compliance baseline`",
        ),
        # each field `compliance baseline` writes is required, and never null: these were read
        # as a baseline recorded by no tool on no date, or without its organizations
        (
            '{"baseline_version": 3, "findings": [], "organizations": null' + RECORDED,
            "baseline.json:1:58: organizations: expected each organization's list of files",
        ),
        (
            '{"baseline_version": 3, "findings": []' + RECORDED,
            "baseline.json:1:1: top level: missing required field 'organizations' (each organization's "
            "list of files)",
        ),
        (
            '{"baseline_version": 3, "findings": [], "organizations": {},'
            ' "tool": {"name": "dataflow-compliance", "version": "1.0"}}',
            "baseline.json:1:1: top level: missing required field 'as_of' (the date it was recorded, "
            "YYYY-MM-DD)",
        ),
        (
            '{"baseline_version": 3, "findings": [], "organizations": {}, "as_of": "2026-11-29"}',
            "baseline.json:1:1: top level: missing required field 'tool' (the name and version of the tool "
            'that recorded it: {"name": ..., "version": ...})',
        ),
        (
            '{"baseline_version": 2, "findings": [], "tool": null, "as_of": null}',
            "baseline.json:1:49: tool: null is not the name and version of the tool that recorded it: "
            '{"name": ..., "version": ...}\n'
            "baseline.json:1:64: as_of: null is not the date it was recorded (YYYY-MM-DD)",
        ),
        (
            '{"baseline_version": 2, "findings": [], "tool": {"name": "dataflow-compliance"}, "as_of": '
            '"2026-11-29"}',
            'baseline.json:1:49: tool: {"name": "dataflow-compliance"} is not the name and version of the '
            'tool that recorded it: {"name": ..., "version": ...}',
        ),
        (
            '{"baseline_version": 3, "findings": [], "tool": {"name": "eslint", "version": "9"}, "as_of": '
            '"2026-11-29", "organizations": {}}',
            'baseline.json:1:58: tool.name: "eslint" recorded it, not dataflow-compliance: this is another '
            "tool's baseline",
        ),
    ],
)
def test_a_malformed_baseline_exits_2(
    project: Path, capsys: pytest.CaptureFixture[str], text: str, error: str | None
) -> None:
    (project / "baseline.json").write_text(text)
    code, out, err = run(capsys, "check", "--baseline", "baseline.json", "dataflows/a.yaml")
    assert (code, out) == (2, "")
    if error is None:
        assert err.startswith("baseline.json:1:")
    else:
        assert err == error + "\n"


def test_baseline_of_unusable_input_writes_nothing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "bad.yaml").write_text("manifest_version: 1\n")
    code, out, err = run(capsys, "baseline", "-o", "baseline.json", "bad.yaml")
    assert (code, out) == (2, "")
    assert err.startswith("bad.yaml:1:1: ")
    assert not (project / "baseline.json").exists()


def test_baseline_needs_an_output_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "baseline", "dataflows/a.yaml")
    assert code == 2
    assert "Missing option '--output'" in err


def test_a_count_moving_within_its_band_keeps_the_baseline(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = project / "dataflows" / "a.yaml"
    a.write_text(manifest("crm-to-bi", "crm", "customers", 150000))
    record(capsys, "dataflows/a.yaml")
    a.write_text(manifest("crm-to-bi", "crm", "customers", 150001))
    code, report = check_json(capsys, "--baseline", "baseline.json", "dataflows/a.yaml")
    assert (code, report["findings"], report["baselined"], report["stale_baseline"]) == (0, [], 3, [])


def test_a_finding_resting_on_a_new_volume_measure_is_new(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The same CBDF Art. 7 finding (critical either way) now also rests on sensitive PI leaving.
    a = project / "dataflows" / "a.yaml"
    a.write_text(manifest("crm-to-bi", "crm", "customers", 2000000))
    record(capsys, "dataflows/a.yaml")
    a.write_text(
        manifest("crm-to-bi", "crm", "customers", 2000000).replace(
            "categories: [user.contact.email]",
            "categories: [user.contact.email, user.financial.bank_account]",
        )
    )
    code, report = check_json(capsys, "--baseline", "baseline.json", "dataflows/a.yaml")
    assert code == 1
    assert [(f["rule_id"], f["severity"], f["outcome"]) for f in report["findings"]] == [
        ("CN-CBDF-7-VOLUME-ASSESSMENT", "critical", "violation")
    ]
    assert report["findings"][0]["facts"]["cn.sensitive_individuals"] == 2000000
    assert (report["baselined"], len(report["stale_baseline"])) == (2, 1)


EU_TO_US = """\
manifest_version: 1
organization: {name: Acme GmbH, established_in: [DE], targets: [EU], ciio: false, state_organ: false}
datasets:
  - {id: customers, categories: [CATEGORY], subjects: [{residency: DE, count: 5000}], \
important_data: false, core_data: false}
systems:
  - {id: crm, location: DE, operator: {name: Acme GmbH, role: controller}, stores: [customers]}
  - {id: us-analytics, location: US, operator: {name: Yankee Inc, role: processor}, stores: []}
flows:
  - id: crm-to-us
    from: crm
    to: us-analytics
    datasets: [customers]
    purpose: analytics.reporting
    started_on: 2025-06-01
    recipient: {name: Yankee Inc, role: processor, dpf_certified: false}
    mechanisms: []
"""


def test_a_finding_whose_severity_rises_is_new(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Art. 9 health data raises EU-GDPR-44 from high to critical: the baseline must not hide it.
    a = project / "dataflows" / "a.yaml"
    a.write_text(EU_TO_US.replace("CATEGORY", "user.contact.email"))
    record(capsys, "dataflows/a.yaml")
    a.write_text(EU_TO_US.replace("CATEGORY", "user.health_and_medical"))
    code, report = check_json(capsys, "--baseline", "baseline.json", "dataflows/a.yaml")
    assert code == 1
    assert [(f["rule_id"], f["severity"], f["target"]["id"]) for f in report["findings"]] == [
        ("EU-GDPR-44-TRANSFER-TOOL", "critical", "crm-to-us")
    ]
    stale = report["stale_baseline"]
    assert isinstance(stale, list)
    assert [(e["rule_id"], e["target"]) for e in stale] == [("EU-GDPR-44-TRANSFER-TOOL", "flows/crm-to-us")]
    # the stale entry says why the finding came back, rather than "no longer reported"
    _, out, _ = run(capsys, "check", "--as-of", AS_OF, "--baseline", "baseline.json", "dataflows/a.yaml")
    assert (
        "dataflows/a.yaml: stale baseline entry: EU-GDPR-44-TRANSFER-TOOL on flows/crm-to-us (violation) "
        "its facts changed, so the finding is reported above as new; record the baseline again once "
        "it is reviewed\n"
    ) in out


def _recorded_email_transfer(project: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, str]:
    """dataflows/a.yaml: an EU transfer of e-mail addresses to the US, its finding baselined;
    returns the file and the manifest's text."""
    a = project / "dataflows" / "a.yaml"
    text = EU_TO_US.replace("CATEGORY", "user.contact.email")
    a.write_text(text)
    record(capsys, "dataflows/a.yaml")
    return a, text


def test_a_baselined_finding_waived_later_is_stale_not_new(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, text = _recorded_email_transfer(project, capsys)
    a.write_text(
        text + "waivers:\n  - {rule: EU-GDPR-44-TRANSFER-TOOL, target: flows/crm-to-us, "
        'reason: SCCs in signature, approved_by: dpo@example.com, expires_on: "2099-01-01"}\n'
    )
    _, out, _ = run(capsys, "check", "--as-of", AS_OF, "--baseline", "baseline.json", "dataflows/a.yaml")
    assert "waived high EU-GDPR-44-TRANSFER-TOOL" in out
    assert "reported above as new" not in out
    assert (
        "stale baseline entry: EU-GDPR-44-TRANSFER-TOOL on flows/crm-to-us (violation) no longer reported "
        "(fixed, or now waived)"
    ) in out


def test_markdown_and_github_say_what_the_baseline_hid_and_what_is_stale(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, text = _recorded_email_transfer(project, capsys)
    args = ["check", "--as-of", AS_OF, "--baseline", "baseline.json", "dataflows/a.yaml"]
    _, md, _ = run(capsys, *args, "--format", "markdown")
    assert "\n1 known finding hidden by the baseline; 0 stale baseline entries.\n" in md
    a.write_text(text.replace("dpf_certified: false", "dpf_certified: true"))
    _, md, _ = run(capsys, *args, "--format", "markdown")
    assert "\n0 known findings hidden by the baseline; 1 stale baseline entry.\n" in md
    assert (
        "### Stale baseline entries\n\n- dataflows/a.yaml: EU-GDPR-44-TRANSFER-TOOL on flows/crm-to-us "
        "(violation) no longer reported (fixed, or now waived); record the baseline again to drop it\n"
    ) in md
    _, gh, _ = run(capsys, *args, "--format", "github")
    assert gh.splitlines()[-1].endswith("; baseline: 0 hidden, 1 stale")


def test_a_volume_measure_moving_off_zero_is_new_but_growth_above_zero_is_not(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # CBDF Art. 8 rests on both totals (its ceilings); sensitive PI of 1 person is its own
    # threshold (regulations.md 1.7). Health data on another flow leaves crm-to-bi's severity
    # as it was, yet 0 -> 4,000 sensitive individuals makes its finding new; 4,000 -> 5,000 not.
    a = project / "dataflows" / "a.yaml"
    base = manifest("crm-to-bi", "crm", "customers", 150000)
    a.write_text(base)
    record(capsys, "dataflows/a.yaml")
    second_flow = base[base.index("  - id: crm-to-bi") :].replace("crm-to-bi", "crm-to-bi-2")

    def with_patients(count: int) -> str:
        return base.replace(
            "systems:\n",
            f"  - {{id: patients, categories: [user.health_and_medical], subjects: [{{residency: CN, "
            f"count: {count}}}], important_data: false, core_data: false}}\nsystems:\n",
        ).replace("stores: [customers]", "stores: [customers, patients]") + second_flow.replace(
            "datasets: [customers]", "datasets: [patients]"
        )

    a.write_text(with_patients(4000))
    code, report = check_json(capsys, "--baseline", "baseline.json", "dataflows/a.yaml")
    assert code == 1
    assert [(f["rule_id"], f["target"]["id"], f["severity"]) for f in report["findings"]] == [
        ("CN-CBDF-8-CONTRACT-OR-CERT", "crm-to-bi", "high"),
        ("CN-CBDF-8-CONTRACT-OR-CERT", "crm-to-bi-2", "critical"),
        ("CN-PIPL-39-SEPARATE-CONSENT", "crm-to-bi-2", "high"),
        ("CN-PIPL-55-PIPIA", "crm-to-bi-2", "high"),
    ]
    assert report["findings"][0]["facts"]["cn.sensitive_individuals"] == 4000
    record(capsys, "dataflows/a.yaml")
    a.write_text(with_patients(5000))
    code, report = check_json(capsys, "--baseline", "baseline.json", "dataflows/a.yaml")
    assert (code, report["findings"], report["baselined"], report["stale_baseline"]) == (0, [], 6, [])


def test_organization_findings_match_on_whichever_file_of_the_organization_carries_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two files of one organization: its findings land on the first file a run lists, which
    # for a pre-commit run is the staged one; the baseline must hide them there too.
    fixture = Path(__file__).resolve().parent.parent / "fixtures" / "sg-edtech-startup.json"
    (tmp_path / "dataflows").mkdir()
    for name in ("a.json", "b.json"):
        (tmp_path / "dataflows" / name).write_text(fixture.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / ".compliance.yaml").write_text('manifests: ["dataflows/*.json"]\n')
    monkeypatch.chdir(tmp_path)
    doc = record(capsys)
    org_entries = [e for e in doc["findings"] if e["target"] == "organization"]  # type: ignore[union-attr,index]
    assert sorted((e["rule_id"], e["file"]) for e in org_entries) == [
        ("CN-PIPL-53-REPRESENTATIVE", "organization: Tessellate Labs Pte. Ltd."),
        ("EU-GDPR-27-REPRESENTATIVE-TARGETS-UNKNOWN", "organization: Tessellate Labs Pte. Ltd."),
    ]
    for staged in ("dataflows/a.json", "dataflows/b.json"):
        code, report = check_json(capsys, "--baseline", "baseline.json", staged)
        assert (code, report["findings"], report["stale_baseline"]) == (0, [], []), staged


def _ciio(copy_at: str, access_from: str) -> str:
    """A CIIO's mainland database reached from ``access_from`` and a copy held at ``copy_at``."""
    return f"""\
manifest_version: 1
organization: {{name: Grid Co, established_in: [CN], ciio: true, state_organ: false}}
datasets:
  - {{id: meters, categories: [user.name], subjects: [{{residency: CN, count: 5000}}], \
important_data: true, core_data: false, collected_in: [CN]}}
systems:
  - id: db
    location: CN
    operator: {{name: Grid Co, role: controller}}
    stores: [meters]
    access_from: [{{location: {access_from}, by: other_entity}}]
  - {{id: copy, location: {copy_at}, operator: {{name: Grid Co, role: controller}}, stores: [meters]}}
flows: []
"""


def _localization(report: dict[str, object]) -> list[tuple[str, object]]:
    found = report["findings"]
    assert isinstance(found, list)
    return [
        (f["target"]["id"], {k: v for k, v in f["facts"].items() if k != "why"})
        for f in found
        if f["rule_id"] == "CN-CSL-39-CIIO-LOCALIZATION"
    ]


def test_a_system_moved_or_reached_from_another_country_is_a_new_finding(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # CSL Art. 39 findings about systems carry no destination: the system's country and the
    # countries it is reached from are their facts, so the baseline follows them
    path = project / "dataflows" / "grid.yaml"
    path.write_text(_ciio("SG", "HK"))
    code, report = check_json(capsys, "dataflows/grid.yaml")
    assert _localization(report) == [("db", {"access_countries": ["HK"]}), ("copy", {"system_country": "SG"})]
    record(capsys, "dataflows/grid.yaml")
    # another region of the same country: nothing new
    path.write_text(_ciio("aws:ap-southeast-1", "HK"))
    code, report = check_json(capsys, "--baseline", "baseline.json", "dataflows/grid.yaml")
    assert (code, report["findings"], report["stale_baseline"]) == (0, [], [])
    # the copy moves to Russia, the access comes from the US: every finding about either is new
    path.write_text(_ciio("RU", "US"))
    code, report = check_json(capsys, "--baseline", "baseline.json", "dataflows/grid.yaml")
    assert code == 1
    assert [(f["rule_id"], f["target"]["id"]) for f in report["findings"]] == [  # type: ignore[union-attr]
        ("CN-CSL-39-CIIO-LOCALIZATION", "db"),
        ("CN-CBDF-7-CIIO-ASSESSMENT", "db"),
        ("CN-CBDF-7-IMPORTANT-DATA", "db"),
        ("CN-PIPL-39-SEPARATE-CONSENT", "db"),
        ("CN-PIPL-55-PIPIA", "db"),
        ("CN-CSL-39-CIIO-LOCALIZATION", "copy"),
    ]
    assert len(report["stale_baseline"]) == 6  # type: ignore[arg-type]


def test_entries_of_rules_the_run_did_not_run_are_not_stale(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a CN -> DE flow (CN findings), and a DE -> IN one of the same data (an EU finding)
    path = project / "dataflows" / "a.yaml"
    path.write_text(
        manifest("crm-to-bi", "crm", "customers", 60000)
        + "  - id: bi-to-offshore\n    from: bi\n    to: offshore\n    datasets: [customers]\n"
        "    purpose: essential.service\n    started_on: 2025-02-01\n"
        "    recipient: {name: Offshore Ltd, role: processor, dpf_certified: false}\n"
        "    mechanisms: []\n"
    )
    path.write_text(
        path.read_text().replace(
            "flows:\n",
            "  - {id: offshore, location: IN, operator: {name: Offshore Ltd, role: processor}, stores: []}\n"
            "flows:\n",
        )
    )
    doc = record(capsys, "dataflows/a.yaml")
    recorded = sorted({e["rule_id"] for e in doc["findings"]})  # type: ignore[union-attr]
    assert recorded == ["CN-PIPL-39-SEPARATE-CONSENT", "CN-PIPL-55-PIPIA", "EU-GDPR-44-TRANSFER-TOOL"]
    # a run of the CN pack says nothing of the EU rule's entry, nor one that disables a rule
    code, report = check_json(capsys, "--baseline", "baseline.json", "--pack", "cn", "dataflows/a.yaml")
    assert (code, report["findings"], report["stale_baseline"]) == (0, [], [])
    (project / ".compliance.yaml").write_text(
        "disable:\n  CN-PIPL-55-PIPIA: the PIPIA register is checked elsewhere\n"
    )
    code, report = check_json(capsys, "--baseline", "baseline.json", "dataflows/a.yaml")
    assert (code, report["findings"], report["stale_baseline"]) == (0, [], [])
    # the rules that ran still call their own fixed findings stale
    (project / ".compliance.yaml").unlink()
    path.write_text(path.read_text().replace("location: IN", "location: FR"))
    code, report = check_json(capsys, "--baseline", "baseline.json", "dataflows/a.yaml")
    stale = report["stale_baseline"]
    assert code == 0 and [e["rule_id"] for e in stale] == ["EU-GDPR-44-TRANSFER-TOOL"]  # type: ignore[union-attr]


def test_a_version_2_baseline_is_matched_with_its_own_fingerprints(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a baseline an earlier release wrote: its fingerprints had no detail and no system facts
    import datetime as dt

    from compliance import baseline
    from compliance.findings import COUNTED
    from compliance.run import check

    (project / "dataflows" / "grid.yaml").write_text(_ciio("SG", "HK"))
    report = check(["dataflows/grid.yaml"], shipped_packs(None, ()), dt.date.fromisoformat(AS_OF))
    counted = [f for f in report.findings if f.outcome in COUNTED]
    old = [baseline.entry(f, project, 2) for f in counted]
    assert {e.fingerprint for e in old}.isdisjoint(baseline.entry(f, project).fingerprint for f in counted)
    # as early version 2 files were written: no organizations yet
    doc = {
        "baseline_version": 2,
        "tool": {"name": "dataflow-compliance", "version": "0.9.0"},
        "as_of": AS_OF,
        "findings": [e._asdict() for e in old],
    }
    (project / "old.json").write_text(json.dumps(doc))
    code, result = check_json(capsys, "--baseline", "old.json", "dataflows/grid.yaml")
    assert (code, result["findings"], result["stale_baseline"], result["baselined"]) == (0, [], [], len(old))


def test_an_entry_of_a_rule_the_tool_no_longer_has_is_stale(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = record(capsys, "dataflows/a.yaml")
    gone = {
        "rule_id": "CN-PIPL-99-REMOVED",
        "file": "dataflows/a.yaml",
        "target": "flows/crm-to-bi",
        "outcome": "violation",
        "fingerprint": "0" * 64,
    }
    doc["findings"] = [*doc["findings"], gone]  # type: ignore[list-item]
    Path("baseline.json").write_text(json.dumps(doc))
    code, report = check_json(capsys, "--baseline", "baseline.json", "dataflows/a.yaml")
    assert (code, report["findings"], report["stale_baseline"]) == (0, [], [gone])
    # a rule the run left out is not one the tool lost
    code, report = check_json(capsys, "--baseline", "baseline.json", "--pack", "eu", "dataflows/a.yaml")
    assert (code, report["stale_baseline"]) == (0, [gone])


def _recorded_then_checked(
    project: Path, capsys: pytest.CaptureFixture[str], edit: Callable[[str], str]
) -> tuple[int, dict[str, object], list[dict[str, Any]]]:
    """Record the baseline of dataflows/a.yaml, apply ``edit`` to its text, check it against the
    baseline: (exit status, JSON report, its findings)."""
    record(capsys, "dataflows/a.yaml")
    a = project / "dataflows" / "a.yaml"
    a.write_text(edit(a.read_text()))
    code, report = check_json(capsys, "--baseline", "baseline.json", "dataflows/a.yaml")
    found = report["findings"]
    assert isinstance(found, list)
    return code, report, found


def test_a_finding_brought_back_by_an_expired_waiver_is_new(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # baselined first, waived later with a deadline: once the waiver lapses the finding must
    # fail the run again, not fall back under the entry recorded before the waiver
    waiver = (
        "waivers:\n  - {rule: CN-PIPL-55-PIPIA, target: flows/crm-to-bi, "
        'reason: PIPIA under way, approved_by: dpo@example.com, expires_on: "2026-05-31"}\n'
    )
    code, report, found = _recorded_then_checked(project, capsys, lambda text: text + waiver)
    assert [(f["rule_id"], f["outcome"], f["facts"]["waiver_expired_on"]) for f in found] == [
        ("CN-PIPL-55-PIPIA", "violation", "2026-05-31")
    ]
    assert (code, report["baselined"]) == (1, 1)
    stale = report["stale_baseline"]
    assert isinstance(stale, list)
    assert [(e["rule_id"], e["target"], e["outcome"]) for e in stale] == [
        ("CN-PIPL-55-PIPIA", "flows/crm-to-bi", "violation")
    ]


def test_a_finding_on_a_mechanism_recorded_but_not_in_force_is_new(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # recorded with no PIPIA at all; now one is recorded that does not count (completed after
    # the transfer began; an assessment that lapsed reads the same): not the finding baselined
    late = "mechanisms: [{type: pipia, completed_on: 2025-03-01}]"
    code, report, found = _recorded_then_checked(
        project, capsys, lambda text: text.replace("mechanisms: []", late)
    )
    assert [(f["rule_id"], f["facts"]["mechanism.pipia"]) for f in found] == [
        ("CN-PIPL-55-PIPIA", "declared, not in force")
    ]
    assert (code, report["baselined"]) == (1, 1)

"""Inputs that used to weaken a check silently: each is now an error or counted once."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from compliance.cli import main

BASE = (Path(__file__).resolve().parent.parent / "rules/cn/tests/bases/cn-outbound.yaml").read_text()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        (
            "manifest_version: 1",
            "manifest_version: 1.0",
            ":3:19: manifest_version: expected the integer 1, got 1.0",
        ),
        (
            "    to: analytics",
            "    to: crm",
            ":26:5: flows[0]: a flow from system 'crm' to itself moves nothing",
        ),
        (
            "stores: [customers]",
            "stores: [customers, customers]",
            ":20:13: systems[0].stores: 'customers' is listed twice",
        ),
        ("name: Example Co\n", "name: '   '\n", ":5:9: organization.name: must not be blank, got '   '"),
        (
            "    core_data: false\n",
            "    core_data: false\n    collected_in: []\n",
            ":16:19: datasets[0].collected_in: must not be an empty list",
        ),
        (
            "      - {residency: CN, count: 5000}\n",
            "      []\n",
            ":13:7: datasets[0].subjects: a dataset of personal data needs at least one {residency, count} "
            "entry (the counts decide the CN thresholds)",
        ),
    ],
)
def test_weakening_input_is_unusable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, line: str
) -> None:
    assert old in BASE
    path = write(tmp_path, "m.yaml", BASE.replace(old, new, 1))
    code, _, err = run(capsys, "validate", path)
    assert code == 2
    assert err.splitlines() == [path + line]


RECIPIENT = "    recipient: {name: Recipient Ltd, role: processor, dpf_certified: false}\n"


@pytest.mark.parametrize("key", ['"<<"', "'<<'", "!!str <<"])
def test_a_quoted_or_tagged_merge_key_is_an_unknown_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str
) -> None:
    assert RECIPIENT in BASE
    nested = f"    recipient: {{{key}: {{name: Recipient Ltd, role: processor, dpf_certified: false}}}}\n"
    path = write(tmp_path, "m.yaml", BASE.replace(RECIPIENT, nested, 1))
    code, _, err = run(capsys, "validate", path)
    assert code == 2
    assert err.splitlines() == [
        f"{path}:32:16: flows[0].recipient: missing required field 'dpf_certified'",
        f"{path}:32:16: flows[0].recipient: missing required field 'role'",
        f"{path}:32:17: flows[0].recipient: unknown field '<<' (did you mean 'name'?)",
    ]
    merged = BASE.replace(RECIPIENT, nested.replace(key, "<<"), 1)
    assert run(capsys, "validate", write(tmp_path, "merged.yaml", merged))[0] == 0


def test_same_remote_access_twice_is_unusable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = BASE.replace(
        "    stores: [customers]\n", "    stores: [customers]\n    access_from: [SG, SG]\n", 1
    )
    path = write(tmp_path, "m.yaml", text)
    code, _, err = run(capsys, "validate", path)
    assert code == 2
    assert err.splitlines() == [
        f"{path}:21:23: systems[0].access_from[1]: 'SG' by other_entity is already listed as access_from[0]"
    ]


def test_a_file_named_twice_counts_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "m.yaml", BASE.replace("count: 5000", "count: 600000"))
    relative = os.path.relpath(path)
    code, out, _ = run(
        capsys, "check", "--as-of", "2026-11-29", "--format", "json", path, relative, str(tmp_path)
    )
    report = json.loads(out)
    assert code == 1
    assert report["files"] == [path]
    cbdf = [f["rule_id"] for f in report["findings"] if f["rule_id"].startswith("CN-CBDF-")]
    assert cbdf == ["CN-CBDF-8-CONTRACT-OR-CERT"]  # 600,000 once, not 1,200,000


def test_a_folder_without_manifests_is_unusable_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty").mkdir()
    write(tmp_path, "empty/.hidden.yaml", BASE)
    code, _, err = run(capsys, "check", str(tmp_path / "empty"))
    assert code == 2
    assert err.splitlines() == [
        f"note: {tmp_path / 'empty' / '.hidden.yaml'}: hidden file not checked; "
        "to check it, name it explicitly",
        f"{tmp_path / 'empty'}: no manifest files (*.yaml, *.yml, *.json) in this folder",
    ]


def test_as_of_near_the_end_of_the_calendar_is_no_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = BASE.replace(
        "      - {type: separate-consent}\n",
        "      - {type: separate-consent}\n"
        "      - {type: cac-security-assessment, approved_on: '9998-01-01'}\n",
    )
    path = write(tmp_path, "m.yaml", text)
    code, out, err = run(capsys, "check", "--as-of", "9999-12-31", "--format", "json", path)
    assert "internal error" not in err
    assert code in (0, 1)
    assert json.loads(out)["as_of"] == "9999-12-31"


def test_an_expired_waiver_is_named_in_the_returning_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = BASE.replace("count: 5000", "count: 150000") + (
        "waivers:\n"
        "  - rule: CN-CBDF-8-CONTRACT-OR-CERT\n"
        "    target: flows/crm-to-analytics\n"
        "    reason: contract under negotiation\n"
        "    approved_by: dpo@example.com\n"
        '    expires_on: "2026-11-28"\n'
    )
    path = write(tmp_path, "m.yaml", text)
    code, out, _ = run(capsys, "check", "--as-of", "2026-11-29", "--format", "json", path)
    report = json.loads(out)
    (finding,) = [f for f in report["findings"] if f["rule_id"] == "CN-CBDF-8-CONTRACT-OR-CERT"]
    assert (code, finding["outcome"]) == (1, "violation")
    assert finding["facts"]["why"][-1] == "the waiver approved by dpo@example.com expired on 2026-11-28"
    assert report["unused_waivers"] == []


def test_no_files_still_writes_a_valid_empty_machine_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no configuration up the tree
    code, out, err = run(capsys, "check", "--format", "sarif")
    assert code == 2
    (sarif_run,) = json.loads(out)["runs"]
    ((invocation,), results) = (sarif_run["invocations"], sarif_run["results"])
    assert (results, invocation["executionSuccessful"]) == ([], False)
    assert err.startswith("error: nothing to check")
    # the problem concerns no one file: no location, and JSON's file is null
    assert ["locations" in n for n in invocation["toolExecutionNotifications"]] == [False]
    code, out, _ = run(capsys, "check", "--format", "json")
    assert (code, [e["file"] for e in json.loads(out)["errors"]]) == (2, [None])


@pytest.mark.parametrize("rule_id", ["NOTICE-WAIVER-EXPIRING", "TF-LOCATION-MISMATCH", "NOTICE-PACK-DATE"])
def test_explain_knows_the_built_in_checks(capsys: pytest.CaptureFixture[str], rule_id: str) -> None:
    code, out, _ = run(capsys, "explain", rule_id)
    assert code == 0
    assert out.startswith(f"{rule_id}: ")
    assert "Built into the engine (not a rule file)." in out


def test_explain_never_splits_a_rule_id_over_two_lines(capsys: pytest.CaptureFixture[str]) -> None:
    import re

    from compliance.run import shipped_packs

    ids = re.compile(r"\b(?:CN|EU)-[A-Z0-9]+(?:-[A-Z0-9]+)+\b")
    for rule in (r for p in shipped_packs(None, ()) for r in p.rules):
        code, out, _ = run(capsys, "explain", rule.id)
        assert code == 0
        mentioned = set(ids.findall(" ".join((rule.rationale, rule.remediation, rule.interpretation))))
        shown = set(ids.findall(out))
        assert mentioned <= shown, (rule.id, mentioned - shown)


def test_explain_suggests_the_rule_id_in_upper_case(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "explain", "cn-pipl-55-pipia") == (
        2,
        "",
        "error: no rule 'cn-pipl-55-pipia' (did you mean CN-PIPL-55-PIPIA?); see `compliance rules list`\n",
    )


def test_an_upper_case_cloud_location_gets_the_whole_spelling_suggested() -> None:
    from compliance import jurisdictions

    with pytest.raises(jurisdictions.UnknownLocation) as exc:
        jurisdictions.resolve_location("AWS:EU-CENTRAL-1")
    assert str(exc.value).endswith("provider names are lower case; did you mean 'aws:eu-central-1'?")

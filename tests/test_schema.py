"""The shipped JSON Schemas (manifest and rule files): generated, current, and enforced."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from compliance import cli as cli_module
from compliance.errors import InputError
from compliance.policy.rules import load_rule, rule_schema
from compliance.sources.document import read_document
from compliance.validate import manifest_schema

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "compliance" / "schemas"
RULE_FILES = sorted(
    p for p in ROOT.glob("rules/*/*.yaml") if p.name != "pack.yaml" and (p.parent / "pack.yaml").is_file()
)
MANIFESTS = sorted(ROOT.glob("fixtures/*.yaml")) + sorted(ROOT.glob("rules/*/tests/bases/*.yaml"))


def _generated(doc: object) -> str:
    return json.dumps(doc, indent=2) + "\n"


def test_shipped_manifest_schema_is_current() -> None:
    shipped = (SCHEMAS / "manifest-v1.schema.json").read_text(encoding="utf-8")
    assert shipped == _generated(manifest_schema()), "regenerate compliance/schemas/manifest-v1.schema.json"


def test_shipped_rule_schema_is_current() -> None:
    shipped = (SCHEMAS / "rule-v1.schema.json").read_text(encoding="utf-8")
    assert shipped == _generated(rule_schema()), "regenerate compliance/schemas/rule-v1.schema.json"


def test_schemas_are_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(manifest_schema())
    jsonschema.Draft202012Validator.check_schema(rule_schema())


def test_fixtures_point_at_the_shipped_schema() -> None:
    for path in sorted(ROOT.glob("fixtures/*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../compliance/schemas/manifest-v1.schema.json", path


@pytest.mark.parametrize("path", RULE_FILES, ids=[p.name for p in RULE_FILES])
def test_every_shipped_rule_validates_against_the_full_schema(path: Path) -> None:
    validator = jsonschema.Draft202012Validator(rule_schema(), format_checker=jsonschema.FormatChecker())
    errors = [e.message for e in validator.iter_errors(read_document(path).data)]
    assert errors == []
    load_rule(path, path.parent.name)


@pytest.mark.parametrize("path", MANIFESTS, ids=[p.name for p in MANIFESTS])
def test_every_fixture_validates_against_the_manifest_schema(path: Path) -> None:
    validator = jsonschema.Draft202012Validator(manifest_schema(), format_checker=jsonschema.FormatChecker())
    assert [e.message for e in validator.iter_errors(read_document(path).data)] == []


def test_manifest_schema_rejects_what_the_model_rejects() -> None:
    validator = jsonschema.Draft202012Validator(manifest_schema())
    data = read_document(ROOT / "fixtures" / "example-travel.yaml").data
    data["flows"][0]["destinaton"] = "x"
    data["flows"][0]["started_on"] = 20240501
    messages = sorted(e.message for e in validator.iter_errors(data))
    assert messages == [
        "20240501 is not of type 'string'",
        "Additional properties are not allowed ('destinaton' was unexpected)",
    ]


RULE = """\
id: X-TEST-1
title: A test rule
severity: high
citation: {instrument: PIPL, article: "38"}
regime: cn
target: flow
effective: {from: "2024-03-22"}
when:
  all:
    - transfer: cn
    - carries: personal
outcome: violation
rationale: Because.
remediation: Fix it.
references: [Somewhere]
"""


def _rule_problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "X-TEST-1.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_rule(path, "test")
    return [p.render().removeprefix(str(path)) for p in exc.value.problems]


def test_the_test_rule_loads(tmp_path: Path) -> None:
    path = tmp_path / "X-TEST-1.yaml"
    path.write_text(RULE, encoding="utf-8")
    rule = load_rule(path, "test")
    assert (rule.id, rule.citation.instrument, rule.citation.article) == ("X-TEST-1", "PIPL", "38")
    assert rule.when == {"all": [{"transfer": "cn"}, {"carries": "personal"}]}


def test_unknown_predicate_with_did_you_mean(tmp_path: Path) -> None:
    assert _rule_problems(tmp_path, RULE.replace("- transfer: cn", "- tranfer: cn")) == [
        ":10:7: when.all[0]: unknown predicate 'tranfer' (did you mean 'transfer'?)"
    ]


@pytest.mark.parametrize(
    ("when", "problem"),
    [
        (
            "when:\n  transfer: cn\n  carries: personal\n",
            ":9:3: when: a condition is a mapping with exactly one key",
        ),
        ("when: {}\n", ":8:7: when: a condition is a mapping with exactly one key"),
        ("when: [transfer]\n", ":8:7: when: a condition is a mapping with exactly one key"),
        ("when:\n  not: [transfer]\n", ":9:8: when.not: a condition is a mapping with exactly one key"),
    ],
    ids=["two-keys", "empty", "a-list", "not-a-list"],
)
def test_a_malformed_condition_is_one_problem(tmp_path: Path, when: str, problem: str) -> None:
    text = RULE[: RULE.index("when:")] + when + RULE[RULE.index("outcome:") :]
    assert _rule_problems(tmp_path, text) == [problem]


def test_wrong_predicate_argument(tmp_path: Path) -> None:
    assert _rule_problems(tmp_path, RULE.replace("- carries: personal", "- carries: 12")) == [
        ":11:16: when.all[1].carries: 12 is not one of ['personal', 'sensitive', "
        "'non_sensitive_personal', 'special_category', 'criminal', 'important_data', 'core_data']"
    ]


def test_missing_citation(tmp_path: Path) -> None:
    assert _rule_problems(tmp_path, RULE.replace('citation: {instrument: PIPL, article: "38"}\n', "")) == [
        ":1:1: rule: 'citation' is a required property"
    ]


def test_unknown_rule_field_with_did_you_mean(tmp_path: Path) -> None:
    assert _rule_problems(tmp_path, RULE.replace("outcome:", "outcom:")) == [
        ":1:1: rule: 'outcome' is a required property",
        ":12:1: rule: unknown field 'outcom' (did you mean 'outcome'?)",
    ]


def test_unknown_instrument(tmp_path: Path) -> None:
    problems = _rule_problems(tmp_path, RULE.replace("instrument: PIPL", "instrument: PIPA"))
    assert problems == [
        ":4:24: citation.instrument: 'PIPA' is not one of "
        "['CSL', 'DSL', 'PIPL', 'CAC-SA', 'CAC-SC', 'CAC-CERT', 'CBDF', 'NDSMR', 'GDPR']"
    ]


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        cli_module.main(list(args))
    out, err = capsys.readouterr()
    assert isinstance(exc.value.code, int)
    return exc.value.code, out, err


def test_schema_command_prints_the_manifest_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(capsys, "schema") == (0, _generated(manifest_schema()), "")


def test_schema_rules_command_prints_the_rule_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(capsys, "schema", "--rules") == (0, _generated(rule_schema()), "")


@pytest.mark.parametrize(
    ("argument", "problem"),
    [
        ('"2023-02-30"', ":11:23: when.all[1].started_before: '2023-02-30' is not a 'date'"),
        ('"2023-2-3"', ":11:23: when.all[1].started_before: '2023-2-3' is not a 'date'"),
    ],
    ids=["no-such-day", "not-iso"],
)
def test_a_day_argument_must_be_a_real_day(tmp_path: Path, argument: str, problem: str) -> None:
    text = RULE.replace("- carries: personal", f"- started_before: {argument}")
    assert _rule_problems(tmp_path, text) == [problem]


def test_a_day_argument_may_be_unquoted(tmp_path: Path) -> None:
    path = tmp_path / "X-TEST-1.yaml"
    path.write_text(RULE.replace("- carries: personal", "- started_before: 2023-02-03"), encoding="utf-8")
    assert load_rule(path, "test").when == {"all": [{"transfer": "cn"}, {"started_before": "2023-02-03"}]}


# --- the JSON report's schema -------------------------------------------------------------------


def _report_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / "report-v1.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _report(capsys: pytest.CaptureFixture[str], *args: str) -> object:
    with pytest.raises(SystemExit):
        cli_module.main(["check", "--format", "json", "--as-of", "2026-11-29", *args])
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    "fixture", sorted(p.name for p in ROOT.glob("fixtures/*.*") if p.suffix in (".yaml", ".json"))
)
def test_every_fixtures_report_meets_the_report_schema(
    fixture: str, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = _report(capsys, str(ROOT / "fixtures" / fixture))
    assert [e.message for e in _report_validator().iter_errors(doc)] == []


def test_reports_of_unusable_input_waivers_and_baselines_meet_the_report_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    validator = _report_validator()
    bad = tmp_path / "bad.yaml"
    bad.write_text("manifest_version: 1\nwho: me\n", encoding="utf-8")
    example = str(ROOT / "fixtures" / "example-travel.yaml")
    with pytest.raises(SystemExit):
        cli_module.main(["baseline", "--as-of", "2026-11-29", "-o", "b.json", example])
    capsys.readouterr()
    docs = [
        _report(capsys, str(bad), example),  # a file's problems
        _report(capsys, "--baseline", "b.json", example),  # baselined, stale entries
        _report(capsys, str(ROOT / "fixtures" / "shenzhen-wearables.yaml")),  # waived, notices
    ]
    assert [d["exit_status"] for d in docs] == [2, 0, 1]  # type: ignore[index]
    assert docs[0]["errors"] and "baselined" in docs[1]  # type: ignore[index,operator]
    for doc in docs:
        assert [e.message for e in validator.iter_errors(doc)] == []
    # the schema is no formality: a report missing a key or with an unknown outcome fails it
    broken = json.loads(json.dumps(docs[2]))
    broken["findings"][0]["outcome"] = "passed"
    del broken["summary"]
    assert sorted(e.message for e in validator.iter_errors(broken)) == [
        "'passed' is not one of ['violation', 'needs_review', 'waived', 'notice']",
        "'summary' is a required property",
    ]


def test_schema_prints_the_report_schema(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli_module.main(["schema", "--report"])
    assert exc.value.code in (0, None)
    assert capsys.readouterr().out == (SCHEMAS / "report-v1.schema.json").read_text(encoding="utf-8")

"""A rule pack of one's own: `rules test`, `rules list` and `explain` on it; every kind of broken
case file refused before any case runs, and rules that could never fire refused when loaded
(exit 2, one line per problem at its position), never a case or rule that silently passes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_cli import MY_RULE, PACK_YAML, VALID, run

GOOD_CASES = """\
rule: MY-RULE-1
base: bases/base.yaml
as_of: "2026-11-29"
cases:
  - name: fires on the CN transfer
    expect: [{target: flows/crm-to-bi, outcome: needs_review, severity: medium}]
  - name: quiet within mainland China
    set:
      systems[1].location: CN
    expect: []
"""


def _pack(root: Path, cases: dict[str, str]) -> str:
    folder = root / "my"
    (folder / "tests" / "bases").mkdir(parents=True)
    (folder / "pack.yaml").write_text(PACK_YAML.format(id="my"), encoding="utf-8")
    (folder / "R0.yaml").write_text(f"id: MY-RULE-1\n{MY_RULE}", encoding="utf-8")
    (folder / "tests" / "bases" / "base.yaml").write_text(VALID, encoding="utf-8")
    for name, text in cases.items():
        (folder / "tests" / name).write_text(text, encoding="utf-8")
    return "my"


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_pack_of_ones_own_is_tested_listed_and_explained(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _pack(here, {"MY-RULE-1.yaml": GOOD_CASES})
    assert run(capsys, "rules", "test", "--rules", folder, "--pack", "my") == (0, "3 passed, 0 failed\n", "")
    code, out, _ = run(capsys, "explain", "--rules", folder, "MY-RULE-1")
    assert (code, out.splitlines()[0]) == (0, "MY-RULE-1: Any CN transfer abroad")
    # the configuration's `rules` folders count wherever --rules is not given
    (here / ".compliance.yaml").write_text("rules: [my]\n", encoding="utf-8")
    assert run(capsys, "rules", "list", "--pack", "my") == (
        0,
        "MY-RULE-1  medium  PIPL 38  2021-11-01..  Any CN transfer abroad\n1 rule\n",
        "",
    )
    assert run(capsys, "explain", "MY-RULE-1")[0] == 0
    code, out, _ = run(capsys, "rules", "test")
    assert code == 0 and out.endswith(" passed, 0 failed\n")
    assert run(capsys, "rules", "test", "--pack", "nope") == (
        2,
        "",
        "error: no rule pack 'nope' (loaded: cn, eu, my)\n",
    )
    assert run(capsys, "rules", "test", "--pack", "MY") == (
        2,
        "",
        "error: no rule pack 'MY' (loaded: cn, eu, my); did you mean 'my'?\n",
    )
    code, _, err = run(capsys, "check", "--pack", "CN", "my/tests/bases/base.yaml")
    assert (code, err) == (2, "error: no shipped rule pack 'CN' (available: cn, eu); did you mean 'cn'?\n")


def test_a_missing_case_names_the_file_it_should_be_in(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _pack(here, {})
    assert run(capsys, "rules", "test", "--rules", folder, "--pack", "my") == (
        1,
        "FAIL my/R0.yaml: MY-RULE-1 needs at least one firing and one non-firing case "
        "(in my/tests/MY-RULE-1.yaml)\n0 passed, 1 failed\n",
        "",
    )


BROKEN = {
    "A.yaml": """\
rule: MY-RULE-1
base: bases/base.yaml
cases:
  - name: one
    expects: []
""",
    "B.yaml": """\
rule: MY-RULE-1
base: bases/base.yaml
as_of: "2025-13-45"
cases: {name: fires}
""",
    "C.yaml": """\
rule: MY-RULE-1
base: bases/base.yaml
as_of: "2026-11-29"
cases:
  - name: one
    set: [flows]
    expect: [{target: flows/crm-to-bi, outcome: violaton, severity: huge, extra: 1}]
""",
    "D.yaml": "",
    "E.yaml": """\
rule: MY-RULE-1
base: bases/missing.yaml
as_of: "2026-11-29"
cases:
  - {name: x, expect: []}
""",
    # one line per problem: a bad date or case hides neither the rule nor the base
    "F.yaml": """\
rule: MY-RULE-1
base: bases/missing.yaml
as_of: "2026-02-30"
cases:
  - {name: x, expect: []}
""",
    "G.yaml": """\
rule: MY-RULE-2
base: bases
as-of: "2026-11-29"
cases:
  - {name: x, expect: nothing}
""",
    "H.yaml": "rule: [MY-RULE-1]\nbase: ''\nas_of: 2026-11-29\ncases: []\n",
}


def test_malformed_case_files_are_unusable_input(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _pack(here, BROKEN)
    assert run(capsys, "rules", "test", "--rules", folder, "--pack", "my") == (
        2,
        "",
        "my/tests/A.yaml:1:1: top level: 'as_of' is a required property\n"
        "my/tests/A.yaml:4:5: cases[0]: 'expect' is a required property\n"
        "my/tests/A.yaml:5:5: cases[0]: unknown field 'expects' (did you mean 'expect'?)\n"
        "my/tests/B.yaml:3:8: as_of: '2025-13-45' is not a 'date'\n"
        "my/tests/B.yaml:4:8: cases: {'name': 'fires'} is not of type 'array'\n"
        "my/tests/C.yaml:6:10: cases[0].set: ['flows'] is not of type 'object'\n"
        "my/tests/C.yaml:7:49: cases[0].expect[0].outcome: 'violaton' is not one of "
        "['violation', 'needs_review', 'waived']\n"
        "my/tests/C.yaml:7:69: cases[0].expect[0].severity: 'huge' is not one of "
        "['low', 'medium', 'high', 'critical']\n"
        "my/tests/C.yaml:7:75: cases[0].expect[0]: unknown field 'extra'\n"
        "my/tests/D.yaml: file is empty; expected rule cases\n"
        "my/tests/E.yaml:2:7: base: no such file 'my/tests/bases/missing.yaml'\n"
        "my/tests/F.yaml:2:7: base: no such file 'my/tests/bases/missing.yaml'\n"
        "my/tests/F.yaml:3:8: as_of: '2026-02-30' is not a 'date'\n"
        "my/tests/G.yaml:1:1: top level: 'as_of' is a required property\n"
        "my/tests/G.yaml:1:7: rule: no rule 'MY-RULE-2' in pack 'my' (did you mean 'MY-RULE-1'?)\n"
        "my/tests/G.yaml:2:7: base: 'my/tests/bases' is a folder, not a manifest file\n"
        "my/tests/G.yaml:3:1: top level: unknown field 'as-of' (did you mean 'as_of'?)\n"
        "my/tests/G.yaml:5:23: cases[0].expect: 'nothing' is not of type 'array'\n"
        "my/tests/H.yaml:1:7: rule: ['MY-RULE-1'] is not of type 'string'\n"
        "my/tests/H.yaml:2:7: base: '' should be non-empty\n"
        "my/tests/H.yaml:4:8: cases: [] should be non-empty\n",
    )


def test_well_formed_case_files_that_cannot_run_are_unusable_input(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _pack(
        here,
        {
            "MY-RULE-1.yaml": GOOD_CASES,
            "typo.yaml": GOOD_CASES.replace("rule: MY-RULE-1", "rule: MY-RULLE-1"),
            "paths.yaml": """\
rule: MY-RULE-1
base: bases/base.yaml
as_of: "2026-11-29"
cases:
  - name: two
    set:
      flows[5].mechanisms: []
    expect: []
  - name: two
    append:
      datasets[0].nope: x
    expect: []
  - name: three
    set:
      organization.nope: null
    expect: []
  - name: four
    set:
      "": 1
      flows[0].: 1
      flows[0][0]: 1
    expect: []
""",
            "base.yaml": GOOD_CASES.replace("bases/base.yaml", "bases/broken.yaml"),
        },
    )
    broken = VALID.replace("stores: [customers]", "stores: [customer]")
    (here / "my" / "tests" / "bases" / "broken.yaml").write_text(broken, encoding="utf-8")
    assert run(capsys, "rules", "test", "--rules", folder, "--pack", "my") == (
        2,
        "",
        "my/tests/bases/broken.yaml:6:86: systems[0].stores[0]: no dataset with id 'customer' "
        "(did you mean 'customers'?)\n"
        "my/tests/paths.yaml:7:7: cases[0].set: path 'flows[5].mechanisms' does not exist in the base "
        "manifest\n"
        "my/tests/paths.yaml:9:11: cases[1].name: 'two' is also the name of cases[0]\n"
        "my/tests/paths.yaml:11:7: cases[1].append: path 'datasets[0].nope' does not exist in the base "
        "manifest\n"
        "my/tests/paths.yaml:15:7: cases[2].set: path 'organization.nope' does not exist in the base "
        "manifest\n"
        "my/tests/paths.yaml:19:7: cases[3].set: '' is not a path (key.key[index], e.g. "
        "flows[0].recipient.role)\n"
        "my/tests/paths.yaml:20:7: cases[3].set: 'flows[0].' is not a path (key.key[index], e.g. "
        "flows[0].recipient.role)\n"
        "my/tests/paths.yaml:21:7: cases[3].set: path 'flows[0][0]' does not exist in the base manifest\n"
        "my/tests/typo.yaml:1:7: rule: no rule 'MY-RULLE-1' in pack 'my' (did you mean 'MY-RULE-1'?)\n",
    )


def test_a_base_that_is_no_file_says_what_it_is(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _pack(
        here,
        {
            "MY-RULE-1.yaml": GOOD_CASES,
            "folder.yaml": GOOD_CASES.replace("base: bases/base.yaml", "base: bases"),
            "dot.yaml": GOOD_CASES.replace("base: bases/base.yaml", "base: ."),
            "pipe.yaml": GOOD_CASES.replace("base: bases/base.yaml", "base: bases/pipe.yaml"),
            "missing.yaml": GOOD_CASES.replace("base: bases/base.yaml", "base: bases/bases.yaml"),
        },
    )
    os.mkfifo(here / "my" / "tests" / "bases" / "pipe.yaml")
    assert run(capsys, "rules", "test", "--rules", folder, "--pack", "my") == (
        2,
        "",
        "my/tests/dot.yaml:2:7: base: 'my/tests' is a folder, not a manifest file\n"
        "my/tests/folder.yaml:2:7: base: 'my/tests/bases' is a folder, not a manifest file\n"
        "my/tests/missing.yaml:2:7: base: no such file 'my/tests/bases/bases.yaml'\n"
        "my/tests/pipe.yaml:2:7: base: 'my/tests/bases/pipe.yaml' is not a regular file (a device, pipe or "
        "socket)\n",
    )


def test_append_to_something_that_is_not_a_list_says_what_it_is(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = """\
rule: MY-RULE-1
base: bases/base.yaml
as_of: "2026-11-29"
cases:
  - name: text
    append: {organization.name: x}
    expect: []
  - name: a mapping, a number, true or false
    append:
      organization: x
      datasets[0].subjects[0].count: 1
      organization.ciio: x
    expect: []
  - name: a list is fine, a path through text does not exist
    append:
      organization.established_in: DE
      organization.name.first: x
    expect: []
"""
    folder = _pack(here, {"MY-RULE-1.yaml": GOOD_CASES, "append.yaml": cases})
    assert run(capsys, "rules", "test", "--rules", folder, "--pack", "my") == (
        2,
        "",
        "my/tests/append.yaml:6:14: cases[0].append: path 'organization.name' is text in the base manifest, "
        "not a list to add to\n"
        "my/tests/append.yaml:10:7: cases[1].append: path 'organization' is a mapping in the base manifest, "
        "not a list to add to\n"
        "my/tests/append.yaml:11:7: cases[1].append: path 'datasets[0].subjects[0].count' is a number in the "
        "base manifest, not a list to add to\n"
        "my/tests/append.yaml:12:7: cases[1].append: path 'organization.ciio' is true or false in the base "
        "manifest, not a list to add to\n"
        "my/tests/append.yaml:17:7: cases[2].append: path 'organization.name.first' does not exist in the "
        "base manifest\n",
    )


def test_an_empty_rule_file_is_named_as_a_rule(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _pack(here, {"MY-RULE-1.yaml": GOOD_CASES})
    (here / "my" / "R1.yaml").write_text("# to do\n", encoding="utf-8")
    assert run(capsys, "rules", "list", "--rules", folder) == (
        2,
        "",
        "my/R1.yaml: file is only comments; expected one rule\n",
    )


NEVER_FIRES = """\
id: NEVER-RULE-1
title: Never
severity: medium
citation: {instrument: PIPL, article: "38"}
regime: cn
target: flow
effective: {from: "2026-01-01", until: "2025-01-01"}
when:
  all:
    - transfer: cn
    - exemption: []
    - in_force: [scc-2021, 5]
    - destination_country: [US, XX]
    - org_total: {measure: sensitive, at_least: 100, below: 10}
    - org_total: {measure: personal}
outcome: needs_review
escalate: [{when: {carries: sensitive}, severity: low}]
rationale: x
remediation: y
references: [z]
"""


@pytest.mark.parametrize(("written", "shown"), [("1e4", "10000.0"), ("10000.0", "10000.0"), ("true", "true")])
def test_a_threshold_is_an_integer_as_written(
    written: str, shown: str, here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # JSON Schema's integer takes 1e4 and 10000.0; the finding then said "threshold 10,000.0"
    folder = _pack(here, {"MY-RULE-1.yaml": GOOD_CASES})
    rule = NEVER_FIRES.replace('effective: {from: "2026-01-01", until: "2025-01-01"}\n', "").replace(
        "    - org_total: {measure: personal}\n",
        f"    - org_total: {{measure: personal, at_least: {written}}}\n",
    )
    (here / "my" / "R1.yaml").write_text(rule, encoding="utf-8")
    code, _, err = run(capsys, "rules", "list", "--rules", folder)
    assert code == 2
    assert (
        f"my/R1.yaml:14:48: when.all[5].org_total.at_least: {shown} is not of type 'integer'"
        in err.splitlines()
    )


def test_a_rule_that_could_never_fire_is_unusable_input(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _pack(here, {"MY-RULE-1.yaml": GOOD_CASES})
    (here / "my" / "R1.yaml").write_text(NEVER_FIRES, encoding="utf-8")
    code, out, err = run(capsys, "rules", "list", "--rules", folder)
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "my/R1.yaml:7:40: effective.until: 2025-01-01 is before effective.from 2026-01-01: "
        "the rule would never run",
        "my/R1.yaml:11:18: when.all[1].exemption: [] should be non-empty",
        "my/R1.yaml:12:28: when.all[2].in_force[1]: 5 is not one of ['cac-security-assessment', "
        "'cn-standard-contract', 'pi-protection-certification', 'pipia', 'separate-consent', 'scc-2021', "
        "'scc-2010', 'bcr', 'code-of-conduct', 'certification', 'ad-hoc-clauses', 'derogation', 'tia']",
        "my/R1.yaml:13:33: when.all[3].destination_country[1]: 'XX' is not an ISO 3166-1 alpha-2 "
        "country code",
        "my/R1.yaml:14:18: when.all[4].org_total: at_least 100 is not less than below (10): "
        "no total is in that range",
        "my/R1.yaml:15:18: when.all[5].org_total: 'at_least' is a required property",
        "my/R1.yaml:17:51: escalate[0].severity: low does not raise the rule's severity medium",
    ]

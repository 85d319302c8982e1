"""Configuration (``.compliance.yaml``, ``[tool.compliance]``): discovery, precedence, exact
errors, rule settings, and organization totals over the configured set when only some files
are given (the pre-commit split)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_cli import run

from compliance.config import find_config

AS_OF = "2026-06-01"


def manifest(flow: str, system: str, dataset: str, count: int, org: str = "Example Co") -> str:
    """One CN -> DE transfer of ``count`` individuals by ``org``."""
    return f"""\
manifest_version: 1
organization: {{name: {org}, established_in: [CN], ciio: false, state_organ: false}}
datasets:
  - {{id: {dataset}, categories: [user.contact.email], subjects: [{{residency: CN, count: {count}}}], \
important_data: false, core_data: false}}
systems:
  - {{id: {system}, location: CN, operator: {{name: {org}, role: controller}}, stores: [{dataset}]}}
  - {{id: bi, location: DE, operator: {{name: {org}, role: controller}}, stores: []}}
flows:
  - id: {flow}
    from: {system}
    to: bi
    datasets: [{dataset}]
    purpose: essential.service
    started_on: 2025-02-01
    recipient: {{name: {org}, role: controller, dpf_certified: false}}
    mechanisms: []
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two manifests of one organization, 60,000 individuals each, in dataflows/."""
    (tmp_path / "dataflows").mkdir()
    (tmp_path / "dataflows" / "a.yaml").write_text(manifest("crm-to-bi", "crm", "customers", 60000))
    (tmp_path / "dataflows" / "b.yaml").write_text(manifest("shop-to-bi", "shop", "buyers", 60000))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def findings(out: str) -> list[tuple[str, str, str]]:
    return [(f["location"]["file"], f["target"]["id"], f["rule_id"]) for f in json.loads(out)["findings"]]


A_ONLY = [
    ("dataflows/a.yaml", "crm-to-bi", "CN-PIPL-39-SEPARATE-CONSENT"),
    ("dataflows/a.yaml", "crm-to-bi", "CN-PIPL-55-PIPIA"),
]
CBDF8_A = ("dataflows/a.yaml", "crm-to-bi", "CN-CBDF-8-CONTRACT-OR-CERT")


# --- organization totals across a pre-commit split ---------------------------------------------


def test_one_file_alone_stays_under_100k(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "--as-of", AS_OF, "--format", "json", "dataflows/a.yaml")
    assert (code, findings(out)) == (1, A_ONLY)


def test_the_configured_set_counts_toward_the_given_files_totals(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / ".compliance.yaml").write_text('manifests: ["dataflows/*.yaml"]\n')
    code, out, err = run(capsys, "check", "--as-of", AS_OF, "--format", "json", "dataflows/a.yaml")
    assert (code, err) == (1, "")
    # a.yaml's flow breaches CBDF 8 because of b.yaml's 60,000; b.yaml's own findings are not reported
    assert findings(out) == [CBDF8_A, *A_ONLY]
    report = json.loads(out)
    assert report["files"] == ["dataflows/a.yaml"]
    cbdf8 = report["findings"][0]
    assert cbdf8["facts"]["cn.non_sensitive_individuals"] == 120000


def test_a_given_file_spelled_differently_is_reported_once(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / ".compliance.yaml").write_text('manifests: ["dataflows/*.yaml"]\n')
    code, out, _ = run(capsys, "check", "--as-of", AS_OF, "--format", "json", "./dataflows/a.yaml")
    assert code == 1
    assert [f[1:] for f in findings(out)] == [t[1:] for t in [CBDF8_A, *A_ONLY]]
    assert json.loads(out)["files"] == ["./dataflows/a.yaml"]


def test_a_given_file_outside_the_configured_set_gets_a_note(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the set names *.yaml only: a staged .yml would be checked by the hook but never by the
    # CI job that checks the set, nor counted toward the organization's totals there
    (project / ".compliance.yaml").write_text('manifests: ["dataflows/*.yaml"]\n')
    (project / "dataflows" / "c.yml").write_text(manifest("c-to-bi", "crm", "customers", 10))
    code, _, err = run(capsys, "check", "--as-of", AS_OF, "dataflows/c.yml", "dataflows/a.yaml")
    assert code == 1
    assert err == (
        "note: dataflows/c.yml is not in the configured `manifests` set: a run of the set alone "
        "does not check it nor count its individuals\n"
    )
    note = err
    assert run(capsys, "report", "--as-of", AS_OF, "--format", "csv", "dataflows/c.yml")[2] == note
    assert run(capsys, "baseline", "-o", "b.json", "--as-of", AS_OF, "dataflows/c.yml")[2] == (
        note + "b.json: 3 findings recorded\n"
    )
    # a folder in the set holds every manifest under it, whatever its suffix
    (project / ".compliance.yaml").write_text('manifests: ["dataflows"]\n')
    assert run(capsys, "check", "--as-of", AS_OF, "dataflows/c.yml")[2] == ""


def test_report_reads_the_configuration_as_check_does(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def register(*args: str) -> list[tuple[str, str]]:
        code, out, err = run(capsys, "report", "--as-of", AS_OF, "--format", "csv", *args)
        assert (code, err) == (0, "")
        rows = list(csv.DictReader(io.StringIO(out)))
        return [(r["file"], r["findings"]) for r in rows]

    alone = [("dataflows/a.yaml", "CN-PIPL-39-SEPARATE-CONSENT (violation); CN-PIPL-55-PIPIA (violation)")]
    assert register("dataflows/a.yaml") == alone
    # with the set: its totals (120,000 cross CBDF Art. 8's 100,000), its disabled rules, and
    # the register of the given file only
    (project / ".compliance.yaml").write_text(
        'manifests: ["dataflows"]\ndisable: {CN-PIPL-55-PIPIA: "assessed group-wide"}\n'
    )
    both = "CN-CBDF-8-CONTRACT-OR-CERT (violation); CN-PIPL-39-SEPARATE-CONSENT (violation)"
    assert register("dataflows/a.yaml") == [("dataflows/a.yaml", both)]
    assert [f for f, _ in register()] == ["dataflows/a.yaml", "dataflows/b.yaml"]
    code, out, _ = run(capsys, "report", "--as-of", AS_OF, "--format", "markdown", "dataflows/a.yaml")
    assert code == 0 and "120,000" in out
    # the audit says which rules the configuration changed, and why
    assert (
        "Rules changed by the configuration .compliance.yaml:\n\n| Rule | Change | Reason |\n|---|---|---|\n"
        "| CN-PIPL-55-PIPIA | disabled | assessed group-wide |\n"
    ) in out
    code, page, _ = run(capsys, "report", "--as-of", AS_OF, "dataflows/a.yaml")
    assert '<td class="mono">CN-PIPL-55-PIPIA</td><td>disabled</td><td>assessed group-wide</td>' in page
    assert out.count("CN-PIPL-55-PIPIA") == 1  # in that table only: no finding of it
    # a rule of a pack the run leaves out is not changed by the configuration: not listed
    _, eu_only, _ = run(
        capsys, "report", "--as-of", AS_OF, "--format", "markdown", "--pack", "eu", "dataflows/a.yaml"
    )
    assert "Rules changed by the configuration" not in eu_only


def test_no_files_with_a_configuration_checks_the_configured_set(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / ".compliance.yaml").write_text('manifests: ["dataflows/*.yaml"]\n')
    code, out, _ = run(capsys, "check", "--as-of", AS_OF, "--format", "json")
    assert code == 1
    assert json.loads(out)["files"] == ["dataflows/a.yaml", "dataflows/b.yaml"]
    assert len(findings(out)) == 6
    assert sum(f[2] == "CN-CBDF-8-CONTRACT-OR-CERT" for f in findings(out)) == 2


def test_an_unusable_file_of_the_set_fails_the_run(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Without b.yaml the totals are unknown: neither a pass nor a breach can be claimed.
    (project / ".compliance.yaml").write_text('manifests: ["dataflows/*.yaml"]\n')
    (project / "dataflows" / "b.yaml").write_text("manifest_version: 1\n")
    code, out, err = run(capsys, "check", "--as-of", AS_OF, "dataflows/a.yaml")
    assert code == 2
    assert err.startswith("dataflows/b.yaml:1:1: ")
    assert "dataflows/b.yaml: unusable input, see the errors" in out
    assert out.endswith(_checked(1, 1))


def test_nothing_to_check_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A CI job whose configuration was emptied by mistake must not pass.
    monkeypatch.chdir(tmp_path)

    def report(named: str) -> str:
        where = f"{named}: unusable input, see the errors" if named else "unusable input, see the errors"
        return f"{where}\n0 violations, 0 needing review, 0 waived, 0 notices {_checked(0, 0)}"

    assert run(capsys, "check", "--as-of", AS_OF) == (
        2,
        report(""),
        "error: nothing to check: no manifest files given and no configuration "
        "(.compliance.yaml or [tool.compliance] in pyproject.toml) with `manifests`\n",
    )
    nothing = "manifests: nothing to check: no manifest files given or configured\n"
    (tmp_path / ".compliance.yaml").write_text("fail_on: high\n")
    assert run(capsys, "check", "--as-of", AS_OF) == (
        2,
        report(".compliance.yaml"),
        f".compliance.yaml:1:1: {nothing}",
    )
    (tmp_path / ".compliance.yaml").write_text("fail_on: high\nmanifests: []\n")
    assert run(capsys, "check", "--as-of", AS_OF) == (
        2,
        report(".compliance.yaml"),
        f".compliance.yaml:2:12: {nothing}",
    )
    (tmp_path / ".compliance.yaml").write_text("")
    assert run(capsys, "baseline", "-o", "b.json") == (2, "", f".compliance.yaml: {nothing}")
    (tmp_path / ".compliance.yaml").unlink()
    (tmp_path / "pyproject.toml").write_text("[tool.compliance]\n")
    assert run(capsys, "check", "--as-of", AS_OF) == (
        2,
        report("pyproject.toml"),
        f"pyproject.toml: [tool.compliance] {nothing}",
    )


def _recorded(fmt: str, out: str) -> tuple[list[str], bool]:
    """The problems the ``fmt`` document ``out`` records, and whether it says that the run
    failed on unusable input."""
    if fmt == "json":
        doc = json.loads(out)
        return [e["message"] for e in doc["errors"]], doc["exit_status"] == 2
    if fmt == "sarif":
        ((invocation,),) = [r["invocations"] for r in json.loads(out)["runs"]]
        notes = invocation.get("toolExecutionNotifications", [])
        return [n["message"]["text"] for n in notes], invocation["executionSuccessful"] is False
    if fmt == "junit":
        root = ET.fromstring(out)
        return [str(e.get("message")) for e in root.iter("error")], int(root.get("errors", "0")) > 0
    if fmt == "github":
        lines = out.splitlines()
        errors = [line.split("::", 2)[2] for line in lines if "title=unusable::" in line]
        return errors, lines[-1].endswith(": unusable input)")
    if fmt == "markdown":
        problems = out.split("### Files that could not be checked\n\n", 1)[-1].split("\n\n", 1)[0]
        errors = [line.split(": ", 1)[1].replace("\\", "") for line in problems.splitlines()]
        return errors, out.startswith("## dataflow-compliance: could not check every file\n")
    assert fmt == "text"  # the problems themselves are on stderr
    return [], "unusable input, see the errors\n" in out


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "github", "markdown"])
@pytest.mark.parametrize(
    ("config", "message", "checked"),
    [
        (
            None,
            "nothing to check: no manifest files given and no configuration "
            "(.compliance.yaml or [tool.compliance] in pyproject.toml) with `manifests`",
            0,
        ),
        ("manifests: []\n", "manifests: nothing to check: no manifest files given or configured", 0),
        ("# emptied\n", "manifests: nothing to check: no manifest files given or configured", 0),
        ('manifests: ["flows/*.yaml"]\n', "manifests[0]: 'flows/*.yaml' matches no file", 0),
        ('manifests: [dataflows, "flows/*.yaml"]\n', "manifests[1]: 'flows/*.yaml' matches no file", 2),
        (
            "manifests: [dataflows, empty]\n",
            "manifests[1]: 'empty': the folder empty holds no manifest files (*.yaml, *.yml, *.json)",
            2,
        ),
    ],
    ids=[
        "no-configuration",
        "empty-list",
        "empty-file",
        "glob-matching-nothing",
        "beside-a-good-folder",
        "a-folder-holding-none",
    ],
)
def test_every_format_records_a_configured_set_that_cannot_be_checked_and_fails(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    fmt: str,
    config: str | None,
    message: str,
    checked: int,
) -> None:
    # What goes wrong before any file is read (nothing to check, a configured glob matching
    # nothing) is in the document the CI step reads, not only on stderr, and fails the run.
    (project / "empty").mkdir()
    if config is not None:
        (project / ".compliance.yaml").write_text(config)
    code, out, err = run(capsys, "check", "--as-of", AS_OF, "--format", fmt)
    assert (code, err.count("\n")) == (2, 1)
    assert err.endswith(f"{message}\n")
    assert _recorded(fmt, out) == ([] if fmt == "text" else [message], True)
    if fmt == "json":  # the good part of the set is still checked and reported
        assert (len(json.loads(out)["files"]), len(json.loads(out)["findings"])) == (checked, 3 * checked)


def test_a_configured_folder_holding_no_manifest_is_named_at_its_place_in_the_configuration(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "empty").mkdir()
    (project / "teams" / "a").mkdir(parents=True)
    (project / "teams" / "a" / "c.yaml").write_text(manifest("app-to-bi", "app", "users", 10, org="Other Co"))
    (project / "teams" / "b").mkdir()
    (project / "teams" / "b" / ".draft.yaml").write_text(manifest("app-to-bi", "app", "users", 10))
    (project / ".compliance.yaml").write_text('manifests:\n  - dataflows\n  - "./empty"\n  - "teams/*"\n')
    none = "holds no manifest files (*.yaml, *.yml, *.json)"
    named = [
        f".compliance.yaml:3:5: manifests[1]: './empty': the folder empty {none}",
        f".compliance.yaml:4:5: manifests[2]: 'teams/*': the folder teams/b {none}",
    ]
    code, out, err = run(capsys, "check", "--as-of", AS_OF, "--format", "json")
    assert (code, err.splitlines()) == (2, named)
    assert json.loads(out)["files"] == ["dataflows/a.yaml", "dataflows/b.yaml", "teams/a/c.yaml"]
    assert [e["line"] for e in json.loads(out)["errors"]] == [3, 4]
    assert run(capsys, "validate") == (
        2,
        "",
        "\n".join(
            [*named, *(f"{f}: valid" for f in ("dataflows/a.yaml", "dataflows/b.yaml", "teams/a/c.yaml"))]
        )
        + "\n",
    )


def test_validate_without_files_validates_the_configured_set(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # as `check`: nothing to validate is a failure, never a silent exit 0
    nothing = "manifests: nothing to check: no manifest files given or configured\n"
    (project / ".compliance.yaml").write_text("manifests: []\n")
    assert run(capsys, "validate") == (2, "", f".compliance.yaml:1:12: {nothing}")
    (project / ".compliance.yaml").write_text('manifests: ["dataflows/*.yaml"]\n')
    (project / "dataflows" / "b.yaml").write_text("manifest_version: 1\n")
    code, out, err = run(capsys, "validate")
    assert (code, out) == (2, "")
    assert err.startswith("dataflows/b.yaml:1:1: ")
    assert err.endswith("dataflows/a.yaml: valid\n")
    # files given: "valid" for those files only, but weighed against the set, as `check` does
    # (an unusable file of the set fails it; so do files of one organization that disagree)
    code, _, err = run(capsys, "validate", "dataflows/a.yaml")
    assert (
        code == 2 and err.startswith("dataflows/b.yaml:1:1: ") and err.endswith("dataflows/a.yaml: valid\n")
    )
    (project / "dataflows" / "b.yaml").write_text(
        manifest("shop-to-bi", "shop", "buyers", 60000).replace("ciio: false", "ciio: true")
    )
    code, _, err = run(capsys, "validate", "dataflows/a.yaml")
    assert (code, err.splitlines()[1:]) == (
        2,
        ["dataflows/a.yaml: not valid: the files naming its organization disagree (see above)"],
    )
    assert "organization.ciio: true here but false in dataflows/a.yaml" in err.splitlines()[0]
    (project / ".compliance.yaml").unlink()
    assert run(capsys, "validate", "dataflows/a.yaml") == (0, "", "dataflows/a.yaml: valid\n")
    assert run(capsys, "validate")[0] == 2


def test_a_glob_matching_nothing_exits_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / ".compliance.yaml").write_text('manifests:\n  - "dataflows/*.yaml"\n  - "flows/*.yaml"\n')
    code, out, err = run(capsys, "check", "--as-of", AS_OF, "dataflows/a.yaml")
    assert (code, err) == (2, ".compliance.yaml:3:5: manifests[1]: 'flows/*.yaml' matches no file\n")
    assert out.endswith(
        "\n.compliance.yaml: unusable input, see the errors\n3 violations, 0 needing review, 0 waived, "
        f"0 notices {_checked(1, 1)}"
    )


# --- discovery and precedence ------------------------------------------------------------------


def test_discovery_walks_up_and_the_first_found_wins(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_config(deep) is None
    (tmp_path / ".compliance.yaml").write_text("fail_on: high\n")
    assert find_config(deep) == tmp_path / ".compliance.yaml"
    (tmp_path / "a" / "pyproject.toml").write_text('[project]\nname = "compliance-thing"\n')
    assert find_config(deep) == tmp_path / ".compliance.yaml"  # no [tool.compliance]: skipped
    (tmp_path / "a" / "pyproject.toml").write_text('[tool.compliance]\nfail_on = "high"\n')
    assert find_config(deep) == tmp_path / "a" / "pyproject.toml"
    (tmp_path / "a" / ".compliance.yaml").write_text("fail_on: high\n")
    assert find_config(deep) == tmp_path / "a" / ".compliance.yaml"  # YAML before TOML in one folder


def test_pyproject_table_is_read_relative_to_its_folder(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.compliance]\nmanifests = ["dataflows/*.yaml"]\nformat = "json"\nfail_on = "critical"\n'
    )
    monkeypatch.chdir(project / "dataflows")
    code, out, _ = run(capsys, "check", "--as-of", AS_OF, "a.yaml")
    assert code == 0  # fail_on critical: the high findings do not fail
    assert [f[1:] for f in findings(out)] == [t[1:] for t in [CBDF8_A, *A_ONLY]]
    assert json.loads(out)["files"] == ["a.yaml"]


@pytest.mark.parametrize(
    ("config", "option", "failures"), [("high", None, 4), ("critical", None, 0), ("critical", "low", 6)]
)
def test_the_configured_fail_on_gates_junit_as_it_gates_the_exit_status(
    project: Path, capsys: pytest.CaptureFixture[str], config: str, option: str | None, failures: int
) -> None:
    (project / ".compliance.yaml").write_text(
        f"format: junit\nfail_on: {config}\n"
        "severity:\n  CN-PIPL-39-SEPARATE-CONSENT: {severity: medium, reason: consent on paper}\n"
    )
    gate = ["--fail-on", option] if option else []
    code, out, _ = run(capsys, "check", "--as-of", AS_OF, *gate, "dataflows")
    root = ET.fromstring(out)
    assert (code, root.get("failures"), root.get("errors")) == (1 if failures else 0, str(failures), "0")
    assert {p.get("value") for p in root.iter("property") if p.get("name") == "fail_on"} == {option or config}


def test_command_line_options_win(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / ".compliance.yaml").write_text("format: json\nfail_on: critical\npacks: [eu]\n")
    code, out, _ = run(
        capsys,
        "check",
        "--as-of",
        AS_OF,
        "--format",
        "text",
        "--fail-on",
        "high",
        "--pack",
        "cn",
        "dataflows/a.yaml",
    )
    assert code == 1
    assert out.endswith(f"(1 of 1 file checked against {_rule_count('cn')} rules as of 2026-06-01)\n")
    code, out, _ = run(capsys, "check", "--as-of", AS_OF, "dataflows/a.yaml")
    assert code == 0
    assert json.loads(out)["findings"] == []  # only the eu pack ran


def test_explicit_config_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "ci.yaml").write_text("format: json\n")
    code, out, _ = run(capsys, "check", "--config", "ci.yaml", "--as-of", AS_OF, "dataflows/a.yaml")
    assert (code, findings(out)) == (1, A_ONLY)
    assert run(capsys, "check", "--config", "nope.yaml", "dataflows/a.yaml") == (
        2,
        "",
        "nope.yaml: no such configuration file\n",
    )


# --- rule settings -----------------------------------------------------------------------------


def test_disable_and_severity(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / ".compliance.yaml").write_text(
        "format: json\n"
        "disable:\n  CN-PIPL-55-PIPIA: our PIPIA register is audited separately\n"
        "severity:\n  CN-PIPL-39-SEPARATE-CONSENT: {severity: low, reason: consent is collected in-app}\n"
    )
    code, out, _ = run(capsys, "check", "--as-of", AS_OF, "dataflows/a.yaml")
    assert code == 1
    got = [(f["rule_id"], f["severity"]) for f in json.loads(out)["findings"]]
    assert got == [("CN-PIPL-39-SEPARATE-CONSENT", "low")]
    code, out, _ = run(capsys, "check", "--as-of", AS_OF, "--fail-on", "medium", "dataflows/a.yaml")
    assert code == 0


def test_a_waiver_of_a_disabled_rule_says_the_configuration_disabled_it(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    waiver = (
        "waivers:\n  - {rule: CN-PIPL-55-PIPIA, target: flows/crm-to-bi, reason: r, approved_by: DPO, "
        "expires_on: 2026-12-31}\n"
    )
    (project / "dataflows" / "a.yaml").write_text(manifest("crm-to-bi", "crm", "customers", 60000) + waiver)
    (project / ".compliance.yaml").write_text(
        "format: json\ndisable: {CN-PIPL-55-PIPIA: audited separately}\n"
    )
    code, out, _ = run(capsys, "check", "--as-of", AS_OF, "dataflows/a.yaml")
    assert code == 1  # CN-PIPL-39-SEPARATE-CONSENT still runs
    assert json.loads(out)["unused_waivers"] == [
        {
            "file": "dataflows/a.yaml",
            "line": 18,
            "column": 5,
            "rule": "CN-PIPL-55-PIPIA",
            "target": "flows/crm-to-bi",
            "expires_on": "2026-12-31",
            "note": "rule 'CN-PIPL-55-PIPIA' is disabled by the configuration (audited separately)",
        }
    ]
    # the same waiver in a run that leaves the pack out still says so
    code, out, _ = run(capsys, "check", "--as-of", AS_OF, "--pack", "eu", "dataflows/a.yaml")
    assert code == 0
    assert [w["note"] for w in json.loads(out)["unused_waivers"]] == [
        "rule 'CN-PIPL-55-PIPIA' is in the pack 'cn', which this run left out"
    ]


def test_a_rule_of_a_pack_left_out_may_be_configured(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / ".compliance.yaml").write_text("format: json\ndisable: {CN-PIPL-55-PIPIA: reason}\n")
    code, out, _ = run(capsys, "check", "--as-of", AS_OF, "--pack", "eu", "dataflows/a.yaml")
    assert (code, findings(out)) == (0, [])


def test_every_rule_disabled_exits_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / ".compliance.yaml").write_text("packs: [cn]\n")
    from compliance.run import shipped_packs

    ids = [r.id for p in shipped_packs(["cn"], ()) for r in p.rules]
    (project / ".compliance.yaml").write_text(
        "packs: [cn]\ndisable:\n" + "".join(f"  {i}: not ours\n" for i in ids)
    )
    error = (
        ".compliance.yaml:3:3: disable: every rule is disabled; a check with no rules would prove nothing\n"
    )
    assert run(capsys, "check", "dataflows/a.yaml") == (2, "", error)
    assert run(capsys, "validate", "dataflows/a.yaml") == (2, "", error)


@pytest.mark.parametrize(
    ("config", "error"),
    [
        ("disable: {NOPE-RULE: x}\n", ".compliance.yaml:2:11: disable.NOPE-RULE: no rule has this id\n"),
        (
            "disable: {CN-DSL-21-CORE-DATA: x}\n"
            "severity: {CN-DSL-21-CORE-DATA: {severity: low, reason: y}}\n",
            ".compliance.yaml:3:12: severity.CN-DSL-21-CORE-DATA: the rule is also disabled\n",
        ),
        ("rules: [dataflows]\n", None),
    ],
    ids=["unknown-rule", "disabled-and-rated", "not-a-pack"],
)
def test_validate_and_check_agree_on_the_configuration(
    project: Path, capsys: pytest.CaptureFixture[str], config: str, error: str | None
) -> None:
    (project / ".compliance.yaml").write_text("manifests: [dataflows]\n" + config)
    code, out, err = run(capsys, "check", "--as-of", AS_OF)
    assert (code, out) == (2, "")
    if error is not None:
        assert err == error
    assert run(capsys, "validate") == (2, "", err)


def test_validate_skips_the_configuration_inside_the_set(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / ".compliance.yaml").write_text("manifests: [dataflows, .compliance.yaml]\n")
    assert run(capsys, "validate") == (
        0,
        "",
        "dataflows/a.yaml: valid\ndataflows/b.yaml: valid\n",
    )
    code, _, _ = run(capsys, "check", "--as-of", AS_OF)
    assert code == 1


# --- exact errors ------------------------------------------------------------------------------

NO_PACKS = "packs: empty; name the shipped packs to run (cn, eu), or leave the key out to run them all"
YAML_ERRORS = [
    (
        "manifest: [x]\n",
        [".compliance.yaml:1:1: manifest: unknown key (did you mean 'manifests'?)"],
    ),
    (
        "colour: red\n",
        [
            ".compliance.yaml:1:1: colour: unknown key (known keys: manifests, packs, rules, fail_on, "
            "format, disable, severity)"
        ],
    ),
    ("fail_on: hgih\n", [".compliance.yaml:1:10: fail_on: 'hgih' is not one of low, medium, high, critical"]),
    # a boolean as YAML and TOML spell it, not as Python does
    ("fail_on: true\n", [".compliance.yaml:1:10: fail_on: true is not one of low, medium, high, critical"]),
    (
        "format: xml\n",
        [".compliance.yaml:1:9: format: 'xml' is not one of text, json, sarif, junit, github, markdown"],
    ),
    ("packs: [cn, us]\n", [".compliance.yaml:1:13: packs[1]: no shipped rule pack 'us' (available: cn, eu)"]),
    # an emptied list is not "all packs": a run must not widen by mistake
    ("packs: []\n", [f".compliance.yaml:1:8: {NO_PACKS}"]),
    ("fail_on: high\npacks:\n  []\n", [f".compliance.yaml:3:3: {NO_PACKS}"]),
    ("rules: [our-rules]\n", [".compliance.yaml:1:9: rules[0]: no such rules folder 'our-rules'"]),
    ("manifests: dataflows\n", [".compliance.yaml:1:12: manifests: expected a list of strings"]),
    (
        "disable:\n  CN-CBDF-8-CONTRACT-OR-CER: handled\n",
        [
            ".compliance.yaml:2:3: disable.CN-CBDF-8-CONTRACT-OR-CER: no rule has this id "
            "(did you mean 'CN-CBDF-8-CONTRACT-OR-CERT'?)"
        ],
    ),
    (
        "disable:\n  CN-PIPL-55-PIPIA: ''\n",
        [".compliance.yaml:2:3: disable.CN-PIPL-55-PIPIA: give the reason as a non-empty string"],
    ),
    (
        "severity:\n  CN-PIPL-55-PIPIA: {severity: urgent, why: x}\n",
        [
            ".compliance.yaml:2:21: severity.CN-PIPL-55-PIPIA.reason: give the reason as a non-empty string",
            ".compliance.yaml:2:32: severity.CN-PIPL-55-PIPIA.severity: 'urgent' is not one of low, medium, "
            "high, critical",
            ".compliance.yaml:2:45: severity.CN-PIPL-55-PIPIA.why: unknown key (known: severity, reason)",
        ],
    ),
    (
        "disable: {CN-PIPL-55-PIPIA: x}\nseverity:\n  CN-PIPL-55-PIPIA: {severity: low, reason: y}\n",
        [".compliance.yaml:3:3: severity.CN-PIPL-55-PIPIA: the rule is also disabled"],
    ),
    ("- a list\n", [".compliance.yaml:1:1: the configuration must be a mapping of settings"]),
]


@pytest.mark.parametrize(("text", "expected"), YAML_ERRORS, ids=[t for t, _ in YAML_ERRORS])
def test_yaml_errors_exit_2_with_positions(
    project: Path, capsys: pytest.CaptureFixture[str], text: str, expected: list[str]
) -> None:
    (project / ".compliance.yaml").write_text(text)
    code, out, err = run(capsys, "check", "dataflows/a.yaml")
    assert (code, out) == (2, "")
    assert sorted(err.splitlines()) == sorted(expected)


#: Every key written with no value (a YAML null): refused, never read as the key left out.
NO_VALUE = {
    "manifests": "a list of strings",
    "packs": "a list of strings",
    "rules": "a list of strings",
    "fail_on": "one of low, medium, high, critical",
    "format": "one of text, json, sarif, junit, github, markdown",
    "disable": "a mapping of rule id to the reason",
    "severity": "a mapping of rule id to {severity, reason}",
}


@pytest.mark.parametrize(("spelling", "column"), [("", 2), (" null", 3), ("  # set later", 2)])
@pytest.mark.parametrize("key", list(NO_VALUE))
def test_a_key_with_no_value_exits_2_naming_what_it_takes(
    project: Path, capsys: pytest.CaptureFixture[str], key: str, spelling: str, column: int
) -> None:
    # after a valid key, so that the key left blank is the only problem
    (project / ".compliance.yaml").write_text(
        f"fail_on: high\n{key}:{spelling}\n" if key != "fail_on" else f"format: text\n{key}:{spelling}\n"
    )
    assert run(capsys, "check", "dataflows/a.yaml") == (
        2,
        "",
        f".compliance.yaml:2:{len(key) + column}: {key}: no value; expected {NO_VALUE[key]}\n",
    )


def test_values_left_out_inside_keys_are_named_as_no_value(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / ".compliance.yaml").write_text(
        "manifests: [dataflows, null]\n"
        "disable: {CN-PIPL-55-PIPIA: }\n"
        "severity:\n"
        "  CN-PIPL-39-SEPARATE-CONSENT:\n"
        "  CN-CBDF-8-CONTRACT-OR-CERT: {severity: null, reason: x}\n"
        "  CN-PIPL-38-TRANSFER-MECHANISM: {reason: x}\n"
        "fail_on: high\n"
        "format:\n"
    )
    assert run(capsys, "check", "dataflows/a.yaml") == (
        2,
        "",
        ".compliance.yaml:1:24: manifests[1]: expected a non-empty string, got no value\n"
        ".compliance.yaml:2:11: disable.CN-PIPL-55-PIPIA: no value; give the reason as a non-empty string\n"
        ".compliance.yaml:4:3: severity.CN-PIPL-39-SEPARATE-CONSENT: no value; "
        "expected {severity: ..., reason: ...}\n"
        ".compliance.yaml:5:42: severity.CN-CBDF-8-CONTRACT-OR-CERT.severity: no value; "
        "expected one of low, medium, high, critical\n"
        # left out, not left blank
        ".compliance.yaml:6:34: severity.CN-PIPL-38-TRANSFER-MECHANISM.severity: "
        "expected one of low, medium, high, critical\n"
        ".compliance.yaml:8:8: format: no value; expected one of text, json, sarif, junit, github, "
        "markdown\n",
    )


TOML_ERRORS = [
    ('[tool.compliance]\nfail-on = "high"\n', "fail-on: unknown key (did you mean 'fail_on'?)"),
    ('[tool.compliance]\nrules = ["nope"]\n', "rules[0]: no such rules folder 'nope'"),
    ("[tool.compliance.disable]\nCN-NOPE = 'x'\n", "disable.CN-NOPE: no rule has this id"),
    ("[tool.compliance]\npacks = []\n", NO_PACKS),
    # TOML has no null; an empty string or array is what it can leave blank, and a date or time
    # of the wrong key is shown as written
    (
        '[tool.compliance]\nformat = ""\n',
        "format: '' is not one of text, json, sarif, junit, github, markdown",
    ),
    ('[tool.compliance]\nmanifests = [""]\n', "manifests[0]: expected a non-empty string, got ''"),
    (
        "[tool.compliance]\nfail_on = 2026-01-01\n",
        "fail_on: 2026-01-01 is not one of low, medium, high, critical",
    ),
    (
        "[tool.compliance]\nmanifests = [1979-05-27T07:32:00Z]\n",
        "manifests[0]: expected a non-empty string, got 1979-05-27T07:32:00+00:00",
    ),
    (
        "[tool.compliance.severity]\nCN-PIPL-55-PIPIA = {severity = 07:32:00, reason = 'r'}\n",
        "severity.CN-PIPL-55-PIPIA.severity: 07:32:00 is not one of low, medium, high, critical",
    ),
]


@pytest.mark.parametrize(("text", "expected"), TOML_ERRORS, ids=[e for _, e in TOML_ERRORS])
def test_toml_errors_exit_2_naming_the_file(
    project: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    (project / "pyproject.toml").write_text(text)
    assert run(capsys, "check", "dataflows/a.yaml") == (
        2,
        "",
        f"pyproject.toml: [tool.compliance] {expected}\n",
    )


def test_broken_toml_with_the_table_exits_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pyproject.toml").write_text("[tool.compliance]\nfail_on = \n")
    assert run(capsys, "check", "dataflows/a.yaml") == (
        2,
        "",
        "pyproject.toml:2:11: not valid TOML: Invalid value\n",
    )
    # A header missing its "]" may hold the table: reported, never passed over as no table.
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.compliance\nmanifests = []\n')
    assert run(capsys, "check") == (
        2,
        "",
        "pyproject.toml:3:17: not valid TOML: Expected ']' at the end of a table declaration\n",
    )
    # a byte order mark (which TOML does not allow) is named, not "Invalid statement"
    (project / "pyproject.toml").write_bytes(b"\xef\xbb\xbf[tool.compliance]\nfail_on = 'high'\n")
    assert run(capsys, "check") == (
        2,
        "",
        "pyproject.toml:1:1: not valid TOML: the file starts with a byte order mark (save it as UTF-8 "
        "without one)\n",
    )


def test_an_empty_yaml_configuration_is_no_settings(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / ".compliance.yaml").write_text("# nothing yet\n")
    code, out, _ = run(capsys, "check", "--as-of", AS_OF, "--format", "json", "dataflows/a.yaml")
    assert (code, findings(out)) == (1, A_ONLY)


def _imported_finding_no_config(start: Path, *modules: str) -> list[bool]:
    """In a fresh interpreter: no configuration found from ``start``; which ``modules`` that imported."""
    import subprocess
    import sys

    code = (
        "import sys; from compliance.config import load_config; "
        f"assert load_config(start=__import__('pathlib').Path({str(start)!r})) is None; "
        f"print([m in sys.modules for m in {list(modules)!r}])"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    imported: list[bool] = json.loads(proc.stdout.lower())
    return imported


def test_no_configuration_costs_no_yaml_or_toml_parse(tmp_path: Path) -> None:
    assert _imported_finding_no_config(tmp_path, "tomllib", "compliance.sources.document") == [False, False]


def _checked(n: int, given: int) -> str:
    """The end of the text format's summary line: ``n`` of ``given`` files checked."""
    files = f"{given} file{'s' if given != 1 else ''}"
    return f"({n} of {files} checked against {_rule_count()} rules as of {AS_OF})\n"


def _rule_count(*packs: str) -> int:
    from compliance.run import shipped_packs

    return sum(len(p.rules) for p in shipped_packs(list(packs) or None, ()))


TABLE_SPELLINGS = [
    '[tool.compliance]\nfail_on = "high"\n',
    '[ tool . "compliance" ]\nfail_on = "high"\n',
    "[tool.'compliance']\nfail_on = 'high'\n",
    '[tool]\ncompliance = { fail_on = "high" }\n',
    '[tool]\ncompliance.fail_on = "high"\n',
    'tool.compliance.fail_on = "high"\n',
    '[tool.compliance.disable]\n[tool.compliance]\nfail_on = "high"\n',
]


@pytest.mark.parametrize("text", TABLE_SPELLINGS)
def test_every_spelling_of_the_table_is_found(tmp_path: Path, text: str) -> None:
    from compliance.config import load_config

    (tmp_path / "pyproject.toml").write_text(text + '[project]\nname = "x"\n')
    config = load_config(start=tmp_path)
    assert config is not None and config.fail_on == "high"


def test_a_pyproject_naming_the_tool_without_the_table_is_not_parsed(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "dataflow-compliance"\ndescription = "compliance checks"\n'
        'dependencies = ["dataflow-compliance>=0.1"]\n[tool.other]\nx = "compliance"\n'
    )
    assert _imported_finding_no_config(tmp_path, "tomllib") == [False]


@pytest.mark.parametrize("fmt", ["sarif", "json", "junit", "markdown"])
def test_a_run_that_cannot_start_replaces_its_earlier_published_report(
    project: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    # A CI step that publishes the report after a failed check must not publish the last
    # good run's report: the failed run writes one naming its errors, where it may.
    out = project / f"report.{fmt}"
    code, _, _ = run(capsys, "check", "--as-of", AS_OF, "--format", fmt, "-o", str(out), "dataflows")
    assert code == 1
    good = out.read_bytes()
    (project / ".compliance.yaml").write_text("manifests: [dataflows]\nfail_onn: high\n")
    code, _, err = run(capsys, "check", "--as-of", AS_OF, "--format", fmt, "-o", str(out))
    assert code == 2
    assert err == ".compliance.yaml:2:1: fail_onn: unknown key (did you mean 'fail_on'?)\n"
    failed = out.read_text(encoding="utf-8")
    assert failed.encode() != good and "unknown key (did you mean" in failed
    assert "CN-PIPL-55-PIPIA" not in failed  # nothing of the earlier run is left
    # an unknown pack: the same
    (project / ".compliance.yaml").unlink()
    code, _, err = run(capsys, "check", "--pack", "xx", "--format", fmt, "-o", str(out), "dataflows")
    assert code == 2 and "no shipped rule pack 'xx'" in out.read_text(encoding="utf-8")
    # never over a file that is not an earlier report of this format
    manifest = project / "dataflows" / "a.yaml"
    before = manifest.read_bytes()
    code, _, _ = run(capsys, "check", "--pack", "xx", "--format", fmt, "-o", str(manifest), "dataflows")
    assert (code, manifest.read_bytes()) == (2, before)


def test_a_run_that_cannot_start_writes_over_nothing_but_its_own_reports(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Another tool's SARIF log or JSON report, a file that only mentions this tool, the file
    # given to --baseline, a manifest through a link: each is left as it is.
    (project / "codeql.sarif").write_text(
        '{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "CodeQL"}}, "results": []}]}'
    )
    (project / "other.json").write_text('{"report_version": 3, "tool": {"name": "other-scanner"}}')
    (project / "notes.md").write_text("# Notes\n\n## dataflow-compliance: passed\n")
    code, _, _ = run(capsys, "check", "--as-of", AS_OF, "--format", "json", "-o", "last.json", "dataflows")
    assert code == 1
    (project / "link.md").symlink_to(project / "dataflows" / "a.yaml")
    cases = [
        ("sarif", "codeql.sarif", []),
        ("json", "other.json", []),
        ("markdown", "notes.md", []),
        ("json", "last.json", ["--baseline", "last.json"]),
        ("markdown", "link.md", []),
    ]
    for fmt, out, extra in cases:
        before = (project / out).read_bytes()
        code, _, err = run(capsys, "check", "--pack", "xx", "--format", fmt, "-o", out, *extra, "dataflows")
        assert (code, (project / out).read_bytes()) == (2, before), out
        assert "no shipped rule pack 'xx'" in err


def test_a_run_that_cannot_start_never_reads_a_pipe_given_as_output(project: Path) -> None:
    # reading a pipe to see whether it holds an earlier report would wait for ever
    fifo = project / "out.junit"
    os.mkfifo(fifo)
    proc = subprocess.run(
        [sys.executable, "-m", "compliance", "check", "--pack", "xx", "--format", "junit", "-o", str(fifo)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=project,
    )
    assert (proc.returncode, proc.stdout) == (2, "")
    assert "no shipped rule pack 'xx'" in proc.stderr


def test_rules_on_the_command_line_replace_the_configured_rule_folders(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--rules` replaces the configuration's `rules` (as `--pack` replaces `packs`), for every
    command that loads rules: a folder configured is not added to those given."""
    from test_cli import _pack

    _pack(project / "ours", "ours", "OURS-1")
    _pack(project / "theirs", "theirs", "THEIRS-1")
    (project / ".compliance.yaml").write_text("rules: [ours]\n")
    assert run(capsys, "explain", "OURS-1")[0] == 0
    assert run(capsys, "explain", "OURS-1", "--rules", "theirs") == (
        2,
        "",
        "error: no rule 'OURS-1' (did you mean THEIRS-1?); see `compliance rules list`\n",
    )
    assert run(capsys, "rules", "list", "--pack", "ours")[0] == 0
    assert run(capsys, "rules", "list", "--pack", "ours", "--rules", "theirs") == (
        2,
        "",
        "error: no rule pack 'ours' (loaded: cn, eu, theirs)\n",
    )
    for given, fired in (((), ("OURS-1",)), (("--rules", "theirs"), ("THEIRS-1",))):
        code, out, _ = run(capsys, "check", "--as-of", AS_OF, "--format", "json", *given, "dataflows/a.yaml")
        ids = {f["rule_id"] for f in json.loads(out)["findings"]}
        assert (code, tuple(sorted(ids & {"OURS-1", "THEIRS-1"}))) == (1, fired)


def test_a_notice_may_be_disabled_with_a_reason(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # after the packs' data date every run carries NOTICE-PACK-DATE, once per pack
    args = ("check", "--as-of", "2026-12-15", "--format", "json", "dataflows/a.yaml")
    code, out, _ = run(capsys, *args)
    before = [f["rule_id"] for f in json.loads(out)["findings"]]
    assert before.count("NOTICE-PACK-DATE") == 2
    (project / ".compliance.yaml").write_text("disable:\n  NOTICE-PACK-DATE: the tool is updated monthly\n")
    again, out, _ = run(capsys, *args)
    after = [f["rule_id"] for f in json.loads(out)["findings"]]
    assert (again, after) == (code, [r for r in before if r != "NOTICE-PACK-DATE"])
    # the audit report says so among the configuration's changes
    code, report, _ = run(capsys, "report", "--as-of", "2026-12-15", "--format", "markdown", args[-1])
    assert code == 0 and "NOTICE-PACK-DATE" in report and "the tool is updated monthly" in report
    # a notice never fails a run: there is no severity to set
    (project / ".compliance.yaml").write_text("severity:\n  NOTICE-PACK-DATE: {severity: high, reason: r}\n")
    assert run(capsys, *args) == (
        2,
        "",
        ".compliance.yaml:2:3: severity.NOTICE-PACK-DATE: a notice has no severity to set (it never fails "
        "a run)\n",
    )


@pytest.mark.parametrize("fmt", ["text", "github", "sarif", "junit", "markdown"])
def test_every_format_says_why_a_waiver_matched_nothing(
    project: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    waiver = (
        "waivers:\n  - {rule: CN-PIPL-55-PIPIA, target: flows/crm-to-bi, reason: r, approved_by: DPO, "
        "expires_on: 2026-12-31}\n"
    )
    (project / "dataflows" / "a.yaml").write_text(manifest("crm-to-bi", "crm", "customers", 60000) + waiver)
    (project / ".compliance.yaml").write_text("disable: {CN-PIPL-55-PIPIA: audited separately}\n")
    code, out, _ = run(capsys, "check", "--as-of", AS_OF, "--format", fmt, "dataflows/a.yaml")
    said = "CN-PIPL-55-PIPIA on flows/crm-to-bi matches no finding; rule 'CN-PIPL-55-PIPIA' is disabled"
    if fmt == "sarif":
        notes = json.loads(out)["runs"][0]["invocations"][0]["toolConfigurationNotifications"]
        out = " ".join(n["message"]["text"] for n in notes)
    elif fmt == "junit":
        out = out.replace("&apos;", "'")
    assert code == 1 and said in out


def test_ids_are_suggested_whatever_their_letter_case(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / ".compliance.yaml").write_text("disable:\n  NOTICE-PACK-DATES: updated monthly\n")
    assert run(capsys, "check", "dataflows/a.yaml") == (
        2,
        "",
        ".compliance.yaml:2:3: disable.NOTICE-PACK-DATES: no rule has this id (did you mean "
        "'NOTICE-PACK-DATE'?)\n",
    )
    (project / ".compliance.yaml").unlink()
    waiver = (
        "waivers:\n  - {rule: cn-pipl-55-pipia, target: flows/crm-to-bi, reason: r, approved_by: DPO, "
        "expires_on: 2026-12-31}\n"
    )
    (project / "dataflows" / "a.yaml").write_text(manifest("crm-to-bi", "crm", "customers", 60000) + waiver)
    code, out, _ = run(capsys, "check", "--as-of", AS_OF, "--format", "json", "dataflows/a.yaml")
    assert (code, [w["note"] for w in json.loads(out)["unused_waivers"]]) == (
        1,  # the finding the waiver meant is still reported
        ["no rule has the id 'cn-pipl-55-pipia' (did you mean 'CN-PIPL-55-PIPIA'?)"],
    )


def test_a_manifest_saved_as_utf_16_without_a_byte_order_mark_says_so(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "dataflows" / "a.yaml").write_bytes(
        manifest("crm-to-bi", "crm", "customers", 1).encode("utf-16-le")
    )
    hint = "; the file looks like UTF-16 or UTF-32: save it as UTF-8\n"
    code, _, err = run(capsys, "check", "dataflows/a.yaml")
    assert (code, err) == (2, "dataflows/a.yaml:1:2: not UTF-8 text: byte 0x00 at offset 1" + hint)
    # JSON alike, and UTF-16 text holding other than ASCII (no NUL to go by at first: its mark)
    (project / "dataflows" / "a.json").write_bytes('{"manifest_version": 1}'.encode("utf-16-le"))
    assert run(capsys, "check", "dataflows/a.json")[2] == (
        "dataflows/a.json:1:2: not UTF-8 text: byte 0x00 at offset 1" + hint
    )
    (project / "dataflows" / "a.json").write_bytes('{"名": 1}'.encode("utf-16"))
    assert run(capsys, "check", "dataflows/a.json")[2] == (
        "dataflows/a.json:1:1: not UTF-8 text: byte 0xff at offset 0" + hint
    )

"""docs/ci.md stays true: every YAML and TOML block parses, and the `compliance` commands of the
GitHub, GitLab, pre-commit, configuration and baseline recipes run against a real manifest and
produce the files their consumers read."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from compliance import cli as cli_module
from compliance.config import load_config

REPO = Path(__file__).resolve().parent.parent
DOC = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", DOC, flags=re.DOTALL)


def blocks(lang: str) -> list[str]:
    return [body for kind, body in BLOCKS if kind == lang]


def yaml_blocks() -> list[Any]:
    return [yaml.safe_load(body) for body in blocks("yaml")]


def run(capsys: pytest.CaptureFixture[str], command: str) -> tuple[int, str, str]:
    argv = shlex.split(command)
    assert argv[0] == "compliance", command
    with pytest.raises(SystemExit) as exc:
        cli_module.main(argv[1:])
    out, err = capsys.readouterr()
    assert isinstance(exc.value.code, int)
    return exc.value.code, out, err


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "dataflows").mkdir()
    shutil.copy(REPO / "fixtures" / "example-travel.yaml", tmp_path / "dataflows" / "travel.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_doc_has_each_recipe() -> None:
    assert [kind for kind, _ in BLOCKS] == ["yaml", "yaml", "yaml", "yaml", "toml", "sh", "yaml"]


def test_github_workflow_uploads_the_sarif_the_check_writes(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workflow = yaml_blocks()[0]
    assert workflow["permissions"]["security-events"] == "write"
    steps = workflow["jobs"]["compliance"]["steps"]
    commands = [s["run"] for s in steps if "run" in s and s["run"].startswith("compliance ")]
    upload = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    assert len(commands) == 1 and len(upload) == 1
    assert upload[0]["if"] == "always()"
    assert steps.index(upload[0]) > steps.index(next(s for s in steps if s.get("run") == commands[0]))
    code, out, err = run(capsys, commands[0])
    assert (code, out, err) == (1, "", "")
    sarif = json.loads((project / upload[0]["with"]["sarif_file"]).read_text())
    assert sarif["version"] == "2.1.0" and len(sarif["runs"]) == 1
    results = sarif["runs"][0]["results"]
    assert results
    assert all(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "dataflows/travel.yaml"
        for r in results
    )


def test_gitlab_job_reports_the_junit_the_check_writes(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    job = yaml_blocks()[1]["dataflow-compliance"]
    commands = [c for c in job["script"] if c.startswith("compliance ")]
    assert len(commands) == 1
    assert job["artifacts"]["when"] == "always"
    code, out, err = run(capsys, commands[0])
    assert (code, out, err) == (1, "", "")
    root = ET.parse(project / job["artifacts"]["reports"]["junit"]).getroot()
    cases = root.iter("testcase")
    assert any(c.find("failure") is not None for c in cases)


def test_pre_commit_snippet_names_the_shipped_hook() -> None:
    config = yaml_blocks()[2]
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (repo,) = config["repos"]
    assert set(repo) == {"repo", "rev", "hooks"}
    assert [h["id"] for h in repo["hooks"]] == [hooks[0]["id"]] == ["dataflow-compliance"]
    assert hooks[0]["entry"] == "compliance check"


def test_configuration_examples_load(project: Path) -> None:
    (project / ".compliance.yaml").write_text(blocks("yaml")[3], encoding="utf-8")
    config = load_config()
    assert config is not None
    assert config.fail_on == "high" and config.manifest_files() == (["dataflows"], [], [])
    (project / ".compliance.yaml").unlink()
    (project / "pyproject.toml").write_text(blocks("toml")[0], encoding="utf-8")
    config = load_config()
    assert config is not None and config.path == Path("pyproject.toml")
    assert dict(config.disable) == tomllib.loads(blocks("toml")[0])["tool"]["compliance"]["disable"]


@pytest.mark.parametrize("config_block", [3, None], ids=["yaml", "toml"])
def test_configuration_and_baseline_recipe(
    project: Path, capsys: pytest.CaptureFixture[str], config_block: int | None
) -> None:
    if config_block is None:
        (project / "pyproject.toml").write_text(blocks("toml")[0], encoding="utf-8")
    else:
        (project / ".compliance.yaml").write_text(blocks("yaml")[config_block], encoding="utf-8")
    code, _, _ = run(capsys, "compliance check")
    assert code == 1  # the example has high findings; the rule ids the config names exist
    record, check = (line.split("#")[0].strip() for line in blocks("sh")[0].strip().splitlines())
    code, out, err = run(capsys, record)
    assert (code, out) == (0, "")
    assert re.fullmatch(r"compliance-baseline\.json: \d+ findings recorded\n", err)
    code, out, err = run(capsys, check)
    assert (code, err) == (0, "")
    assert ", 0 needing review, " in out and " baselined (1 of 1 file checked" in out


def test_pre_commit_with_a_baseline_beside_the_manifests(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo,) = yaml_blocks()[4]["repos"]
    (hook,) = repo["hooks"]
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert (hook["id"], hooks[0]["id"]) == ("dataflow-compliance", "dataflow-compliance")
    baseline = hook["args"][hook["args"].index("--baseline") + 1]
    assert re.fullmatch(hooks[0]["files"], baseline)  # so pre-commit passes it when it changes
    (project / ".compliance.yaml").write_text("manifests: [dataflows]\n", encoding="utf-8")
    code, _, err = run(capsys, f"compliance baseline -o {baseline}")
    assert (code, err.endswith(" findings recorded\n")) == (0, True)
    # as pre-commit runs the hook: its entry, its args, then the changed files
    staged = " ".join(sorted(str(p.relative_to(project)) for p in (project / "dataflows").iterdir()))
    code, out, err = run(capsys, f"{hooks[0]['entry']} {' '.join(hook['args'])} {staged}")
    assert (code, err) == (0, "")
    assert " baselined (1 of 1 file checked" in out

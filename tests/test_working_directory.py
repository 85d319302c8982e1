"""A working directory deleted after the shell entered it: what needs it (the configuration
search, a relative path, SARIF locations) is one usage error, exit 2; what does not, works."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from test_cli import EXE, VALID, run

GONE = (
    ": the working directory no longer exists (it was deleted after the shell entered it); "
    "cd to an existing folder and run the command again\n"
)
NO_CONFIG = "error: cannot look for the configuration (.compliance.yaml, pyproject.toml)" + GONE


@pytest.fixture
def gone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder holding ``m.yaml`` and ``c.yaml`` (a configuration), the working directory
    being a folder deleted since."""
    (tmp_path / "m.yaml").write_text(VALID, encoding="utf-8")
    (tmp_path / "c.yaml").write_text("fail_on: critical\n", encoding="utf-8")
    deleted = tmp_path / "g"
    deleted.mkdir()
    monkeypatch.chdir(deleted)
    deleted.rmdir()
    return tmp_path


def test_the_console_script_in_a_deleted_folder(tmp_path: Path) -> None:
    # as reported: `mkdir g && cd g && rmdir ../g && compliance check /abs/m.yaml` was exit 3
    (tmp_path / "m.yaml").write_text(VALID, encoding="utf-8")
    script = f"mkdir g && cd g && rmdir ../g && {EXE} check {tmp_path / 'm.yaml'}"
    done = subprocess.run(["sh", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", NO_CONFIG)


@pytest.mark.parametrize(
    "command",
    [
        ["check", "{m}"],
        ["check"],
        ["validate", "{m}"],
        ["baseline", "-o", "{dir}/b.json", "{m}"],
        ["report", "{m}"],
        ["rules", "list"],
        ["rules", "test", "--pack", "eu"],
        ["explain", "CN-PIPL-38-BEFORE-MEASURES"],
    ],
    ids=lambda c: " ".join(c),
)
def test_a_command_that_looks_for_the_configuration_says_it_cannot(
    gone: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    args = [a.format(m=gone / "m.yaml", dir=gone) for a in command]
    assert run(capsys, *args) == (2, "", NO_CONFIG)


@pytest.mark.parametrize(
    ("command", "named"),
    [
        (["check", "--config", "{c}", "m.yaml"], "m.yaml"),
        (["check", "--config", "c.yaml", "{m}"], "c.yaml"),
        (["check", "--config", "{c}", "--output", "out.txt", "{m}"], "out.txt"),
        (["check", "--config", "{c}", "--baseline", "b.json", "{m}"], "b.json"),
        (["check", "--config", "{c}", "--terraform", "plan.json", "{m}"], "plan.json"),
        (["check", "--config", "{c}", "--rules", "rules", "{m}"], "rules"),
        (["rules", "list", "--rules", "rules"], "rules"),
        (["import", "terraform", "plan.json"], "plan.json"),
        (["import", "fides", "{m}", "-o", "draft.yaml"], "draft.yaml"),
    ],
    ids=lambda c: " ".join(c) if isinstance(c, list) else c,
)
def test_a_relative_path_is_named_as_what_cannot_be_found(
    gone: Path, capsys: pytest.CaptureFixture[str], command: list[str], named: str
) -> None:
    # each was an internal error (exit 3) where the run first resolved the path
    args = [a.format(m=gone / "m.yaml", c=gone / "c.yaml") for a in command]
    assert run(capsys, *args) == (2, "", f"error: {named}: a relative path{GONE}")


def test_sarif_locations_need_the_repository_of_the_working_directory(
    gone: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["check", "--config", str(gone / "c.yaml"), "--format", "sarif", str(gone / "m.yaml")]
    assert run(capsys, *args) == (
        2,
        "",
        "error: cannot find the repository that SARIF locations are relative to" + GONE,
    )


def test_what_needs_no_working_directory_still_works(gone: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config, manifest = str(gone / "c.yaml"), str(gone / "m.yaml")
    code, out, err = run(capsys, "check", "--config", config, "--format", "json", manifest)
    assert (code, err) == (0, "")  # findings below fail_on: critical
    assert json.loads(out)["errors"] == []
    assert run(capsys, "validate", "--config", config, manifest) == (0, "", f"{manifest}: valid\n")
    code, out, err = run(capsys, "baseline", "--config", config, "-o", str(gone / "b.json"), manifest)
    assert (code, out) == (0, "")
    code, out, err = run(capsys, "check", "--config", config, "--baseline", str(gone / "b.json"), manifest)
    assert (code, err) == (0, "")
    code, out, _ = run(capsys, "schema")
    assert code == 0 and json.loads(out)

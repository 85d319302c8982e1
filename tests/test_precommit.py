"""The pre-commit hook, run by the real ``pre-commit`` program with ``try-repo``.

The hook repository is a committed copy of this working tree (what a user's pre-commit would
clone), so the test checks the files as they are now, committed or not. pre-commit builds the
hook's virtualenv with pip, which needs the package index (for hatchling and the
dependencies) but nothing else.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
HOOK_FILES = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "compliance", "rules")

FAILING = """\
manifest_version: 1
organization: {name: Beispiel GmbH, established_in: [DE], ciio: false, state_organ: false}
datasets:
  - id: customers
    categories: [user.contact.email, user.name]
    subjects: [{residency: DE, count: 20000}]
    important_data: false
    core_data: false
systems:
  - id: crm
    location: "aws:eu-central-1"
    operator: {name: Beispiel GmbH, role: controller}
    stores: [customers]
  - {id: remote, location: "aws:us-east-1", operator: {name: Recipient Ltd, role: processor}, stores: []}
flows:
  - id: crm-to-remote
    from: crm
    to: remote
    datasets: [customers]
    purpose: essential.service
    started_on: "2025-02-01"
    recipient: {name: Recipient Ltd, role: processor, dpf_certified: false}
    mechanisms: []
"""

# The same organization with no transfer out of the EEA.
PASSING = FAILING.split("  - {id: remote")[0] + "flows: []\n"


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        PRE_COMMIT_HOME=str(home),
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.invalid",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.invalid",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
    )
    return env


def _git(cwd: Path, env: dict[str, str], *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    if shutil.which("git") is None:
        pytest.fail("git is needed to test the pre-commit hook")
    base = tmp_path_factory.mktemp("precommit")
    env = _env(base / "home")
    repo = base / "hook-repo"
    repo.mkdir()
    for name in HOOK_FILES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, repo / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(src, repo / name)
    _git(repo, env, "init", "-q")
    _git(repo, env, "add", ".")
    _git(repo, env, "commit", "-q", "-m", "hook under test")
    return repo, env


def _try_repo(hook: tuple[Path, dict[str, str]], project: Path, files: dict[str, str]) -> tuple[int, str]:
    repo, env = hook
    project.mkdir()
    _git(project, env, "init", "-q")
    for name, text in files.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text, encoding="utf-8")
    _git(project, env, "add", ".")
    return _pre_commit(project, env, "try-repo", str(repo), "dataflow-compliance", "--all-files")


def _pre_commit(project: Path, env: dict[str, str], *args: str) -> tuple[int, str]:
    """Run ``pre-commit ARGS`` in ``project``; return its exit status and output."""
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return proc.returncode, proc.stdout + proc.stderr


def test_failing_manifest_fails_the_commit(hook_repo: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    code, out = _try_repo(
        hook_repo,
        tmp_path / "project",
        {"dataflows/bad.yaml": FAILING, "dataflows/good.yaml": PASSING, "Dataflows/Upper.YML": FAILING},
    )
    assert code == 1, out
    assert "- exit code: 1" in out
    assert "dataflows/bad.yaml:" in out and "violation" in out
    # a folder search finds manifests whatever the letter case, and so does the hook
    assert "Dataflows/Upper.YML:" in out
    assert "3 of 3 files checked" in out


def test_a_manifest_named_like_an_option_is_checked(
    hook_repo: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    # without the hook's `--`, `-o.dataflow.yaml` was `-o .dataflow.yaml`: the manifest with a
    # violation was never checked and the report overwrote .dataflow.yaml
    project = tmp_path / "project"
    code, out = _try_repo(hook_repo, project, {"-o.dataflow.yaml": FAILING, "eu.dataflow.yaml": PASSING})
    assert code == 1, out
    assert "-o.dataflow.yaml:" in out and "violation" in out
    assert "2 of 2 files checked" in out
    assert not (project / ".dataflow.yaml").exists()


def test_passing_manifest_passes_and_other_yaml_is_left_alone(
    hook_repo: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    # The workflow file and the example under docs/ would fail the hook (exit 2 and 1) if the
    # `files` pattern let them through.
    code, out = _try_repo(
        hook_repo,
        tmp_path / "project",
        {
            "dataflows/good.yaml": PASSING,
            "eu.dataflow.yaml": PASSING,
            ".github/workflows/ci.yml": "on: push\n",
            "docs/bad-example.yaml": FAILING,
        },
    )
    assert code == 0, out
    assert "dataflow compliance" in out and "Passed" in out


def test_the_hooks_own_baseline_among_the_staged_files_is_skipped(
    hook_repo: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    # The documented set-up: the baseline kept beside the manifests, given to the hook with
    # `args`. pre-commit passes it with the changed manifests; it is the run's own baseline,
    # skipped as when the check finds it in the folder. Another baseline there still fails.
    repo, env = hook_repo
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    project = tmp_path / "project"
    (project / "dataflows").mkdir(parents=True)
    (project / ".compliance.yaml").write_text("manifests: [dataflows]\n", encoding="utf-8")
    (project / "dataflows" / "bad.yaml").write_text(FAILING, encoding="utf-8")
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {repo}\n    rev: {rev}\n    hooks:\n      - id: dataflow-compliance\n"
        "        args: [--baseline, dataflows/compliance-baseline.json, --]\n",
        encoding="utf-8",
    )
    compliance = Path(sys.executable).parent / "compliance"
    subprocess.run(
        [str(compliance), "baseline", "-o", "dataflows/compliance-baseline.json"],
        cwd=project,
        env=env,
        check=True,
        capture_output=True,
    )
    _git(project, env, "init", "-q")
    _git(project, env, "add", ".")
    code, out = _pre_commit(project, env, "run", "--all-files")
    assert code == 0, out
    assert "dataflow compliance" in out and "Passed" in out
    shutil.copy(
        project / "dataflows" / "compliance-baseline.json", project / "dataflows" / "old-baseline.json"
    )
    _git(project, env, "add", ".")
    code, out = _pre_commit(project, env, "run", "--all-files")
    assert code == 1, out
    assert "- exit code: 2" in out
    assert "dataflows/old-baseline.json:1:1: this is a baseline file (`compliance baseline`)" in out

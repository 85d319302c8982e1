"""The wheel carries everything the tool needs at run time, rule packs and data included."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built once for this module."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("dataflow_compliance-*.whl")
    return built


def test_wheel_carries_rule_packs_and_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {
        "compliance/_rules/" + str(p.relative_to(ROOT / "rules")).replace("\\", "/")
        for p in (ROOT / "rules").rglob("*")
        if p.is_file()
    }
    assert shipped, "the repository has rule files"
    assert shipped <= names, sorted(shipped - names)[:5]
    assert "compliance/cli.py" in names
    assert (
        "compliance/schemas/manifest-v1.schema.json" in names
        or not (ROOT / "compliance/schemas/manifest-v1.schema.json").exists()
    )
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry).decode()
    assert "compliance = compliance.console:run" in text


def test_installed_wheel_runs_the_example(wheel: Path, tmp_path: Path) -> None:
    """Install the wheel into a scratch target dir and run the check from outside the repo."""
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin", "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", "import compliance.paths as p; print(p.rules_root())"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout.strip() == str(target / "compliance" / "_rules")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "compliance",
            "check",
            "--as-of",
            "2026-11-29",
            "--format",
            "json",
            str(ROOT / "fixtures" / "example-travel.yaml"),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1, proc.stderr
    assert '"report_version": 1' in proc.stdout

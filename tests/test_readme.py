"""The README's two newcomer commands stay true: CI runs the second verbatim."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.+?)\n```", text)[:2]


def test_the_first_command_installs_and_checks_a_shipped_fixture() -> None:
    first = _commands()[0]
    target = re.search(r"compliance check (\S+)$", first)
    assert target is not None and (ROOT / target.group(1)).is_file()
    assert "pip install ." in first


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    second = _commands()[1]
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert ci_lines[-1] == second


def test_the_command_list_says_the_report_needs_its_extra() -> None:
    import tomllib

    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("compliance report "))
    assert lines[at + 1].strip() == "# needs the `report` extra: pip install '.[report]'"
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any(dep.startswith("jinja2") for dep in extras["optional-dependencies"]["report"])

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

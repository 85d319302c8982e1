"""The README's two newcomer commands stay true: CI runs the second verbatim."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_cli import run

from compliance.formats import FORMATS

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


def test_the_formats_said_to_list_waived_findings_are_those_that_do(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each format is run on a manifest with a waived finding: the waiver's reason is shown by
    exactly the formats the README names, and `github` and `sarif` only count it."""
    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    said = re.search(r"waived findings are listed: (.+?); `github` and `sarif` leave them out", text)
    assert said is not None
    listed = set(re.findall(r"`(\w+)`", said.group(1))) - {"skipped"}
    assert listed == {"text", "json", "markdown", "junit"}
    fixture = str(ROOT / "fixtures" / "berlin-healthtech.yaml")
    reason = "Module 3 addendum sent to Faultline legal"
    for fmt in FORMATS:
        code, out, _ = run(capsys, "check", "--as-of", "2026-11-30", "--format", fmt, fixture)
        assert (fmt, code, reason in out) == (fmt, 1, fmt in listed)
        if fmt not in listed:
            assert "1 waived" in out or '"waived": 1' in out


def test_the_report_usage_says_where_it_writes_and_its_exit_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's `compliance report` lines against the command: stdout without -o, exit 0
    with findings (the report is no gate), 2 on unusable input, and --as-of."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("compliance report "))
    usage = " ".join(line.strip() for line in lines[at : at + 5])
    assert "[-o report.html]" in usage and "[--as-of DATE]" in usage
    assert "on stdout unless -o names a file" in usage
    assert "exit 0 whatever it finds, 2 on unusable input" in usage
    fixture = str(ROOT / "fixtures" / "berlin-healthtech.yaml")
    assert run(capsys, "check", "--as-of", "2026-11-30", fixture)[0] == 1
    code, out, _ = run(capsys, "report", "--as-of", "2026-11-30", "--format", "csv", fixture)
    assert (code, out.splitlines()[0].split(",")[:2]) == (0, ["\ufeffref", "file"])  # BOM for Excel
    code, out, _ = run(capsys, "report", "--as-of", "2026-11-30", "-o", str(tmp_path / "r.html"), fixture)
    assert (code, out, (tmp_path / "r.html").read_text(encoding="utf-8").startswith("<!")) == (0, "", True)
    missing = str(tmp_path / "missing.yaml")
    assert run(capsys, "report", missing) == (2, "", f"{missing}: no such file\n")


def test_the_validate_usage_says_it_reports_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("compliance validate "))
    usage = " ".join(line.strip() for line in lines[at : at + 3])
    assert "one line per file on stderr, `FILE: valid` or its # problems, nothing on stdout" in usage
    assert "exit 0 all valid, else 2" in usage
    fixture = str(ROOT / "fixtures" / "berlin-healthtech.yaml")
    assert run(capsys, "validate", fixture) == (0, "", f"{fixture}: valid\n")
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    assert run(capsys, "validate", fixture, str(empty)) == (
        2,
        "",
        f"{empty}: file is empty; expected one manifest\n{fixture}: valid\n",
    )

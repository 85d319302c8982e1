"""The files a run reads and writes: an output never overwrites an input, a folder may keep
the run's own earlier output, special files are refused rather than read forever, and a
machine-readable format still writes its document when a folder holds nothing to check."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from test_cli import MY_RULE, PACK_YAML, VALID, run

AS_OF = "2026-11-29"


def checked(n: int, given: int) -> str:
    """The end of the text format's summary line: ``n`` of ``given`` inputs checked."""
    from compliance.run import shipped_packs

    rules = sum(len(p.rules) for p in shipped_packs(None, ()))
    return f"({n} of {given} file{'s' if given != 1 else ''} checked against {rules} rules as of {AS_OF})\n"


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.yaml").write_text(VALID, encoding="utf-8")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.yaml").write_text(VALID, encoding="utf-8")
    (tmp_path / "d" / "b.yaml").write_text(VALID.replace("Example Co", "Other Co"), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--format", "json", "m.yaml", "-o", "m.yaml"],
        ["baseline", "m.yaml", "-o", "m.yaml"],
        ["report", "--format", "csv", "m.yaml", "-o", "m.yaml"],
        ["check", "d", "-o", "d/a.yaml"],
        ["check", "./m.yaml", "-o", str(Path("m.yaml"))],
    ],
    ids=["check", "baseline", "report", "in-a-folder", "spelled-otherwise"],
)
def test_an_output_that_is_a_manifest_of_the_run_is_refused_and_left_alone(
    here: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    target = args[-1]
    before = Path(target).read_bytes()
    assert run(capsys, *args, "--as-of", AS_OF) == (
        2,
        "",
        f"error: {target}: is a manifest this run checks; write the output to another file\n",
    )
    assert Path(target).read_bytes() == before


def test_an_output_that_the_run_reads_otherwise_is_refused(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "baseline", "--as-of", AS_OF, "m.yaml", "-o", "b.json")[0] == 0
    before = Path("b.json").read_bytes()
    assert run(capsys, "check", "--as-of", AS_OF, "m.yaml", "--baseline", "b.json", "-o", "b.json") == (
        2,
        "",
        "error: b.json: this run reads it too; write the output to another file\n",
    )
    assert Path("b.json").read_bytes() == before


def test_a_folder_may_keep_the_runs_own_earlier_output(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in range(2):
        code, out, err = run(
            capsys, "check", "--as-of", AS_OF, "--format", "json", "d", "-o", "d/report.json"
        )
        assert (code, out, err) == (1, "", "")
        assert json.loads(Path("d/report.json").read_text())["files"] == ["d/a.yaml", "d/b.yaml"]
    for _ in range(2):
        assert run(capsys, "baseline", "--as-of", AS_OF, "d", "-o", "d/base.json") == (
            2,
            "",
            "d/report.json:1:1: this is a JSON report of `compliance check`, not a manifest\n",
        )
    os.remove("d/report.json")
    for _ in range(2):
        assert run(capsys, "baseline", "--as-of", AS_OF, "d", "-o", "d/base.json") == (
            0,
            "",
            "d/base.json: 4 findings recorded\n",
        )


EMPTY = "empty: no manifest files (*.yaml, *.yml, *.json) in this folder\n"


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_folder_holding_no_manifest_fails_the_run_and_the_files_beside_it_are_still_checked(
    here: Path, capsys: pytest.CaptureFixture[str], jobs: str
) -> None:
    (here / "empty").mkdir()
    code, out, err = run(capsys, "check", "--as-of", AS_OF, "-j", jobs, "empty", "m.yaml", "d")
    assert (code, err) == (2, EMPTY)
    assert out.count(": violation high ") == 6
    assert out.endswith(
        "\nempty: not checked (unusable input, see the errors)\n6 violations, 0 needing review, "
        f"0 waived, 0 notices {checked(3, 4)}"
    )
    # alone, the folder is still reported as an input not checked, as a missing file is
    assert run(capsys, "check", "--as-of", AS_OF, "-j", jobs, "empty") == (
        2,
        "empty: not checked (unusable input, see the errors)\n0 violations, 0 needing review, 0 waived, "
        f"0 notices {checked(0, 1)}",
        EMPTY,
    )
    code, out, err = run(capsys, "check", "--as-of", AS_OF, "-j", jobs, "--format", "json", "empty", "m.yaml")
    report = json.loads(out)
    assert (code, err, report["files"], report["exit_status"]) == (2, EMPTY, ["empty", "m.yaml"], 2)
    assert [f["rule_id"] for f in report["findings"]] == ["CN-PIPL-39-SEPARATE-CONSENT", "CN-PIPL-55-PIPIA"]
    # a machine-readable document still reaches its reader when nothing at all was checked
    assert run(capsys, "check", "--as-of", AS_OF, "--format", "sarif", "empty", "-o", "e.sarif") == (
        2,
        "",
        EMPTY,
    )
    sarif = json.loads(Path("e.sarif").read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"] == []
    assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_the_other_commands_name_a_folder_holding_no_manifest_and_go_on(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (here / "empty").mkdir()
    assert run(capsys, "validate", "empty", "m.yaml", "d") == (
        2,
        "",
        f"{EMPTY}m.yaml: valid\nd/a.yaml: valid\nd/b.yaml: valid\n",
    )
    assert run(capsys, "baseline", "--as-of", AS_OF, "m.yaml", "empty", "-o", "b.json") == (2, "", EMPTY)
    assert run(capsys, "report", "--as-of", AS_OF, "--format", "csv", "m.yaml", "empty", "-o", "r.csv") == (
        2,
        "",
        EMPTY,
    )
    assert not Path("b.json").exists() and not Path("r.csv").exists()
    # a folder holding only the run's own output holds no manifest either
    (here / "out").mkdir()
    assert run(capsys, "baseline", "--as-of", AS_OF, "m.yaml", "-o", "out/b.json")[0] == 0
    assert run(capsys, "check", "--as-of", AS_OF, "m.yaml", "out", "--baseline", "out/b.json") == (
        2,
        "out: not checked (unusable input, see the errors)\n0 violations, 0 needing review, 0 waived, "
        f"0 notices, 2 baselined {checked(1, 2)}",
        "out: no manifest files (*.yaml, *.yml, *.json) in this folder\n",
    )


@pytest.mark.parametrize("option", ["--baseline", "--terraform"])
def test_the_runs_own_inputs_are_skipped_when_named_as_when_a_folder_holds_them(
    here: Path, capsys: pytest.CaptureFixture[str], option: str
) -> None:
    # pre-commit names every changed file under dataflows/, the run's own baseline included
    if option == "--baseline":
        assert run(capsys, "baseline", "--as-of", AS_OF, "d", "-o", "d/own.json")[0] == 0
        code, tail = 0, f"0 violations, 0 needing review, 0 waived, 0 notices, 4 baselined {checked(2, 2)}"
    else:
        Path("d/own.json").write_text('{"configuration": {}, "planned_values": {}}\n', encoding="utf-8")
        code, tail = 1, f"4 violations, 0 needing review, 0 waived, 0 notices {checked(2, 2)}"
    os.link("d/own.json", "own-linked.json")
    for named in (["d"], ["d/a.yaml", "d/own.json", "d/b.yaml"], ["own-linked.json", "d"]):
        got = run(capsys, "check", "--as-of", AS_OF, option, "d/own.json", *named)
        assert (got[0], got[1].splitlines()[-1] + "\n", got[2]) == (code, tail, "")
    # named alone, it leaves no file to check (a commit changing only the baseline)
    assert run(capsys, "check", "--as-of", AS_OF, option, "d/own.json", "d/own.json")[:2] == (
        0,
        f"0 violations, 0 needing review, 0 waived, 0 notices{', 0 baselined' * (code == 0)} {checked(0, 0)}",
    )
    # a file of the same kind that is not the run's own is no manifest: still an error
    shutil.copy("d/own.json", "other.json")
    code, out, err = run(capsys, "check", "--as-of", AS_OF, option, "d/own.json", "d", "other.json")
    assert (code, out.splitlines()[-2]) == (2, "other.json: not checked (unusable input, see the errors)")
    assert err.startswith("other.json:1:1: ")


def test_a_pipe_or_device_is_refused_not_read(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.mkfifo("d/pipe.yaml")
    code, _, err = run(capsys, "check", "--as-of", AS_OF, "d", "/dev/zero")
    assert code == 2
    assert err == (
        "d/pipe.yaml: is not a regular file (a device, pipe or socket)\n"
        "/dev/zero: is not a regular file (a device, pipe or socket)\n"
    )


def test_hand_edited_baseline_values_are_errors(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "baseline", "--as-of", AS_OF, "m.yaml", "-o", "b.json")[0] == 0
    doc = json.loads(Path("b.json").read_text())
    doc["findings"][0].update(fingerprint="zz", outcome="waived")
    doc["findings"][1].update(target="bogus", rule_id="NOPE")
    doc.update(as_of="2026-02-30", recorded_by="me")
    Path("b.json").write_text(json.dumps(doc, indent=2))
    code, _, err = run(capsys, "check", "--as-of", AS_OF, "m.yaml", "--baseline", "b.json")
    assert code == 2
    assert [line.split(": ", 1)[1] for line in err.splitlines()] == [
        'as_of: "2026-02-30": there is no such day (day is out of range for month)',
        "findings[0].outcome: 'waived' is not violation or needs_review",
        "findings[0].fingerprint: 'zz' is not a fingerprint (64 hexadecimal digits)",
        "findings[1].rule_id: 'NOPE' is not a rule id",
        "findings[1].target: 'bogus' is not a target (flows/<id>, ...)",
        "unknown field 'recorded_by' (a baseline has baseline_version, tool, as_of, findings, organizations)",
    ]
    for written, why in (
        ("2026-2-3", '"2026-2-3" is not'),
        ("2026-02-03T00:00", '"2026-02-03T00:00" is not'),
    ):
        Path("b.json").write_text(json.dumps({**doc, "as_of": written}, indent=2))
        code, _, err = run(capsys, "check", "--as-of", AS_OF, "m.yaml", "--baseline", "b.json")
        assert (code, err.splitlines()[0].split(": ", 1)[1]) == (
            2,
            f"as_of: {why} the date it was recorded (YYYY-MM-DD)",
        )
    assert run(capsys, "check", "--as-of", AS_OF, "m.yaml", "--baseline", "d") == (
        2,
        "",
        "d: is a directory, not a baseline file\n",
    )


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_a_baseline_holding_a_number_json_has_not_is_named_a_baseline(
    here: Path, capsys: pytest.CaptureFixture[str], constant: str
) -> None:
    assert run(capsys, "baseline", "--as-of", AS_OF, "m.yaml", "-o", "b.json")[0] == 0
    text = Path("b.json").read_text()
    Path("b.json").write_text(text.replace('"baseline_version": 3', f'"baseline_version": {constant}'))
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "baseline_version" in ln)
    assert run(capsys, "check", "--as-of", AS_OF, "m.yaml", "--baseline", "b.json") == (
        2,
        "",
        f"b.json:{line}:23: JSON: {constant} is not allowed in a baseline file\n",
    )


def test_a_configuration_of_two_documents_is_named_a_configuration(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Path(".compliance.yaml").write_text("fail_on: high\n---\nfail_on: low\n")
    assert run(capsys, "check", "--as-of", AS_OF, "m.yaml") == (
        2,
        "",
        ".compliance.yaml:2:1: a second YAML document ('---'); a configuration file holds one "
        "document only\n",
    )


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("1", "integer"),
        ('"fail_on=critical"', "string"),
        ("[1, 2]", "array"),
        ("true", "boolean"),
        ("1979-05-27", "date or time"),
    ],
)
def test_a_tool_compliance_key_that_is_not_a_table_is_an_error(
    here: Path, capsys: pytest.CaptureFixture[str], value: str, kind: str
) -> None:
    Path("pyproject.toml").write_text(f"[tool]\ncompliance = {value}\n", encoding="utf-8")
    assert run(capsys, "check", "--as-of", AS_OF, "m.yaml") == (
        2,
        "",
        f"pyproject.toml: tool.compliance is a TOML {kind}, not a [tool.compliance] table\n",
    )


def test_links_and_other_inputs_are_protected_too(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.link("m.yaml", "hard.txt")
    os.symlink("m.yaml", "soft.txt")
    os.link("d/a.yaml", "in-folder.txt")
    for source, out in (("m.yaml", "hard.txt"), ("m.yaml", "soft.txt"), ("d", "in-folder.txt")):
        assert run(capsys, "check", "--as-of", AS_OF, source, "-o", out) == (
            2,
            "",
            f"error: {out}: is a manifest this run checks; write the output to another file\n",
        )
    assert Path("d/a.yaml").read_text(encoding="utf-8") == VALID
    (here / "rules").mkdir()
    (here / "rules" / "pack.yaml").write_text(PACK_YAML.format(id="mine"), encoding="utf-8")
    (here / "rules" / "R0.yaml").write_text(f"id: MY-RULE-1\n{MY_RULE}", encoding="utf-8")
    (here / ".compliance.yaml").write_text("rules: [rules]\n", encoding="utf-8")
    assert run(capsys, "check", "--as-of", AS_OF, "m.yaml", "-o", "rules/pack.yaml") == (
        2,
        "",
        "error: rules/pack.yaml: this run reads it too; write the output to another file\n",
    )
    assert run(capsys, "import", "terraform", "m.yaml", "-o", "hard.txt") == (
        2,
        "",
        "error: hard.txt: this run reads it too; write the output to another file\n",
    )
    assert Path("m.yaml").read_text(encoding="utf-8") == VALID
    assert Path("rules/pack.yaml").read_text(encoding="utf-8") == PACK_YAML.format(id="mine")


def test_a_terraform_plan_that_is_a_pipe_is_refused(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.mkfifo("plan.json")
    code, _, err = run(capsys, "check", "--as-of", AS_OF, "m.yaml", "--terraform", "plan.json")
    assert (code, err) == (2, "plan.json: is not a regular file (a device, pipe or socket)\n")
    assert run(capsys, "import", "terraform", "/dev/zero") == (
        2,
        "",
        "/dev/zero: is not a regular file (a device, pipe or socket)\n",
    )


def test_a_configuration_that_is_not_a_file_and_an_unreadable_folder_are_named(
    here: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(capsys, "check", "--as-of", AS_OF, "--config", "/dev/null", "m.yaml") == (
        2,
        "",
        "/dev/null: is not a regular file, so not a configuration file\n",
    )

    def walk(top: str, onerror: Any = None, followlinks: bool = False) -> Any:
        onerror(PermissionError(13, "Permission denied", top))  # as os.walk reports it
        return iter(())

    monkeypatch.setattr(os, "walk", walk)
    assert run(capsys, "check", "--as-of", AS_OF, "d") == (
        2,
        "d: not checked (unusable input, see the errors)\n0 violations, 0 needing review, 0 waived, "
        f"0 notices {checked(0, 1)}",
        "d: cannot read this folder: Permission denied\n",
    )


def test_keep_holds_the_loaded_files_and_changes_nothing_else() -> None:
    import datetime as dt

    from compliance import run as run_module
    from compliance.formats import RenderOptions, render

    packs = run_module.shipped_packs(None, ())
    day = dt.date(2026, 11, 29)
    path = str(Path(__file__).resolve().parent.parent / "fixtures" / "example-travel.yaml")
    before = len(run_module._KEPT)
    kept = run_module.check([path], packs, day, keep=True)
    try:
        assert len(run_module._KEPT) == before + 1
        assert [h.loaded.path for h in run_module._KEPT[-1]._held.values()] == [path]
    finally:
        del run_module._KEPT[before:]
    freed = run_module.check([path], packs, day)
    assert len(run_module._KEPT) == before
    options = RenderOptions(fail_on="low")
    assert render("json", kept, options) == render("json", freed, options)
    assert len(kept.findings) > 0


@pytest.mark.parametrize("command", ["check", "baseline"])
def test_an_output_that_cannot_be_written_whole_leaves_the_previous_file(
    command: str, tmp_path: Path
) -> None:
    # a size limit (a full disk behaves alike): exit 2 with one line, and the previous report is
    # untouched rather than cut short, with no temporary file left beside it
    import resource
    import subprocess
    import sys

    manifest = tmp_path / "m.yaml"
    manifest.write_text(VALID, encoding="utf-8")
    out = tmp_path / "out.json"
    out.write_text("previous report\n", encoding="utf-8")
    out.chmod(0o640)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (256, 256))

    args = [command, "--as-of", "2026-06-01", "-o", str(out), str(manifest)]
    if command == "check":
        args[1:1] = ["--format", "json"]
    proc = subprocess.run(
        [sys.executable, "-m", "compliance", *args],
        capture_output=True,
        text=True,
        preexec_fn=limit,
        check=False,
    )
    assert (proc.returncode, proc.stderr) == (2, f"error: {out}: cannot write: File too large\n")
    assert out.read_text(encoding="utf-8") == "previous report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.yaml", "out.json"]
    # without the limit the file is replaced whole, keeping its permissions
    proc = subprocess.run(
        [sys.executable, "-m", "compliance", *args], capture_output=True, text=True, check=False
    )
    assert proc.returncode == (1 if command == "check" else 0)
    assert json.loads(out.read_text(encoding="utf-8")) and (out.stat().st_mode & 0o777) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.yaml", "out.json"]


def test_an_output_through_a_link_replaces_the_links_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = tmp_path / "m.yaml"
    manifest.write_text(VALID, encoding="utf-8")
    (tmp_path / "reports").mkdir()
    target = tmp_path / "reports" / "latest.json"
    target.write_text("old", encoding="utf-8")
    (tmp_path / "link.json").symlink_to(target)
    code, _, _ = run(
        capsys,
        "check",
        "--as-of",
        "2026-06-01",
        "--format",
        "json",
        "-o",
        str(tmp_path / "link.json"),
        str(manifest),
    )
    assert code == 1
    assert (tmp_path / "link.json").is_symlink()
    assert json.loads(target.read_text(encoding="utf-8"))["as_of"] == "2026-06-01"


def test_an_output_naming_a_pipe_is_written_to_it(tmp_path: Path) -> None:
    # `-o /dev/stdout | ...` (a link to a pipe): written through, never replaced by a file
    import subprocess
    import sys

    manifest = tmp_path / "m.yaml"
    manifest.write_text(VALID, encoding="utf-8")
    args = ["check", "--as-of", "2026-06-01", "--format", "json", "-o", "/dev/stdout", str(manifest)]
    proc = subprocess.run([sys.executable, "-m", "compliance", *args], capture_output=True, check=False)
    assert (proc.returncode, proc.stderr) == (1, b"")
    assert json.loads(proc.stdout)["as_of"] == "2026-06-01"

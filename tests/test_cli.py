"""The ``compliance`` command: exit statuses, one-line errors on stderr, never a traceback."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compliance import cli as cli_module

ROOT = Path(__file__).resolve().parent.parent
EXE = Path(sys.executable).parent / "compliance"

VALID = """\
manifest_version: 1
organization: {name: Example Co, established_in: [CN], ciio: false, state_organ: false}
datasets:
  - {id: customers, categories: [user.contact.email], subjects: [{residency: CN, count: 10}], \
important_data: false, core_data: false}
systems:
  - {id: crm, location: CN, operator: {name: Example Co, role: controller}, stores: [customers]}
  - {id: bi, location: DE, operator: {name: Example Co, role: controller}, stores: []}
flows:
  - id: crm-to-bi
    from: crm
    to: bi
    datasets: [customers]
    purpose: essential.service
    started_on: 2025-02-01
    recipient: {name: Example Co, role: controller, dpf_certified: false}
    mechanisms: []
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the console entry point in-process; return (exit status, stdout, stderr)."""
    with pytest.raises(SystemExit) as exc:
        cli_module.main(list(args))
    out, err = capsys.readouterr()
    code = exc.value.code
    assert isinstance(code, int)
    assert "Traceback" not in err
    return code, out, err


def _write(tmp_path: Path, name: str, content: str | bytes) -> str:
    p = tmp_path / name
    p.write_bytes(content.encode() if isinstance(content, str) else content)
    return str(p)


def _bomb() -> str:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


# Each hazard: file name, content, the exact stderr lines (after "FILE").
HAZARDS: list[tuple[str, str | bytes, list[str]]] = [
    (
        "intdate.yaml",
        VALID.replace("started_on: 2025-02-01", "started_on: 20250201"),
        [":14:17: flows[0].started_on: expected a date written YYYY-MM-DD, got 20250201"],
    ),
    (
        "dupkey.yaml",
        VALID.replace("    to: bi\n", "    to: bi\n    to: crm\n"),
        [":12:5: flows[0]: duplicate key 'to' (first at line 11, again at line 12)"],
    ),
    (
        "merge2.yaml",
        "x: &x {a: 1}\ny: &y {b: 2}\nz:\n  <<: *x\n  <<: *y\n",
        [":5:3: z: duplicate key '<<' (first at line 4, again at line 5)"],
    ),
    ("bomb.yaml", _bomb(), [":6:8: aliases expand to more than 100000 nodes (an alias bomb?)"]),
    ("deep.yaml", "[" * 700 + "]" * 700 + "\n", [":1:65: nesting deeper than 64 levels"]),
    ("deep.json", "[" * 700 + "]" * 700, [":1:65: nesting deeper than 64 levels"]),
    (
        "latin1.yaml",
        VALID.replace("Example Co,", "Caf\xe9 Co,", 1).encode("latin-1"),
        [":2:25: not UTF-8 text: byte 0xe9 at offset 44 (save the file as UTF-8)"],
    ),
    (
        "two.yaml",
        VALID + "---\n" + VALID,
        [":17:1: a second YAML document ('---'); a manifest file holds one document only"],
    ),
    ("empty.yaml", "", [": file is empty; expected one manifest"]),
    ("blank.yaml", " \n\n  \n", [": file is empty; expected one manifest"]),
    (
        "comments.yaml",
        "# nothing here\n   # still nothing\n",
        [": file is only comments; expected one manifest"],
    ),
    ("empty.json", "", [": file is empty; expected one manifest"]),
    (
        "dup.json",
        '{"manifest_version": 1,\n "flows": [],\n "manifest_version": 1}',
        [":3:2: top level: duplicate key 'manifest_version' (first at line 1, again at line 3)"],
    ),
    ("syntax.json", '{"manifest_version": 1,\n  "flows": ]}', [":2:12: JSON syntax: Expecting value"]),
    (
        "open.json",
        '{"manifest_version": 1, "organization": {"name": "A',
        [":1:50: JSON syntax: Unterminated string starting here"],
    ),
    (
        "tab.json",
        '{"manifest_version": 1, "organization": {"name": "A\tB"}}',
        [":1:52: JSON syntax: a control character inside a string (write a tab as \\t, a line break as \\n)"],
    ),
    (
        "typo.yaml",
        VALID.replace("    to: bi", "    destinaton: bi"),
        # one problem, one line: the typo, not also the "missing" key it stands for
        [":11:5: flows[0]: unknown field 'destinaton' (did you mean 'to'?)"],
    ),
    (
        "mechanism.yaml",
        VALID.replace("mechanisms: []", "mechanisms: [{type: sccs-2021, signed_on: 2025-01-01, module: 2}]"),
        [
            ":16:25: flows[0].mechanisms[0].type: unknown mechanism type 'sccs-2021' (did you mean "
            "'scc-2021'?); expected one of: cac-security-assessment, cn-standard-contract, "
            "pi-protection-certification, pipia, separate-consent, scc-2021, scc-2010, bcr, "
            "code-of-conduct, certification, ad-hoc-clauses, derogation, tia"
        ],
    ),
    (
        "dangling.yaml",
        VALID.replace("    from: crm", "    from: crn").replace("stores: [customers]", "stores: [customer]"),
        [
            ":6:86: systems[0].stores[0]: no dataset with id 'customer' (did you mean 'customers'?)",
            ":10:11: flows[0].from: no system with id 'crn' (did you mean 'crm'?)",
        ],
    ),
    (
        "negative.yaml",
        VALID.replace("count: 10", "count: -1"),
        [":4:89: datasets[0].subjects[0].count: input should be greater than or equal to 0, got -1"],
    ),
    (
        "category.yaml",
        VALID.replace("user.contact.email", "user.contact.emial").replace(
            "essential.service", "essential.servic"
        ),
        [
            ":4:34: datasets[0].categories[0]: unknown data category 'user.contact.emial' "
            "(did you mean 'user.contact.email'?)",
            ":13:14: flows[0].purpose: unknown purpose 'essential.servic' "
            "(did you mean 'essential.service'?)",
        ],
    ),
    (
        "dates.yaml",
        VALID.replace(
            "mechanisms: []",
            "mechanisms: [{type: cn-standard-contract, signed_on: 2025-02-01, filed_on: 2025-01-31}]",
        ),
        [
            ":16:80: flows[0].mechanisms[0].filed_on: cn-standard-contract filed before it was signed "
            "(filed_on 2025-01-31, signed_on 2025-02-01)"
        ],
    ),
]


@pytest.mark.parametrize("command", ["validate", "check"])
@pytest.mark.parametrize(("name", "content", "expected"), HAZARDS, ids=[h[0] for h in HAZARDS])
def test_unusable_input_exits_2_with_exact_lines(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    name: str,
    content: str | bytes,
    expected: list[str],
) -> None:
    path = _write(tmp_path, name, content)
    args = [command, path] if command == "validate" else [command, "--as-of", "2026-11-29", path]
    code, _, err = run(capsys, *args)
    assert code == 2
    assert err.splitlines() == [path + line for line in expected]


def test_hazards_through_the_real_console_script(tmp_path: Path) -> None:
    path = _write(tmp_path, "bomb.yaml", _bomb())
    deep = _write(tmp_path, "deep.yaml", "[" * 700 + "]" * 700 + "\n")
    proc = subprocess.run([str(EXE), "validate", path, deep], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"{path}:6:8: aliases expand to more than 100000 nodes (an alias bomb?)",
        f"{deep}:1:65: nesting deeper than 64 levels",
    ]
    assert "Traceback" not in proc.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args",
    [
        ["check", "fixtures/example-travel.yaml"],
        ["schema"],
        ["rules", "list"],
        ["rules", "test"],
        ["explain", "EU-GDPR-46-TIA"],
    ],
)
def test_a_full_stdout_is_one_error_line_and_exit_2(args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [str(EXE), *args], stdout=full, stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=60
        )
    assert (proc.returncode, proc.stderr) == (
        2,
        "error: standard output: cannot write: No space left on device\n",
    )


@pytest.mark.parametrize("args", [["schema"], ["check", "fixtures/example-travel.yaml"], ["rules", "list"]])
def test_a_closed_pipe_ends_quietly_with_status_2(args: list[str]) -> None:
    # the output never reached its reader: not 0 (nothing was shown), not 1 (that claims a
    # finding); and nobody is reading a message
    proc = subprocess.Popen([str(EXE), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read()
    assert (proc.wait(timeout=60), err) == (2, b"")


def test_a_reader_gone_in_the_middle_of_a_large_report_is_status_2() -> None:
    # the pipe takes the first 64 KiB; Python's buffered writer would report the rest written
    args = [str(EXE), "check", "fixtures", "--format", "sarif", "--as-of", "2026-11-29"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert proc.stdout is not None and proc.stderr is not None
    assert len(proc.stdout.read(100)) == 100
    proc.stdout.close()
    assert (proc.wait(timeout=60), proc.stderr.read()) == (2, b"")


@pytest.mark.parametrize(
    ("args", "redirect", "status"),
    [
        ("check fixtures/example-travel.yaml", ">&-", 2),  # the report was due on stdout
        ("check fixtures/example-travel.yaml -o {tmp}/out.txt", ">&-", 1),  # it went to a file
        ("check {tmp}/bad.yaml", "2>&- >/dev/null", 2),
        ("validate fixtures/example-travel.yaml", "2>&-", 0),
    ],
    ids=["stdout", "stdout-report-to-a-file", "stderr-bad-input", "stderr-valid"],
)
def test_a_closed_stream_keeps_the_exit_status(tmp_path: Path, args: str, redirect: str, status: int) -> None:
    # a stream closed before the start is None in Python: no traceback, no status 1 from it
    _write(tmp_path, "bad.yaml", VALID.replace("location: DE", "location: XX"))
    line = f"{shlex.quote(str(EXE))} {args.format(tmp=shlex.quote(str(tmp_path)))} --as-of 2026-11-29"
    if args.startswith("validate"):
        line = line.removesuffix(" --as-of 2026-11-29")
    proc = subprocess.run(
        ["sh", "-c", f"{line} {redirect}"], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert (proc.returncode, proc.stderr) == (status, ""), proc.stderr
    if "-o" in args:
        assert "violation" in (tmp_path / "out.txt").read_text(encoding="utf-8")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_an_unwritable_stderr_keeps_the_exit_status(tmp_path: Path) -> None:
    bad = _write(tmp_path, "bad.yaml", VALID.replace("location: DE", "location: XX"))
    good = _write(tmp_path, "good.yaml", VALID)
    for path, status, shown in ((bad, 2, "not checked (unusable input"), (good, 1, "violation high")):
        with open("/dev/full", "w") as full:
            proc = subprocess.run(
                [str(EXE), "check", "--as-of", "2026-11-29", path],
                stdout=subprocess.PIPE,
                stderr=full,
                text=True,
                timeout=60,
            )
        assert proc.returncode == status, path
        assert shown in proc.stdout


TRAVEL = str(ROOT / "fixtures" / "example-travel.yaml")


@pytest.mark.parametrize(
    ("where", "args"),
    [
        ("click.Command.parse_args", ["check", TRAVEL]),
        ("compliance.config.load_config", ["check", TRAVEL]),
        ("compliance.run.shipped_packs", ["check", TRAVEL]),
        ("compliance.shard.Shard.build", ["check", TRAVEL]),
        ("compliance.shard.Shard.judge", ["check", "--jobs", "2", TRAVEL, str(ROOT / "fixtures")]),
        ("compliance.cli._write", ["check", "--format", "sarif", TRAVEL]),
        ("compliance.shard.Shard.build", ["baseline", TRAVEL, "-o", os.devnull]),
        ("compliance.run.load_manifests", ["validate", TRAVEL]),
        ("compliance.policy.casetests.run_pack_tests", ["rules", "test"]),
    ],
    ids=[
        "options",
        "configuration",
        "rules",
        "build",
        "judge-jobs",
        "output",
        "baseline",
        "validate",
        "rules-test",
    ],
)
def test_an_interrupt_anywhere_is_one_line_and_status_130(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, where: str, args: list[str]
) -> None:
    def interrupt(*_: object, **__: object) -> None:
        raise KeyboardInterrupt  # as Python's SIGINT handler raises it, wherever the run is

    monkeypatch.setattr(where, interrupt)
    handler = signal.getsignal(signal.SIGINT)
    assert run(capsys, *args) == (130, "", "interrupted\n")
    # a caller running commands in-process keeps its own Ctrl-C handler
    assert signal.getsignal(signal.SIGINT) is handler


def test_the_console_script_takes_ctrl_c_before_it_imports_the_command_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Importing click, pydantic and the models takes tens of milliseconds: a Ctrl-C then must
    # not end in Python's traceback. The handler is in place before the import starts ...
    import types

    from compliance import console

    seen: dict[str, object] = {}

    def main() -> None:
        seen["handler"] = signal.getsignal(signal.SIGINT)
        raise SystemExit(0)

    fake = types.ModuleType("compliance.cli")
    fake.main = main  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "compliance.cli", fake)
    previous = signal.getsignal(signal.SIGINT)
    try:
        with pytest.raises(SystemExit):
            console.run()
    finally:
        signal.signal(signal.SIGINT, previous)
    assert seen["handler"] is console._early_interrupt
    # ... and ends the process with one line and status 130
    code = (
        "import os, signal, time\n"
        "from compliance import console\n"
        "signal.signal(signal.SIGINT, console._early_interrupt)\n"
        "os.kill(os.getpid(), signal.SIGINT)\n"
        "time.sleep(30)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (130, b"", b"interrupted\n")


ANSI = r"""manifest_version: 1
organization: {name: Acme GmbH, established_in: [DE], targets: [EU], ciio: false, state_organ: false}
datasets:
  - id: customers
    categories: [user.contact.email]
    subjects: [{residency: DE, count: 5000}]
    important_data: false
    core_data: false
systems:
  - {id: crm, location: aws:eu-central-1, operator: {name: Acme GmbH, role: controller}, stores: [customers]}
  - id: us
    location: aws:us-east-1
    operator: {name: "Y\e[31mRED\rX\n\u202eInc\x9b", role: processor}
    stores: []
flows:
  - id: crm-to-us
    from: crm
    to: us
    datasets: [customers]
    purpose: analytics.reporting
    started_on: "2025-06-01"
    recipient: {name: "Y\e[31mRED\rX\n\u202eInc\x9b", role: processor, dpf_certified: false}
    mechanisms: []
"""


def test_control_characters_from_the_input_are_shown_as_escapes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "m.yaml", ANSI)
    name = r"Y\x1b[31mRED\x0dX \u202eInc\x9b"
    code, out, _ = run(capsys, "check", "--as-of", "2026-01-01", "--pack", "eu", path)
    assert code == 1
    assert [line for line in out.splitlines() if "Y\\" in line] == [
        f"      - flow crm-to-us is a transfer of customers from DE to {name} in US, outside the EEA",
        "      - adequacy decision (EU) 2023/1795 for US covers only DPF-certified recipients; "
        f"{name} is not",
    ]
    code, out, _ = run(capsys, "check", "--as-of", "2026-01-01", "--pack", "eu", "--format", "markdown", path)
    md = r"Y\\x1b\[31mRED\\x0dX \\u202eInc\\x9b"
    assert [line for line in out.splitlines() if "Y\\" in line] == [
        f"  - flow crm-to-us is a transfer of customers from DE to {md} in US, outside the EEA",
        f"  - adequacy decision (EU) 2023/1795 for US covers only DPF-certified recipients; {md} is not",
    ]
    # SARIF: GitHub code scanning shows the message text, so it gets the same escapes
    code, out, _ = run(capsys, "check", "--as-of", "2026-01-01", "--pack", "eu", "--format", "sarif", path)
    texts = [r["message"]["text"] for r in json.loads(out)["runs"][0]["results"]]
    assert texts and all("\u202e" not in t and "\x1b" not in t for t in texts)
    assert sum(name in t for t in texts) == len(texts)
    odd = _write(tmp_path, "a\x1b[2K\rb.yaml", "x\n")
    assert run(capsys, "validate", odd) == (
        2,
        "",
        f"{tmp_path}/a\\x1b[2K\\x0db.yaml:1:1: expected a mapping at the top level, got str\n",
    )


HOSTILE_RULE = r"""id: MY-RULE-1
title: "Harmless \e[2J\e]0;pwned\a title \u202eevil"
severity: high
citation: {instrument: GDPR, article: "46"}
regime: eu
target: flow
effective: {from: "2020-07-16"}
when:
  all:
    - transfer: eu
    - carries: personal
require:
  in_force: tia
outcome: violation
rationale: "Why\tit \e[31mmatters\u2028here"
remediation: "Fix \x9b2J it"
references: ["See \e]8;;https://x.example\a this"]
"""

HOSTILE_CASES = r"""rule: MY-RULE-1
base: bases/eu-outbound.yaml
as_of: "2026-11-29"
cases:
  - name: "with a TIA \e[2J\e]0;pwned\a \u202eevil"
    expect: [{target: flows/crm-to-remote, outcome: violation}]
  - name: without one
    set:
      flows[0].mechanisms: [{type: scc-2021, signed_on: "2025-01-15", module: 2}]
    expect: [{target: flows/crm-to-remote, outcome: violation}]
"""


def test_rule_pack_text_is_shown_with_escapes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A rule pack is input too: what `check` escapes in a finding's title, `rules list`,
    # `explain` and `rules test` escape the same way.
    monkeypatch.chdir(tmp_path)
    pack = tmp_path / "pack"
    (pack / "tests" / "bases").mkdir(parents=True)
    (pack / "pack.yaml").write_text(
        'id: mine\ntitle: Mine\nversion: "1\\e[2J"\ndata_date: "2026-11-29"\n', encoding="utf-8"
    )
    (pack / "MY-RULE-1.yaml").write_text(HOSTILE_RULE, encoding="utf-8")
    (pack / "tests" / "MY-RULE-1.yaml").write_text(HOSTILE_CASES, encoding="utf-8")
    base = ROOT / "rules" / "eu" / "tests" / "bases" / "eu-outbound.yaml"
    (pack / "tests" / "bases" / "eu-outbound.yaml").write_bytes(base.read_bytes())
    title = r"Harmless \x1b[2J\x1b]0;pwned\x07 title \u202eevil"

    assert run(capsys, "rules", "list", "--rules", "pack", "--pack", "mine") == (
        0,
        f"MY-RULE-1  high  GDPR 46  2020-07-16..  {title}\n1 rule\n",
        "",
    )
    assert run(capsys, "explain", "MY-RULE-1", "--rules", "pack") == (
        0,
        f"MY-RULE-1: {title}\n"
        "\n"
        "Pack: mine (1\\x1b[2J)   Severity: high   Outcome: violation\n"
        "Cites: GDPR Art. 46\n"
        "In effect: 2020-07-16 to now   Applies to: each flow\n"
        "\n"
        "## Why it matters\n"
        "Why it \\x1b[31mmatters here\n"
        "\n"
        "## What to do\n"
        "Fix \\x9b2J it\n"
        "\n"
        "## References\n"
        "- See \\x1b]8;;https://x.example\\x07 this\n"
        "\n"
        "Cases: 2 firing, 0 non-firing (tests/MY-RULE-1.yaml)\n",
        "",
    )
    assert run(capsys, "rules", "test", "--rules", "pack", "--pack", "mine") == (
        1,
        "FAIL pack/tests/MY-RULE-1.yaml: with a TIA \\x1b[2J\\x1b]0;pwned\\x07 \\u202eevil: expected "
        "[{'target': 'flows/crm-to-remote', 'outcome': 'violation'}], got []\n"
        "FAIL pack/MY-RULE-1.yaml: MY-RULE-1 needs at least one firing and one non-firing case "
        "(in pack/tests/MY-RULE-1.yaml)\n"
        "1 passed, 2 failed\n",
        "",
    )


@pytest.mark.parametrize("fmt", ["markdown", "html", "csv"])
def test_the_audit_report_shows_control_characters_as_escapes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    path = _write(tmp_path, "m.yaml", ANSI.replace("Y\\e[31m", "Y\\u2028\\e[31m"))
    code, out, err = run(capsys, "report", "--as-of", "2026-01-01", "--format", fmt, path)
    assert (code, err) == (0, "")
    shown = out.replace("\r\n", "\n") if fmt == "csv" else out  # CSV records end in CRLF
    assert re.findall("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e]", shown) == []
    assert "\\x1b" in out and "\\u202e" in out


def test_bom_keeps_line_numbers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = VALID.replace("started_on: 2025-02-01", "started_on: 2025-02-30")
    path = _write(tmp_path, "bom.yaml", b"\xef\xbb\xbf" + bad.encode())
    code, _, err = run(capsys, "validate", path)
    assert (code, err) == (2, f"{path}:14:17: flows[0].started_on: not a calendar date, got '2025-02-30'\n")
    good = _write(tmp_path, "good.yaml", b"\xef\xbb\xbf" + VALID.encode())
    assert run(capsys, "validate", good) == (0, "", f"{good}: valid\n")


def test_bom_json_is_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import yaml

    data = yaml.safe_load(VALID.replace("2025-02-01", '"2025-02-01"'))
    path = _write(tmp_path, "bom.json", b"\xef\xbb\xbf" + json.dumps(data, indent=2).encode())
    assert run(capsys, "validate", path) == (0, "", f"{path}: valid\n")


def test_internal_error_exits_3(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import compliance.run

    def boom(paths: object) -> object:
        raise RuntimeError("kaput")

    monkeypatch.setattr(compliance.run, "load_manifests", boom)
    code, _, err = run(capsys, "validate", "whatever.yaml")
    assert code == 3
    assert err == "internal error (RuntimeError: kaput); please report it with --debug output\n"


def test_internal_error_in_check_exits_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import compliance.shard

    def boom(*args: object) -> object:
        raise KeyError("x")

    monkeypatch.setattr(compliance.shard, "build_graph", boom)
    path = _write(tmp_path, "m.yaml", VALID)
    code, _, err = run(capsys, "check", path)
    assert code == 3
    assert err == "internal error (KeyError: 'x'); please report it with --debug output\n"


def test_missing_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "validate", "/nonexistent/m.yaml") == (2, "", "/nonexistent/m.yaml: no such file\n")


@pytest.mark.parametrize("missing", ["nonexistent", "missing.yaml"])
@pytest.mark.parametrize(
    "command",
    [["check"], ["validate"], ["baseline", "-o", "b.json"], ["report"], ["import", "fides"]],
    ids=" ".join,
)
def test_a_path_that_does_not_exist_is_named_so_whatever_its_name(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    missing: str,
) -> None:
    # a name without a manifest suffix may have been meant as a folder: still no such file,
    # never a folder holding no manifests
    monkeypatch.chdir(tmp_path)
    for path in (missing, str(tmp_path / missing)):
        code, _, err = run(capsys, *command, path)
        assert (code, err) == (2, f"{path}: no such file\n")


@pytest.mark.parametrize(
    ("command", "named"),
    [
        (["check", ""], "FILES"),
        (["check", "{m}", ""], "FILES"),
        (["check", "--format", "json", ""], "FILES"),
        (["validate", ""], "FILES"),
        (["baseline", "-o", "b.json", ""], "FILES"),
        (["baseline", "-o", "", "{m}"], "--output"),
        (["report", ""], "FILES"),
        (["check", "--config", "", "{m}"], "--config"),
        (["check", "--baseline", "", "{m}"], "--baseline"),
        (["check", "--terraform", "", "{m}"], "--terraform"),
        (["check", "--rules", "", "{m}"], "--rules"),
        (["check", "--output", "", "{m}"], "--output"),
        (["rules", "list", "--rules", ""], "--rules"),
        (["import", "fides", ""], "PATHS"),
        (["import", "terraform", ""], "PLAN"),
    ],
    ids=lambda c: " ".join(repr(a) if a == "" else a for a in c) if isinstance(c, list) else c,
)
def test_an_empty_path_is_a_usage_error_naming_its_option(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    named: str,
) -> None:
    # `check "$UNSET"` read the working directory as the file: "error: is a directory, not a
    # manifest file", naming nothing (a configuration, a rules folder: another misleading line)
    monkeypatch.chdir(tmp_path)
    manifest = _write(tmp_path, "m.yaml", VALID)
    args = [a.format(m=manifest) for a in command]
    assert run(capsys, *args) == (
        2,
        "",
        f"error: {named}: '' is an empty path, which names no file or folder\n",
    )


def test_output_dash_is_standard_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # `-o -` wrote a file named `-`; it is stdout, as leaving the option out is
    monkeypatch.chdir(tmp_path)
    manifest = _write(tmp_path, "m.yaml", VALID)
    to_stdout = run(capsys, "check", "--as-of", "2026-11-29", "--format", "json", manifest)
    assert run(capsys, "check", "--as-of", "2026-11-29", "--format", "json", "-o", "-", manifest) == to_stdout
    assert to_stdout[1].startswith('{\n  "report_version": 1,')
    # a baseline is a file to keep (it names paths relative to itself): `-` is refused
    assert run(capsys, "baseline", "-o", "-", manifest) == (
        2,
        "",
        "error: --output -: this output is a file to keep, not standard output\n",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.yaml"]


def test_explain_with_another_format_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # it was ignored without a word
    manifest = _write(tmp_path, "m.yaml", VALID)
    assert run(capsys, "check", "--explain", "--format", "json", manifest) == (
        2,
        "",
        "error: --explain adds remediations to text output only, not to json\n",
    )
    code, out, _ = run(capsys, "check", "--explain", "--as-of", "2026-11-29", manifest)
    assert code == 1
    assert "      fix: Give the Art. 39 notice and collect separate consent" in out


def test_output_never_overwrites_a_manifest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # a hook's `-o.dataflow.yaml` read as `-o .dataflow.yaml` replaced a committed manifest
    manifest = _write(tmp_path, "m.yaml", VALID)
    other = _write(tmp_path, ".dataflow.yaml", VALID)
    assert run(capsys, "check", "-o", other, manifest) == (
        2,
        "",
        f"error: {other}: holds a manifest; write the output to another file (a file named like an "
        "option, -o..., is read as one: put `--` before the files)\n",
    )
    assert Path(other).read_text(encoding="utf-8") == VALID
    # nor one half-way through an edit, which does not parse
    broken = VALID.replace("  - id: crm-to-bi", "  - id: [oops")
    Path(other).write_text(broken, encoding="utf-8")
    assert run(capsys, "check", "-o", other, manifest)[0] == 2
    assert Path(other).read_text(encoding="utf-8") == broken


def test_validate_accepts_the_fixtures(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(str(p) for p in (ROOT / "fixtures").glob("*.yaml"))
    assert files
    code, _, err = run(capsys, "validate", *files)
    assert code == 0, err


def test_validate_reports_every_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _write(tmp_path, "a.yaml", VALID)
    bad = _write(tmp_path, "b.yaml", "")
    code, _, err = run(capsys, "validate", good, bad)
    assert code == 2
    assert err.splitlines() == [f"{bad}: file is empty; expected one manifest", f"{good}: valid"]


def test_a_waiver_of_the_runs_own_notice_is_refused_by_check_and_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run past the packs' data date prints NOTICE-PACK-DATE; a waiver of it is unusable input
    (a notice never fails a run), not an unused waiver beside the very notice it names."""
    waiver = (
        "{rule: NOTICE-PACK-DATE, target: organization, reason: r, approved_by: me, expires_on: 2031-01-01}"
    )
    plain = _write(tmp_path, "plain.yaml", VALID)
    code, out, _ = run(capsys, "check", "--as-of", "2030-01-01", "--format", "json", plain)
    assert (code, [f["rule_id"] for f in json.loads(out)["findings"]].count("NOTICE-PACK-DATE")) == (1, 2)
    waived = _write(tmp_path, "m.yaml", VALID + f"waivers:\n  - {waiver}\n")
    line = (
        f"{waived}:18:12: waivers[0].rule: 'NOTICE-PACK-DATE' names a notice; notices never fail a run and "
        "need no waiver (remove this waiver)\n"
    )
    code, out, err = run(capsys, "check", "--as-of", "2030-01-01", waived)
    assert (code, err) == (2, line)
    assert run(capsys, "validate", waived) == (2, "", line)


def test_validate_compares_the_files_of_one_organization(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # what `check` refuses as unusable input, `validate` must not call valid
    a = _write(tmp_path, "a.yaml", VALID)
    b = _write(tmp_path, "b.yaml", VALID.replace("ciio: false", "ciio: true"))
    c = _write(tmp_path, "c.yaml", VALID.replace("Example Co", "EXAMPLE CO"))  # alike across files only
    code, _, err = run(capsys, "validate", a, b)
    assert code == 2
    assert err.splitlines() == [
        f"{b}:2:62: organization.ciio: true here but false in {a} for the same organization 'Example Co'",
        f"{a}: not valid: the files naming its organization disagree (see above)",
    ]
    code, _, err = run(capsys, "validate", a, c)
    assert code == 2 and "differ only in letter case" in err.splitlines()[0]
    assert run(capsys, "check", "--as-of", "2026-11-29", a, b)[0] == 2


# --- check -------------------------------------------------------------------------------------


def test_check_without_files_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", "--as-of", "2026-11-29")
    assert code == 2
    assert out.startswith(
        "unusable input, see the errors\n0 violations, 0 needing review, 0 waived, 0 notices (0 of 0"
    )
    assert err.startswith("error: nothing to check: no manifest files given")


def test_check_with_a_missing_rules_folder_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "m.yaml", VALID)
    missing = str(tmp_path / "nope")
    assert run(capsys, "check", "--rules", missing, path) == (
        2,
        "",
        f"error: {missing}: no such rules folder\n",
    )


def test_check_with_an_empty_rules_folder_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "m.yaml", VALID)
    empty = tmp_path / "rules"
    empty.mkdir()
    (empty / "pack.yaml").write_text(PACK_YAML.format(id="my"), encoding="utf-8")
    assert run(capsys, "check", "--rules", str(empty), path) == (
        2,
        "",
        f"error: {empty}: holds no rule files (*.yaml)\n",
    )


PACK_YAML = 'id: {id}\ntitle: Mine\nversion: "1"\ndata_date: "2026-01-01"\n'
MY_RULE = """\
title: Any CN transfer abroad
severity: medium
citation: {instrument: PIPL, article: "38"}
regime: cn
target: flow
effective: {from: "2021-11-01"}
when: {transfer: cn}
outcome: needs_review
rationale: x
remediation: y
references: [z]
"""


def _pack(folder: Path, pack_id: str = "my", *rule_ids: str) -> str:
    folder.mkdir()
    (folder / "pack.yaml").write_text(PACK_YAML.format(id=pack_id), encoding="utf-8")
    for n, rule_id in enumerate(rule_ids or ("MY-RULE-1",)):
        (folder / f"R{n}.yaml").write_text(f"id: {rule_id}\n{MY_RULE}", encoding="utf-8")
    return str(folder)


@pytest.mark.parametrize(
    "command",
    [["check", "{m}"], ["rules", "list"], ["rules", "test"], ["explain", "MY-RULE-1"]],
    ids=" ".join,
)
def test_a_rule_file_not_named_yaml_is_named_not_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    # R1.yml and R2.YAML beside R0.yaml were silently no rules of the pack (only a folder of
    # *.yml files alone was an error, which named none of them)
    manifest = _write(tmp_path, "m.yaml", VALID)
    pack = _pack(tmp_path / "mine", "mine", "MY-RULE-1")
    (tmp_path / "mine" / "R1.yml").write_text(f"id: MY-RULE-2\n{MY_RULE}", encoding="utf-8")
    (tmp_path / "mine" / "R2.YAML").write_text(f"id: MY-RULE-3\n{MY_RULE}", encoding="utf-8")
    args = [a.format(m=manifest) for a in command]
    assert run(capsys, *args, "--rules", pack) == (
        2,
        "",
        f"{pack}/R1.yml: a rule file is named *.yaml, so this one is not read: rename it R1.yaml\n"
        f"{pack}/R2.YAML: a rule file is named *.yaml, so this one is not read: rename it R2.yaml\n",
    )
    # alone, they are named too, rather than "holds no rule files"
    (tmp_path / "mine" / "R0.yaml").unlink()
    assert run(capsys, *args, "--rules", pack)[2].splitlines() == [
        f"{pack}/R1.yml: a rule file is named *.yaml, so this one is not read: rename it R1.yaml",
        f"{pack}/R2.YAML: a rule file is named *.yaml, so this one is not read: rename it R2.yaml",
    ]


def test_what_else_lives_in_a_pack_folder_is_no_misnamed_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = _pack(tmp_path / "mine", "mine", "MY-RULE-1")
    folder = tmp_path / "mine"
    (folder / "tests" / "bases").mkdir(parents=True)
    (folder / "tests" / "bases" / "base.yml").write_text(VALID, encoding="utf-8")
    (folder / "data.yml").mkdir()  # a folder, whatever its name
    (folder / ".yamllint.yml").write_text("extends: default\n", encoding="utf-8")  # another tool's
    (folder / ".pre-commit-hooks.yaml").write_text("- id: x\n", encoding="utf-8")  # hidden, even *.yaml
    (folder / "README.md").write_text("# Mine\n", encoding="utf-8")
    (folder / "R0.yaml.orig").write_text("left by a merge\n", encoding="utf-8")
    code, out, err = run(capsys, "rules", "list", "--rules", pack)
    assert (code, err) == (0, "")
    assert "MY-RULE-1" in out


def test_a_rule_id_defined_twice_exits_2_naming_both_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "m.yaml", VALID)
    one = _pack(tmp_path / "one", "one", "EU-GDPR-44-TRANSFER-TOOL", "MY-RULE-1")
    two = _pack(tmp_path / "two", "two", "MY-RULE-1")
    shipped = ROOT / "rules" / "eu" / "EU-GDPR-44-TRANSFER-TOOL.yaml"
    assert run(capsys, "check", "--rules", one, "--rules", two, path) == (
        2,
        "",
        f"{one}/R0.yaml:1:5: rule id 'EU-GDPR-44-TRANSFER-TOOL' is also defined in {shipped}\n"
        f"{two}/R0.yaml:1:5: rule id 'MY-RULE-1' is also defined in {one}/R1.yaml\n",
    )


def test_a_rule_id_cannot_take_a_built_in_checks_prefix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Built-in findings (notices, Terraform checks) would take the rule's documentation, and
    # waivers, baselines and `disable` keyed on the id would become ambiguous.
    path = _write(tmp_path, "m.yaml", VALID)
    mine = _pack(tmp_path / "mine", "mine", "TF-LOCATION-MISMATCH", "NOTICE-PACK-DATE", "NOTICE-X-1")
    assert run(capsys, "rules", "list", "--rules", mine) == (
        2,
        "",
        f"{mine}/R0.yaml:1:5: rule id 'TF-LOCATION-MISMATCH': the prefix 'TF-' is reserved for "
        "the tool's built-in checks\n"
        f"{mine}/R1.yaml:1:5: rule id 'NOTICE-PACK-DATE': the prefix 'NOTICE-' is reserved for "
        "the tool's built-in checks\n"
        f"{mine}/R2.yaml:1:5: rule id 'NOTICE-X-1': the prefix 'NOTICE-' is reserved for the "
        "tool's built-in checks\n",
    )
    assert run(capsys, "check", "--rules", mine, path)[0] == 2


def test_a_rules_folder_named_twice_is_loaded_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "m.yaml", VALID)
    mine = _pack(tmp_path / "mine")
    (tmp_path / "link").symlink_to(tmp_path / "mine")
    code, out, err = run(
        capsys, "check", "--as-of", "2026-01-01", "--rules", mine, "--rules", str(tmp_path / "link"), path
    )
    once = run(capsys, "check", "--as-of", "2026-01-01", "--rules", mine, path)
    assert (code, out, err) == once
    assert out.count("MY-RULE-1") == 1
    shipped = run(capsys, "check", "--as-of", "2026-01-01", "--rules", str(ROOT / "rules" / "eu"), path)
    assert shipped == run(capsys, "check", "--as-of", "2026-01-01", path)


def test_a_rules_folder_needs_a_pack_yaml_with_an_id_of_its_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "m.yaml", VALID)
    bare = tmp_path / "bare"
    _pack(bare)
    (bare / "pack.yaml").unlink()
    assert run(capsys, "check", "--rules", str(bare), path) == (
        2,
        "",
        f"{bare}/pack.yaml: missing: a rules folder needs its pack.yaml (id, title, version, data_date)\n",
    )
    eu = _pack(tmp_path / "eu-copy", "eu")
    assert run(capsys, "check", "--pack", "cn", "--rules", eu, path) == (
        2,
        "",
        f"{eu}/pack.yaml:1:5: pack id 'eu' is already used by the shipped pack ({ROOT / 'rules' / 'eu'})\n",
    )
    first, second = _pack(tmp_path / "a", "my", "MY-A-1"), _pack(tmp_path / "b", "my", "MY-B-1")
    assert run(capsys, "check", "--rules", first, "--rules", second, path) == (
        2,
        "",
        f"{second}/pack.yaml:1:5: pack id 'my' is already used by {first}\n",
    )
    (bare / "pack.yaml").write_text('id: mine\nversion: 1\ndata_date: "2026-02-30"\n', encoding="utf-8")
    assert run(capsys, "check", "--rules", str(bare), path) == (
        2,
        "",
        f"{bare}/pack.yaml:1:1: pack.yaml: 'title' is a required property\n"
        f"{bare}/pack.yaml:2:10: version: 1 is not of type 'string'\n"
        f"{bare}/pack.yaml:3:12: data_date: '2026-02-30' is not a 'date'\n",
    )


def test_check_with_an_unknown_pack_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "m.yaml", VALID)
    code, _, err = run(capsys, "check", "--pack", "us", path)
    assert code == 2
    assert err == "error: no shipped rule pack 'us' (available: cn, eu)\n"


NOT_WRITTEN = "is not a date written YYYY-MM-DD"
NO_DAY = "there is no such day (day is out of range for month)"
NO_MONTH = "there is no such day (month must be in 1..12)"


@pytest.mark.parametrize("command", [["check"], ["baseline", "-o", "b.json"], ["report"]])
@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("2026-1-1", f"'2026-1-1' {NOT_WRITTEN}"),
        ("20260101", f"'20260101' {NOT_WRITTEN}"),
        ("2026-01-01T00:00", f"'2026-01-01T00:00' {NOT_WRITTEN}"),
        ("２０２６-01-01", f"'２０２６-01-01' {NOT_WRITTEN}"),
        # written as a date, but naming no day: said so, not that it is written wrong
        ("2026-02-30", f"'2026-02-30': {NO_DAY}"),
        ("2025-02-29", f"'2025-02-29': {NO_DAY}"),
        ("2026-04-31", f"'2026-04-31': {NO_DAY}"),
        ("2026-13-01", f"'2026-13-01': {NO_MONTH}"),
        ("2026-00-10", f"'2026-00-10': {NO_MONTH}"),
    ],
)
def test_a_bad_as_of_date_says_what_is_wrong_and_exits_2(
    capsys: pytest.CaptureFixture[str], command: list[str], value: str, why: str
) -> None:
    code, out, err = run(capsys, command[0], "--as-of", value, *command[1:], "x.yaml")
    assert (code, out, err.splitlines()[-1]) == (2, "", f"Error: Invalid value for '--as-of': {why}")


def test_the_console_script_flushes_a_large_report_before_it_ends() -> None:
    # The console script ends with os._exit (no teardown): a report larger than a pipe's
    # buffer must still arrive whole, with the check's exit status, as in-process.
    args = ["check", "fixtures", "--format", "sarif", "--as-of", "2026-11-29"]
    proc = subprocess.run([str(EXE), *args], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert len(proc.stdout) > 65536
    in_process = subprocess.run(
        [sys.executable, "-c", f"from compliance.cli import main; main({args!r})"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (1, in_process.stdout, in_process.stderr)
    assert in_process.returncode == 1


@pytest.mark.parametrize("code", ["a message", 3.5])
def test_an_exit_with_a_non_integer_status_is_left_to_python(code: object) -> None:
    assert cli_module._end_process(code) is None


def test_a_non_blocking_stdout_gets_the_whole_report(tmp_path: Path) -> None:
    # some CI runners hand over a non-blocking pipe: a full pipe is waited on, not an error
    code = (
        "import fcntl, os, sys\n"
        "fcntl.fcntl(1, fcntl.F_SETFL, fcntl.fcntl(1, fcntl.F_GETFL) | os.O_NONBLOCK)\n"
        "from compliance.cli import main\n"
        "sys.argv = ['compliance', 'check', 'fixtures', '--format', 'sarif', '--as-of', '2026-11-29']\n"
        "main()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT
    )
    assert proc.stdout is not None and proc.stderr is not None
    time.sleep(1.0)  # let the writer fill the pipe and find it full
    out = proc.stdout.read()
    assert (proc.wait(timeout=60), proc.stderr.read()) == (1, b"")
    assert json.loads(out)["version"] == "2.1.0"


@pytest.mark.skipif(sys.platform != "linux", reason="file names as bytes")
def test_a_file_name_that_is_not_utf_8_is_escaped_in_every_format(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    name = os.fsdecode(b"caf\xe9.yaml")  # the name as Python sees it: a lone surrogate
    (folder / name).write_text(VALID, encoding="utf-8")
    for fmt in FORMATS_FOR_NAMES:
        proc = subprocess.run(
            [str(EXE), "check", str(folder), "--format", fmt, "--as-of", "2026-11-29"],
            capture_output=True,
            timeout=60,
        )
        assert (proc.returncode, proc.stderr) == (1, b""), fmt
        text = proc.stdout.decode("utf-8")  # valid UTF-8 whatever the name
        if fmt == "json":
            assert json.loads(text)["files"] == [str(folder / name)]  # the escape decodes back
        elif fmt == "sarif":
            uris = {
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                for r in json.loads(text)["runs"][0]["results"]
            }
            assert uris == {"file://" + os.fsencode(str(folder)).decode() + "/caf%E9.yaml"}
        elif fmt == "markdown":
            assert "caf\\\\udce9.yaml" in text  # the backslash escaped for Markdown
        else:
            assert "caf\\udce9.yaml" in text
    record = subprocess.run(
        [str(EXE), "baseline", str(folder), "-o", str(tmp_path / "b.json"), "--as-of", "2026-11-29"],
        capture_output=True,
        timeout=60,
    )
    assert record.returncode == 0, record.stderr


FORMATS_FOR_NAMES = ["text", "json", "sarif", "junit", "github", "markdown"]


def test_a_non_blocking_stderr_gets_every_problem_line(tmp_path: Path) -> None:
    # 1,500 problem lines (64 KiB and more) into one non-blocking pipe, read slowly, as CI
    # runners hand out stdout and stderr: every line arrives
    flows = "".join(
        f"  - {{id: F{i}, from: crm, to: bi, datasets: [customers], purpose: essential.service,"
        ' started_on: "2025-01-01", recipient: {name: Example Co, role: controller, dpf_certified: false},'
        " mechanisms: []}\n"
        for i in range(1500)
    )
    bad = _write(tmp_path, "bad.yaml", VALID[: VALID.index("flows:")] + "flows:\n" + flows)
    code = (
        "import fcntl, os, sys\n"
        "fcntl.fcntl(2, fcntl.F_SETFL, fcntl.fcntl(2, fcntl.F_GETFL) | os.O_NONBLOCK)\n"
        "from compliance.cli import main\n"
        f"sys.argv = ['compliance', 'validate', {bad!r}]\n"
        "main()\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    chunks = []
    while chunk := proc.stderr.read(4096):
        chunks.append(chunk)
        time.sleep(0.002)
    lines = b"".join(chunks).decode().splitlines()
    assert proc.wait(timeout=60) == 2
    assert len(lines) == 1500 and all("is not" in line or "id" in line for line in lines), lines[:3]

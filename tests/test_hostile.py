"""Hostile inputs end in exit 2 with one ``FILE:LINE:COLUMN: message`` line per problem (issue 8).

Each file under ``tests/hostile/`` is one kind of bad (or surprising) input. The table below
says, per file, which problems ``compliance validate`` and ``compliance check --format json``
must report: position (or ``None`` where no position exists) and the words the line must hold.
Files named ``ok-*`` show the documented behaviour of a surprising but valid input (unquoted
dates, leading-zero ids, a BOM) and must be accepted.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from compliance.cli import main
from compliance.errors import InputError
from compliance.formats.sarif import artifact_location, repository_root
from compliance.run import check, shipped_packs
from compliance.sources import document

HOSTILE = Path(__file__).parent / "hostile"
#: the console script of the environment running the tests (the checkout under test)
COMPLIANCE = str(Path(sys.executable).parent / "compliance")
AS_OF = "2026-01-01"


@dataclass(frozen=True)
class Expect:
    """One expected problem line: 1-based position (``None``: no position) and words it holds."""

    line: int | None
    column: int | None
    words: tuple[str, ...]


def E(line: int | None, column: int | None, *words: str) -> Expect:
    return Expect(line, column, words)


#: file -> the problems it must produce, in output order.
CASES: dict[str, list[Expect]] = {
    # dates: timestamps (with and without a zone, date-only fields), integers, impossible days
    "timestamp-with-zone.yaml": [E(30, 17, "flows[0].started_on", "YYYY-MM-DD", "2025-02-01T09:30:00Z")],
    "timestamp-without-zone.yaml": [E(30, 17, "flows[0].started_on", "YYYY-MM-DD", "2025-02-01 09:30:00")],
    "timestamp-mechanism-waiver.yaml": [
        E(33, 37, "flows[0].mechanisms[0].completed_on", "2025-01-10T00:00:00+08:00"),
        E(39, 17, "waivers[0].expires_on", "2026-12-31 23:59"),
    ],
    "integer-date.yaml": [E(30, 17, "flows[0].started_on", "YYYY-MM-DD", "20250201")],
    "impossible-date.yaml": [E(30, 17, "flows[0].started_on", "not a calendar date", "2025-02-30")],
    # leading zeros and HH:MM stay text (so they fail as the unknown codes they are), numbers
    # where text belongs are not coerced
    "leading-zero-and-clock-text.yaml": [
        E(10, 38, "datasets[0].categories[1]", "unknown data category", "'0123'"),
        E(29, 14, "flows[0].purpose", "unknown purpose", "'22:30'"),
    ],
    "number-where-text.yaml": [E(4, 9, "organization.name", "string", "1234")],
    # duplicate keys, merges and aliases
    "duplicate-key.yaml": [E(7, 3, "organization", "duplicate key 'ciio'", "line 6", "line 7")],
    "duplicate-merge-key.yaml": [E(13, 5, "datasets[0]", "duplicate key '<<'", "line 12", "line 13")],
    "duplicate-key.json": [E(4, 42, "organization", "duplicate key 'ciio'", "line 3", "line 4")],
    # found by fuzz/run_long.py: the duplicate-key hook fired before the syntax error was seen
    "duplicate-key-then-syntax-error.json": [E(2, 63, "JSON syntax", "Extra data")],
    # a number out of range refused before the rest is read: the syntax error after it wins
    # (each once an internal error: the diagnosis read the text as well-formed JSON)
    "out-of-range-then-extra-bracket.json": [E(1, 6, "JSON syntax: Extra data")],
    "out-of-range-then-bad-key.json": [E(1, 6, "JSON syntax: Extra data")],
    "out-of-range-then-control-character.json": [E(1, 6, "JSON syntax: Extra data")],
    "out-of-range-then-long-number-key.json": [E(1, 6, "JSON syntax: Extra data")],
    "unresolvable-alias.yaml": [E(9, 5, "*customers", "no anchor")],
    "merge-non-mapping.yaml": [E(5, 7, "'<<'", "mappings")],
    "self-referencing-alias.yaml": [E(8, 20, "*org")],
    "alias-bomb.yaml": [E(7, 8, "aliases expand", "100000")],
    "deep-nesting.yaml": [E(3, 73, "nesting deeper than 64")],
    "deep-nesting.json": [E(2, 76, "nesting deeper than 64")],
    "deep-nesting-recursion.json": [E(2, 76, "nesting deeper than 64")],
    # documents: several, none
    "several-documents.yaml": [E(7, 1, "second YAML document")],
    "empty.yaml": [E(None, None, "empty")],
    "whitespace-only.yaml": [E(None, None, "empty")],
    "comment-only.yaml": [E(None, None, "only comments")],
    "empty.json": [E(None, None, "empty")],
    "whitespace-only.json": [E(None, None, "empty")],
    # encodings: a BOM keeps line numbers; other encodings are unusable
    "bom.yaml": [E(29, 14, "flows[0].purpose", "'essential.servce'", "did you mean 'essential.service'")],
    "bom.json": [E(3, 61, "organization.established_in[0]", "'XX'")],
    "latin-1.yaml": [E(4, 13, "not UTF-8", "0xe9", "offset 102")],
    "latin-1.json": [E(2, 32, "not UTF-8", "0xe9", "offset 55")],
    "utf-16.json": [E(1, 1, "not UTF-8", "0xff")],
    # typo'd keys at every level, each with a did-you-mean
    "typo-keys.yaml": [
        E(8, 3, "organization: unknown field 'target'", "did you mean 'targets'"),
        E(10, 42, "organization.representatives[0]", "'jurisdicton'", "did you mean 'jurisdiction'"),
        E(13, 54, "taxonomy.data_categories[0]", "'parnet'", "did you mean 'parent'"),
        E(18, 38, "datasets[0].subjects[0]", "'cuont'", "did you mean 'count'"),
        E(21, 5, "datasets[0]: unknown field 'colected_in'", "did you mean 'collected_in'"),
        E(25, 52, "systems[0].operator", "'rol'", "did you mean 'role'"),
        E(27, 5, "systems[0]: unknown field 'acess_from'", "did you mean 'access_from'"),
        E(33, 41, "systems[1].access_from[0]", "'exemptoin'", "did you mean 'exemption'"),
        E(41, 5, "flows[0]: unknown field 'individual'", "did you mean 'individuals'"),
        E(42, 77, "flows[0].recipient", "'adequacy_scop'", "did you mean 'adequacy_scope'"),
        E(44, 63, "flows[0].mechanisms[0]", "'filed'", "did you mean 'filed_on'"),
        E(51, 5, "waivers[0]: unknown field 'expires'", "did you mean 'expires_on'"),
        E(52, 1, "top level: unknown field 'manifest_versoin'", "did you mean 'manifest_version'"),
    ],
    "typo-keys.json": [
        E(4, 42, "organization: unknown field 'stateorgan'", "did you mean 'state_organ'"),
        E(8, 3, "top level: unknown field 'waiver'", "did you mean 'waivers'"),
    ],
    # other syntax hazards
    "python-tag.yaml": [E(2, 19, "explicit YAML tag", "python/object")],
    "collection-key.yaml": [E(3, 3, "mapping key", "plain text")],
    "top-level-list.json": [E(1, 1, "mapping at the top level", "list")],
    "json-nan.json": [E(1, 22, "NaN")],
    # numbers beyond range: named by key path and as written (not as the infinity they become)
    "huge-number.yaml": [E(12, 32, "datasets[0].subjects[0].count", "5000 digits is too large")],
    "huge-number.json": [E(21, 20, "datasets[0].subjects[0].count", "5000 digits is too large")],
    "infinite-number.yaml": [E(12, 32, "datasets[0].subjects[0].count", "1e400 is too large for a number")],
    "infinite-number.json": [E(21, 20, "datasets[0].subjects[0].count", "-1E999 is too large for a number")],
    "yaml-syntax.yaml": [E(4, 1, "YAML syntax")],
    "json-syntax.json": [E(2, 40, "JSON syntax")],
    # a path with spaces, '#' and non-ASCII letters is echoed verbatim
    "path with spaces #1 ünïcødé.yaml": [
        E(
            21,
            15,
            "systems[1].location",
            "unknown location 'aws:mars-north-1'",
            "did you mean 'aws:eu-north-1'",
        )
    ],
}

#: A typo that replaces a required key: the unknown key names the missing one. The matching
#: "missing required field" line is tolerated (it is the same mistake seen from the model).
REQUIRED_TYPOS = {
    "typo-required-keys.yaml": [
        E(3, 1, "top level: unknown field 'organisation'", "did you mean 'organization'"),
        E(12, 5, "systems[0]: unknown field 'operater'", "did you mean 'operator'"),
    ]
}

#: Surprising input the contract accepts (exit 0 or 1, no stderr problem lines).
ACCEPTED = ["ok-unquoted-dates.yaml", "ok-leading-zero-ids.yaml", "ok-bom.yaml", "valid-base.yaml"]

COMMANDS = {
    "validate": ["validate"],
    "check": ["check", "--format", "json", "--as-of", AS_OF],
}


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str


def run(args: Sequence[str], cwd: Path = HOSTILE) -> Run:
    proc = subprocess.run(
        [COMPLIANCE, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=20,
        env={**os.environ, "NO_COLOR": "1"},
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(scope="module")
def runs() -> dict[tuple[str, str], Run]:
    """Every hostile file through both commands, run in parallel (each a fresh process)."""
    jobs = [(name, cmd) for name in [*CASES, *REQUIRED_TYPOS, *ACCEPTED] for cmd in COMMANDS]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = pool.map(lambda job: run([*COMMANDS[job[1]], job[0]]), jobs)
        return dict(zip(jobs, results, strict=True))


def test_corpus_and_table_agree() -> None:
    on_disk = {p.name for p in HOSTILE.iterdir() if p.suffix in (".yaml", ".json")}
    assert on_disk == set(CASES) | set(REQUIRED_TYPOS) | set(ACCEPTED)


def _problem_lines(name: str, stderr: str) -> list[tuple[int | None, int | None, str]]:
    """Parse stderr into (line, column, message), asserting the compiler-style shape."""
    assert "Traceback" not in stderr
    assert "internal error" not in stderr
    out: list[tuple[int | None, int | None, str]] = []
    shape = re.compile(re.escape(name) + r"(?::(\d+):(\d+))?: (.+)\Z")
    for raw in stderr.splitlines():
        m = shape.match(raw)
        assert m, f"not FILE:LINE:COLUMN: message nor FILE: message: {raw!r}"
        line, column = (int(m[1]), int(m[2])) if m[1] else (None, None)
        out.append((line, column, m[3]))
    return out


def _assert_matches(found: list[tuple[int | None, int | None, str]], expected: list[Expect]) -> None:
    assert len(found) == len(expected), found
    for (line, column, message), exp in zip(found, expected, strict=True):
        assert (line, column) == (exp.line, exp.column), message
        for word in exp.words:
            assert word in message


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("name", list(CASES))
def test_hostile_file_exits_2_with_one_line_per_problem(
    runs: dict[tuple[str, str], Run], name: str, command: str
) -> None:
    result = runs[(name, command)]
    assert result.returncode == 2, result.stderr
    _assert_matches(_problem_lines(name, result.stderr), CASES[name])
    if command == "check":
        report = json.loads(result.stdout)
        assert report["findings"] == []
        assert [(e["file"], e["line"], e["column"]) for e in report["errors"]] == [
            (name, exp.line, exp.column) for exp in CASES[name]
        ]
        assert report["exit_status"] == 2


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("name", list(REQUIRED_TYPOS))
def test_typo_of_a_required_key_names_it(runs: dict[tuple[str, str], Run], name: str, command: str) -> None:
    result = runs[(name, command)]
    assert result.returncode == 2
    found = _problem_lines(name, result.stderr)
    unknown = [f for f in found if "unknown field" in f[2]]
    _assert_matches(unknown, REQUIRED_TYPOS[name])
    for _, _, message in found:
        if "unknown field" not in message:
            missing = re.search(r"missing required field '(\w+)'", message)
            assert missing, message
            assert any(f"did you mean '{missing[1]}'" in u[2] for u in unknown)


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("name", ACCEPTED)
def test_documented_surprises_are_accepted(runs: dict[tuple[str, str], Run], name: str, command: str) -> None:
    result = runs[(name, command)]
    assert result.returncode in (0, 1), result.stderr
    if command == "validate":
        assert result.stderr == f"{name}: valid\n"
    else:
        assert result.stderr == ""
        assert json.loads(result.stdout)["errors"] == []


def test_leading_zero_id_is_reported_verbatim(runs: dict[tuple[str, str], Run]) -> None:
    report = json.loads(runs[("ok-leading-zero-ids.yaml", "check")].stdout)
    flows = {f["target"]["id"] for f in report["findings"] if f["target"]["kind"] == "flow"}
    assert flows == {"010"}


def test_broken_file_does_not_stop_the_others() -> None:
    good, broken = "ok-leading-zero-ids.yaml", "duplicate-key.yaml"
    as_json = run(["check", "--format", "json", "--as-of", AS_OF, good, broken])
    assert as_json.returncode == 2
    assert as_json.stderr.startswith(f"{broken}:7:3: ")
    report = json.loads(as_json.stdout)
    assert report["files"] == [good, broken]
    assert {f["location"]["file"] for f in report["findings"]} == {good}
    # the broken file's organization cannot be read (a duplicate key stops the reader): the run
    # says the other file was judged without it
    assert [e["file"] for e in report["errors"]] == [broken, None]
    assert report["errors"][1]["message"].startswith(f"the other files were judged without {broken}, ")
    assert report["exit_status"] == 2

    as_text = run(["check", "--as-of", AS_OF, broken, good])
    assert as_text.returncode == 2
    assert "Traceback" not in as_text.stderr
    assert "flows/010" in as_text.stdout
    assert "1 of 2 files checked" in as_text.stdout
    assert f"{broken}: not checked" in as_text.stdout


def test_validate_reports_every_file() -> None:
    result = run(["validate", "valid-base.yaml", "empty.yaml", "ok-bom.yaml"])
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "empty.yaml: file is empty; expected one manifest",
        "valid-base.yaml: valid",
        "ok-bom.yaml: valid",
    ]


def test_missing_file_and_missing_rules_folder() -> None:
    missing = run(["check", "--as-of", AS_OF, "no-such-file.yaml"])
    assert missing.returncode == 2
    assert missing.stderr == "no-such-file.yaml: no such file\n"
    no_rules = run(["check", "--rules", "no-such-rules", "valid-base.yaml"])
    assert no_rules.returncode == 2
    assert "no-such-rules" in no_rules.stderr
    assert "Traceback" not in no_rules.stderr


def test_symlink_loop_in_a_scanned_folder_ends(tmp_path: Path) -> None:
    top = tmp_path / "manifests"
    (top / "team").mkdir(parents=True)
    (top / "team" / "base.yaml").write_bytes((HOSTILE / "ok-leading-zero-ids.yaml").read_bytes())
    (top / "team" / "loop").symlink_to(top, target_is_directory=True)
    (top / "self").symlink_to(top / "self")
    result = run(["check", "--format", "json", "--as-of", AS_OF, str(top)], cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["files"] == [str(top / "team" / "base.yaml")]
    assert "010" in {f["target"]["id"] for f in report["findings"]}


def test_symlink_loop_named_as_a_manifest_is_one_problem(tmp_path: Path) -> None:
    (tmp_path / "loop.yaml").symlink_to(tmp_path / "loop.yaml")
    (tmp_path / "base.yaml").write_bytes((HOSTILE / "valid-base.yaml").read_bytes())
    result = run(["check", "--format", "json", "--as-of", AS_OF, "."], cwd=tmp_path)
    assert result.returncode == 2
    (problem,) = _problem_lines("./loop.yaml", result.stderr)
    assert problem[:2] == (None, None)
    assert json.loads(result.stdout)["files"] == ["./base.yaml", "./loop.yaml"]


def test_file_over_the_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    path = HOSTILE / "valid-base.yaml"
    size = path.stat().st_size
    # rule files and the data files (categories, jurisdictions) go through the same reader:
    # load them first (a check loads the data on first use)
    packs = shipped_packs(None, ())
    assert check([str(path)], packs, dt.date.fromisoformat(AS_OF)).errors == []
    monkeypatch.setattr(document, "MAX_BYTES", size - 1)
    with pytest.raises(InputError) as exc:
        document.read_document(path)
    (problem,) = exc.value.problems
    assert (problem.file, problem.line) == (str(path), None)
    assert f"{size} bytes" in problem.message
    assert f"limit is {size - 1}" in problem.message
    report = check([str(path)], packs, dt.date.fromisoformat(AS_OF))
    assert [p.message for p in report.errors] == [problem.message]
    assert report.exit_status("low") == 2
    monkeypatch.setattr(document, "MAX_BYTES", size)
    assert check([str(path)], packs, dt.date.fromisoformat(AS_OF)).errors == []


#: Refused as its number is read, before the syntax error after it (once an internal error).
OUT_OF_RANGE = "out-of-range-then-extra-bracket.json"
OUT_OF_RANGE_LINE = f"{OUT_OF_RANGE}:1:6: JSON syntax: Extra data"


def test_a_broken_json_file_leaves_the_others_checked_in_sarif() -> None:
    good = "ok-leading-zero-ids.yaml"
    alone = json.loads(run(["check", "--format", "sarif", "--as-of", AS_OF, good]).stdout)["runs"][0]
    result = run(["check", "--format", "sarif", "--as-of", AS_OF, OUT_OF_RANGE, good])
    left_out = (
        f"the other files were judged without {OUT_OF_RANGE}, whose organization cannot be read: if it "
        "is theirs, their organization's totals leave it out"
    )
    assert (result.returncode, result.stderr) == (2, f"{OUT_OF_RANGE_LINE}\nerror: {left_out}\n")
    (sarif_run,) = json.loads(result.stdout)["runs"]
    notification, run_note = sarif_run["invocations"][0]["toolExecutionNotifications"]
    assert run_note == {"level": "error", "message": {"text": left_out}}
    assert notification["message"]["text"] == "JSON syntax: Extra data"
    assert notification["locations"][0]["physicalLocation"] == {
        "artifactLocation": artifact_location(str(HOSTILE / OUT_OF_RANGE), repository_root(HOSTILE)),
        "region": {"startLine": 1, "startColumn": 6},
    }
    assert alone["results"] != []
    assert sarif_run["results"] == alone["results"]


@pytest.mark.parametrize("option", ["--baseline", "--config"])
def test_a_broken_json_baseline_or_configuration_is_one_line(option: str) -> None:
    result = run(["check", option, OUT_OF_RANGE, "--as-of", AS_OF, "valid-base.yaml"])
    assert (result.returncode, result.stdout, result.stderr) == (2, "", OUT_OF_RANGE_LINE + "\n")


def test_a_broken_json_fides_resource_is_one_line() -> None:
    result = run(["import", "fides", OUT_OF_RANGE])
    assert (result.returncode, result.stdout, result.stderr) == (2, "", OUT_OF_RANGE_LINE + "\n")


def test_a_failed_run_leaves_a_deeply_nested_json_file_at_its_output_alone(tmp_path: Path) -> None:
    output = tmp_path / "report.json"
    deep = "[" * 5000 + "]" * 5000  # deeper than json.load can follow: once an internal error
    output.write_text(deep)
    result = run(
        ["check", "--config", OUT_OF_RANGE, "--format", "json", "-o", str(output), "valid-base.yaml"]
    )
    assert (result.returncode, result.stdout, result.stderr) == (2, "", OUT_OF_RANGE_LINE + "\n")
    assert output.read_text() == deep


#: Values a JSON hook or int() refuses as soon as they are read, before the rest of the text.
_REFUSED = ["1e999", "-1E999", "NaN", '{"a": 1, "a": 2}', "1" * 4400]
#: Pieces the JSON hooks, the tokenizer of positions and the YAML builder treat specially.
_PIECES = [
    *("1e999", "1" * 4400, "0", "-", ".", "e", "NaN", "true", "null"),
    *("{", "}", "[", "]", '"', '"a"', ":", ",", " ", "\n", "\x1f", "\\u0000", '"\\ud800"'),
    *("<<", '"<<"', "!!str ", "!!python/name:os.system", "&a ", "*a", "---\n", "- ", "? ", "|\n"),
    *("#", "\x85", "\u2028", "\ufeff", "manifest_version: 1\n"),
]


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


@settings(
    max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    content=st.one_of(
        st.binary(max_size=80),
        st.text(max_size=80).map(str.encode),
        st.builds(
            lambda head, pieces: (head + "".join(pieces)).encode(),
            st.sampled_from(_REFUSED),
            st.lists(st.sampled_from(_PIECES), max_size=12),
        ),
    ),
    suffix=st.sampled_from([".json", ".yaml"]),
)
@example(content=b"1e999}", suffix=".json")  # the reported internal errors, always tried
@example(content=b'1e999{"a\x1fb"', suffix=".json")
def test_any_bytes_as_a_manifest_are_problem_lines_and_the_other_file_is_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, suffix: str
) -> None:
    bad = tmp_path / f"input{suffix}"
    bad.write_bytes(content)
    good = str(HOSTILE / "ok-leading-zero-ids.yaml")
    shape = re.compile(re.escape(str(bad)) + r"(?::\d+:\d+)?: \S.*")

    code, out, err = _cli(capsys, "validate", str(bad))
    assert (code, out) == (2, "")
    assert err and all(shape.fullmatch(line) for line in err.splitlines()), err

    code, out, err = _cli(capsys, "check", "--format", "json", "--as-of", AS_OF, str(bad), good)
    assert code == 2, err
    # the file's own problems, and perhaps one line saying the other was judged without it
    left_out = "error: the other files were judged without " + re.escape(str(bad)) + ", whose .*"
    assert err and all(shape.fullmatch(x) or re.fullmatch(left_out, x) for x in err.splitlines()), err
    report = json.loads(out)
    assert report["files"] == [str(bad), good]
    assert report["errors"] and {e["file"] for e in report["errors"]} <= {str(bad), None}
    assert {f["target"]["id"] for f in report["findings"] if f["target"]["kind"] == "flow"} == {"010"}

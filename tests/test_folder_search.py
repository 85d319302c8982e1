"""How folders given to a command or configured in ``manifests`` are searched: symlinked
folders followed, each folder once; hidden files and folders left out, each named in one note
on stderr; configured globs that end on a symlink loop (README "Folders given to `check`")."""

from __future__ import annotations

import glob
import json
import os
import shutil
from pathlib import Path

import pytest
from test_cli import run
from test_config import AS_OF
from test_config import project as project  # the fixture, by its name
from test_hostile import run as run_process

from compliance.run import expand_glob

CBDF8 = "CN-CBDF-8-CONTRACT-OR-CERT"
TEAM_NOTE = (
    "note: dataflows/.team: hidden folder not searched, though it holds *.yaml, *.yml or *.json "
    "files; to check them, name the folder explicitly"
)
GITHUB_NOTE = TEAM_NOTE.replace(".team", ".github")
OLD_NOTE = "note: dataflows/.old.json: hidden file not checked; to check it, name it explicitly"


def report(out: str) -> tuple[list[str], list[str]]:
    """The files a JSON report lists and those with a CBDF-8 finding (two files of 60,000
    individuals each reach its 100,000 together, never alone)."""
    doc = json.loads(out)
    return doc["files"], sorted({f["location"]["file"] for f in doc["findings"] if f["rule_id"] == CBDF8})


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], list[str], list[str]]:
    code, out, err = run(capsys, "check", "--as-of", AS_OF, "--format", "json", *args)
    return (code, *report(out), err.splitlines())


# --- symlinked folders -------------------------------------------------------------------------


def test_a_symlinked_folder_is_searched_so_the_organization_total_is_whole(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Once left out without a word: 60,000 individuals alone, under CBDF-8's 100,000 (a wrong pass)
    team = project / "shared" / "team-b"
    team.mkdir(parents=True)
    (project / "dataflows" / "b.yaml").rename(team / "b.yaml")
    (project / "dataflows" / "team-b").symlink_to(team, target_is_directory=True)
    both = ["dataflows/a.yaml", "dataflows/team-b/b.yaml"]
    assert check(capsys, "dataflows") == (1, both, both, [])


def test_a_folder_two_links_lead_to_and_a_loop_are_searched_once(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    team = project / "dataflows" / "team"
    team.mkdir()
    (project / "dataflows" / "b.yaml").rename(team / "b.yaml")
    (project / "dataflows" / "team-again").symlink_to("team", target_is_directory=True)
    (team / "up").symlink_to("..", target_is_directory=True)
    (team / "up-twice").symlink_to("../..", target_is_directory=True)
    both = ["dataflows/a.yaml", "dataflows/team/b.yaml"]
    assert check(capsys, "dataflows") == (1, both, both, [])
    # b.yaml counted twice would put a.yaml alone over 100,000
    (project / "dataflows" / "a.yaml").unlink()
    assert check(capsys, "dataflows") == (1, ["dataflows/team/b.yaml"], [], [])


# --- hidden files and folders ------------------------------------------------------------------


@pytest.fixture
def hidden(project: Path) -> Path:
    """dataflows/ with b.yaml in a hidden folder, a hidden manifest, CI files, hidden entries
    holding no manifest (a cache, .gitignore) and a .git folder: three notes."""
    flows = project / "dataflows"
    (flows / ".team").mkdir()
    (flows / "b.yaml").rename(flows / ".team" / "b.yaml")
    (flows / ".old.json").write_text("{}")
    (flows / ".github" / "workflows").mkdir(parents=True)
    (flows / ".github" / "workflows" / "ci.yml").write_text("on: push\n")
    (flows / ".cache").mkdir()
    (flows / ".cache" / "state.txt").write_text("x")
    (flows / ".gitignore").write_text("*.tmp\n")
    # version-control internals are never looked into, whatever they hold
    (flows / ".git" / "refs").mkdir(parents=True)
    (flows / ".git" / "refs" / "stash.json").write_text("{}")
    (flows / ".cache" / ".git").mkdir()  # nor inside another hidden folder
    (flows / ".cache" / ".git" / "config.json").write_text("{}")
    return project


def test_each_hidden_entry_holding_manifests_is_named_in_one_note_off_stdout(
    hidden: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, files, cbdf, err = check(capsys, "dataflows")
    assert (code, files, cbdf) == (1, ["dataflows/a.yaml"], [])  # stdout: the JSON report alone
    assert err == [GITHUB_NOTE, TEAM_NOTE, OLD_NOTE]
    code, out, err_text = run(capsys, "check", "--as-of", AS_OF, "dataflows")
    assert code == 1
    assert "note:" not in out
    assert err_text.splitlines() == [GITHUB_NOTE, TEAM_NOTE, OLD_NOTE]
    code, _, err_text = run(capsys, "validate", "dataflows")
    assert code == 0
    assert err_text.splitlines() == [GITHUB_NOTE, TEAM_NOTE, OLD_NOTE, "dataflows/a.yaml: valid"]


def test_a_hidden_folder_named_explicitly_is_checked_without_a_note(
    hidden: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    both = ["dataflows/a.yaml", "dataflows/.team/b.yaml"]
    assert check(capsys, "dataflows", "dataflows/.team") == (1, both, sorted(both), [GITHUB_NOTE, OLD_NOTE])


def test_a_configured_folder_gets_the_notes_once_and_the_configuration_none(
    hidden: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (hidden / ".compliance.yaml").write_text('manifests: ["."]\n')
    code, files, _, err = check(capsys)
    assert (code, files) == (1, ["./dataflows/a.yaml"])
    assert err == [note.replace("dataflows/", "./dataflows/") for note in (GITHUB_NOTE, TEAM_NOTE, OLD_NOTE)]
    code, files, _, err_split = check(capsys, "dataflows/a.yaml")  # the pre-commit split: still once
    assert (code, files, err_split) == (1, ["dataflows/a.yaml"], err)


def test_a_hidden_fides_folder_inside_a_given_one_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fides = Path(__file__).parent / "data" / "third-party" / "fides"
    source = next(p for p in sorted(fides.rglob("*.yml")) if "system" in p.name)
    (tmp_path / "resources" / ".drafts").mkdir(parents=True)
    shutil.copy(source, tmp_path / "resources" / "system.yml")
    shutil.copy(source, tmp_path / "resources" / ".drafts" / "system.yml")
    code, _, err = run(capsys, "import", "fides", str(tmp_path / "resources"))
    assert code == 0
    assert err.splitlines()[0] == (
        f"note: {tmp_path / 'resources' / '.drafts'}: hidden folder not searched, though it holds "
        "*.yml or *.yaml files; to check them, name the folder explicitly"
    )


# --- configured globs --------------------------------------------------------------------------


def test_a_double_star_glob_ends_on_symlink_loops_and_lists_each_file_once(project: Path) -> None:
    sub = project / "dataflows" / "sub"
    sub.mkdir()
    (project / "dataflows" / "b.yaml").rename(sub / "b.yaml")
    (sub / "up").symlink_to("..", target_is_directory=True)
    (sub / "up2").symlink_to("../..", target_is_directory=True)
    (project / ".compliance.yaml").write_text('manifests: ["dataflows/**/*.yaml"]\n')
    result = run_process(["check", "--as-of", AS_OF, "--format", "json"], cwd=project)  # 20 s at most
    both = ["dataflows/a.yaml", "dataflows/sub/b.yaml"]
    assert (result.returncode, result.stderr, report(result.stdout)) == (1, "", (both, both))


def test_a_glob_names_the_hidden_entries_its_wildcards_leave_out(
    hidden: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (hidden / ".compliance.yaml").write_text('manifests: ["dataflows/**/*.yaml", "dataflows/*.json"]\n')
    code, files, _, err = check(capsys)
    assert (code, files) == (2, ["dataflows/a.yaml"])  # a glob matching only hidden files fails
    assert err == [
        GITHUB_NOTE,
        TEAM_NOTE,
        OLD_NOTE,
        ".compliance.yaml:1:36: manifests[1]: 'dataflows/*.json' matches no file",
    ]


TREE = [
    "a.yaml",
    "b.json",
    "sub/c.yaml",
    "sub/deeper/d.yml",
    "sub/.hidden/e.yaml",
    ".dot/f.yaml",
    ".g.yaml",
    "sub/notes.txt",
    "s1/x.yaml",
]
PATTERNS = [
    *("**/*.yaml", "**", "sub/**", "**/deeper/*.yml"),  # ** first, alone, last, between
    *("*", "s?b/*.yaml", "[ab].*", "*.json"),  # wildcards
    *("sub/c.yaml", "missing/*.yaml", "sub/../a.yaml"),  # names
    *(".dot/*.yaml", ".*", "sub/.hidden/*", "**/.hidden/*.yaml"),  # hidden names asked for
]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_without_symlinks_a_glob_matches_what_glob_matches(tmp_path: Path, pattern: str) -> None:
    for name in TREE:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    expected = {
        p.rstrip(os.sep) for p in glob.glob(os.path.join(glob.escape(str(tmp_path)), pattern), recursive=True)
    }
    hits, _ = expand_glob(str(tmp_path), pattern)
    assert hits == sorted(expected)

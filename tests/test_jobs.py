"""``--jobs N``: the same report, byte for byte, whatever N and however the files are shared."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from test_cli import VALID, run

from compliance import cli as cli_module
from compliance.parallel import share_files
from compliance.shard import Shard

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ("text", "json", "sarif", "junit", "github", "markdown")
AS_OF = "2026-11-29"


def manifest(org: str, count: int, *, established_in: str = "[CN]", waivers: str = "") -> str:
    """The smallest valid manifest (a CN -> DE flow of ``count`` individuals' e-mail addresses)
    for organization ``org``, which targets people in mainland China and the EU."""
    return (
        VALID.replace("Example Co", org)
        .replace("count: 10}", f"count: {count}}}")
        .replace("established_in: [CN],", f"established_in: {established_in}, targets: [CN, EU],")
        + waivers
    )


WAIVERS = """\
waivers:
  - {rule: CN-CBDF-8-CONTRACT-OR-CERT, target: flows/crm-to-bi, reason: contract being filed,
     approved_by: dpo@example.com, expires_on: 2027-01-15}
  - {rule: CN-CBDF-8-CONTRACT-OR-CERTT, target: flows/crm-to-bi, reason: typo,
     approved_by: dpo@example.com, expires_on: 2027-06-30}
"""


def same_whatever_jobs(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``args`` with --jobs 1, 2 and 3 (and auto); assert identical results; return them."""
    first = run(capsys, *args, "--jobs", "1")
    for jobs in ("2", "3", "auto"):
        assert run(capsys, *args, "--jobs", jobs) == first, f"--jobs {jobs}"
    return first


@pytest.fixture
def one_org_split(tmp_path: Path) -> Path:
    """Three files of Org A (40,000 individuals each: 120,000 only when added up) and two of
    Org B (established outside China and the EU: organization rules fire), so that each
    organization's files are shared among workers."""
    folder = tmp_path / "split"
    folder.mkdir()
    (folder / "a1.yaml").write_text(manifest("Org A", 40_000, waivers=WAIVERS))
    (folder / "a2.yaml").write_text(manifest("Org A", 40_000))
    (folder / "a3.yaml").write_text(manifest("Org A", 40_000))
    (folder / "b1.yaml").write_text(manifest("Org B", 10, established_in="[US]"))
    (folder / "b2.yaml").write_text(manifest("Org B", 20, established_in="[US]"))
    return folder


def test_fixtures_give_the_same_report_in_every_format(capsys: pytest.CaptureFixture[str]) -> None:
    fixtures = str(ROOT / "fixtures")
    for fmt in FORMATS:
        code, out, err = same_whatever_jobs(capsys, "check", fixtures, "--as-of", AS_OF, "--format", fmt)
        assert (code, err) == (1, "")
        assert out
    # After the packs' data date: their notices land on the run's first file.
    code, out, _ = same_whatever_jobs(capsys, "check", fixtures, "--as-of", "2031-01-01", "--format", "json")
    report = json.loads(out)
    pack_notices = [f["location"]["file"] for f in report["findings"] if f["rule_id"] == "NOTICE-PACK-DATE"]
    assert (code, pack_notices) == (1, [report["files"][0]] * 2)


def _names(findings: list[dict[str, Any]], rule: str) -> list[tuple[str, str]]:
    return [(Path(f["location"]["file"]).name, f["outcome"]) for f in findings if f["rule_id"] == rule]


def test_files_of_one_organization_in_different_workers_add_up(
    capsys: pytest.CaptureFixture[str], one_org_split: Path
) -> None:
    files = sorted(str(p) for p in one_org_split.iterdir())
    for n in (2, 3):
        shares = share_files(list(enumerate(files)), n)
        for org in ("/a", "/b"):
            holding = {k for k, share in enumerate(shares) for _, f in share if org in f}
            assert len(holding) > 1, f"{org}: all in one of {n} shares, the test would prove nothing"
    for fmt in FORMATS:
        same_whatever_jobs(capsys, "check", str(one_org_split), "--as-of", AS_OF, "--format", fmt)
    code, out, err = run(capsys, "check", str(one_org_split), "--as-of", AS_OF, "--format", "json", "-j", "2")
    assert (code, err) == (1, "")
    report = json.loads(out)
    findings = report["findings"]
    assert _names(findings, "CN-CBDF-8-CONTRACT-OR-CERT") == [
        ("a1.yaml", "waived"),
        ("a2.yaml", "violation"),
        ("a3.yaml", "violation"),
    ]
    a2 = next(
        f for f in findings if f["rule_id"] == "CN-CBDF-8-CONTRACT-OR-CERT" and "a2" in f["location"]["file"]
    )
    assert a2["facts"]["cn.non_sensitive_individuals"] == 120_000
    assert (
        "120,000 individuals' non-sensitive personal information leave mainland China this year "
        in a2["message"]
    )
    assert _names(findings, "NOTICE-WAIVER-EXPIRING") == [("a1.yaml", "notice")]
    assert [(Path(w["file"]).name, w["rule"]) for w in report["unused_waivers"]] == [
        ("a1.yaml", "CN-CBDF-8-CONTRACT-OR-CERTT")
    ]
    # An organization's own findings come once, on its first file, whichever worker holds it.
    assert [
        (Path(f["location"]["file"]).name, f["rule_id"])
        for f in findings
        if f["target"]["kind"] == "organization"
    ] == [
        ("a1.yaml", "EU-GDPR-27-REPRESENTATIVE"),
        ("b1.yaml", "CN-PIPL-53-REPRESENTATIVE"),
        ("b1.yaml", "EU-GDPR-27-REPRESENTATIVE"),
    ]


def test_alone_the_same_files_stay_below_the_threshold(
    capsys: pytest.CaptureFixture[str], one_org_split: Path
) -> None:
    _, out, _ = run(capsys, "check", str(one_org_split / "a2.yaml"), "--as-of", AS_OF, "--format", "json")
    assert not [f for f in json.loads(out)["findings"] if f["rule_id"] == "CN-CBDF-8-CONTRACT-OR-CERT"]


def test_a_broken_file_is_reported_and_the_others_still_checked(
    capsys: pytest.CaptureFixture[str], one_org_split: Path
) -> None:
    broken = one_org_split / "a0.yaml"
    broken.write_text(manifest("Org A", 10).replace("    to: bi\n", "    destinaton: bi\n"))
    for fmt in FORMATS:
        code, _, err = same_whatever_jobs(
            capsys, "check", str(one_org_split), "--as-of", AS_OF, "--format", fmt
        )
        assert code == 2
        # Org A's other files would be judged on totals without a0's: they are not judged
        assert err == (
            f"{broken}:11:5: flows[0]: unknown field 'destinaton' (did you mean 'to'?)\n"
            + "".join(
                f"{one_org_split / name}: not judged: {broken}, another file of its organization, is "
                "unusable, so its totals would be incomplete (see that file's errors)\n"
                for name in ("a1.yaml", "a2.yaml", "a3.yaml")
            )
        )
    report = json.loads(
        run(capsys, "check", str(one_org_split), "--as-of", AS_OF, "--format", "json", "-j", "2")[1]
    )
    assert len(report["files"]) == 6
    assert {Path(f["location"]["file"]).name for f in report["findings"]} == {"b1.yaml", "b2.yaml"}


NOT_JUDGED = "not judged: the files naming its organization disagree (see their errors)"


def test_an_organization_conflict_across_workers_is_unusable_input(
    capsys: pytest.CaptureFixture[str], one_org_split: Path
) -> None:
    (one_org_split / "a3.yaml").write_text(manifest("Org A", 40_000, established_in="[CN, DE]"))
    for fmt in ("text", "json"):
        code, out, err = same_whatever_jobs(
            capsys, "check", str(one_org_split), "--as-of", AS_OF, "--format", fmt
        )
        assert code == 2
        assert err == (
            f"{one_org_split / 'a3.yaml'}:2:45: organization.established_in: [CN, DE] here but [CN] in "
            f"{one_org_split / 'a1.yaml'} for the same organization 'Org A'\n"
            + "".join(f"{one_org_split / name}: {NOT_JUDGED}\n" for name in ("a1.yaml", "a2.yaml"))
        )
    # Org A's files are not judged; Org B's still are.
    judged = {Path(f["location"]["file"]).name for f in json.loads(out)["findings"]}
    assert judged == {"b1.yaml", "b2.yaml"}


def test_terraform_baseline_report_and_configured_manifests(
    capsys: pytest.CaptureFixture[str], one_org_split: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plans = ROOT / "tests/data/third-party/terraform-plans"
    plan = plans / "runner_resources_plan_nested_child_modules_with_connections_tfplan.json"
    b1 = one_org_split / "b1.yaml"
    b1.write_text(b1.read_text().replace("stores: []}", "stores: [], terraform: aws_s3_bucket.gone}"))
    folder = str(one_org_split)
    code, out, _ = same_whatever_jobs(
        capsys, "check", folder, "--as-of", AS_OF, "--format", "json", "--terraform", str(plan)
    )
    assert code == 1
    assert [f["rule_id"] for f in json.loads(out)["findings"] if f["rule_id"].startswith("TF-")] == [
        "TF-ADDRESS-NOT-IN-PLAN"
    ]
    baseline = tmp_path / "baseline.json"
    assert same_whatever_jobs(capsys, "baseline", folder, "--as-of", AS_OF, "-o", str(baseline))[0] == 0
    assert same_whatever_jobs(capsys, "report", folder, "--as-of", AS_OF, "--format", "markdown")[0] == 0
    # `manifests` configured: totals over the whole set, findings of the named file only.
    (tmp_path / ".compliance.yaml").write_text(f"manifests: [{folder}]\n")
    monkeypatch.chdir(tmp_path)
    code, out, _ = same_whatever_jobs(
        capsys, "check", str(one_org_split / "a3.yaml"), "--as-of", AS_OF, "--format", "json"
    )
    report = json.loads(out)
    assert code == 1
    assert report["files"] == [str(one_org_split / "a3.yaml")]
    assert {f["location"]["file"] for f in report["findings"]} == {str(one_org_split / "a3.yaml")}
    assert any(f["rule_id"] == "CN-CBDF-8-CONTRACT-OR-CERT" for f in report["findings"])


@pytest.mark.parametrize("value", ["x", "-1", "1.5", "", "two"])
def test_a_bad_jobs_value_is_a_usage_error(capsys: pytest.CaptureFixture[str], value: str) -> None:
    code, out, err = run(capsys, "check", str(ROOT / "fixtures"), "--jobs", value)
    assert (code, out) == (2, "")
    assert err == f"error: --jobs: {value!r} is not a number of processes (1, 2, ...; 0 or auto: per CPU)\n"


def _in_workers_only(monkeypatch: pytest.MonkeyPatch, method: str, fail: object) -> None:
    """Make ``Shard.<method>`` call ``fail()`` in forked workers (not in this process)."""
    parent = os.getpid()
    real = getattr(Shard, method)

    def patched(self: Shard, *args: object) -> object:
        if os.getpid() != parent:
            fail()  # type: ignore[operator]
        return real(self, *args)

    monkeypatch.setattr(Shard, method, patched)


def _boom() -> None:
    raise RuntimeError("boom")


def test_an_internal_error_in_a_worker_is_exit_3_without_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _in_workers_only(monkeypatch, "judge", _boom)
    code, out, err = run(capsys, "check", str(ROOT / "fixtures"), "--jobs", "2")
    assert (code, out, err) == (
        3,
        "",
        "internal error (RuntimeError: boom); please report it with --debug output\n",
    )
    with pytest.raises(SystemExit) as exc:
        cli_module.main(["--debug", "check", str(ROOT / "fixtures"), "--jobs", "2"])
    assert exc.value.code == 3
    assert 'raise RuntimeError("boom")' in capsys.readouterr().err  # the worker's, with --debug


def test_a_worker_that_dies_is_exit_3(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _in_workers_only(monkeypatch, "build", lambda: os._exit(7))
    code, out, err = run(capsys, "check", str(ROOT / "fixtures"), "--jobs", "2")
    assert (code, out) == (3, "")
    assert err == (
        "internal error (WorkerError: a --jobs worker process ended without answering (exit status 7)); "
        "please report it with --debug output\n"
    )


def test_files_are_shared_by_size_each_share_in_run_order(tmp_path: Path) -> None:
    sizes = [5, 50, 20, 30, 1]
    files = []
    for i, size in enumerate(sizes):
        p = tmp_path / f"f{i}.yaml"
        p.write_bytes(b"x" * size)
        files.append((i, str(p)))
    shares = share_files(files, 2)
    assert [[i for i, _ in s] for s in shares] == [[0, 1], [2, 3, 4]]
    assert share_files(files, 1) == [files]
    assert sorted(f for s in share_files(files, 4) for f in s) == files


def test_one_job_starts_no_process_and_imports_no_multiprocessing() -> None:
    code = (
        "import sys\n"
        "from compliance.cli import main\n"
        "try:\n"
        f"    main(['check', {str(ROOT / 'fixtures')!r}, '--format', 'json', '-o', {os.devnull!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith(('multiprocessing', 'compliance.parallel'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out == "[]\n"


#: A run of ``check`` that presses Ctrl-C at one moment: SIGINT to its whole process group, as a
#: terminal sends it, from the run and from each worker that gets there too.
CTRL_C = """\
import os, signal, sys
import multiprocessing.process
from compliance import cli, shard

def pressing(method):
    def pressed(*args, **kwargs):
        result = method(*args, **kwargs)
        os.killpg(0, signal.SIGINT)
        return result
    return pressed

owner = multiprocessing.process.BaseProcess if {moment!r} == "start" else shard.Shard
setattr(owner, {moment!r}, pressing(getattr(owner, {moment!r})))
sys.argv = ["compliance", "check", "--as-of", "2026-11-29", "--jobs", {jobs!r}, {folder!r}]
cli.main()
"""


@pytest.mark.parametrize(
    ("moment", "jobs"),
    [("build", "1"), ("judge", "1"), ("build", "3"), ("judge", "3"), ("start", "3")],
    ids=["build", "judge", "build-jobs", "judge-jobs", "worker-start"],
)
def test_ctrl_c_ends_the_run_with_one_line_status_130_and_no_process_left(
    one_org_split: Path, moment: str, jobs: str
) -> None:
    code = CTRL_C.format(moment=moment, jobs=jobs, folder=str(one_org_split))
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        start_new_session=True,  # its own process group, which the keys press reaches
    )
    out, err = proc.communicate(timeout=60)
    assert (proc.returncode, out, err) == (130, b"", b"interrupted\n")
    for _ in range(50):  # the workers go once the run has stopped them
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("a process of the interrupted run is still running")


def test_individuals_processed_add_up_over_the_organizations_files_whatever_jobs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # two files of 600,000 people each, 5,000 of whom leave China: 600,000 to 1,200,000
    # processed, so PIPL Art. 40's 1,000,000 may be reached (a review); one file stays below it
    narrowed = manifest("Org A", 600_000).replace(
        "    datasets: [customers]\n", "    datasets: [customers]\n    individuals: 5000\n"
    )
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text(narrowed)
    code, out, _ = same_whatever_jobs(capsys, "check", str(tmp_path), "--as-of", AS_OF, "--format", "json")
    found = [
        (Path(f["location"]["file"]).name, [w for w in f["facts"]["why"] if "processes" in w])
        for f in json.loads(out)["findings"]
        if f["rule_id"] == "CN-PIPL-40-LARGE-PROCESSOR"
    ]
    between = (
        "the organization processes the personal information of between 600,000 individuals (its "
        "largest personal dataset, wherever collected) and 1,200,000 (all its personal datasets added "
        "up): whether its datasets hold the same people decides (threshold 1,000,000)"
    )
    assert (code, found) == (1, [("a.yaml", [between]), ("b.yaml", [between])])
    code, out, _ = same_whatever_jobs(
        capsys, "check", str(tmp_path / "a.yaml"), "--as-of", AS_OF, "--format", "json"
    )
    assert [f for f in json.loads(out)["findings"] if f["rule_id"] == "CN-PIPL-40-LARGE-PROCESSOR"] == []


def test_a_doubtful_exemption_in_another_file_widens_the_totals_whatever_jobs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # 9,000 people's health data under a transit exemption in one file, 2,000 sent plainly in
    # the other: the sensitive total is 2,000 to 11,000, so the assessment is a review
    health = manifest("Org A", 9_000).replace("user.contact.email", "user.health_and_medical")
    transit = health.replace("    mechanisms: []\n", "    exemption: transit\n    mechanisms: []\n")
    (tmp_path / "a.yaml").write_text(transit)
    (tmp_path / "b.yaml").write_text(health.replace("count: 9000", "count: 2000"))
    code, out, _ = same_whatever_jobs(capsys, "check", str(tmp_path), "--as-of", AS_OF, "--format", "json")
    found = sorted(
        (Path(f["location"]["file"]).name, f["rule_id"], f["outcome"])
        for f in json.loads(out)["findings"]
        if f["rule_id"] in ("CN-CBDF-4-TRANSIT", "CN-CBDF-7-VOLUME-ASSESSMENT")
    )
    assert (code, found) == (
        1,
        [
            ("a.yaml", "CN-CBDF-4-TRANSIT", "needs_review"),
            ("b.yaml", "CN-CBDF-7-VOLUME-ASSESSMENT", "needs_review"),
        ],
    )
    # the JSON facts give both ends of the range
    volume = next(f for f in json.loads(out)["findings"] if f["rule_id"] == "CN-CBDF-7-VOLUME-ASSESSMENT")
    facts = volume["facts"]
    assert (facts["cn.sensitive_individuals"], facts["cn.sensitive_at_most_individuals"]) == (2_000, 11_000)

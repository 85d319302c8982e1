"""Time ``compliance check`` against the floors and budgets of issue 7; print medians and ratios.

Whole-process runs are subprocesses of the installed ``compliance`` script: wall time, CPU time
(user + system, from ``wait4``) and peak memory (the child's ``ru_maxrss``). Phases (load,
validate, facts, positions, rules, outcomes, format) run in-process, each run in a fresh
interpreter after an untimed pass over the 10-flow file, with the cyclic collector paused as
``compliance.run.check`` pauses it. Floors:
``python -c "import yaml, click, pydantic"`` (whole process, run round-robin with the checks),
and, in-process with the collector paused, ``json.loads`` + ``Manifest.model_validate`` of the
same JSON file or PyYAML's C loader alone on the same YAML file (after the check runs).
Budgets are wall-time ratios; the CPU-time ratios are printed beside them because they hold
still when other processes load the machine. Generate the manifests first with
``benchmarks/generate.py``.

    python benchmarks/run.py                               # everything, 5 runs each
    python benchmarks/run.py --sizes 10 1000 10000 --what startup whole phases yaml
    python benchmarks/run.py --sizes 100000 --what whole   # 3-5 minutes
    python benchmarks/run.py --what jobs --runs 7          # many-1000/: --jobs 1 vs --jobs 2

``--what jobs`` needs ``python benchmarks/generate.py --many 1000`` first (1,000 small manifests).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
AS_OF = "2026-11-29"
PYTHON = sys.executable
COMPLIANCE = str(Path(sys.executable).parent / "compliance")
IMPORT_FLOOR = [PYTHON, "-c", "import yaml, click, pydantic"]
PHASES = ("packs", "load", "validate", "facts", "positions", "rules", "outcomes", "format")
#: Budgets of issue 7 (ratios of wall times, and bytes for peak memory).
BUDGET_STARTUP = 2.0
BUDGET_JSON = 3.0
BUDGET_YAML = 1.5
BUDGET_PEAK = 1.5e9
BUDGET_SCALING = 1.5
BUDGET_JOBS = 1.6
MANY = DATA / "many-1000"


def timed_process(cmd: list[str], env: dict[str, str], cwd: Path | None = None) -> dict[str, float]:
    """Run ``cmd`` once (in ``cwd``); return its wall and CPU seconds, peak RSS bytes and exit
    status."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak": usage.ru_maxrss * 1024,
        "exit": proc.returncode,
    }


def summarise(samples: list[dict[str, float]]) -> dict[str, Any]:
    """Medians of wall and CPU time, the largest peak, the exit statuses seen."""
    return {
        "wall": statistics.median(s["wall"] for s in samples),
        "cpu": statistics.median(s["cpu"] for s in samples),
        "peak": max(s["peak"] for s in samples),
        "exit": sorted({s["exit"] for s in samples}),
        "walls": [s["wall"] for s in samples],
    }


def check_cmd(path: Path, *extra: str, bindir: Path | None = None) -> list[str]:
    script = str(bindir / "compliance") if bindir else COMPLIANCE
    return [script, "check", "--as-of", AS_OF, "--format", "json", *extra, str(path)]


def envs() -> dict[str, dict[str, str]]:
    """The two start-up settings: this machine's default (no bytecode written) and cached bytecode.

    Cached bytecode goes to a private ``PYTHONPYCACHEPREFIX`` so that the repository's
    ``compliance/`` stays without ``__pycache__`` and the default setting stays honest.
    """
    drop = ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
    base = {k: v for k, v in os.environ.items() if k not in drop}
    prefix = tempfile.mkdtemp(prefix="bench-pycache-")
    return {
        "PYTHONDONTWRITEBYTECODE=1 (default here)": {**base, "PYTHONDONTWRITEBYTECODE": "1"},
        "bytecode cached (unset, warmed up)": {**base, "PYTHONPYCACHEPREFIX": prefix},
    }


def readme_install() -> Path:
    """A new virtual environment holding this repository as the README's first command installs
    it (``pip install .``); returns its ``bin`` folder. pip compiles the bytecode of everything
    it installs, this package included, whatever PYTHONDONTWRITEBYTECODE says, so there the
    floor's libraries and ours start alike. The development install (``pip install -e``) has no
    bytecode for ``compliance/`` under PYTHONDONTWRITEBYTECODE=1 and compiles it on every run."""
    venv = Path(tempfile.mkdtemp(prefix="bench-venv-"))
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, str(HERE.parent)], check=True)
    return venv / "bin"


def startup(runs: int) -> list[dict[str, Any]]:
    """Pre-commit budget: 10-flow check vs the import floor, in both bytecode settings, for the
    README's install and the development install; each install's floor runs on its own Python,
    and the commands run round-robin so that outside load falls on all of them alike. They run
    in an empty folder, as in a repository without configuration: this repository's own
    ``pyproject.toml`` would make every check parse it, looking for a ``[tool.compliance]``."""
    rows = []
    here = Path(tempfile.mkdtemp(prefix="bench-cwd-"))
    files = [DATA / f"flows-10.{ext}" for ext in ("json", "yaml")]
    readme = readme_install()
    installs = {"`pip install .` (README)": readme, "`pip install -e` (development)": None}
    try:
        for install, bindir in installs.items():
            python = str(bindir / "python") if bindir else PYTHON
            cmds = [[python, *IMPORT_FLOOR[1:]], *(check_cmd(f, bindir=bindir) for f in files)]
            for label, env in envs().items():
                if "PYTHONPYCACHEPREFIX" in env:
                    for cmd in cmds:
                        timed_process(cmd, env, here)  # warm-up: writes the bytecode
                samples: list[list[dict[str, float]]] = [[] for _ in cmds]
                for _ in range(runs):
                    for i, cmd in enumerate(cmds):
                        samples[i].append(timed_process(cmd, env, here))
                floor, *checks = (summarise(s) for s in samples)
                for path, res in zip(files, checks, strict=True):
                    ratio = res["wall"] / floor["wall"]
                    rows.append(
                        {
                            "install": install,
                            "setting": label,
                            "file": path.name,
                            "floor": floor,
                            "check": res,
                            "ratio": ratio,
                            "cpu_ratio": res["cpu"] / floor["cpu"],
                            "ok": ratio <= BUDGET_STARTUP,
                        }
                    )
                if "PYTHONPYCACHEPREFIX" in env:
                    shutil.rmtree(env["PYTHONPYCACHEPREFIX"], ignore_errors=True)
    finally:
        shutil.rmtree(readme.parent, ignore_errors=True)
        shutil.rmtree(here, ignore_errors=True)
    return rows


def against_floor(path: Path, runs: int) -> dict[str, Any]:
    """Whole-process ``check --format json`` on ``path`` (machine-default environment), then
    the in-process floor on the same file in one fresh interpreter; medians of both."""
    checks = []
    for i in range(runs):
        checks.append(timed_process(check_cmd(path), dict(os.environ)))
        c = checks[-1]
        print(
            f"  {path.name} run {i + 1}: wall {c['wall']:.2f} s, CPU {c['cpu']:.2f} s, "
            f"peak {_mb(int(c['peak']))}, exit {c['exit']}",
            file=sys.stderr,
            flush=True,
        )
    res = summarise(checks)
    floor = child("floor", path, runs)
    res.update(floor=floor, ratio=res["wall"] / floor["wall"], cpu_ratio=res["cpu"] / floor["cpu"])
    return res


#: ``compliance`` run in-process, writing the CPU seconds of its reaped workers at exit.
CPU_SPLIT = (
    "import atexit, os, sys\n"
    "def _split():\n"
    "    t = os.times()\n"
    "    sys.stderr.write(f'cpu-split {t.children_user + t.children_system}\\n')\n"
    "atexit.register(_split)\n"
    "from compliance.cli import main\n"
    "main(sys.argv[1:])\n"
)


def cpu_split(cmd: list[str]) -> tuple[float, float]:
    """CPU seconds of the ``compliance`` process of ``cmd`` itself (start-up to teardown) and of
    its workers."""
    args = cmd[cmd.index("check") :]
    proc = subprocess.Popen(
        [PYTHON, "-c", CPU_SPLIT, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, _, usage = os.wait4(proc.pid, 0)
    workers = float(err.strip().splitlines()[-1].split()[1])
    return usage.ru_utime + usage.ru_stime - workers, workers


def idle_share(seconds: float = 1.0) -> float:
    """The share of all CPUs' time spent idle over the next ``seconds`` (``/proc/stat``)."""

    def sample() -> tuple[int, int]:
        with open("/proc/stat", encoding="ascii") as fh:
            ticks = [int(x) for x in fh.readline().split()[1:]]
        return ticks[3] + ticks[4], sum(ticks)

    idle0, all0 = sample()
    time.sleep(seconds)
    idle1, all1 = sample()
    return (idle1 - idle0) / max(1, all1 - all0)


def wait_until_idle(share: float) -> float:
    """Block until the CPUs are at least ``share`` idle over one second; return that share."""
    while True:
        idle = idle_share()
        if idle >= share:
            return idle


def jobs(folder: Path, runs: int, idle: float = 0.0) -> dict[str, Any]:
    """Many manifests: whole-process ``check FOLDER --jobs 1`` and ``--jobs 2``, run in turns
    (which goes first alternates) so that outside load falls on both alike; the two reports
    are compared byte for byte first. Throughput ratio = wall(--jobs 1) / wall(--jobs 2).

    Each round also runs ``--jobs 2`` once in-process to split its CPU time between the main
    process and its worker: the phases are balanced, so the main process's own CPU time is
    the wall time ``--jobs 2`` takes when the worker has a CPU of its own, and
    CPU(--jobs 1) / that is the ratio an unloaded 2-CPU machine gives.

    With ``idle`` above 0 each round waits until the CPUs are that idle (other sessions
    quiet): on a shared machine, the only rounds whose wall times compare two processes
    with one.
    """
    cmds = {n: check_cmd(folder, "--jobs", str(n)) for n in (1, 2)}
    reports = {n: subprocess.run(cmd, capture_output=True, check=False).stdout for n, cmd in cmds.items()}
    if reports[1] != reports[2]:
        raise SystemExit(f"{folder}: the --jobs 1 and --jobs 2 reports differ")
    samples: dict[int, list[dict[str, float]]] = {1: [], 2: []}
    split: list[tuple[float, float]] = []
    for i in range(runs):
        quiet = wait_until_idle(idle) if idle > 0 else None
        for n in (1, 2) if i % 2 == 0 else (2, 1):
            samples[n].append(timed_process(cmds[n], dict(os.environ)))
            s = samples[n][-1]
            print(
                f"  --jobs {n} run {len(samples[n])}: wall {s['wall']:.2f} s, CPU {s['cpu']:.2f} s, "
                f"exit {s['exit']}, load {os.getloadavg()[0]:.1f}"
                + (f", idle before the round {quiet:.0%}" if quiet is not None else ""),
                file=sys.stderr,
                flush=True,
            )
        split.append(cpu_split(cmds[2]))
    one, two = summarise(samples[1]), summarise(samples[2])
    own = statistics.median(s[0] for s in split)
    return {
        "files": len(list(folder.iterdir())),
        "one": one,
        "two": two,
        "ratio": one["wall"] / two["wall"],
        "cpu_ratio": two["cpu"] / one["cpu"],
        "own_cpu": own,
        "worker_cpu": statistics.median(s[1] for s in split),
        "unloaded_ratio": one["cpu"] / own,
        "bytes": len(reports[1]),
    }


def child(kind: str, path: Path, runs: int) -> dict[str, Any]:
    """Run ``kind`` (``phases`` or ``floor``) in a fresh interpreter; return its JSON result."""
    out = subprocess.run(
        [PYTHON, __file__, "--child", kind, str(path), "--runs", str(runs)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def fresh_phases(path: Path, runs: int) -> dict[str, Any]:
    """The phases of ``path`` with each run in its own fresh interpreter, as a ``compliance``
    process checks once, after an untimed pass over the 10-flow file (see ``_phases_child``):
    medians over ``runs``. Runs repeated in one interpreter also measured the allocator's state
    after the previous run freed its objects (at 100,000 flows, 800 MB)."""
    results = [child("phases", path, 1) for _ in range(runs)]
    return {
        "median": {k: statistics.median(r["median"][k] for r in results) for k in results[0]["median"]},
        "findings": results[0]["findings"],
        "peak": max(r["peak"] for r in results),
    }


# --- in the child interpreter -----------------------------------------------------------------


def _phases_child(path: Path, runs: int) -> dict[str, Any]:
    """Time each phase of ``compliance.run.check`` on ``path`` (CPU seconds; the sum also in
    wall seconds); medians over ``runs``."""
    import datetime as dt

    from compliance import __version__, run
    from compliance.facts import build_facts
    from compliance.findings import Report
    from compliance.formats import RenderOptions, render
    from compliance.outcomes import apply_waivers, expiry_notices, pack_notices
    from compliance.policy.evaluate import evaluate_packs
    from compliance.sources.document import read_document
    from compliance.validate import validate_document

    clock = time.process_time
    as_of = dt.date.fromisoformat(AS_OF)
    samples: dict[str, list[float]] = {p: [] for p in (*PHASES, "total", "wall")}
    findings = 0
    # One untimed pass over the 10-flow file first: what a process does once (the validator, the
    # jurisdiction and category data, compiled patterns) is not per-flow work.
    warm = evaluate_packs(
        run.shipped_packs(None, ()),
        build_facts([validate_document(read_document(DATA / "flows-10.json"))], as_of),
        as_of,
    )
    del warm
    for _ in range(runs):
        gc.collect()
        gc.disable()  # as compliance.run.check does
        t: dict[str, float] = {}
        w0 = time.perf_counter()
        t0 = clock()
        packs = run.shipped_packs(None, ())
        t["packs"] = clock()
        doc = read_document(path, defer_depth=True)  # as the CLI reads a manifest (shard.py)
        t["load"] = clock()
        loaded = validate_document(doc)
        t["validate"] = clock()
        facts = build_facts([loaded], as_of)
        t["facts"] = clock()
        doc.locate(())  # JSON positions are found on demand: findings pay for theirs in `rules`
        t["positions"] = clock()
        raw = evaluate_packs(packs, facts, as_of)
        raw += expiry_notices(facts, as_of) + pack_notices(packs, as_of, str(path))
        t["rules"] = clock()
        found, unused = apply_waivers(raw, facts, as_of)
        report = Report(
            as_of=as_of,
            tool_version=__version__,
            packs={p.id: p.version for p in packs},
            files=[str(path)],
            rules=[r for p in packs for r in p.rules],
        )
        report.findings = sorted(found, key=run._order)
        report.unused_waivers = unused
        t["outcomes"] = clock()
        render("json", report, RenderOptions(fail_on="low"))
        t["format"] = clock()
        samples["wall"].append(time.perf_counter() - w0)
        prev = t0
        for p in PHASES:
            samples[p].append(t[p] - prev)
            prev = t[p]
        samples["total"].append(prev - t0)
        findings = len(report.findings)
        del doc, loaded, facts, raw, found, report
        gc.enable()
    return {
        "median": {k: statistics.median(v) for k, v in samples.items()},
        "findings": findings,
        "peak": _self_peak(),
    }


def _floor_child(path: Path, runs: int) -> dict[str, Any]:
    """``json.loads`` + ``Manifest.model_validate`` (JSON) or the C loader (YAML), gc paused."""
    import yaml

    from compliance.model import Manifest

    text = path.read_text(encoding="utf-8")
    parse, validate, cpu = [], [], []
    for _ in range(runs):
        gc.collect()
        gc.disable()
        try:
            c0 = time.process_time()
            t0 = time.perf_counter()
            if path.suffix == ".json":
                data = json.loads(text)
                t1 = time.perf_counter()
                Manifest.model_validate(data)
            else:
                data = yaml.load(text, Loader=yaml.CSafeLoader)
                t1 = time.perf_counter()
            t2 = time.perf_counter()
            cpu.append(time.process_time() - c0)
        finally:
            gc.enable()
        parse.append(t1 - t0)
        validate.append(t2 - t1)
        del data
    return {
        "parse": statistics.median(parse),
        "validate": statistics.median(validate),
        "wall": statistics.median([a + b for a, b in zip(parse, validate, strict=True)]),
        "cpu": statistics.median(cpu),
    }


def _self_peak() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# --- report -----------------------------------------------------------------------------------


def _s(x: float) -> str:
    return f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s"


def _mb(n: int) -> str:
    return f"{n / 1e6:.0f} MB"


def _ok(ok: bool) -> str:
    return "met" if ok else "**NOT met**"


def _row(*cells: object) -> None:
    print("| " + " | ".join(str(c) for c in cells) + " |", flush=True)


def report_startup(rows: list[dict[str, Any]]) -> None:
    print("## Pre-commit: 10-flow check vs `python -c 'import yaml, click, pydantic'`, whole process\n")
    head = ("install", "setting", "file", "floor wall", "check wall", "ratio (<= 2x)", "CPU ratio")
    _row(*head, "peak", "budget")
    _row(*["---"] * 9)
    for r in rows:
        f, c = r["floor"], r["check"]
        _row(
            r["install"],
            r["setting"],
            r["file"],
            _s(f["wall"]),
            _s(c["wall"]),
            f"{r['ratio']:.2f}x",
            f"{r['cpu_ratio']:.2f}x ({_s(c['cpu'])} / {_s(f['cpu'])})",
            _mb(c["peak"]),
            _ok(r["ok"]),
        )
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 1_000, 10_000, 100_000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--what",
        nargs="+",
        choices=("startup", "whole", "phases", "yaml", "jobs"),
        default=["startup", "whole", "phases", "yaml"],
    )
    parser.add_argument("--json", type=Path, help="Also write the raw results here.")
    parser.add_argument(
        "--idle",
        type=float,
        default=0.0,
        metavar="SHARE",
        help="--what jobs: start each round only once the CPUs are this idle (e.g. 0.9).",
    )
    parser.add_argument("--child", nargs=2, metavar=("KIND", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        kind, file = args.child
        fn = _phases_child if kind == "phases" else _floor_child
        print(json.dumps(fn(Path(file), args.runs)))
        return

    load = os.getloadavg()[0]
    results: dict[str, Any] = {"runs": args.runs, "python": sys.version.split()[0], "load": load}
    print(
        f"# compliance benchmarks: median of {args.runs} runs, Python {results['python']}, "
        f"{os.cpu_count()} CPUs, load average {load:.1f} at start\n"
    )

    if "startup" in args.what:
        results["startup"] = startup(args.runs)
        report_startup(results["startup"])

    if "whole" in args.what:
        results["whole"] = {}
        print("## Large JSON: whole-process `check --format json` vs json.loads + model_validate\n")
        _row("flows", "check wall", "floor wall (loads + validate)", "ratio", "CPU ratio", "peak", "budget")
        _row(*["---"] * 7)
        for n in args.sizes:
            res = against_floor(DATA / f"flows-{n}.json", args.runs)
            results["whole"][n] = res
            f = res["floor"]
            big = n == 100_000
            _row(
                f"{n:,}",
                _s(res["wall"]),
                f"{_s(f['wall'])} ({_s(f['parse'])} + {_s(f['validate'])})",
                f"{res['ratio']:.1f}x",
                f"{res['cpu_ratio']:.1f}x ({_s(res['cpu'])} / {_s(f['cpu'])})",
                _mb(res["peak"]),
                _ok(res["ratio"] <= BUDGET_JSON and res["peak"] <= BUDGET_PEAK) if big else "-",
            )
        print("\nBudget at 100,000 flows: ratio <= 3x, peak <= 1.5 GB.\n")

    if "phases" in args.what:
        results["phases"] = {}
        print("## Phases in-process (JSON; CPU time; collector paused, as in the CLI)\n")
        _row("flows", *PHASES, "sum (CPU)", "sum (wall)", "findings", "facts+rules per flow")
        _row(*["---"] * (len(PHASES) + 5))
        for n in args.sizes:
            res = fresh_phases(DATA / f"flows-{n}.json", args.runs)
            results["phases"][n] = res
            m = res["median"]
            res["per_flow"] = (m["facts"] + m["rules"]) / n
            _row(
                f"{n:,}",
                *(_s(m[p]) for p in PHASES),
                _s(m["total"]),
                _s(m["wall"]),
                f"{res['findings']:,}",
                f"{res['per_flow'] * 1e6:.1f} us",
            )
        pf = {n: r["per_flow"] for n, r in results["phases"].items()}
        if 1_000 in pf and max(pf) > 1_000:
            big = max(pf)
            ratio = pf[big] / pf[1_000]
            verdict = (
                _ok(ratio <= BUDGET_SCALING) if big == 100_000 else "indicative only, not the budget size"
            )
            print(
                f"\nScaling: facts+rules per flow at {big:,} / at 1,000 = {ratio:.2f}x "
                f"(budget <= {BUDGET_SCALING}x at 100,000): {verdict}"
            )
        print()

    if "yaml" in args.what:
        results["yaml"] = {}
        print("## Large YAML: whole-process check vs PyYAML's C loader alone (collector paused)\n")
        _row("flows", "check wall", "C loader wall", "ratio", "CPU ratio", "peak", "budget")
        _row(*["---"] * 7)
        for n in [s for s in args.sizes if s <= 10_000]:
            res = against_floor(DATA / f"flows-{n}.yaml", args.runs)
            results["yaml"][n] = res
            _row(
                f"{n:,}",
                _s(res["wall"]),
                _s(res["floor"]["wall"]),
                f"{res['ratio']:.2f}x",
                f"{res['cpu_ratio']:.2f}x",
                _mb(res["peak"]),
                _ok(res["ratio"] <= BUDGET_YAML) if n == 10_000 else "-",
            )
        print("\nBudget at 10,000 flows: ratio <= 1.5x.\n")

    if "jobs" in args.what:
        res = results["jobs"] = jobs(MANY, args.runs, args.idle)
        print("## Many manifests: whole-process `check FOLDER --jobs 1` vs `--jobs 2`\n")
        _row(
            "manifests",
            "--jobs 1 wall / CPU",
            "--jobs 2 wall / CPU",
            "throughput ratio",
            "--jobs 2 CPU: main + worker",
            "unloaded ratio",
            "budget",
        )
        _row(*["---"] * 7)
        one, two = res["one"], res["two"]
        _row(
            f"{res['files']:,}",
            f"{_s(one['wall'])} / {_s(one['cpu'])}",
            f"{_s(two['wall'])} / {_s(two['cpu'])}",
            f"{res['ratio']:.2f}x",
            f"{_s(res['own_cpu'])} + {_s(res['worker_cpu'])}",
            f"{res['unloaded_ratio']:.2f}x",
            _ok(res["ratio"] >= BUDGET_JOBS),
        )
        print(
            f"\nBudget: --jobs 2 at >= {BUDGET_JOBS}x the throughput of --jobs 1 (2 CPUs). Unloaded "
            "ratio: CPU(--jobs 1) / the main process's own CPU with --jobs 2.\n"
        )

    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

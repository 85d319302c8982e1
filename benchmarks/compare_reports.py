"""Prove an optimisation changes no output: save JSON reports once, then diff them byte for byte.

Runs ``compliance check --as-of 2026-11-29 --format json`` on the benchmark manifests, on
``fixtures/*.yaml`` and on each acceptance case under ``../shared/cases`` (its manifests in
one run, as the case runner passes them), and keeps stdout, stderr and the exit status.

    python benchmarks/compare_reports.py save  /tmp/reports-before             # before a change
    python benchmarks/compare_reports.py check /tmp/reports-before             # after: exit 1 on a diff
    python benchmarks/compare_reports.py save DIR --sizes 10 1000 10000 100000 # 100,000: minutes
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
CASES = ROOT.parent / "shared" / "cases"  # the team's acceptance cases, beside the checkout
AS_OF = "2026-11-29"
COMPLIANCE = str(Path(sys.executable).parent / "compliance")


def runs(sizes: list[int]) -> dict[str, list[str]]:
    """Name of each run -> the manifest files it checks."""
    out: dict[str, list[str]] = {}
    for n in sizes:
        for ext in ("json", "yaml"):
            f = DATA / f"flows-{n}.{ext}"
            if f.exists():
                out[f.name] = [str(f)]
    for f in sorted((ROOT / "fixtures").glob("*.yaml")):
        out[f"fixtures-{f.name}"] = [str(f)]
    if CASES.is_dir():
        for case in sorted(p for p in CASES.iterdir() if p.is_dir()):
            files = sorted(str(p) for p in case.glob("manifest*") if p.suffix in (".yaml", ".json"))
            if files:
                out[f"case-{case.name}"] = files
    return out


def report(files: list[str]) -> dict[str, object]:
    """One check's exit status, stdout and stderr (stdout as a digest when large)."""
    proc = subprocess.run(
        [COMPLIANCE, "check", "--as-of", AS_OF, "--format", "json", *files],
        capture_output=True,
        check=False,
    )
    return {
        "exit": proc.returncode,
        "stdout_sha256": hashlib.sha256(proc.stdout).hexdigest(),
        "stdout_bytes": len(proc.stdout),
        "stderr": proc.stderr.decode("utf-8", "replace"),
    }


def collect(sizes: list[int], jobs: int, only: set[str] | None = None) -> dict[str, dict[str, object]]:
    todo = {k: v for k, v in runs(sizes).items() if only is None or k in only}
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        done = dict(zip(todo, pool.map(report, todo.values()), strict=True))
    return dict(sorted(done.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["save", "check"])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 1_000, 10_000])
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    index = args.dir / "reports.json"
    if args.mode == "save":
        args.dir.mkdir(parents=True, exist_ok=True)
        index.write_text(json.dumps(collect(args.sizes, args.jobs), indent=1) + "\n")
        print(f"saved {index}")
        return
    before = json.loads(index.read_text())
    sizes = sorted({int(k.split("-")[1].split(".")[0]) for k in before if k.startswith("flows-")})
    after = collect(sizes, args.jobs, set(before))  # files added since are not compared
    differ = [k for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)]
    for k in differ:
        print(f"DIFFERS {k}: before {before.get(k)} after {after.get(k)}")
    print(f"{len(after) - len(differ)} identical, {len(differ)} differ")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()

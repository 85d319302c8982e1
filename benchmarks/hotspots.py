"""Profile ``compliance check``: start-up imports (``-X importtime``) or where a large run spends.

    python benchmarks/hotspots.py imports                 # 10-flow check, median of 5 runs
    python benchmarks/hotspots.py calls benchmarks/data/flows-10000.json   # cProfile, by own time

For a call tree, ``pyinstrument`` does well: ``pyinstrument $(which compliance) check ...``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
AS_OF = "2026-11-29"


def check_args(path: str) -> list[str]:
    return ["check", "--as-of", AS_OF, "--format", "json", path]


def imports(path: str, runs: int, cached: bool, top: int) -> None:
    """Median self and cumulative import time per module over ``runs`` runs."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    if cached:
        env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="bench-pycache-")
        runs += 1  # the first run writes the bytecode and is dropped
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    argv = ["compliance", *check_args(path)]
    code = f"import sys; sys.argv = {argv!r}; from compliance.cli import main; main()"
    own: dict[str, list[int]] = {}
    cumulative: dict[str, list[int]] = {}
    for i in range(runs):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", code], env=env, capture_output=True, text=True
        )
        if cached and i == 0:
            continue
        for line in proc.stderr.splitlines():
            if not line.startswith("import time:") or "self [us]" in line:
                continue
            self_us, cum_us, name = line[len("import time:") :].split("|")
            own.setdefault(name.strip(), []).append(int(self_us))
            cumulative.setdefault(name.strip(), []).append(int(cum_us))
    setting = "bytecode cached" if cached else "PYTHONDONTWRITEBYTECODE=1"
    print(f"## imports of a 10-flow check ({setting}; median ms; {len(own)} modules)\n")
    med_own = {k: statistics.median(v) / 1000 for k, v in own.items()}
    med_cum = {k: statistics.median(v) / 1000 for k, v in cumulative.items()}
    top_level = {k: v for k, v in med_cum.items() if "." not in k}
    print(f"total of top-level imports: {sum(top_level.values()):.0f} ms\n")
    print("| module | cumulative | self |")
    print("|---|---|---|")
    for name, cum in sorted(med_cum.items(), key=lambda kv: -kv[1])[:top]:
        print(f"| {name} | {cum:.1f} | {med_own[name]:.1f} |")
    print("\nlargest self times:\n")
    for name, t in sorted(med_own.items(), key=lambda kv: -kv[1])[:top]:
        print(f"- {name}: {t:.1f} ms")


def calls(path: str, top: int) -> None:
    """cProfile one in-process ``check`` of ``path``; print the functions by own time."""
    from compliance.cli import main

    prof = cProfile.Profile()
    prof.enable()
    try:
        with open(os.devnull, "w") as sink:
            old, sys.stdout = sys.stdout, sink
            try:
                main(check_args(path))
            except SystemExit:
                pass
            finally:
                sys.stdout = old
    finally:
        prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    imp = sub.add_parser("imports")
    imp.add_argument("file", nargs="?", default=str(HERE / "data" / "flows-10.json"))
    imp.add_argument("--runs", type=int, default=5)
    imp.add_argument("--top", type=int, default=25)
    imp.add_argument("--no-bytecode", action="store_true", help="As this machine's default.")
    cal = sub.add_parser("calls")
    cal.add_argument("file")
    cal.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    if args.what == "imports":
        imports(args.file, args.runs, not args.no_bytecode, args.top)
    else:
        calls(args.file, args.top)


if __name__ == "__main__":
    main()

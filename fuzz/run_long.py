"""The long robustness run of issue 8, on demand: many more property examples plus a mutation fuzzer.

1. ``tests/test_properties.py`` with ``PROPERTY_EXAMPLES`` examples per property (pytest).
2. A mutation fuzzer: seeds are the hostile corpus, the fixtures and generated valid manifests
   (YAML and JSON); mutations are byte flips, truncation, line deletion and duplication (which
   deletes and duplicates keys), and type swaps of scalars. Each mutant goes through the
   loader, the validator and the whole check in-process; anything but success or
   :class:`~compliance.errors.InputError` is a failure, saved under ``fuzz/crashes/``.
3. A sample of mutants through the real command: exit status in {0, 1, 2}, no traceback,
   done within the time limit.

Usage: ``python fuzz/run_long.py [--examples N] [--mutants N] [--cli N] [--seed S]``.
Exit status 0 when nothing was found, 1 otherwise.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import strategies as S  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402

from compliance.errors import InputError  # noqa: E402
from compliance.run import check  # noqa: E402
from compliance.sources.document import parse_bytes  # noqa: E402
from compliance.validate import validate_document  # noqa: E402

CRASHES = Path(__file__).resolve().parent / "crashes"
SWAPS = [
    b"true",
    b"false",
    b"null",
    b"0",
    b"-1",
    b"1e999",
    b"010",
    b"22:30",
    b"2025-02-30",
    b"[]",
    b"{}",
    b'""',
    b"*a",
    b"&a x",
    b"<<: *a",
    b"!!binary AA==",
    b"\xff",
    b"\xef\xbb\xbf",
    b"---",
    b"? [x]",
    b"'",
]
_SCALAR = re.compile(rb"(?<=: )[^\s{}\[\],]+|(?<=\[)[^\s\],]+")


def seeds(n_generated: int, rnd: random.Random) -> list[tuple[str, bytes]]:
    out = [(p.name, p.read_bytes()) for p in sorted((ROOT / "tests" / "hostile").iterdir()) if p.is_file()]
    out += [(p.name, p.read_bytes()) for p in sorted((ROOT / "fixtures").glob("*.yaml"))]
    examples: list[dict[str, object]] = []

    @settings(max_examples=n_generated, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(S.manifests())
    def collect(data: dict[str, object]) -> None:
        examples.append(data)

    collect()
    for i, data in enumerate(examples):
        if rnd.random() < 0.5:
            out.append((f"gen{i}.yaml", S.as_yaml(data).encode()))
        else:
            out.append((f"gen{i}.json", S.as_json(data).encode()))
    return out


def mutate(raw: bytes, rnd: random.Random) -> bytes:
    """Apply one to three random mutations."""
    for _ in range(rnd.randint(1, 3)):
        kind = rnd.choice(("flip", "truncate", "delete_line", "duplicate_line", "swap", "splice"))
        if not raw:
            return rnd.choice(SWAPS)
        if kind == "flip":
            i = rnd.randrange(len(raw))
            raw = raw[:i] + bytes([raw[i] ^ (1 << rnd.randrange(8))]) + raw[i + 1 :]
        elif kind == "truncate":
            raw = raw[: rnd.randrange(len(raw))]
        elif kind in ("delete_line", "duplicate_line"):
            lines = raw.splitlines(keepends=True)
            i = rnd.randrange(len(lines))
            if kind == "delete_line":
                del lines[i]
            else:
                lines.insert(i, lines[i])
            raw = b"".join(lines)
        elif kind == "swap":
            spots = list(_SCALAR.finditer(raw))
            if spots:
                m = rnd.choice(spots)
                raw = raw[: m.start()] + rnd.choice(SWAPS) + raw[m.end() :]
        else:
            i = rnd.randrange(len(raw))
            raw = raw[:i] + rnd.choice(SWAPS) + raw[i:]
    return raw


def in_process(name: str, raw: bytes, tmp: Path) -> str | None:
    """Load, validate and check one mutant; return a traceback if it failed unexpectedly."""
    try:
        try:
            validate_document(parse_bytes(name, raw, json_syntax=name.endswith(".json")))
        except InputError:
            return None
        path = tmp / name
        path.write_bytes(raw)
        check([str(path)], list(S.packs()), S.AS_OF)
    except Exception:
        return traceback.format_exc()
    return None


def via_cli(name: str, raw: bytes, tmp: Path) -> str | None:
    path = tmp / name
    path.write_bytes(raw)
    exe = Path(sys.executable).parent / "compliance"
    start = time.monotonic()
    try:
        proc = subprocess.run(
            [str(exe), "check", "--format", "json", "--as-of", S.AS_OF.isoformat(), str(path)],
            capture_output=True,
            text=True,
            timeout=20,
        )
    except subprocess.TimeoutExpired:
        return "timed out after 20 s"
    if proc.returncode not in (0, 1, 2) or "Traceback" in proc.stderr:
        return f"exit {proc.returncode} after {time.monotonic() - start:.1f} s\n{proc.stderr}"
    return None


def save(name: str, raw: bytes, why: str) -> None:
    CRASHES.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    (CRASHES / f"{stamp}-{name}").write_bytes(raw)
    (CRASHES / f"{stamp}-{name}.txt").write_text(why, encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=500, help="examples per property (default 500)")
    ap.add_argument("--mutants", type=int, default=20000, help="mutants run in-process (default 20000)")
    ap.add_argument("--cli", type=int, default=200, help="mutants run through the command (default 200)")
    ap.add_argument("--generated", type=int, default=100, help="generated seed manifests (default 100)")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    rnd = random.Random(seed)
    print(f"seed {seed}")

    failures = 0
    if args.examples:
        env = {**os.environ, "PROPERTY_EXAMPLES": str(args.examples)}
        props = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_properties.py"],
            cwd=ROOT,
            env=env,
        )
        print(f"properties: {args.examples} examples each, pytest exit {props.returncode}")
        failures += props.returncode != 0

    corpus = seeds(args.generated, rnd)
    found: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for i in range(args.mutants + args.cli):
            name, raw = rnd.choice(corpus)
            mutant = mutate(raw, rnd)
            why = in_process(name, mutant, tmp) if i < args.mutants else via_cli(name, mutant, tmp)
            if why is None:
                continue
            last = why.strip().splitlines()[-1]
            found[last] = found.get(last, 0) + 1
            if found[last] == 1:
                save(name, mutant, why)
                print(f"FOUND ({name}): {last}")
    print(f"mutants: {args.mutants} in-process, {args.cli} through the command, from {len(corpus)} seeds")
    print(f"distinct failures: {len(found)} ({sum(found.values())} mutants)")
    for last, n in sorted(found.items(), key=lambda kv: -kv[1]):
        print(f"  {n:6d}  {last}")
    return 1 if failures or found else 0


if __name__ == "__main__":
    sys.exit(main())

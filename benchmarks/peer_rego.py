"""Peer comparison (issue 7): three shipped rules written in Rego, run with ``regopy``, against
``compliance check`` on the same generated manifests.

Mirrored rules: EU-GDPR-44-TRANSFER-TOOL, CN-CBDF-8-CONTRACT-OR-CERT and
CN-CBDF-7-VOLUME-ASSESSMENT (``benchmarks/rego/rules.rego``). Two Rego variants:

* ``plain``: the Rego input is the manifest as it is (the parsed JSON as a ``regopy.Input``;
  ``--input term`` hands the file's text to ``set_input_term`` instead); Rego computes the
  systems' countries, the edges (flows and remote access), lineage, transfers and the CN
  totals itself (``rego/edges.rego`` + ``rego/facts.rego`` + ``rego/rules.rego``).
* ``prejoined``: Python first joins every flow and remote access with its systems and their
  countries (an array of edge objects with ``source_country``/``destination_country``, the
  exporter's name compared with the recipient's), and passes those edges plus the datasets, stores and
  organization (``rego/edges_prejoined.rego`` instead of ``rego/edges.rego``). Lineage,
  transfers, totals and the rules stay in Rego. The join is timed as part of the peer.

Both variants get the same reference data as ``data.ref``, read from ``rules/data`` once per
process (the engine caches its reference data the same way): the cloud region -> country
table (``cloud-regions.csv``), the members of ``cn-mainland`` and ``eea`` and the adequacy
decisions (country -> scope) in force on the as-of date (``jurisdictions.yaml``), the
``pipl_sensitive`` category keys (``categories.yaml``), the 2024 CN regime change and the
SCC dates. No fact the engine computes from the manifest is handed to Rego.

Compliance side: ``compliance.run.check`` on the same file with the ``cn`` and ``eu`` packs
(all their rules, not only the three) and the JSON formatter, in-process, as
``compliance check --format json --as-of 2026-11-29 --pack cn --pack eu FILE`` runs them.
Findings are compared as (rule id, target kind, target id, outcome) with the outcome before
waivers (``original_outcome`` for a waived finding), since Rego does not model waivers.

    python benchmarks/peer_rego.py                          # N = 10, 1,000, 10,000; 5 runs
    python benchmarks/peer_rego.py --sizes 100000 --runs 1  # minutes per Rego run
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gc
import io
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
REF = ROOT / "rules" / "data"
REGO = HERE / "rego"
AS_OF = "2026-11-29"
PACKS = ("cn", "eu")
RULES = ("EU-GDPR-44-TRANSFER-TOOL", "CN-CBDF-8-CONTRACT-OR-CERT", "CN-CBDF-7-VOLUME-ASSESSMENT")
MODULES = {
    "plain": ("edges.rego", "facts.rego", "rules.rego"),
    "prejoined": ("edges_prejoined.rego", "facts.rego", "rules.rego"),
}
BUDGET_PEERS = 10.0  # compliance >= 10x faster than the pre-joined Rego at 10,000 flows

Finding = tuple[str, str, str, str]


# --- reference data (plain data from rules/data, read once) ------------------------------------


def reference(as_of: str) -> dict[str, Any]:
    """The reference data handed to Rego as ``data.ref`` (see module docstring)."""
    with (REF / "cloud-regions.csv").open(encoding="utf-8") as fh:
        regions = {
            f"{r['provider']}:{r['region_code']}": r["country"].strip()
            for r in csv.DictReader(fh)
            if r["country"].strip()
        }
    jur = yaml.safe_load((REF / "jurisdictions.yaml").read_text(encoding="utf-8"))

    def on(entry: dict[str, Any], start: str, end: str) -> bool:
        lo, hi = entry.get(start), entry.get(end)
        return (lo is None or str(lo) <= as_of) and (hi is None or as_of <= str(hi))

    def members(group: str) -> list[str]:
        return sorted({m["code"] for m in jur["groups"][group]["members"] if on(m, "from", "until")})

    adequacy = {
        a["destination"]: a["scope"]
        for a in jur["adequacy"]
        if a.get("destination") and on(a, "from", "until")
    }
    cats = yaml.safe_load((REF / "categories.yaml").read_text(encoding="utf-8"))
    scc = jur["legacy_scc"]
    return {
        "as_of": as_of,
        "regions": regions,
        "cn_mainland": members("cn-mainland"),
        "eea": members("eea"),
        "adequacy": adequacy,
        "pipl_sensitive": sorted(cats["classes"]["pipl_sensitive"]["keys"]),
        "cn_regime_change": str(jur["cn_regime_change"]["date"]),
        "scc": {
            k: str(scc[k])
            for k in ("repealed", "transition_end", "new_clauses_adopted", "new_clauses_in_force")
        },
    }


# --- the Rego peer ---------------------------------------------------------------------------


def prejoin(text: str, regions: dict[str, str]) -> dict[str, Any]:
    """The ``prejoined`` variant's input: edges with their countries, joined in Python."""
    m = json.loads(text)

    def country(loc: str) -> str:
        return regions[loc] if ":" in loc else loc

    systems = {s["id"]: s for s in m["systems"]}
    where = {sid: country(s["location"]) for sid, s in systems.items()}
    edges: list[dict[str, Any]] = []
    for f in m["flows"]:
        src = systems[f["from"]]
        edges.append(
            {
                "kind": "flow",
                "target": ["flow", f["id"]],
                "source": f["from"],
                "to": f["to"],
                "source_country": where[f["from"]],
                "destination_country": where[f["to"]],
                "datasets": f["datasets"],
                "mechanisms": f["mechanisms"],
                "exemption": f.get("exemption"),
                "same_entity": " ".join(src["operator"]["name"].split())
                == " ".join(f["recipient"]["name"].split()),
                "recipient": f["recipient"],
                "individuals": f.get("individuals"),
                "started_on": f["started_on"],
            }
        )
    stores: dict[str, list[str]] = {}
    for s in m["systems"]:
        for d in s["stores"]:
            stores.setdefault(d, []).append(s["id"])
        for raw in s.get("access_from") or []:
            a = {"location": raw} if isinstance(raw, str) else raw
            edges.append(
                {
                    "kind": "remote_access",
                    "target": ["system", s["id"]],
                    "source": s["id"],
                    "source_country": where[s["id"]],
                    "destination_country": country(a["location"]),
                    "datasets": None,
                    "mechanisms": a.get("mechanisms", []),
                    "exemption": a.get("exemption"),
                    "same_entity": a.get("by", "other_entity") == "same_entity",
                    "recipient": None,
                    "access_dpf": a.get("dpf_certified"),
                    "access_scope": a.get("adequacy_scope"),
                    "individuals": None,
                    "started_on": None,
                }
            )
    return {
        "organization": m["organization"],
        "datasets": {d["id"]: d for d in m["datasets"]},
        "system_country": where,
        "stores": stores,
        "edges": edges,
    }


def rego_findings(
    path: Path, variant: str, ref: dict[str, Any], ref_json: str, how: str = "value"
) -> set[Finding]:
    """Evaluate the Rego rules on ``path`` (fresh interpreter); return the findings.

    ``how``: hand the input over as a ``regopy.Input`` built from the parsed JSON (``value``,
    the default) or as JSON text (``term``, ``set_input_term``, parsed by rego-cpp: at 10,000
    flows 4.3 s CPU for the pre-joined input against 1.8 s, and slower on each repeat in one
    process, 7-8 s by the third)."""
    from regopy import Input, Interpreter

    text = path.read_text(encoding="utf-8")
    rego = Interpreter()
    for name in MODULES[variant]:
        rego.add_module(name, (REGO / name).read_text(encoding="utf-8"))
    rego.add_data_json(ref_json)
    if variant == "plain":
        doc = json.loads(text) if how == "value" else text
    else:
        joined = prejoin(text, ref["regions"])
        doc = joined if how == "value" else json.dumps(joined)
    if how == "value":
        rego.set_input(Input(doc))
    else:
        rego.set_input_term(doc)
    out = json.loads(query(rego, "x := data.compliance.rules.findings", path.name))
    return {tuple(f) for f in out["bindings"]["x"]}  # type: ignore[misc]


class RegoFailed(RuntimeError):
    """regopy returned errors instead of a result."""


def query(rego: Any, q: str, name: str) -> str:
    """``rego.query(q)`` as JSON text, or RegoFailed with the messages and codes of the
    errors regopy returns. Through regopy's C bindings: ``Interpreter.query`` parses a
    successful output as JSON (an error tree in it raises JSONDecodeError) and, on a failed
    one, ``str()`` is only ``<error>``; the errors are in the output's node tree (ErrorSeq ->
    Error -> ErrorMessage, ErrorAst, ErrorCode)."""
    from regopy.rego_shared import (
        NodeKind,
        rego_free_output,
        rego_node_get,
        rego_node_size,
        rego_node_type,
        rego_node_value,
        rego_output_node,
        rego_output_ok,
        rego_output_string,
        rego_query,
    )

    def errors(node: Any) -> list[str]:
        kind = rego_node_type(node)
        if kind in (NodeKind.ErrorMessage, NodeKind.ErrorCode):
            return [rego_node_value(node)]
        if kind not in (NodeKind.ErrorSeq, NodeKind.Error):
            return []
        return [x for i in range(rego_node_size(node)) for x in errors(rego_node_get(node, i))]

    impl = rego_query(rego._impl, q)
    try:
        ok, text = rego_output_ok(impl), rego_output_string(impl)
        if ok and text.startswith("{") and '"bindings"' in text:
            return text
        found = errors(rego_output_node(impl))
    finally:
        rego_free_output(impl)
    detail = "; ".join(found) if found else repr(text[:2000])
    raise RegoFailed(f"Rego evaluation failed on {name} (ok={ok}): {detail}")


# --- the compliance side ---------------------------------------------------------------------


def compliance_findings(path: Path) -> set[Finding]:
    """``compliance check --format json --as-of AS_OF --pack cn --pack eu`` in-process; the
    three rules' findings, outcome before waivers."""
    from compliance.formats import RenderOptions, render
    from compliance.run import check, shipped_packs

    packs = shipped_packs(list(PACKS), ())
    report = check([str(path)], packs, dt.date.fromisoformat(AS_OF))
    doc = json.loads(render("json", report, RenderOptions(fail_on="low")))
    if doc.get("errors"):
        raise RuntimeError(f"compliance reported errors on {path.name}: {doc['errors']}")
    return {
        (
            f["rule_id"],
            f["target"]["kind"],
            f["target"]["id"],
            f.get("original_outcome") or f["outcome"],
        )
        for f in doc["findings"]
        if f["rule_id"] in RULES
    }


# --- timing ----------------------------------------------------------------------------------


def timed(
    fn: Callable[[], set[Finding]], runs: int, label: str, warm: bool = True
) -> tuple[dict[str, float], set[Finding]]:
    """Median wall and CPU seconds of ``runs`` calls (one untimed warm-up first, if ``warm``)."""
    result = fn() if warm else None
    walls, cpus = [], []
    for i in range(runs):
        gc.collect()
        c0, w0 = time.process_time(), time.perf_counter()
        again = fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
        if result is None:
            result = again
        elif again != result:
            raise RuntimeError(f"{label}: run {i + 1} gave different findings")
        print(
            f"  {label} run {i + 1}: {walls[-1]:.3f} s wall, {cpus[-1]:.3f} s CPU",
            file=sys.stderr,
            flush=True,
        )
    return {"wall": statistics.median(walls), "cpu": statistics.median(cpus), "walls": walls}, result


def compare(ours: set[Finding], peer: set[Finding]) -> dict[str, Any]:
    """Per rule and outcome: counts on both sides and the findings only one side has."""
    out: dict[str, Any] = {"only_compliance": sorted(ours - peer), "only_rego": sorted(peer - ours)}
    counts: dict[str, dict[str, int]] = {}
    for side, found in (("compliance", ours), ("rego", peer)):
        for rule, _, _, outcome in found:
            key = f"{rule} {outcome}"
            counts.setdefault(key, {"compliance": 0, "rego": 0})[side] += 1
    out["counts"] = dict(sorted(counts.items()))
    return out


def _s(x: float) -> str:
    return f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 1_000, 10_000])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per size (after a warm-up)")
    parser.add_argument(
        "--runs-large", type=int, default=None, help="timed runs from 10,000 flows on (default: --runs)"
    )
    parser.add_argument("--variants", nargs="+", choices=tuple(MODULES), default=list(MODULES))
    parser.add_argument(
        "--input",
        choices=("value", "term"),
        default="value",
        help="Rego input as regopy.Input of the parsed JSON (default) or as JSON text (set_input_term)",
    )
    parser.add_argument("--json", type=Path, help="Also write the raw results here.")
    args = parser.parse_args()

    ref = reference(AS_OF)
    ref_json = json.dumps({"ref": ref})
    import regopy

    print(
        f"# Rego peer (regopy {regopy.__version__}) vs compliance, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start\n"
    )
    results: dict[int, Any] = {}
    for n in args.sizes:
        path = DATA / f"flows-{n}.json"
        runs = args.runs_large if n >= 10_000 and args.runs_large else args.runs
        print(f"flows-{n}.json: {runs} timed runs per side", file=sys.stderr, flush=True)
        ours_t, ours = timed(lambda p=path: compliance_findings(p), runs, f"compliance {n}")
        res: dict[str, Any] = {"runs": runs, "compliance": ours_t, "variants": {}}
        for v in args.variants:
            # Rego keeps nothing between runs (fresh interpreter): no warm-up from 10,000 flows
            try:
                t, peer = timed(
                    lambda p=path, v=v: rego_findings(p, v, ref, ref_json, args.input),
                    runs,
                    f"rego {v} {n}",
                    n < 10_000,
                )
            except RegoFailed as exc:  # e.g. regopy's statement limit (plain, 10,000 flows)
                print(f"  rego {v} {n}: {exc}", file=sys.stderr, flush=True)
                res["variants"][v] = {"error": str(exc)}
                continue
            res["variants"][v] = {
                **t,
                "ratio": t["wall"] / ours_t["wall"],
                "cpu_ratio": t["cpu"] / ours_t["cpu"],
            }
            res["variants"][v]["compare"] = compare(ours, peer)
        results[n] = res

    buf = io.StringIO()
    row = lambda *c: print("| " + " | ".join(str(x) for x in c) + " |", file=buf)  # noqa: E731
    row(
        "flows",
        "runs",
        "compliance (wall / CPU)",
        *(f"Rego {v} (wall / CPU)" for v in args.variants),
        *(f"ratio {v} wall (CPU)" for v in args.variants),
        "findings (3 rules)",
        "same?",
    )
    row(*["---"] * (5 + 2 * len(args.variants)))
    for n, res in results.items():
        c = res["compliance"]
        vs = res["variants"]
        ok = [r for r in vs.values() if "error" not in r]
        same = all(not r["compare"]["only_compliance"] and not r["compare"]["only_rego"] for r in ok)
        total = sum(x["compliance"] for x in ok[0]["compare"]["counts"].values()) if ok else 0
        row(
            f"{n:,}",
            res["runs"],
            f"{_s(c['wall'])} / {_s(c['cpu'])}",
            *("fails" if "error" in r else f"{_s(r['wall'])} / {_s(r['cpu'])}" for r in vs.values()),
            *("-" if "error" in r else f"{r['ratio']:.1f}x ({r['cpu_ratio']:.1f}x)" for r in vs.values()),
            f"{total:,}" if ok else "-",
            ("yes" if same else "**no**") if ok else "-",
        )
    print(buf.getvalue())
    for n, res in results.items():
        for v, r in res["variants"].items():
            if "error" in r:
                print(f"- {n:,} flows, {v}: {r['error'][:300]}")
                continue
            cmp = r["compare"]
            counts = ", ".join(f"{k}: {x['compliance']}/{x['rego']}" for k, x in cmp["counts"].items())
            print(f"- {n:,} flows, {v}: (compliance/Rego) {counts}")
            for side in ("only_compliance", "only_rego"):
                for f in cmp[side][:20]:
                    print(f"  - {side.replace('_', ' ')}: {' '.join(f)}")
                if len(cmp[side]) > 20:
                    print(f"  - ... {len(cmp[side]) - 20} more {side.replace('_', ' ')}")
    if "ratio" in results.get(10_000, {}).get("variants", {}).get("prejoined", {}):
        r = results[10_000]["variants"]["prejoined"]["ratio"]
        verdict = "met" if r >= BUDGET_PEERS else "**NOT met**"
        goal = f"compliance >= {BUDGET_PEERS:.0f}x faster than pre-joined Rego at 10,000"
        print(f"\nPeers budget ({goal}): {r:.1f}x, {verdict}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""Generate seeded, valid v1 manifests of N flows (YAML and JSON) for the benchmarks.

Shape per issue 7: systems ~ N/10 over >= 30 locations (country codes and cloud regions whose
country the region table knows: CN, HK, EEA, US, JP, IN, ...), datasets ~ N/20 with fideslang
categories (sensitive ones included), mixed mechanisms, onward chains, cycles and some remote
access. The same seed and N always give the same bytes.

    python benchmarks/generate.py                    # N = 10, 1000, 10000, 100000
    python benchmarks/generate.py --sizes 10 1000 --out benchmarks/data --seed 7
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "rules" / "data"
DEFAULT_OUT = Path(__file__).resolve().parent / "data"
DEFAULT_SIZES = (10, 1_000, 10_000, 100_000)
ORG = "Example Travel Ltd"

#: Plain country codes among the locations (EEA, mainland China, HK, US, JP, IN and others).
COUNTRIES = ("CN", "HK", "DE", "FR", "IE", "NL", "US", "JP", "IN", "SG", "GB", "CH", "KR", "BR", "CA", "AU")
#: Cloud regions, kept only when the region table gives them a country.
REGIONS = (
    "alicloud:cn-hangzhou",
    "alicloud:cn-shanghai",
    "alicloud:cn-beijing",
    "alicloud:cn-hongkong",
    "alicloud:ap-southeast-1",
    "aws:eu-central-1",
    "aws:eu-west-1",
    "aws:us-east-1",
    "aws:us-west-2",
    "aws:ap-northeast-1",
    "aws:ap-south-1",
    "aws:ap-east-1",
    "aws:ap-southeast-1",
    "azure:chinanorth3",
    "azure:westeurope",
    "azure:eastus",
    "azure:japaneast",
    "gcp:asia-east2",
    "gcp:europe-west3",
    "gcp:us-central1",
    "gcp:asia-south1",
    "tencentcloud:ap-guangzhou",
    "huaweicloud:cn-north-4",
)
#: Categories PIPL Art. 28 or GDPR Art. 9/10 treat as sensitive (fideslang keys).
SENSITIVE = (
    "user.health_and_medical",
    "user.biometric",
    "user.financial",
    "user.location.precise",
    "user.childrens",
    "user.demographic.religious_belief",
    "user.criminal_history",
)
VENDORS = ("Desk Inc", "Cloud Analytics LLC", "Tokyo Partners KK", "Mumbai Data Pvt", "Berlin Ops GmbH")
EXEMPTIONS = ("contract", "hr", "emergency", "transit")


def known_regions() -> list[str]:
    """Return the regions of :data:`REGIONS` that the region table maps to a country."""
    with (DATA / "cloud-regions.csv").open(encoding="utf-8") as fh:
        known = {f"{r['provider']}:{r['region_code']}" for r in csv.DictReader(fh) if r["country"].strip()}
    return [r for r in REGIONS if r in known]


def taxonomy() -> tuple[list[str], list[str]]:
    """Return the active fideslang data categories and data uses (the shipped snapshot)."""
    doc = json.loads((DATA / "fideslang-taxonomy.json").read_text(encoding="utf-8"))

    def active(section: str) -> list[str]:
        return sorted(
            k for k, v in doc[section].items() if v.get("active", True) and not v.get("replaced_by")
        )

    return active("data_categories"), active("data_uses")


def _day(rng: random.Random, start: dt.date, span: int) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(span))


def _mechanisms(rng: random.Random) -> list[dict[str, Any]]:
    """A mix of CN and EU mechanisms, dated in a valid order (some unfiled, some expired)."""
    out: list[dict[str, Any]] = []
    base = _day(rng, dt.date(2021, 1, 1), 1800)
    roll = rng.random()
    if roll < 0.15:
        return out
    if rng.random() < 0.4:
        contract: dict[str, Any] = {"type": "cn-standard-contract", "signed_on": base.isoformat()}
        if rng.random() < 0.8:
            contract["filed_on"] = (base + dt.timedelta(days=rng.randrange(60))).isoformat()
        out.append(contract)
    if rng.random() < 0.1:
        out.append({"type": "cac-security-assessment", "approved_on": base.isoformat()})
    if rng.random() < 0.05:
        end = base + dt.timedelta(days=365 * 3)
        out.append(
            {
                "type": "pi-protection-certification",
                "certified_on": base.isoformat(),
                "expires_on": end.isoformat(),
            }
        )
    if rng.random() < 0.4:
        out.append({"type": "pipia", "completed_on": (base - dt.timedelta(days=30)).isoformat()})
    if rng.random() < 0.3:
        out.append({"type": "separate-consent"})
    if rng.random() < 0.45:
        out.append({"type": "scc-2021", "signed_on": base.isoformat(), "module": rng.choice((1, 2, 3, 4))})
    elif rng.random() < 0.1:
        out.append({"type": "scc-2010", "signed_on": "2019-06-01"})
    if rng.random() < 0.3:
        out.append({"type": "tia", "completed_on": base.isoformat()})
    if rng.random() < 0.05:
        out.append(
            {
                "type": rng.choice(("bcr", "code-of-conduct", "certification", "ad-hoc-clauses")),
                "approved_on": base.isoformat(),
            }
        )
    if rng.random() < 0.05:
        out.append(
            {"type": "derogation", "ground": rng.choice(("explicit-consent", "contract", "legal-claims"))}
        )
    return out


def manifest(n_flows: int, seed: int = 0, *, org: str = ORG, key: str = "") -> dict[str, Any]:
    """Return a valid v1 manifest (as plain data) with ``n_flows`` flows of organization ``org``;
    ``key`` varies the random draws between manifests of the same size."""
    rng = random.Random(f"{seed}:{n_flows}:{key}" if key else f"{seed}:{n_flows}")
    categories, uses = taxonomy()
    plain = [c for c in categories if c.startswith("user.") and not c.startswith(SENSITIVE)]
    system_cats = [c for c in categories if c.startswith("system")]
    locations = list(COUNTRIES) + known_regions()
    n_datasets = max(2, n_flows // 20)
    n_systems = max(3, n_flows // 10)

    datasets = []
    for i in range(n_datasets):
        cats = rng.sample(plain, rng.randint(1, 3))
        if rng.random() < 0.25:
            cats.append(rng.choice(SENSITIVE))
        if rng.random() < 0.05:
            cats.append(rng.choice(system_cats))
        subjects = [
            {"residency": r, "count": rng.choice((50, 800, 4_000, 20_000, 150_000, 1_200_000))}
            for r in rng.sample(("CN", "DE", "FR", "US", "JP", "IN", "HK", "SG"), rng.randint(1, 2))
        ]
        ds: dict[str, Any] = {
            "id": f"ds-{i}",
            "categories": cats,
            "subjects": subjects,
            "important_data": rng.random() < 0.02,
            "core_data": False,
        }
        if rng.random() < 0.1:
            ds["collected_in"] = [rng.choice(("CN", "DE", "US"))]
        datasets.append(ds)

    systems = []
    for i in range(n_systems):
        own = rng.random() < 0.6
        sysd: dict[str, Any] = {
            "id": f"sys-{i}",
            "location": locations[i % len(locations)] if i < len(locations) else rng.choice(locations),
            "operator": {"name": org, "role": "controller"}
            if own
            else {"name": rng.choice(VENDORS), "role": "processor"},
            "stores": [f"ds-{rng.randrange(n_datasets)}" for _ in range(rng.choice((0, 1, 1, 2)))],
        }
        sysd["stores"] = list(dict.fromkeys(sysd["stores"]))
        if rng.random() < 0.05:
            access: list[Any] = [rng.choice(("SG", "US", "aws:eu-central-1"))]
            if rng.random() < 0.5:
                access.append(
                    {
                        "location": rng.choice(("JP", "IN", "DE")),
                        "by": "same_entity",
                        "mechanisms": _mechanisms(rng),
                    }
                )
            sysd["access_from"] = access
        systems.append(sysd)

    by_id = {d["id"]: d for d in datasets}
    flows = []
    prev_to = 0
    for i in range(n_flows):
        roll = rng.random()
        # onward chain: the previous flow's destination sends on
        src = prev_to if roll < 0.3 and i else rng.randrange(n_systems)
        if roll > 0.95 and i:
            dst = flows[rng.randrange(len(flows))]["from"]  # back to an earlier sender: cycles
            dst = int(dst.split("-")[1])
        else:
            dst = rng.randrange(n_systems)
        if dst == src:
            dst = (src + 1) % n_systems
        prev_to = dst
        to_sys = systems[dst]
        flow: dict[str, Any] = {
            "id": f"flow-{i}",
            "from": f"sys-{src}",
            "to": f"sys-{dst}",
            "datasets": list(
                dict.fromkeys(f"ds-{rng.randrange(n_datasets)}" for _ in range(rng.choice((1, 1, 2))))
            ),
            "purpose": rng.choice(uses),
            "started_on": _day(rng, dt.date(2020, 1, 1), 2600).isoformat(),
        }
        if rng.random() < 0.2:
            # individuals narrows a flow: never above the subjects of the datasets it carries
            carried = sum(s["count"] for d in flow["datasets"] for s in by_id[d]["subjects"])
            flow["individuals"] = min(rng.choice((10, 5_000, 90_000, 400_000)), carried)
        if rng.random() < 0.05:
            flow["exemption"] = rng.choice(EXEMPTIONS)
        flow["recipient"] = {
            "name": to_sys["operator"]["name"],
            "role": to_sys["operator"]["role"],
            "dpf_certified": rng.random() < 0.2,
        }
        flow["mechanisms"] = _mechanisms(rng)
        flows.append(flow)

    return {
        "manifest_version": 1,
        "organization": {
            "name": org,
            "established_in": ["CN", "DE"],
            "targets": ["CN", "EU", "JP"],
            "ciio": False,
            "state_organ": False,
            "representatives": [{"jurisdiction": "EU", "name": "Rep GmbH"}],
        },
        "datasets": datasets,
        "systems": systems,
        "flows": flows,
        "waivers": [
            {
                "rule": "EU-GDPR-44-TRANSFER-TOOL",
                "target": "flows/flow-0",
                "reason": "Benchmark waiver",
                "approved_by": "dpo@example.com",
                "expires_on": "2027-06-30",
            }
        ],
    }


def write(n_flows: int, out: Path, seed: int = 0) -> list[Path]:
    """Write ``flows-N.json`` and ``flows-N.yaml`` under ``out``; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    data = manifest(n_flows, seed)
    json_path = out / f"flows-{n_flows}.json"
    json_path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    yaml_path = out / f"flows-{n_flows}.yaml"
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    yaml_path.write_text(yaml.dump(data, Dumper=dumper, sort_keys=False, width=120), encoding="utf-8")
    return [json_path, yaml_path]


def write_many(count: int, out: Path, seed: int = 0) -> Path:
    """Write ``count`` small manifests (YAML, every tenth JSON) into ``out/many-<count>/``; return
    the folder.

    Each has 5 to 40 flows; the organizations are drawn from ``count // 4`` names, so most of them
    span several files whose CN volume totals add up.
    """
    rng = random.Random(f"{seed}:many:{count}")
    folder = out / f"many-{count}"
    if folder.exists():
        for old in folder.iterdir():
            old.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    for i in range(count):
        org = f"Org {rng.randrange(max(1, count // 4)):04d} Ltd"
        data = manifest(rng.choice((5, 10, 10, 20, 40)), seed, org=org, key=str(i))
        if i % 10 == 9:
            (folder / f"m{i:04d}.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        else:
            text = yaml.dump(data, Dumper=dumper, sort_keys=False, width=120)
            (folder / f"m{i:04d}.yaml").write_text(text, encoding="utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--many", type=int, metavar="COUNT", help="Write COUNT small manifests into one folder instead."
    )
    args = parser.parse_args()
    if args.many:
        folder = write_many(args.many, args.out, args.seed)
        print(f"{folder}  {args.many} manifests")
        return
    for n in args.sizes:
        for p in write(n, args.out, args.seed):
            print(f"{p}  {p.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()

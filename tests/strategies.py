"""Hypothesis strategies for VALID v1 manifests, and the helpers that run them through the pipeline.

A manifest is generated as plain data (the dict a YAML or JSON file parses to): a random graph
of systems in CN, HK, the EEA, the US, JP and IN (country codes and cloud regions), flows
between them (cycles included), datasets with real fideslang categories and
subject counts, and mechanisms whose dates are consistent with each other and with
:data:`AS_OF`. Ids are ``ds0``, ``sys1``, ``flow2``... so properties can rename them.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import tempfile
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from compliance.findings import Report
from compliance.formats import RenderOptions, render
from compliance.paths import data_dir
from compliance.policy.rules import Pack
from compliance.run import check, shipped_packs
from compliance.taxonomy import Taxonomy

#: The fixed "today" of every property (the 2024 CBDF regime, after the CSL amendment).
AS_OF = dt.date(2026, 6, 1)

#: Locations per jurisdiction: country codes and provider regions the region table knows.
LOCATIONS: dict[str, tuple[str, ...]] = {
    "CN": ("CN", "alicloud:cn-hangzhou", "alicloud:cn-beijing", "azure:chinanorth3"),
    "HK": ("HK", "aws:ap-east-1", "gcp:asia-east2"),
    "EEA": ("DE", "FR", "NO", "aws:eu-central-1", "aws:eu-north-1", "azure:germanywestcentral"),
    "US": ("US", "aws:us-east-1"),
    "JP": ("JP", "aws:ap-northeast-1"),
    "IN": ("IN", "aws:ap-south-1"),
}
COUNTRIES = ("CN", "HK", "DE", "FR", "NO", "US", "JP", "IN")
ROLES = ("controller", "processor", "joint_controller")
ENTITIES = ("Acme Holdings", "Acme Europe GmbH", "Vendor Inc", "Cloud Ops Ltd")

#: Mechanism types that put something in force; ``separate-consent`` and ``derogation`` are
#: declarations, ``scc-2010`` is no longer valid on :data:`AS_OF`.
IN_FORCE_TYPES = (
    "cac-security-assessment",
    "cn-standard-contract",
    "pi-protection-certification",
    "pipia",
    "scc-2021",
    "bcr",
    "code-of-conduct",
    "certification",
    "ad-hoc-clauses",
    "tia",
)
ALL_TYPES = (*IN_FORCE_TYPES, "separate-consent", "scc-2010", "derogation")
#: In-force mechanisms that bring no requirement of their own (unlike EU Art. 46 tools, which
#: call for a TIA and the right SCC module).
CN_TOOLS = ("cac-security-assessment", "cn-standard-contract", "pi-protection-certification", "pipia", "tia")
THRESHOLD_RULES = ("CN-CBDF-7-VOLUME-ASSESSMENT", "CN-CBDF-8-CONTRACT-OR-CERT")


@cache
def categories() -> tuple[str, ...]:
    """Active fideslang data categories (personal ``user.*`` and non-personal ``system.*``)."""
    raw = json.loads((data_dir() / "fideslang-taxonomy.json").read_text(encoding="utf-8"))
    tax = Taxonomy.default()
    return tuple(sorted(k for k in raw["data_categories"] if tax.is_active(k)))


@cache
def purposes() -> tuple[str, ...]:
    """Active fideslang data uses."""
    raw = json.loads((data_dir() / "fideslang-taxonomy.json").read_text(encoding="utf-8"))
    tax = Taxonomy.default()
    return tuple(sorted(k for k in raw["data_uses"] if tax.is_active(k)))


def _day(offset: int) -> str:
    return (AS_OF + dt.timedelta(days=offset)).isoformat()


@st.composite
def mechanisms(draw: st.DrawFn, kind: str | None = None, *, in_force: bool = False) -> dict[str, Any]:
    """One mechanism of ``kind`` (random if ``None``) with consistent dates.

    With ``in_force=True`` the mechanism is complete and dated in the past (a filed contract,
    an unexpired certification), so it is in force on :data:`AS_OF`.
    """
    kind = kind or draw(st.sampled_from(IN_FORCE_TYPES if in_force else ALL_TYPES))
    lo = -900
    hi = -1 if in_force else 200
    first = draw(st.integers(lo, hi))
    if kind == "cac-security-assessment":
        out: dict[str, Any] = {"type": kind, "approved_on": _day(first)}
        if in_force or draw(st.booleans()):
            out["expires_on"] = _day(max(first, 0) + draw(st.integers(1, 900)))
        return out
    if kind == "cn-standard-contract":
        out = {"type": kind, "signed_on": _day(first)}
        if in_force or draw(st.booleans()):
            out["filed_on"] = _day(min(first + draw(st.integers(0, 30)), -1 if in_force else 400))
            if out["filed_on"] < out["signed_on"]:
                out["filed_on"] = out["signed_on"]
        return out
    if kind == "pi-protection-certification":
        expires = max(first, 0) + draw(st.integers(1, 900))
        return {"type": kind, "certified_on": _day(first), "expires_on": _day(expires)}
    if kind in ("pipia", "tia"):
        return {"type": kind, "completed_on": _day(first)}
    if kind == "separate-consent":
        return {"type": kind}
    if kind == "scc-2021":
        return {"type": kind, "signed_on": _day(first), "module": draw(st.integers(1, 4))}
    if kind == "scc-2010":
        return {"type": kind, "signed_on": _day(first)}
    if kind == "derogation":
        grounds = ("explicit-consent", "contract", "public-interest", "legal-claims", "vital-interests")
        return {"type": kind, "ground": draw(st.sampled_from(grounds))}
    return {"type": kind, "approved_on": _day(first)}


@st.composite
def manifests(draw: st.DrawFn, *, max_systems: int = 5, max_flows: int = 6) -> dict[str, Any]:
    """A valid v1 manifest as plain data."""
    n_datasets = draw(st.integers(1, 3))
    n_systems = draw(st.integers(2, max_systems))
    n_flows = draw(st.integers(1, max_flows))
    org_name = ENTITIES[0]
    organization: dict[str, Any] = {
        "name": org_name,
        "established_in": draw(
            st.lists(st.sampled_from(("CN", "DE", "US", "HK")), min_size=1, max_size=2, unique=True)
        ),
        "ciio": draw(st.booleans()),
        "state_organ": draw(st.sampled_from((False, False, True))),
    }
    if draw(st.booleans()):
        organization["targets"] = draw(st.lists(st.sampled_from(("CN", "EU", "US")), max_size=2, unique=True))
    if draw(st.booleans()):
        organization["representatives"] = [
            {"jurisdiction": draw(st.sampled_from(("EU", "CN"))), "name": "Rep Ltd"}
        ]
    datasets = []
    for i in range(n_datasets):
        ds: dict[str, Any] = {
            "id": f"ds{i}",
            "categories": draw(st.lists(st.sampled_from(categories()), min_size=1, max_size=3, unique=True)),
            "subjects": [
                {
                    "residency": r,
                    "count": draw(
                        st.sampled_from((0, 1, 9_999, 10_000, 99_999, 100_000, 999_999, 1_000_000))
                        | st.integers(0, 2_000_000)
                    ),
                }
                for r in draw(st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=2, unique=True))
            ],
            "important_data": draw(st.sampled_from((False, False, False, True))),
            "core_data": draw(st.sampled_from((False, False, False, False, True))),
        }
        if draw(st.booleans()):
            ds["collected_in"] = draw(
                st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=2, unique=True)
            )
        datasets.append(ds)
    systems = []
    for i in range(n_systems):
        where = draw(st.sampled_from(sorted(LOCATIONS)))
        sy: dict[str, Any] = {
            "id": f"sys{i}",
            "location": draw(st.sampled_from(LOCATIONS[where])),
            "operator": {"name": draw(st.sampled_from(ENTITIES)), "role": draw(st.sampled_from(ROLES))},
            "stores": draw(st.lists(st.sampled_from([d["id"] for d in datasets]), max_size=2, unique=True)),
        }
        if draw(st.integers(0, 4)) == 0:
            sy["access_from"] = [
                {
                    "location": draw(st.sampled_from(LOCATIONS[draw(st.sampled_from(sorted(LOCATIONS)))])),
                    "by": draw(st.sampled_from(("same_entity", "other_entity"))),
                    "mechanisms": draw(st.lists(mechanisms(), max_size=2)),
                }
            ]
        systems.append(sy)
    flows = []
    for i in range(n_flows):
        src = draw(st.integers(0, n_systems - 1))
        dst = (src + draw(st.integers(1, n_systems - 1))) % n_systems  # a self-loop is invalid
        fl: dict[str, Any] = {
            "id": f"flow{i}",
            "from": f"sys{src}",
            "to": f"sys{dst}",
            "datasets": draw(
                st.lists(st.sampled_from([d["id"] for d in datasets]), min_size=1, max_size=2, unique=True)
            ),
            "purpose": draw(st.sampled_from(purposes())),
            "started_on": _day(draw(st.integers(-1500, 120))),
            "recipient": {
                "name": draw(st.sampled_from(ENTITIES)),
                "role": draw(st.sampled_from(ROLES)),
                "dpf_certified": draw(st.booleans()),
            },
            "mechanisms": draw(st.lists(mechanisms(), max_size=3)),
        }
        if draw(st.integers(0, 3)) == 0:
            carried = sum(s["count"] for d in datasets if d["id"] in fl["datasets"] for s in d["subjects"])
            fl["individuals"] = draw(st.integers(0, carried))  # narrows, never widens
        if draw(st.integers(0, 5)) == 0:
            fl["exemption"] = draw(
                st.sampled_from(("contract", "hr", "emergency", "transit", "ftz-negative-list"))
            )
        flows.append(fl)
    return {
        "manifest_version": 1,
        "organization": organization,
        "datasets": datasets,
        "systems": systems,
        "flows": flows,
    }


# --- serialising and checking ---------------------------------------------------------------


def as_yaml(data: Mapping[str, Any]) -> str:
    """Block-style YAML (strings that YAML 1.1 would type, like dates and ``NO``, get quoted)."""
    return yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True)


def as_json(data: Mapping[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


@cache
def packs() -> tuple[Pack, ...]:
    """All shipped packs, loaded once per test session."""
    return tuple(shipped_packs(None, ()))


def check_texts(files: Sequence[tuple[str, str]], as_of: dt.date = AS_OF) -> Report:
    """Write ``(name, text)`` files into a fresh folder and check them together."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for name, text in files:
            path = Path(tmp) / name
            path.write_text(text, encoding="utf-8")
            paths.append(str(path))
        report = check(paths, list(packs()), as_of)
        # Relative names, so reports from different folders compare equal.
        return _relabel(report, {p: Path(p).name for p in paths})


def check_data(data: Mapping[str, Any], name: str = "m.yaml") -> Report:
    """Check one manifest given as data (YAML unless ``name`` ends in ``.json``)."""
    text = as_json(data) if name.endswith(".json") else as_yaml(data)
    return check_texts([(name, text)])


def _relabel(report: Report, names: Mapping[str, str]) -> Report:

    report.files = [names.get(f, f) for f in report.files]
    report.findings = [f._replace(file=names.get(f.file, f.file)) for f in report.findings]
    report.errors = [p._replace(file=names.get(p.file, p.file)) for p in report.errors]
    report.unused_waivers = [w._replace(file=names.get(w.file, w.file)) for w in report.unused_waivers]
    return report


def as_json_report(report: Report) -> str:
    return render("json", report, RenderOptions())


def render_text(report: Report) -> str:
    return render("text", report, RenderOptions(explain=True))


def outcomes(report: Report, rename: Callable[[str], str] = lambda s: s) -> list[tuple[str, ...]]:
    """The verdicts of a report, without prose or positions: (rule, outcome, severity, kind, id)."""
    return sorted(
        (f.rule_id, f.outcome, f.severity, f.target[0], rename(f.target[1])) for f in report.findings
    )


def rename_ids(data: Mapping[str, Any], mapping: Mapping[str, str]) -> dict[str, Any]:
    """Return a copy of ``data`` with every dataset, system and flow id renamed by ``mapping``."""
    out = copy.deepcopy(dict(data))
    for ds in out["datasets"]:
        ds["id"] = mapping[ds["id"]]
    for sy in out["systems"]:
        sy["id"] = mapping[sy["id"]]
        sy["stores"] = [mapping[d] for d in sy["stores"]]
    for fl in out["flows"]:
        fl["id"] = mapping[fl["id"]]
        fl["from"], fl["to"] = mapping[fl["from"]], mapping[fl["to"]]
        fl["datasets"] = [mapping[d] for d in fl["datasets"]]
    return out


def ids_of(data: Mapping[str, Any]) -> list[str]:
    return [x["id"] for section in ("datasets", "systems", "flows") for x in data[section]]

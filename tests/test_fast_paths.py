"""The evaluation shortcuts agree with the full evaluation they stand in for.

* each value-only predicate (``conditions._VALUES``) gives its predicate's ``Result.value``;
* a rule's conditions specialized to a manifest (organization-level predicates decided once)
  give the value of the full evaluation on every target of that manifest;
* a flow rule whose ``when`` requires ``transfer: <regime>`` is skipped on other edges only
  because ``when`` is false there.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from compliance.facts import ManifestFacts, build_facts
from compliance.model import MECHANISM_TYPES
from compliance.policy.conditions import (
    _VALUES,
    PREDICATES,
    Subject,
    evaluate,
    explainer,
    specialize,
    value,
)
from compliance.policy.evaluate import _targets, edge_guard, guard_filter
from compliance.run import load_manifests, shipped_packs

ROOT = Path(__file__).resolve().parent.parent
GENERATED = "generated-1000-flows.json"
UNSETTLED = "eea-unsettled.yaml"
FIXTURES = [*sorted((ROOT / "fixtures").glob("*.yaml")), Path(GENERATED), Path(UNSETTLED)]

#: Systems in territories whose EEA status the jurisdiction data does not record (GF, RE, AX):
#: edges whose EU answer turns on them are unsettled (``transfer: eu`` undecided).
UNSETTLED_TEXT = """\
manifest_version: 1
organization: {name: Acme SAS, established_in: [FR], targets: [EU], ciio: false, state_organ: false}
datasets:
  - {id: customers, categories: [user.contact.email], subjects: [{residency: FR, count: 5000}],
     important_data: false, core_data: false}
  - {id: patients, categories: [user.health_and_medical], subjects: [{residency: FR, count: 300}],
     important_data: false, core_data: false}
systems:
  - {id: paris, location: FR, operator: {name: Acme SAS, role: controller}, stores: [customers]}
  - {id: cayenne, location: GF, operator: {name: Guyane Services SARL, role: processor}, stores: []}
  - {id: reunion, location: RE, operator: {name: Acme SAS, role: controller}, stores: [patients]}
  - {id: mariehamn, location: AX, operator: {name: Acme SAS, role: controller}, stores: [],
     access_from: [{location: US, by: other_entity, dpf_certified: false}]}
  - {id: virginia, location: US, operator: {name: Yankee Inc, role: processor}, stores: []}
flows:
  - id: paris-to-cayenne
    from: paris
    to: cayenne
    datasets: [customers]
    purpose: essential.service
    started_on: "2025-01-01"
    recipient: {name: Guyane Services SARL, role: processor, dpf_certified: false}
    mechanisms: []
  - id: cayenne-to-virginia
    from: cayenne
    to: virginia
    datasets: [customers]
    purpose: essential.service
    started_on: "2025-01-01"
    recipient: {name: Yankee Inc, role: processor, dpf_certified: false}
    mechanisms:
      - {type: scc-2021, signed_on: "2024-12-01", module: 3}
      - {type: tia, completed_on: "2024-11-20"}
  - id: reunion-to-virginia
    from: reunion
    to: virginia
    datasets: [patients]
    purpose: essential.service
    started_on: "2025-01-01"
    recipient: {name: Yankee Inc, role: processor, dpf_certified: false}
    mechanisms: []
  - id: reunion-to-paris
    from: reunion
    to: paris
    datasets: [patients]
    purpose: essential.service
    started_on: "2025-01-01"
    recipient: {name: Acme SAS, role: controller, dpf_certified: false}
    mechanisms: []
  - id: paris-to-mariehamn
    from: paris
    to: mariehamn
    datasets: [patients]
    purpose: essential.service
    started_on: "2025-01-01"
    recipient: {name: Acme SAS, role: controller, dpf_certified: false}
    mechanisms: []
"""


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded 1,000-flow manifest from the benchmark generator (graphs the fixtures lack)."""
    import importlib.util
    import json

    spec = importlib.util.spec_from_file_location("generate", ROOT / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path = tmp_path_factory.mktemp("bench") / GENERATED
    path.write_text(json.dumps(module.manifest(1000, seed=0)), encoding="utf-8")
    return path


def _resolve(path: Path, generated: Path) -> Path:
    if path.name == UNSETTLED:
        unsettled = generated.parent / UNSETTLED
        unsettled.write_text(UNSETTLED_TEXT, encoding="utf-8")
        return unsettled
    return generated if path.name == GENERATED else path


AS_OFS = (dt.date(2022, 6, 1), dt.date(2026, 11, 29))

_ARGS: dict[str, list[Any]] = {
    "transfer": ["cn", "eu"],
    "gdpr_exporter_abroad": [True, "special_category", "criminal"],
    "carries": list(PREDICATES["carries"].schema["enum"]),
    "exemption": ["any", ["contract"], ["hr", "transit"], ["emergency", "ftz-negative-list"]],
    "exempted": [True],
    "in_force": [*MECHANISM_TYPES, ["cac-security-assessment", "pipia"], list(MECHANISM_TYPES)],
    "declared": [*MECHANISM_TYPES, ["scc-2010", "tia"], list(MECHANISM_TYPES)],
}


def _facts(path: Path, as_of: dt.date) -> list[ManifestFacts]:
    loaded, problems = load_manifests([str(path)])
    assert problems == [], f"{path.name} must validate"
    return list(build_facts(loaded, as_of))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
@pytest.mark.parametrize("as_of", AS_OFS, ids=str)
def test_value_only_predicates_agree(path: Path, as_of: dt.date, generated: Path) -> None:
    path = _resolve(path, generated)
    for mf in _facts(path, as_of):
        for edge in mf.graph.edges:
            for regime in ("cn", "eu"):
                s = Subject(mf, regime, as_of, edge)
                for name, args in _ARGS.items():
                    for arg in args:
                        assert _VALUES[name](arg)(s) == PREDICATES[name].fn(s, arg).value, (name, arg)
        for target in (*mf.loaded.manifest.systems, None):
            for measure in ("non_sensitive", "sensitive", "personal", "processed"):
                for bounds in ({}, {"at_least": 1}, {"below": 10_000}, {"at_least": 1_000, "below": 100_000}):
                    arg = {"measure": measure, **bounds}
                    s = Subject(mf, "cn", as_of, target)
                    assert _VALUES["org_total"](arg)(s) == PREDICATES["org_total"].fn(s, arg).value


def test_every_value_only_predicate_is_tested() -> None:
    assert set(_VALUES) <= {*_ARGS, "org_total"}


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_edge_guards_only_skip_rules_that_cannot_fire(path: Path, generated: Path) -> None:
    path = _resolve(path, generated)
    as_of = dt.date(2026, 11, 29)
    rules = [r for p in shipped_packs(None, []) for r in p.rules if r.target == "flow"]
    guards = {edge_guard(r.when) for r in rules}
    assert {("transfer", "cn"), ("transfer", "eu"), ("gdpr_exporter_abroad", True)} <= guards
    for mf in _facts(path, as_of):
        for rule in rules:
            guard = edge_guard(rule.when)
            if guard is None:
                continue
            passes = guard_filter(guard)
            for edge in mf.graph.edges:
                s = Subject(mf, rule.regime, as_of, edge)
                if not passes(edge, mf.graph):
                    if guard[0] != "any":
                        assert PREDICATES[guard[0]].fn(s, guard[1]).value is False, (rule.id, edge.target)
                    assert value(rule.when, s) is False, (rule.id, edge.target)


def test_edge_guard_shapes() -> None:
    assert edge_guard({"transfer": "cn"}) == ("transfer", "cn")
    assert edge_guard({"all": [{"carries": "personal"}, {"transfer": "eu"}]}) == ("transfer", "eu")
    assert edge_guard({"all": [{"gdpr_exporter_abroad": True}]}) == ("gdpr_exporter_abroad", True)
    assert edge_guard({"any": [{"transfer": "cn"}, {"carries": "personal"}]}) is None
    # an `any` whose every branch has a guard: the edges any of them passes
    either = {"any": [{"all": [{"transfer": "eu"}]}, {"all": [{"any": [{"gdpr_exporter_abroad": True}]}]}]}
    assert edge_guard({"all": [either, {"carries": "personal"}]}) == (
        "any",
        (("transfer", "eu"), ("any", (("gdpr_exporter_abroad", True),))),
    )
    assert edge_guard({"not": {"transfer": "cn"}}) is None
    assert edge_guard({"all": [{"not": {"transfer": "cn"}}]}) is None


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
@pytest.mark.parametrize("as_of", AS_OFS, ids=str)
def test_specialized_conditions_and_explainers_agree_with_full_evaluation(
    path: Path, as_of: dt.date, generated: Path
) -> None:
    # the specialized value, and the explainer's value, sentences and figures, on every target
    # (not only those that yield findings)
    path = _resolve(path, generated)
    rules = [r for p in shipped_packs(None, []) for r in p.rules]
    decided = 0
    for mf in _facts(path, as_of):
        for rule in rules:
            organization = Subject(mf, rule.regime, as_of, None)
            conds = [
                rule.when,
                *([rule.require] if rule.require is not None else []),
                *(e.when for e in rule.escalate),
            ]
            for cond in conds:
                check = specialize(cond, organization)
                explain = explainer(cond, organization)
                decided += not callable(check)
                for target, ident, _ in _targets(mf, rule.target):
                    s = Subject(mf, rule.regime, as_of, target)
                    want = evaluate(cond, s)
                    got = check(s) if callable(check) else check
                    assert got == want.value, (rule.id, ident, cond)
                    assert explain(s) == want, (rule.id, ident, cond)
    assert decided > 0, "some condition must be decided by the organization's facts alone"


def test_specialize_folds_kleene_constants() -> None:
    mf = _facts(ROOT / "fixtures" / "example-travel.yaml", AS_OFS[1])[0]
    org = Subject(mf, "cn", AS_OFS[1], None)
    assert specialize({"all": [{"org": {"ciio": True}}, {"transfer": "cn"}]}, org) is False
    assert specialize({"any": [{"org": {"ciio": False}}, {"transfer": "cn"}]}, org) is True
    assert specialize({"all": [{"unsettled": "why"}, {"org": {"ciio": False}}]}, org) is None
    assert specialize({"not": {"unsettled": "why"}}, org) is None
    assert specialize({"any": [{"unsettled": "why"}, {"org": {"ciio": True}}]}, org) is None
    assert callable(specialize({"all": [{"org": {"ciio": False}}, {"transfer": "cn"}]}, org))

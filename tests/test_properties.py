"""Properties of the whole check pipeline over generated VALID manifests (issue 8).

Bounded (a few dozen examples each, no deadline) so the suite stays fast; ``fuzz/run_long.py``
runs the same properties with many more examples.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import strategies as S
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance.findings import Report

#: ``PROPERTY_EXAMPLES`` raises the bound for the long run (fuzz/run_long.py).
BOUNDED = settings(
    max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _valid(report: Report) -> Report:
    assert report.errors == [], [p.render() for p in report.errors]
    return report


def _strip_positions(report_json: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(report_json)
    for f in doc["findings"]:
        f["location"] = {"file": f["location"]["file"]}
    return doc


@BOUNDED
@given(S.manifests())
def test_yaml_and_json_give_identical_reports(data: dict[str, Any]) -> None:
    from_yaml = S.as_json_report(_valid(S.check_texts([("m.yaml", S.as_yaml(data))])))
    from_json = S.as_json_report(_valid(S.check_texts([("m.json", S.as_json(data))])))
    # Block YAML and indented JSON put nodes on different lines: compare all but positions.
    assert _strip_positions(from_yaml.replace("m.yaml", "m.json")) == _strip_positions(from_json)
    # The same JSON text read as YAML (a JSON file is YAML) gives the very same report.
    json_as_yaml = S.as_json_report(_valid(S.check_texts([("m.yaml", S.as_json(data))])))
    assert json_as_yaml.replace("m.yaml", "m.json") == from_json


@BOUNDED
@given(S.manifests(), st.randoms(use_true_random=False))
def test_renaming_ids_changes_no_outcome(data: dict[str, Any], rnd: Any) -> None:
    old = S.ids_of(data)
    new = [f"{rnd.choice('abcxyz0789')}{i}.{rnd.choice(['q', 'z-1', '_r'])}" for i in range(len(old))]
    rnd.shuffle(new)
    mapping = dict(zip(old, new, strict=True))
    before = _valid(S.check_data(data))
    after = _valid(S.check_data(S.rename_ids(data, mapping)))
    assert S.outcomes(before, lambda i: mapping.get(i, i)) == S.outcomes(after)
    assert before.summary() == after.summary()


def _violated(report: Report) -> set[tuple[str, str]]:
    return {f.target for f in report.findings if f.outcome == "violation"}


@BOUNDED
@given(S.manifests(), st.data())
def test_adding_an_in_force_mechanism_never_adds_a_violation(
    data: dict[str, Any], draw: st.DataObject
) -> None:
    flow = draw.draw(st.integers(0, len(data["flows"]) - 1))
    mechanism = draw.draw(S.mechanisms(draw.draw(st.sampled_from(S.CN_TOOLS)), in_force=True))
    before = _valid(S.check_data(data))
    data["flows"][flow]["mechanisms"].append(mechanism)
    after = _valid(S.check_data(data))
    added = {o for o in S.outcomes(after) if o[1] == "violation"} - {
        o for o in S.outcomes(before) if o[1] == "violation"
    }
    assert not added, (mechanism, added)


@BOUNDED
@given(S.manifests(), st.data())
def test_adding_any_in_force_mechanism_never_adds_a_violated_target(
    data: dict[str, Any], draw: st.DataObject
) -> None:
    """EU Art. 46 tools bring their own requirements (a TIA, the right SCC module), so a new
    violation may replace an old one on the same flow; no flow newly becomes violated unless it
    only rested on an Art. 49 derogation (needs_review), which an Art. 46 tool then governs."""
    flow = draw.draw(st.integers(0, len(data["flows"]) - 1))
    mechanism = draw.draw(S.mechanisms(in_force=True))
    before = _valid(S.check_data(data))
    data["flows"][flow]["mechanisms"].append(mechanism)
    after = _valid(S.check_data(data))
    reviewed = {f.target for f in before.findings if f.rule_id == "EU-GDPR-49-DEROGATION-SYSTEMATIC"}
    assert _violated(after) - _violated(before) - reviewed == set(), mechanism


def _threshold_targets(report: Report) -> set[tuple[str, str]]:
    return {f.target for f in report.findings if f.rule_id in S.THRESHOLD_RULES and f.outcome == "violation"}


@BOUNDED
@given(S.manifests(), st.data())
def test_raising_a_count_never_removes_a_threshold_finding(data: dict[str, Any], draw: st.DataObject) -> None:
    before = _valid(S.check_data(data))
    ds = draw.draw(st.sampled_from(data["datasets"]))
    subject = draw.draw(st.sampled_from(ds["subjects"]))
    subject["count"] += draw.draw(st.integers(1, 2_000_000))
    for fl in data["flows"]:
        if "individuals" in fl and draw.draw(st.booleans()):
            carried = sum(
                s["count"] for d in data["datasets"] if d["id"] in fl["datasets"] for s in d["subjects"]
            )
            fl["individuals"] = min(fl["individuals"] + draw.draw(st.integers(0, 2_000_000)), carried)
    after = _valid(S.check_data(data))
    assert _threshold_targets(before) <= _threshold_targets(after)


@BOUNDED
@given(S.manifests(), st.data())
def test_raising_a_count_never_clears_a_volume_finding(data: dict[str, Any], draw: st.DataObject) -> None:
    # Rules that hand a transfer over to one another as the CN totals grow (PIPL Art. 40 to
    # CBDF Art. 7, CBDF Art. 8 to Art. 7) must leave no transfer between them: a larger
    # organization is never in less doubt about a transfer than a smaller one.
    before = _valid(S.check_data(data))
    ds = draw.draw(st.sampled_from(data["datasets"]))
    draw.draw(st.sampled_from(ds["subjects"]))["count"] += draw.draw(st.integers(1, 2_000_000))
    after = _valid(S.check_data(data))
    volume = _volume_dependent(before) | _volume_dependent(after)

    def flagged(report: Report) -> set[tuple[str, str]]:
        return {f.target for f in report.findings if f.rule_id in volume and f.target[0] != "organization"}

    assert flagged(before) <= flagged(after)


@settings(BOUNDED, max_examples=max(120, BOUNDED.max_examples))  # 16 classes of holder and data
@given(S.manifests(), st.data())
def test_cn_data_held_abroad_with_no_transfer_is_never_silent(
    data: dict[str, Any], draw: st.DataObject
) -> None:
    # Rules split this holding by organization (CIIO, state organ, other) and by data class
    # (personal, important, core); every combination must reach a rule. Singapore appears
    # nowhere else in generated manifests, so no flow or remote access explains the copy.
    ds = draw.draw(st.sampled_from(data["datasets"]))
    ds["collected_in"] = ["CN"]
    # the data class is drawn evenly, not left to the category sample
    personal = draw.draw(st.booleans())
    if personal and not any(c.startswith("user.") for c in ds["categories"]):
        ds["categories"].append("user.contact.email")
    if not personal:
        ds["categories"] = ["system.operations"]
        ds["subjects"] = []
        for fl in data["flows"]:
            if ds["id"] in fl["datasets"]:
                fl.pop("individuals", None)
    ds["important_data"], ds["core_data"] = draw.draw(st.booleans()), draw.draw(st.booleans())
    data["systems"].append(
        {
            "id": "copy-abroad",
            "location": "SG",
            "operator": {"name": "Vendor Inc", "role": "processor"},
            "stores": [ds["id"]],
        }
    )
    flagged = {f.target for f in _valid(S.check_data(data)).findings if f.outcome != "notice"}
    if personal or ds["important_data"] or ds["core_data"]:
        assert ("system", "copy-abroad") in flagged
    else:
        assert ("system", "copy-abroad") not in flagged


def _cn_scope(data: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(CN-collected datasets, datasets whose collection place is in doubt) of a manifest, among
    those the CN rules govern (personal, important or core data)."""
    from compliance.facts import build_facts
    from compliance.facts.graph import CN_GOVERNED
    from compliance.sources.document import parse_bytes
    from compliance.validate import validate_document

    loaded = validate_document(parse_bytes("m.json", S.as_json(data).encode(), json_syntax=True))
    (mf,) = build_facts([loaded], S.AS_OF)
    governed = {d for d, facts in mf.graph.datasets.items() if not facts.classes.isdisjoint(CN_GOVERNED)}
    return set(mf.graph.cn_collected) & governed, set(mf.graph.cn_origin_unclear)


@settings(BOUNDED, max_examples=max(120, BOUNDED.max_examples))  # the shape is rare in the strategy
@given(S.manifests(), st.data())
def test_a_flow_back_never_takes_data_out_of_cn_scope_unasked(
    data: dict[str, Any], draw: st.DataObject
) -> None:
    # A sync-back flow (the reverse of a flow, same datasets) cannot make data collected in
    # mainland China foreign without a word: it stays CN data, or its collection place is
    # reported as in doubt (CN-PIPL-38-ORIGIN-UNCLEAR).
    before, _ = _cn_scope(data)
    fl = draw.draw(st.sampled_from(data["flows"]))
    back = {**fl, "id": "sync-back", "from": fl["to"], "to": fl["from"]}
    back.pop("individuals", None)
    data["flows"].append(back)
    collected, doubtful = _cn_scope(data)
    assert before <= collected | doubtful


def _volume_dependent(report: Report) -> set[str]:
    """Rules whose findings cite an organization-wide CN total (they move with any flow)."""
    return {
        f.rule_id for f in report.findings if any(re.fullmatch(r"cn\.\w+_individuals", k) for k in f.facts)
    } | set(S.THRESHOLD_RULES)


@BOUNDED
@given(S.manifests(), st.data())
def test_removing_a_flow_adds_no_finding_on_a_flow_of_another_dataset(
    data: dict[str, Any], draw: st.DataObject
) -> None:
    index = draw.draw(st.integers(0, len(data["flows"]) - 1))
    before = _valid(S.check_data(data))
    removed = data["flows"].pop(index)
    after = _valid(S.check_data(data))
    unrelated = {fl["id"] for fl in data["flows"] if not set(fl["datasets"]) & set(removed["datasets"])}
    volume = _volume_dependent(before) | _volume_dependent(after)

    def on_unrelated(report: Report) -> set[tuple[str, str, str]]:
        return {
            (f.rule_id, f.outcome, f.target[1])
            for f in report.findings
            if f.target[0] == "flow" and f.target[1] in unrelated and f.rule_id not in volume
        }

    assert on_unrelated(after) <= on_unrelated(before)
    # Volume rules move between bands when a total drops, but never flag a new flow.
    flagged_before = {f.target for f in before.findings if f.rule_id in volume and f.outcome == "violation"}
    flagged_after = {f.target for f in after.findings if f.rule_id in volume and f.outcome == "violation"}
    assert {t for t in flagged_after if t[1] in unrelated} <= flagged_before


@BOUNDED
@given(S.manifests())
def test_the_report_is_deterministic(data: dict[str, Any]) -> None:
    first = S.as_json_report(_valid(S.check_data(data)))
    second = S.as_json_report(_valid(S.check_data(data)))
    assert first == second
    text = S.render_text(S.check_data(data))
    assert text == S.render_text(S.check_data(data))

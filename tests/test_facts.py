"""Engine facts (compliance.facts): lineage, transfers, CN volume totals, mechanisms in force."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from compliance.errors import InputError
from compliance.facts import ManifestFacts, build_facts
from compliance.facts import mechanisms as mech
from compliance.model import (
    CacSecurityAssessment,
    CnStandardContract,
    PiCertification,
    Scc2010,
    Scc2021,
    SeparateConsent,
)
from compliance.sources.document import parse_bytes
from compliance.validate import LoadedManifest, validate_document

AS_OF = dt.date(2026, 11, 29)


def dataset(
    ident: str, count: int, *, cats: list[str] | None = None, residency: str = "CN"
) -> dict[str, Any]:
    return {
        "id": ident,
        "categories": cats or ["user.contact.email"],
        "subjects": [{"residency": residency, "count": count}],
        "important_data": False,
        "core_data": False,
    }


def system(
    ident: str, location: str, *, stores: list[str] | None = None, operator: str = "Example Co"
) -> dict[str, Any]:
    return {
        "id": ident,
        "location": location,
        "operator": {"name": operator, "role": "controller"},
        "stores": stores or [],
    }


def flow(
    ident: str, src: str, dst: str, datasets: list[str], *, recipient: str = "Recipient Ltd", **extra: Any
) -> dict[str, Any]:
    return {
        "id": ident,
        "from": src,
        "to": dst,
        "datasets": datasets,
        "purpose": "essential.service",
        "started_on": "2025-02-01",
        "recipient": {"name": recipient, "role": "processor", "dpf_certified": False},
        "mechanisms": [],
        **extra,
    }


def manifest(
    datasets: list[dict[str, Any]],
    systems: list[dict[str, Any]],
    flows: list[dict[str, Any]],
    **org: Any,
) -> dict[str, Any]:
    return {
        "manifest_version": 1,
        "organization": {
            "name": "Example Co",
            "established_in": ["CN"],
            "ciio": False,
            "state_organ": False,
            **org,
        },
        "datasets": datasets,
        "systems": systems,
        "flows": flows,
    }


def load(data: dict[str, Any], name: str = "m.json") -> LoadedManifest:
    return validate_document(parse_bytes(name, json.dumps(data, indent=2).encode(), json_syntax=True))


def facts(*docs: dict[str, Any]) -> list[ManifestFacts]:
    return build_facts([load(d, f"m{i}.json") for i, d in enumerate(docs)], AS_OF)


def one(data: dict[str, Any]) -> ManifestFacts:
    return facts(data)[0]


def edge(mf: ManifestFacts, kind: str, ident: str) -> Any:
    return next(e for e in mf.graph.edges if e.target == (kind, ident))


# --- lineage -----------------------------------------------------------------------------------


def test_lineage_terminates_on_a_cycle_and_reaches_every_node() -> None:
    mf = one(
        manifest(
            [dataset("d", 10)],
            [system("a", "DE", stores=["d"]), system("b", "US"), system("c", "JP")],
            [flow("ab", "a", "b", ["d"]), flow("bc", "b", "c", ["d"]), flow("ca", "c", "a", ["d"])],
        )
    )
    assert mf.graph.present_at["d"] == {"a", "b", "c"}
    assert mf.graph.eea_reached["d"] == {"a", "b", "c"}
    # The US -> JP hop carries data that passed through an EEA system: an EU onward transfer.
    bc = edge(mf, "flow", "bc")
    assert mf.graph.eu_datasets(bc) == ("d",)
    assert mf.graph.is_onward(bc)


def test_lineage_of_a_cycle_with_no_store() -> None:
    mf = one(
        manifest(
            [dataset("d", 10)],
            [system("a", "US"), system("b", "JP")],
            [flow("ab", "a", "b", ["d"]), flow("ba", "b", "a", ["d"])],
        )
    )
    assert mf.graph.present_at["d"] == {"a", "b"}
    assert mf.graph.eea_reached["d"] == set()


def test_cycle_through_china_of_data_collected_in_the_eea_is_not_cn_collected() -> None:
    # Stored first in Germany, round-tripping through a mainland system: transit, not CN data.
    mf = one(
        manifest(
            [dataset("d", 10, residency="DE")],
            [system("de", "DE", stores=["d"]), system("cn", "CN")],
            [flow("de-cn", "de", "cn", ["d"]), flow("cn-de", "cn", "de", ["d"])],
        )
    )
    assert mf.graph.cn_collected == set()
    assert mf.graph.cn_datasets(edge(mf, "flow", "cn-de")) == ()
    # ... though the flows cannot say the mainland system did not collect some of it
    assert mf.graph.cn_origin_unclear == {"d": (("de",), ("cn",))}


def lineage_of(places: str, hops: str, *, residency: str = "CN") -> Any:
    """The graph of one dataset ``d`` (150,000 subjects) over systems written ``id@COUNTRY``
    (``*`` after the country: it stores ``d``) and flows of ``d`` written ``a>b``, each flow
    ``a-b`` named after its ends."""
    systems = []
    for spec in places.split():
        ident, where = spec.split("@")
        systems.append(system(ident, where.rstrip("*"), stores=["d"] if where.endswith("*") else None))
    flows = [flow(hop.replace(">", "-"), *hop.split(">"), ["d"]) for hop in hops.split()]
    return one(manifest([dataset("d", 150_000, residency=residency)], systems, flows)).graph


def test_a_sync_back_flow_leaves_a_mainland_store_a_collection_point() -> None:
    # The mainland database and its processor form a cycle that nothing feeds from outside,
    # while a Singapore shop collects the same dataset on its own: both are where it first
    # appears. (Before, any inbound flow took the mainland store out of the origins.)
    g = lineage_of("db@CN* shop@SG* crm@SG", "db>crm crm>db")
    assert g.cn_collected == {"d"}
    assert g.cn_origin_unclear == {}
    assert g.cn_datasets(next(e for e in g.edges if e.target == ("flow", "db-crm"))) == ("d",)


def test_a_cycle_nothing_stores_is_present_and_reaches_the_eea_rules() -> None:
    # An EEA collection point in a cycle with its US processor, the dataset also stored in
    # Japan: the cycle holds the data too, and the processor's hop to India is onward.
    g = lineage_of("web@DE crm@US support@IN jp@JP*", "web>crm crm>web crm>support", residency="DE")
    assert g.present_at["d"] == {"web", "crm", "support", "jp"}
    assert g.eea_reached["d"] == {"web", "crm", "support"}
    assert g.eu_datasets(next(e for e in g.edges if e.target == ("flow", "crm-support"))) == ("d",)


def test_a_mainland_front_end_on_a_cycle_with_a_foreign_store_is_in_doubt() -> None:
    # The app collects in China and stores nothing; the Singapore database stores the data and
    # syncs it back. One way it would be CN data; with the sync-back the cycle's store is taken
    # as the origin, and the app is named as a possible collection point.
    assert lineage_of("app@CN db@SG*", "app>db").cn_collected == {"d"}
    g = lineage_of("app@CN db@SG*", "app>db db>app")
    assert (g.cn_collected, g.cn_origin_unclear) == (set(), {"d": (("db",), ("app",))})


def test_a_mainland_store_fed_from_abroad_is_no_origin_but_its_origin_is_unclear() -> None:
    g = lineage_of("hk@HK* db@CN* us@US", "hk>db db>us")
    assert g.cn_collected == set()
    assert g.cn_origin_unclear == {"d": (("hk",), ("db",))}
    assert g.cn_datasets(next(e for e in g.edges if e.target == ("flow", "db-us"))) == ()


def test_origins_are_the_heads_of_the_flow_graph_cycles_included() -> None:
    # An SG <-> HK cycle (HK stores) feeding a CN <-> US cycle (CN stores): only the first
    # cycle is a head, and in it the storing system; the mainland store's origin is unclear.
    fed = "sg@SG hk@HK* cn@CN* us@US"
    g = lineage_of(fed, "sg>hk hk>sg hk>cn cn>us us>cn")
    assert (g.cn_collected, g.cn_origin_unclear) == (set(), {"d": (("hk",), ("cn",))})
    # A second head cycle that stores nothing counts whole: it reaches into mainland China.
    g = lineage_of(fed + " jp@JP cn2@CN", "sg>hk hk>sg hk>cn cn>us us>cn jp>cn2 cn2>jp")
    assert (g.cn_collected, g.cn_origin_unclear) == ({"d"}, {})


def test_collected_in_overrides_where_the_data_first_appears() -> None:
    mf = one(
        manifest(
            [{**dataset("d", 10), "collected_in": ["DE"]}],
            [system("cn", "CN", stores=["d"]), system("sg", "SG")],
            [flow("out", "cn", "sg", ["d"])],
        )
    )
    assert mf.graph.cn_collected == set()
    assert mf.graph.cn_datasets(edge(mf, "flow", "out")) == ()


def test_cn_collected_data_leaving_for_hong_kong_is_a_cn_transfer() -> None:
    mf = one(
        manifest(
            [dataset("d", 10)],
            [system("cn", "alicloud:cn-hangzhou", stores=["d"]), system("hk", "HK"), system("sh", "CN")],
            [flow("to-hk", "cn", "hk", ["d"]), flow("to-sh", "cn", "sh", ["d"])],
        )
    )
    assert mf.graph.cn_datasets(edge(mf, "flow", "to-hk")) == ("d",)
    assert mf.graph.cn_datasets(edge(mf, "flow", "to-sh")) == ()


def test_eea_reached_of_data_only_ever_in_the_eea_is_where_it_is_and_a_set_of_its_own() -> None:
    mf = one(
        manifest(
            [dataset("d", 10, residency="DE")],
            [system("de", "DE", stores=["d"]), system("fr", "FR"), system("us", "US")],
            [flow("de-fr", "de", "fr", ["d"])],
        )
    )
    g = mf.graph
    assert g.eea_reached["d"] == g.present_at["d"] == {"de", "fr"}
    assert g.eea_reached["d"] is not g.present_at["d"]
    assert g.held == {"de": ("d",), "fr": ("d",)}


def test_cn_delivered_follows_a_cn_transfer_downstream_only() -> None:
    data = manifest(
        [dataset("c", 10), dataset("e", 10, residency="DE")],
        [
            system("cn", "CN", stores=["c"]),
            system("sh", "CN"),
            system("hk", "HK"),
            system("us", "US"),
            system("de", "DE", stores=["e"]),
        ],
        [
            flow("cn-sh", "cn", "sh", ["c"]),
            flow("sh-hk", "sh", "hk", ["c"]),
            flow("hk-us", "hk", "us", ["c", "e"]),
            flow("de-hk", "de", "hk", ["e"]),
        ],
    )
    data["systems"][0]["access_from"] = ["JP"]  # a CN transfer too, but no flow: not delivered
    g = one(data).graph
    assert [e.target[1] for e in g.edges if e.cn_datasets] == ["sh-hk", "cn"]
    assert {d: [e.target[1] for e in es] for d, es in g.carrying.items()} == {
        "c": ["cn-sh", "sh-hk", "hk-us"],
        "e": ["hk-us", "de-hk"],
    }
    assert g.cn_collected == {"c"}
    assert {s: [e.target for e in es] for s, es in g.cn_delivered["c"].items()} == {
        "hk": [("flow", "sh-hk")],
        "us": [("flow", "sh-hk")],
    }
    assert "e" not in g.cn_delivered
    assert g.cn_held == {"cn": ("c",), "sh": ("c",), "hk": ("c",), "us": ("c",)}


# --- transfers ---------------------------------------------------------------------------------


def test_onward_transfer_from_an_adequate_country() -> None:
    mf = one(
        manifest(
            [dataset("d", 10, residency="DE")],
            [
                system("de", "DE", stores=["d"]),
                system("jp", "JP", operator="JP KK"),
                system("us", "US", operator="US Inc"),
            ],
            [
                flow("de-jp", "de", "jp", ["d"], recipient="JP KK"),
                flow("jp-us", "jp", "us", ["d"], recipient="US Inc"),
            ],
            established_in=["DE"],
        )
    )
    de_jp, jp_us = edge(mf, "flow", "de-jp"), edge(mf, "flow", "jp-us")
    assert mf.graph.eu_datasets(de_jp) == ("d",)
    assert not mf.graph.is_onward(de_jp)
    assert mf.graph.eu_datasets(jp_us) == ("d",)
    assert mf.graph.is_onward(jp_us)


def test_same_entity_flow_is_not_an_eu_transfer() -> None:
    mf = one(
        manifest(
            [dataset("d", 10, residency="DE")],
            [system("de", "DE", stores=["d"]), system("us", "US")],
            [
                # names compare after NFC and trimming (another inner spacing, `Example  Co`,
                # is refused by validation: test_validate.py)
                flow("de-us", "de", "us", ["d"], recipient=" Example Co\t"),
            ],
        )
    )
    assert edge(mf, "flow", "de-us").same_entity
    assert mf.graph.eu_datasets(edge(mf, "flow", "de-us")) == ()


def test_remote_access_to_a_cn_system_is_a_cn_transfer_targeting_the_system() -> None:
    data = manifest([dataset("d", 10)], [system("crm", "CN", stores=["d"])], [])
    data["systems"][0]["access_from"] = ["SG", {"location": "aws:ap-southeast-1", "by": "same_entity"}]
    mf = one(data)
    access = [e for e in mf.graph.edges if e.kind == "remote_access"]
    assert [(e.target, e.destination_country, e.path) for e in access] == [
        (("system", "crm"), "SG", ("systems", 0, "access_from", 0)),
        (("system", "crm"), "SG", ("systems", 0, "access_from", 1)),
    ]
    # CN rules: remote access is outbound whoever accesses.
    assert [mf.graph.cn_datasets(e) for e in access] == [("d",), ("d",)]
    assert mf.totals.non_sensitive == 10


def test_remote_access_to_an_eu_system_by_the_same_entity_is_not_an_eu_transfer() -> None:
    data = manifest(
        [dataset("d", 10, residency="DE")],
        [system("crm", "DE", stores=["d"])],
        [],
        established_in=["DE"],
    )
    data["systems"][0]["access_from"] = [
        {"location": "US", "by": "same_entity"},
        {"location": "US", "by": "other_entity"},
        "IN",
    ]
    mf = one(data)
    access = [e for e in mf.graph.edges if e.kind == "remote_access"]
    assert [mf.graph.eu_datasets(e) for e in access] == [(), ("d",), ("d",)]


def test_eu_answers_turning_on_territories_of_unrecorded_eea_status() -> None:
    data = manifest(
        [dataset("p", 10, residency="DE"), dataset("q", 20, residency="FR")],
        [
            system("de", "DE", stores=["p"]),
            system("re", "RE", operator="Reunion SAS"),
            system("us", "US", operator="US Inc"),
            system("gf", "GF", stores=["q"], operator="Guyane SAS"),
            system("jp", "JP", operator="JP KK"),
        ],
        [
            flow("de-re", "de", "re", ["p"], recipient="Reunion SAS"),
            flow("re-us", "re", "us", ["p"], recipient="US Inc"),
            flow("gf-us", "gf", "us", ["q"], recipient="US Inc"),
            flow("us-jp", "us", "jp", ["q", "p"], recipient="JP KK"),
            flow("de-gf", "de", "gf", ["p"], recipient="Example Co"),
        ],
        established_in=["DE"],
    )
    data["systems"][3]["access_from"] = ["US", {"location": "DE", "by": "other_entity"}]
    g = one(data).graph
    assert g.eea_unsettled == {"RE", "GF"}
    assert [(e.target[1], e.eu_datasets, e.eu_unsettled) for e in g.edges] == [
        # into a territory: a transfer if it is outside the EEA, none if inside
        ("de-re", ("p",), ("RE",)),
        # out of one, with data from the EEA upstream: a transfer either way
        ("re-us", ("p",), ()),
        # out of one, with data first stored there: a transfer only if it is inside
        ("gf-us", ("q",), ("GF",)),
        # further on: the answer turns on a territory upstream, so all of the manifest's count
        ("us-jp", ("q", "p"), ("GF", "RE")),
        # the same entity: no transfer whatever the territory
        ("de-gf", (), ()),
        # remote access to a territory's system: from outside the EEA as a flow out of it
        ("gf", ("p", "q"), ("GF",)),
        ("gf", (), ()),
    ]
    assert g.eea_reached_if_members == {"p": {"de", "re", "us", "jp", "gf"}, "q": {"gf", "us", "jp"}}


# --- CN volume totals --------------------------------------------------------------------------


def _outbound(count: int, *, cats: list[str] | None = None, **flow_extra: Any) -> dict[str, Any]:
    return manifest(
        [dataset("d", count, cats=cats)],
        [system("crm", "CN", stores=["d"]), system("us", "US")],
        [flow("out", "crm", "us", ["d"], **flow_extra)],
    )


@pytest.mark.parametrize("count", [99_999, 100_000, 999_999, 1_000_000])
def test_non_sensitive_totals_are_exact(count: int) -> None:
    mf = one(_outbound(count))
    assert (mf.totals.non_sensitive, mf.totals.sensitive) == (count, 0)


@pytest.mark.parametrize("count", [9_999, 10_000])
def test_sensitive_totals_are_exact(count: int) -> None:
    mf = one(_outbound(count, cats=["user.health_and_medical"]))
    assert (mf.totals.non_sensitive, mf.totals.sensitive) == (0, count)


def test_dataset_with_both_kinds_counts_in_both_totals() -> None:
    mf = one(_outbound(500, cats=["user.name", "user.financial.bank_account"]))
    assert (mf.totals.non_sensitive, mf.totals.sensitive) == (500, 500)


def test_broader_key_is_sensitive() -> None:
    mf = one(_outbound(7, cats=["user"]))
    assert mf.totals.sensitive == 7


def test_dataset_carried_by_two_flows_counts_once() -> None:
    data = manifest(
        [dataset("d", 150_000)],
        [system("crm", "CN", stores=["d"]), system("us", "US"), system("sg", "SG")],
        [flow("to-us", "crm", "us", ["d"]), flow("to-sg", "crm", "sg", ["d"])],
    )
    mf = one(data)
    assert mf.totals.non_sensitive == 150_000
    assert mf.totals.contributors == {("m0.json", "d"): 150_000}
    assert [e.target for _, e in mf.totals.edges] == [("flow", "to-us"), ("flow", "to-sg")]


def test_individuals_narrow_a_flow_and_the_largest_figure_wins() -> None:
    data = manifest(
        [dataset("d", 150_000)],
        [system("crm", "CN", stores=["d"]), system("us", "US"), system("sg", "SG")],
        [
            flow("to-us", "crm", "us", ["d"], individuals=30_000),
            flow("to-sg", "crm", "sg", ["d"], individuals=70_000),
        ],
    )
    assert one(data).totals.non_sensitive == 70_000
    # A flow figure above the subjects of what it carries is unusable input, never a silent cap.
    data["flows"][1]["individuals"] = 900_000
    with pytest.raises(InputError) as exc:
        one(data)
    assert [p.message for p in exc.value.problems] == [
        "flows[1].individuals: 900000 is more than the 150000 individuals of the datasets it "
        "carries (individuals narrows a flow; raise the subjects' counts instead)"
    ]


def test_exempted_flows_are_excluded_from_totals() -> None:
    data = manifest(
        [dataset("staff", 40_000), dataset("orders", 80_000)],
        [system("crm", "CN", stores=["staff", "orders"]), system("us", "US")],
        [
            flow("hr", "crm", "us", ["staff"], exemption="hr"),
            flow("orders", "crm", "us", ["orders"], exemption="contract"),
        ],
    )
    mf = one(data)
    assert (mf.totals.non_sensitive, mf.totals.edges) == (0, [])


@pytest.mark.parametrize(
    ("exemption", "flag", "counted"),
    [
        ("contract", "important_data", 80_000),
        ("hr", "core_data", 80_000),
        ("emergency", "important_data", 80_000),
        ("contract", None, 0),
        ("ftz-negative-list", "important_data", 0),
    ],
)
def test_an_art5_exemption_on_important_data_covers_nothing(
    exemption: str, flag: str | None, counted: int
) -> None:
    # CBDF Art. 5, closing sentence: the PI those exemptions cover must not include important data.
    plans = dataset("plans", 80_000)
    if flag is not None:
        plans[flag] = True
    data = manifest(
        [plans],
        [system("crm", "CN", stores=["plans"]), system("us", "US")],
        [flow("out", "crm", "us", ["plans"], exemption=exemption)],
    )
    mf = one(data)
    assert mf.totals.non_sensitive == counted
    assert [e.target for _, e in mf.totals.edges] == ([("flow", "out")] if counted else [])
    assert mf.graph.exempted(mf.graph.edges[0]) is (counted == 0)


def test_flows_within_the_mainland_and_onward_hops_do_not_count() -> None:
    data = manifest(
        [dataset("d", 5_000)],
        [system("crm", "CN", stores=["d"]), system("sh", "CN"), system("sg", "SG"), system("us", "US")],
        [flow("in", "crm", "sh", ["d"]), flow("out", "sh", "sg", ["d"]), flow("on", "sg", "us", ["d"])],
    )
    mf = one(data)
    assert mf.totals.non_sensitive == 5_000
    assert [e.target for _, e in mf.totals.edges] == [("flow", "out")]


def test_two_files_of_one_organization_add_up() -> None:
    a = _outbound(60_000)
    b = _outbound(50_000)
    b["organization"]["name"] = "  Example Co "
    first, second = facts(a, b)
    assert first.totals is second.totals
    assert first.totals.non_sensitive == 110_000
    assert first.totals.contributors == {("m0.json", "d"): 60_000, ("m1.json", "d"): 50_000}


def test_different_organizations_do_not_add_up() -> None:
    a = _outbound(60_000)
    b = _outbound(50_000)
    b["organization"]["name"] = "Other Co"
    first, second = facts(a, b)
    assert (first.totals.non_sensitive, second.totals.non_sensitive) == (60_000, 50_000)


def test_conflicting_organization_facts_name_both_files() -> None:
    a = _outbound(10)
    b = _outbound(10)
    b["organization"]["ciio"] = True
    with pytest.raises(InputError) as exc:
        facts(a, b)
    assert [p.render() for p in exc.value.problems] == [
        "m1.json:8:13: organization.ciio: true here but false in m0.json "
        "for the same organization 'Example Co'"
    ]


# --- mechanisms in force -----------------------------------------------------------------------


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def test_cac_assessment_before_2024_03_22_lasts_two_years() -> None:
    # manifest contract: the default expires_on is approved_on + 2 years, and it is inclusive
    m = CacSecurityAssessment(type="cac-security-assessment", approved_on=_d("2024-03-21"))
    assert mech.expiry(m) == _d("2026-03-21")
    assert mech.status(m, _d("2026-03-21")).in_force
    assert not mech.status(m, _d("2026-03-22")).in_force
    assert mech.status(m, _d("2026-03-22")).note == "expired 2026-03-21"


def test_cac_assessment_from_2024_03_22_lasts_three_years() -> None:
    m = CacSecurityAssessment(type="cac-security-assessment", approved_on=_d("2024-03-22"))
    assert mech.expiry(m) == _d("2027-03-22")
    assert mech.status(m, _d("2027-03-22")).in_force
    assert not mech.status(m, _d("2027-03-23")).in_force
    assert mech.status(m, _d("2027-03-23")).note == "expired 2027-03-22"


def test_expires_on_is_inclusive_and_overrides_the_default() -> None:
    m = CacSecurityAssessment(
        type="cac-security-assessment", approved_on=_d("2025-01-01"), expires_on=_d("2025-06-30")
    )
    assert mech.status(m, _d("2025-06-30")).in_force
    assert not mech.status(m, _d("2025-07-01")).in_force
    cert = PiCertification(
        type="pi-protection-certification", certified_on=_d("2026-01-01"), expires_on=_d("2029-01-01")
    )
    assert mech.status(cert, _d("2029-01-01")).in_force
    assert not mech.status(cert, _d("2029-01-02")).in_force


def test_unfiled_standard_contract_is_not_in_force() -> None:
    signed = CnStandardContract(type="cn-standard-contract", signed_on=_d("2025-01-01"))
    st = mech.status(signed, AS_OF)
    assert (st.in_force, st.note) == (False, "signed 2025-01-01 but not filed with the CAC")
    filed = CnStandardContract(
        type="cn-standard-contract", signed_on=_d("2025-01-01"), filed_on=_d("2025-01-10")
    )
    assert mech.status(filed, AS_OF).in_force
    assert not mech.status(filed, _d("2025-01-09")).in_force
    assert mech.status(filed, _d("2025-01-10")).in_force


def test_old_sccs_end_on_2022_12_27() -> None:
    old = Scc2010(type="scc-2010", signed_on=_d("2019-05-01"))
    assert mech.status(old, _d("2022-12-27")).in_force
    assert not mech.status(old, _d("2022-12-28")).in_force
    assert mech.describe(old, _d("2022-12-28")) == "scc-2010 (expired 2022-12-27)"


def test_old_sccs_cover_only_transfers_running_before_the_repeal() -> None:
    old = Scc2010(type="scc-2010", signed_on=_d("2020-01-15"))
    assert mech.status(old, _d("2022-06-01"), _d("2021-09-26")).in_force
    assert mech.status(old, _d("2022-06-01")).in_force  # no start recorded (remote access)
    assert mech.status(old, _d("2021-08-01"), _d("2021-10-01")).in_force  # before the repeal
    late = mech.status(old, _d("2022-06-01"), _d("2021-09-27"))
    assert late.in_force is False
    assert "began 2021-09-27, on or after their repeal (2021-09-27)" in late.note


def test_mechanism_dated_after_as_of_does_not_count() -> None:
    scc = Scc2021(type="scc-2021", signed_on=_d("2026-12-01"), module=2)
    st = mech.status(scc, AS_OF)
    assert (st.in_force, st.note) == (False, "dated 2026-12-01, after 2026-11-29")
    assert mech.status(scc, _d("2026-12-01")).in_force


def test_undated_mechanism_is_always_in_force() -> None:
    assert mech.status(SeparateConsent(type="separate-consent"), AS_OF).in_force
    assert mech.describe(SeparateConsent(type="separate-consent"), AS_OF) == "separate-consent"


# --- China mechanisms dated before their instrument (rules/data/jurisdictions.yaml) ------------


def test_cac_assessment_approved_before_the_2022_measures_is_not_in_force() -> None:
    early = CacSecurityAssessment(
        type="cac-security-assessment", approved_on=_d("2019-01-01"), expires_on=_d("2030-01-01")
    )
    st = mech.status(early, AS_OF)
    assert (st.in_force, st.note) == (
        False,
        "approved 2019-01-01, before the CAC security assessment measures took effect (2022-09-01)",
    )
    first_day = CacSecurityAssessment(type="cac-security-assessment", approved_on=_d("2022-09-01"))
    assert mech.status(first_day, _d("2023-01-01")).in_force is True
    eve = CacSecurityAssessment(type="cac-security-assessment", approved_on=_d("2022-08-31"))
    assert mech.status(eve, _d("2023-01-01")).in_force is False


def test_standard_contract_signed_or_filed_before_the_measures_is_not_in_force() -> None:
    old = CnStandardContract(
        type="cn-standard-contract", signed_on=_d("2019-01-01"), filed_on=_d("2019-01-05")
    )
    assert mech.describe(old, AS_OF) == (
        "cn-standard-contract (signed 2019-01-01, before the standard contract measures were "
        "published (2023-02-24))"
    )
    early_filing = CnStandardContract(
        type="cn-standard-contract", signed_on=_d("2023-03-01"), filed_on=_d("2023-05-31")
    )
    assert mech.status(early_filing, AS_OF).note == (
        "filed 2023-05-31, before the standard contract measures took effect (2023-06-01)"
    )
    first_days = CnStandardContract(
        type="cn-standard-contract", signed_on=_d("2023-02-24"), filed_on=_d("2023-06-01")
    )
    assert mech.status(first_days, AS_OF).in_force is True


def test_certification_before_the_pipl_is_not_in_force() -> None:
    early = PiCertification(
        type="pi-protection-certification", certified_on=_d("2020-01-01"), expires_on=_d("2030-01-01")
    )
    st = mech.status(early, AS_OF)
    assert (st.in_force, st.note) == (False, "certified 2020-01-01, before the PIPL took effect (2021-11-01)")
    first_day = PiCertification(
        type="pi-protection-certification", certified_on=_d("2021-11-01"), expires_on=_d("2030-01-01")
    )
    assert mech.status(first_day, AS_OF).in_force is True


def test_declared_expiry_past_the_statutory_validity_is_unsettled_after_it() -> None:
    m = CacSecurityAssessment(
        type="cac-security-assessment", approved_on=_d("2024-06-01"), expires_on=_d("2030-01-01")
    )
    assert mech.status(m, _d("2027-06-01")).in_force is True
    st = mech.status(m, _d("2027-06-02"))
    assert (st.in_force, st.expires_on) == (None, _d("2030-01-01"))
    assert st.note == (
        "expires_on 2030-01-01 is past the 3-year validity of an assessment approved 2024-06-01 "
        "(2027-06-01); only an extension (CBDF Art. 9), which the manifest cannot record, would "
        "cover the time after"
    )
    assert mech.status(m, _d("2030-01-02")).in_force is False
    old = CacSecurityAssessment(
        type="cac-security-assessment", approved_on=_d("2023-01-01"), expires_on=_d("2025-12-31")
    )
    assert mech.status(old, _d("2025-01-01")).in_force is True
    assert mech.status(old, _d("2025-01-02")).in_force is None

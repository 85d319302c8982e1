"""Location resolution, group membership by date and adequacy lookups against rules/data."""

from __future__ import annotations

import csv
from datetime import date

import pycountry
import pytest

from compliance import jurisdictions
from compliance.jurisdictions import (
    UnknownLocation,
    adequacy_decisions,
    adequacy_for,
    cn_regime_change,
    csl_renumbering,
    data_version,
    eea_unconfirmed,
    in_group,
    is_country,
    legacy_scc,
    resolve_location,
)
from compliance.paths import data_dir


@pytest.mark.parametrize(
    ("code", "country"),
    [
        ("CN", "CN"),
        ("DE", "DE"),
        ("HK", "HK"),
        ("NO", "NO"),
        ("aws:eu-central-1", "DE"),
        ("aws:us-east-1", "US"),
        ("aws:us-east-1a", "US"),
        ("aws:eu-west-1", "IE"),
        ("alicloud:eu-west-1", "GB"),
        ("alicloud:cn-hangzhou", "CN"),
        ("alicloud:cn-hangzhou-h", "CN"),
        ("alicloud:cn-hongkong", "HK"),
        ("alicloud:ap-southeast-1a", "SG"),
        ("aws:ap-southeast-1", "SG"),
        ("huaweicloud:ap-southeast-1", "HK"),
        ("aws:ap-southeast-3", "ID"),
        ("alicloud:ap-southeast-3", "MY"),
        ("huaweicloud:ap-southeast-3", "SG"),
        ("aws:me-central-1", "AE"),
        ("alicloud:me-central-1", "SA"),
        ("tencentcloud:ap-hongkong", "HK"),
        ("tencentcloud:ap-guangzhou-3", "CN"),
        ("gcp:europe-west1-b", "BE"),
        ("gcp:asia-east1", "TW"),
        ("gcp:asia-east2", "HK"),
        ("aws:ap-east-2", "TW"),
        ("azure:chinanorth3", "CN"),
        ("azure:eastus-az1", "US"),
        ("scaleway:fr-par", "FR"),
        ("scaleway:fr-par-2", "FR"),
        ("ovhcloud:GRA7", "FR"),
        ("ibm:eu-de", "DE"),
    ],
)
def test_resolve_location(code: str, country: str) -> None:
    assert resolve_location(code) == country


@pytest.mark.parametrize(
    ("code", "in_message"),
    [
        ("azure:brazilus", "country"),
        ("oci:us-somerset-1", "country"),
        ("aws:aws-global", "several countries"),
        ("aws:aws-cn-global", "several countries"),
        ("aws:aws-us-gov-global", "several countries"),
        ("aws-global", "several countries"),
        ("gcp:EU", "several countries"),
        ("gcp:nam4", "several countries"),
        ("azure:europe", "several countries"),
        ("EU", "several countries"),
        ("XX", "ISO 3166-1 alpha-2"),
        ("Germany", "ISO 3166-1 alpha-2"),
        ("de", "'DE'"),
        ("", "empty"),
        ("foo:bar", "unknown cloud provider"),
        ("AWS:eu-west-1", "'aws:eu-west-1'"),
        ("aws:EU-WEST-1", "'aws:eu-west-1'"),
        ("aws:", "no region"),
        ("aws:mars-north-1", "not in the region table"),
        ("aws:us-east-1-bos-1a", "not in the region table"),
    ],
)
def test_unresolvable_locations_say_why(code: str, in_message: str) -> None:
    with pytest.raises(UnknownLocation) as caught:
        resolve_location(code)
    assert in_message in str(caught.value)
    assert caught.value.code == code


def test_zone_suffix_never_invents_a_region() -> None:
    # "ap-southeast" is not a Tencent region, so stripping "-1" must not resolve it.
    with pytest.raises(UnknownLocation):
        resolve_location("tencentcloud:ap-southeast-1")


def test_unknown_location_is_a_value_error_and_survives_pickling() -> None:
    import pickle

    error = UnknownLocation("XX", "no such country")
    assert isinstance(error, ValueError)
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == str(error)


def test_is_country() -> None:
    assert is_country("DE")
    assert is_country("HK")
    assert is_country("TW")
    assert not is_country("de")
    assert not is_country("EU")
    assert not is_country("XX")
    assert not is_country("DEU")


@pytest.mark.parametrize(
    ("country", "group", "on", "expected"),
    [
        ("CN", "cn-mainland", date(2026, 1, 1), True),
        ("HK", "cn-mainland", date(2026, 1, 1), False),
        ("MO", "cn-mainland", date(2026, 1, 1), False),
        ("TW", "cn-mainland", date(2026, 1, 1), False),
        ("DE", "eu", date(2026, 1, 1), True),
        ("GB", "eu", date(2019, 1, 1), True),
        ("GB", "eu", date(2020, 1, 31), True),
        ("GB", "eu", date(2020, 2, 1), False),
        ("GB", "eu", date(2021, 1, 1), False),
        ("GB", "eea", date(2020, 12, 31), True),
        ("GB", "eea", date(2021, 1, 1), False),
        ("NO", "eea", date(2026, 1, 1), True),
        ("NO", "eu", date(2026, 1, 1), False),
        ("IS", "eea", date(2026, 1, 1), True),
        ("LI", "eea", date(2026, 1, 1), True),
        ("CH", "eea", date(2026, 1, 1), False),
        ("CH", "eu", date(2026, 1, 1), False),
    ],
)
def test_in_group(country: str, group: str, on: date, expected: bool) -> None:
    assert in_group(country, group, on) is expected


def test_unknown_group_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="schengen"):
        in_group("DE", "schengen", date(2026, 1, 1))


def test_group_sizes() -> None:
    on = date(2026, 11, 29)
    countries = [c.alpha_2 for c in pycountry.countries]
    assert sum(in_group(c, "eu", on) for c in countries) == 27
    assert sum(in_group(c, "eea", on) for c in countries) == 30
    assert [c for c in countries if in_group(c, "cn-mainland", on)] == ["CN"]
    eu = {c for c in countries if in_group(c, "eu", on)}
    eea = {c for c in countries if in_group(c, "eea", on)}
    assert eea - eu == {"IS", "LI", "NO"}


def test_us_adequacy_starts_with_the_data_privacy_framework() -> None:
    assert adequacy_for("US", date(2023, 7, 9)) is None
    decision = adequacy_for("US", date(2023, 7, 10))
    assert decision is not None
    assert decision.scope == "dpf_certified"
    assert decision.decision == "(EU) 2023/1795"


def test_uk_adequacy_is_one_entry_until_2031() -> None:
    assert adequacy_for("GB", date(2021, 6, 27)) is None
    first = adequacy_for("GB", date(2021, 6, 28))
    last = adequacy_for("GB", date(2031, 12, 27))
    assert first is not None and first == last
    assert "2025-12-19" in first.notes
    assert adequacy_for("GB", date(2031, 12, 28)) is None


def test_canada_is_decided_by_the_recipient() -> None:
    decision = adequacy_for("CA", date(2026, 11, 29))
    assert decision is not None
    assert decision.scope == "recipient_declared"


def test_brazil_from_2026_01_26_with_the_date_doubt_noted() -> None:
    assert adequacy_for("BR", date(2026, 1, 25)) is None
    decision = adequacy_for("BR", date(2026, 1, 26))
    assert decision is not None
    assert decision.decision is None
    assert "2026-01-27" in decision.notes
    assert decision.start_unconfirmed_until == date(2026, 1, 26)
    assert [d.id for d in adequacy_decisions() if d.start_unconfirmed_until is not None] == ["adequacy-br"]


def test_no_adequacy_for_china_or_hong_kong_or_eea_members() -> None:
    on = date(2026, 11, 29)
    assert adequacy_for("CN", on) is None
    assert adequacy_for("HK", on) is None
    assert adequacy_for("DE", on) is None


def test_gibraltar_under_the_uk_decision_is_unconfirmed() -> None:
    decision = adequacy_for("GI", date(2026, 11, 29))
    assert decision is not None
    assert (decision.scope, decision.confidence) == ("unconfirmed", "[?]")
    assert adequacy_for("GI", date(2021, 6, 27)) is None


def test_european_patent_organisation_has_no_country() -> None:
    (epo,) = [d for d in adequacy_decisions() if d.destination is None]
    assert epo.organisation == "European Patent Organisation"
    assert epo.decision is None
    assert epo.in_force(date(2025, 7, 15))
    assert not epo.in_force(date(2025, 7, 14))


def test_every_fact_sheet_destination_is_recorded() -> None:
    destinations = {d.destination for d in adequacy_decisions()}
    expected = {"CH", "CA", "AR", "GG", "IM", "JE", "FO", "AD", "IL", "UY", "NZ", "JP", "GB"}
    assert destinations == expected | {"KR", "US", "BR", "GI", None}  # GI: scope unconfirmed


def test_adequacy_data_is_consistent() -> None:
    decisions = adequacy_decisions()
    assert len({d.id for d in decisions}) == len(decisions)
    for d in decisions:
        assert d.destination is None or is_country(d.destination)
        assert d.valid_until is None or d.valid_from <= d.valid_until
        assert d.source and d.confidence.startswith("[")
    countries = [d.destination for d in decisions if d.destination is not None]
    assert len(countries) == len(set(countries))


def test_regime_dates() -> None:
    assert legacy_scc().repealed == date(2021, 9, 27)
    assert legacy_scc().transition_end == date(2022, 12, 27)
    assert cn_regime_change() == date(2024, 3, 22)
    assert csl_renumbering() == date(2026, 1, 1)
    assert data_version() == "2026-11-29"


def test_region_table_matches_its_documented_shape() -> None:
    with (data_dir() / "cloud-regions.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["provider", "region_code", "country", "city_or_area", "notes"]
    assert len(rows) == 412
    assert len({(r["provider"], r["region_code"]) for r in rows}) == len(rows)
    unknown = sorted((r["provider"], r["region_code"]) for r in rows if not r["country"])
    assert unknown == [("azure", "brazilus"), ("oci", "us-somerset-1"), ("oci", "us-thames-1")]
    for row in rows:
        assert not row["country"] or is_country(row["country"]), row


def test_data_is_loaded_once() -> None:
    jurisdictions._jurisdictions.cache_clear()
    for _ in range(3):
        data_version()
    assert jurisdictions._jurisdictions.cache_info().misses == 1


def test_territories_of_unrecorded_eea_status_are_in_no_group() -> None:
    # regulations.md 2.2 is silent on the French overseas regions, Saint Martin and Aland.
    codes = eea_unconfirmed()
    assert codes == frozenset({"GF", "GP", "MQ", "RE", "YT", "MF", "AX"})
    for code in codes:
        assert is_country(code)
        assert not in_group(code, "eu", date(2026, 11, 29))
        assert not in_group(code, "eea", date(2026, 11, 29))

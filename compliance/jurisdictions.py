"""Resolve locations to countries and answer dated jurisdiction questions (groups, adequacy).

The facts live in ``rules/data`` (see ``rules/data/SOURCES.md``):

- ``cloud-regions.csv``: ``(provider, region_code) -> country`` for cloud regions;
- ``jurisdictions.yaml``: country groups (``cn-mainland``, ``eu``, ``eea``) with membership
  dates, GDPR Art. 45 adequacy decisions with their dates and scope, the dates on which a
  regime changed and the first days China's transfer mechanisms can be dated.

Each file is read once, on first use. Country codes are ISO 3166-1 alpha-2, upper case.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import fnmatch
import functools
import json
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, NamedTuple, cast

from compliance.paths import data_dir
from compliance.sources.document import read_document

AdequacyScope = Literal["country", "dpf_certified", "recipient_declared", "unconfirmed"]
_SCOPES: frozenset[str] = frozenset({"country", "dpf_certified", "recipient_declared", "unconfirmed"})
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# Availability-zone spellings per provider (cloud-regions.md, "How to use it"): a zone is its
# region plus one of these suffixes. A stripped code counts only if the region table knows it,
# so a suffix rule can never invent a region. Scaleway zones are rows of the table themselves.
# Patterns, compiled (and cached by `re`) only when a code is not in the table as it stands.
_ZONE_SUFFIXES: Mapping[str, tuple[str, ...]] = {
    "aws": (r"(?<=\d)[a-z]$",),  # us-east-1a
    "huaweicloud": (r"(?<=\d)[a-z]$",),  # cn-north-4a
    "gcp": (r"-[a-z]$",),  # europe-west1-b
    "alicloud": (r"-[a-z]$", r"(?<=\d)[a-z]$"),  # cn-hangzhou-h
    "tencentcloud": (r"-\d+$",),  # ap-guangzhou-3
    "ibm": (r"-\d+$",),  # us-south-1
    "azure": (r"-az\d+$",),  # eastus-az1
}


class UnknownLocation(ValueError):
    """A location code that does not resolve to exactly one country.

    ``code`` is the location as given; ``reason`` says why it failed and, where one is
    likely, what was probably meant. ``str()`` gives one line fit for an error report.
    """

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason

    def __str__(self) -> str:
        return f"cannot resolve location {self.code!r}: {self.reason}"


class AdequacyDecision(NamedTuple):
    """One GDPR Art. 45 adequacy decision, as recorded in ``jurisdictions.yaml``.

    Attributes:
        id: Stable identifier, e.g. ``"adequacy-us-dpf"``.
        destination: ISO alpha-2 code of the country or territory, or ``None`` for an
            international organisation.
        organisation: Name of the international organisation when ``destination`` is None.
        decision: Decision number, e.g. ``"(EU) 2023/1795"``, or ``None`` where the fact sheet
            found none.
        valid_from: First day the decision applies (the adoption date the fact sheet gives).
        valid_until: Last day it applies (inclusive), or ``None`` while in force.
        scope: Who at the destination is covered: ``"country"`` (everyone the decision
            covers), ``"dpf_certified"`` (only recipients whose ``dpf_certified`` is true) or
            ``"recipient_declared"`` (the flow's ``recipient.adequacy_scope`` decides; absent
            means needs review) or ``"unconfirmed"`` (whether the decision reaches this
            territory is not confirmed: always needs review).
        notes: Scope limits and doubts, for rule messages and documentation.
        source: The instrument and where the fact sheet records it.
        confidence: The fact sheet's confidence tag, e.g. ``"[V]"`` or ``"[S] (renewal)"``.
        start_unconfirmed_until: Last day (inclusive) of the first days on which the fact sheet
            does not confirm that the decision already applied (sources disagree on its
            date), or ``None``: on those days whether it covers a transfer is undecided.
    """

    id: str
    destination: str | None
    organisation: str | None
    decision: str | None
    valid_from: datetime.date
    valid_until: datetime.date | None
    scope: AdequacyScope
    notes: str
    source: str
    confidence: str
    start_unconfirmed_until: datetime.date | None = None

    def in_force(self, on: datetime.date) -> bool:
        """Return whether the decision applies on ``on`` (both ends inclusive)."""
        return self.valid_from <= on and (self.valid_until is None or on <= self.valid_until)


class LegacyScc(NamedTuple):
    """Dates of the pre-2021 EU standard contractual clauses (GDPR Art. 46(2)(c)).

    ``repealed``: from this day the old clauses could not be used for new contracts.
    ``transition_end``: last day (inclusive) on which contracts concluded before ``repealed``
    still counted, provided the processing was unchanged. ``new_clauses_adopted``: the day
    Decision (EU) 2021/914 was adopted; 2021 clauses cannot be signed before it.
    ``new_clauses_in_force``: the day the decision entered into force; whether clauses signed
    between adoption and that day count is not confirmed. Source: Decision (EU) 2021/914, as
    recorded in regulations.md 2.8.
    """

    repealed: datetime.date
    transition_end: datetime.date
    source: str
    new_clauses_adopted: datetime.date
    new_clauses_in_force: datetime.date


class InstrumentStart(NamedTuple):
    """The first day a date field of a China transfer mechanism can fall on.

    ``field`` is the mechanism's date field (``approved_on``, ``filed_on``...), ``starts`` the
    first possible day and ``event`` what happened that day ("the CAC security assessment
    measures took effect"). A mechanism dated earlier predates its instrument.
    """

    field: str
    starts: datetime.date
    event: str


class _Membership(NamedTuple):
    code: str
    start: datetime.date | None
    until: datetime.date | None

    def holds_on(self, on: datetime.date) -> bool:
        return (self.start is None or self.start <= on) and (self.until is None or on <= self.until)


class _Jurisdictions(NamedTuple):
    version: str
    groups: Mapping[str, tuple[_Membership, ...]]
    #: group -> country code -> its memberships (membership tests run per edge and rule)
    members: Mapping[str, Mapping[str, tuple[_Membership, ...]]]
    adequacy: tuple[AdequacyDecision, ...]
    legacy_scc: LegacyScc
    cn_regime_change: datetime.date
    csl_renumbering: datetime.date
    multi_region: Mapping[str, tuple[str, ...]]
    instrument_starts: Mapping[str, tuple[InstrumentStart, ...]]
    eea_unconfirmed: frozenset[str]
    #: reserved code element -> the assigned code it stands for (``UK`` -> ``GB``)
    reserved: Mapping[str, str]


class _Region(NamedTuple):
    country: str | None
    notes: str


def resolve_location(code: str) -> str:
    """Return the ISO 3166-1 alpha-2 country of a manifest location.

    ``code`` is either a country code (``"CN"``, ``"HK"``: returned as is; upper case only)
    or ``provider:region`` as the provider's API spells the region (``"aws:eu-central-1"``,
    ``"alicloud:cn-hangzhou"``). A region is looked up by the pair (provider, region), never
    by the region alone: ``aws:eu-west-1`` is ``IE`` but ``alicloud:eu-west-1`` is ``GB``.
    An availability zone resolves to its region (``aws:us-east-1a``, ``gcp:europe-west1-b``,
    ``alicloud:cn-hangzhou-h``, ``tencentcloud:ap-guangzhou-3``, ``azure:eastus-az1``).
    Hong Kong, Macao and Taiwan regions resolve to ``HK``, ``MO`` and ``TW``, never ``CN``.

    Raises:
        UnknownLocation: the code is not an upper-case ISO alpha-2 country code; the provider
            is unknown; the region is not in the table; the table knows the region but not
            its country; or the location spans several countries (``aws:aws-global``,
            ``gcp:EU``, ``azure:europe``). The message says which.
    """
    provider, sep, region = code.partition(":")
    if sep:
        return _resolve_region(code, provider, region)
    if is_country(code):
        return code
    raise UnknownLocation(code, _why_not_a_country(code))


def is_country(code: str) -> bool:
    """Return whether ``code`` is an upper-case ISO 3166-1 alpha-2 code (pycountry's list, shipped).

    ``"DE"`` and ``"HK"`` are countries; ``"de"``, ``"EU"``, ``"XX"`` and ``"DEU"`` are not.
    """
    return code in _iso_alpha2()


def in_group(country: str, group: str, on: datetime.date) -> bool:
    """Return whether ``country`` belongs to ``group`` on the date ``on``.

    Groups: ``"cn-mainland"`` (``CN`` only; ``HK``, ``MO``, ``TW`` are outside, per
    regulations.md 1.4), ``"eu"`` (member states; ``GB`` until 2020-01-31) and ``"eea"`` (EU
    members plus ``IS``, ``LI``, ``NO``; ``GB`` until 2020-12-31). Membership dates are
    inclusive. Accession dates are not recorded, so answers for dates before 2018-05-25 (GDPR
    applicable) are not meaningful.

    Raises:
        KeyError: ``group`` is not one of the groups above.
    """
    members = _jurisdictions().members
    if group not in members:
        raise KeyError(f"unknown jurisdiction group {group!r}; known: {', '.join(sorted(members))}")
    return any(m.holds_on(on) for m in members[group].get(country, ()))


def adequacy_for(country: str, on: datetime.date) -> AdequacyDecision | None:
    """Return the GDPR Art. 45 adequacy decision covering ``country`` on ``on``, if any.

    Only the decision's dates are checked here; its ``scope`` says which recipients it covers
    (``US`` needs a DPF-certified recipient, ``CA`` a recipient declared in PIPEDA scope).
    Decisions for international organisations have no country and are never returned.
    Source: regulations.md 2.7 (decisions in force as of 2026-11-29).
    """
    for decision in _jurisdictions().adequacy:
        if decision.destination == country and decision.in_force(on):
            return decision
    return None


def adequacy_decisions() -> tuple[AdequacyDecision, ...]:
    """Return every recorded adequacy decision, in the data file's order."""
    return _jurisdictions().adequacy


def legacy_scc() -> LegacyScc:
    """Return the repeal and transition dates of the pre-2021 EU SCCs (regulations.md 2.8)."""
    return _jurisdictions().legacy_scc


def cn_regime_change() -> datetime.date:
    """Return the day the 2024 CN cross-border provisions (CAC Order No. 16) took effect.

    Before it the 2022/2023 thresholds and counting windows apply (regulations.md 1.1).
    """
    return _jurisdictions().cn_regime_change


def eea_unconfirmed() -> frozenset[str]:
    """Return the codes of territories of EEA states whose EEA status is not recorded (``GF``,
    ``RE``, ``AX``...): in no group, yet not to be taken for third countries either.

    Source: regulations.md 2.2 is silent on them (see ``eea_unconfirmed`` in the data file).
    """
    return _jurisdictions().eea_unconfirmed


def instrument_starts(mechanism_type: str) -> tuple[InstrumentStart, ...]:
    """Return the first possible days of the date fields of a transfer mechanism type
    (``cn-standard-contract``: signed no earlier than the Measures' publication, filed no
    earlier than their entry into force; ``tia``: completed no earlier than Schrems II); empty
    for other types. Source: regulations.md 1.1 and 2.9.
    """
    return _jurisdictions().instrument_starts.get(mechanism_type, ())


def csl_renumbering() -> datetime.date:
    """Return the day the amended Cybersecurity Law took effect (CSL Art. 37 became Art. 39).

    Source: regulations.md 0 item 1 and 1.1.
    """
    return _jurisdictions().csl_renumbering


def data_version() -> str:
    """Return the date string (``YYYY-MM-DD``) of the jurisdiction data, for reports."""
    return _jurisdictions().version


def _resolve_region(code: str, provider: str, region: str) -> str:
    table = _region_table()
    if provider not in table:
        if provider.lower() in table:
            # suggest the region as the provider spells it, when the table has it in some case
            spelled = next((r for r in table[provider.lower()] if r.lower() == region.lower()), region)
            raise UnknownLocation(
                code, f"provider names are lower case; did you mean '{provider.lower()}:{spelled}'?"
            )
        known = ", ".join(sorted(table))
        raise UnknownLocation(code, f"unknown cloud provider {provider!r} (known: {known})")
    regions = table[provider]
    if not region:
        raise UnknownLocation(code, f"no region after '{provider}:'")
    if region in regions:
        return _country_of(code, provider, region, regions[region])
    for suffix in _ZONE_SUFFIXES.get(provider, ()):
        parent = re.sub(suffix, "", region, count=1)
        if parent != region and parent in regions:
            return _country_of(code, provider, parent, regions[parent])
    raise UnknownLocation(code, _why_not_a_region(provider, region, regions))


def _country_of(code: str, provider: str, region: str, row: _Region) -> str:
    if row.country is None:
        raise UnknownLocation(
            code,
            f"the region table lists {provider}:{region} but its country is not known "
            f"({row.notes}); give the country code instead",
        )
    return row.country


def _why_not_a_region(provider: str, region: str, regions: Mapping[str, _Region]) -> str:
    if _is_multi_region(provider, region):
        return (
            "a multi-region, dual-region or global location spans several regions (most of them "
            "several countries) and is in no region table; name one region or one country"
        )
    same_but_case = [r for r in regions if r.lower() == region.lower()]
    if same_but_case:
        return f"region codes are case-sensitive; did you mean '{provider}:{same_but_case[0]}'?"
    reason = (
        f"region {region!r} of provider {provider!r} is not in the region table "
        f"(rules/data/cloud-regions.csv)"
    )
    import difflib  # only for a did-you-mean hint

    close = difflib.get_close_matches(region, list(regions), n=1)
    if close:
        return f"{reason}; did you mean '{provider}:{close[0]}'?"
    return f"{reason}; if the region is new, give its country code instead"


def country_hint(code: str) -> str | None:
    """The assigned ISO 3166-1 alpha-2 code that ``code`` (not one) probably means, or ``None``.

    ``"de"`` or full-width ``"ｄｅ"`` -> ``"DE"``; reserved code elements people write for a
    country (``"UK"`` -> ``"GB"``, ``"EL"`` -> ``"GR"``; ``reserved_country_codes`` in
    ``rules/data/jurisdictions.yaml``).
    """
    upper = unicodedata.normalize("NFKC", code).upper()  # also full-width letters: ＣＮ
    if code != upper and is_country(upper):
        return upper
    return _jurisdictions().reserved.get(upper)


def _why_not_a_country(code: str) -> str:
    if not code:
        return "the location is empty"
    meant = country_hint(code)
    if meant is not None and meant == unicodedata.normalize("NFKC", code).upper():
        return f"country codes are upper case ASCII letters; did you mean {meant!r}?"
    if meant is not None:
        return f"{code!r} is reserved in ISO 3166-1, not assigned; did you mean {meant!r}?"
    if any(_is_multi_region(provider, code) for provider in _jurisdictions().multi_region):
        return (
            "this names a multi-region, global or group location spanning several countries; "
            "name one country or one provider region"
        )
    return (
        "not an ISO 3166-1 alpha-2 country code (such as CN or DE) nor a provider:region pair "
        "(such as aws:eu-central-1)"
    )


def _is_multi_region(provider: str, region: str) -> bool:
    patterns = _jurisdictions().multi_region.get(provider, ())
    return any(fnmatch.fnmatchcase(region, pattern) for pattern in patterns)


@functools.cache
def _iso_alpha2() -> frozenset[str]:
    # A snapshot of pycountry's list (scripts/snapshot_iso3166.py): importing pycountry and
    # loading its database cost a check ~8 ms of start-up.
    with (data_dir() / "iso3166-alpha2.json").open(encoding="utf-8") as handle:
        return frozenset(json.load(handle)["alpha_2"])


@functools.cache
def _region_table() -> Mapping[str, Mapping[str, _Region]]:
    path = data_dir() / "cloud-regions.csv"
    table: dict[str, dict[str, _Region]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            regions = table.setdefault(row["provider"], {})
            if row["region_code"] in regions:
                raise ValueError(f"{path}: duplicate region {row['provider']}:{row['region_code']}")
            regions[row["region_code"]] = _Region(row["country"] or None, row["notes"])
    return table


@functools.cache
def _jurisdictions() -> _Jurisdictions:
    path = data_dir() / "jurisdictions.yaml"
    raw = read_document(path, expected="the jurisdiction data", what="data file").data
    doc = _Reader(path)
    top = doc.mapping(raw, "top level")
    groups = {
        name: tuple(
            _Membership(
                code=doc.text(m, "code", f"groups.{name}"),
                start=doc.date_or_none(m, "from", f"groups.{name}"),
                until=doc.date_or_none(m, "until", f"groups.{name}"),
            )
            for m in doc.sequence(doc.mapping(body, f"groups.{name}").get("members"), name)
        )
        for name, body in doc.mapping(top.get("groups"), "groups").items()
    }
    legacy = doc.mapping(top.get("legacy_scc"), "legacy_scc")
    multi = doc.mapping(
        doc.mapping(top.get("multi_region_locations"), "multi_region_locations").get("patterns"),
        "multi_region_locations.patterns",
    )
    members: dict[str, dict[str, tuple[_Membership, ...]]] = {}
    for name, memberships in groups.items():
        by_code = members.setdefault(name, {})
        for m in memberships:
            by_code[m.code] = (*by_code.get(m.code, ()), m)
    return _Jurisdictions(
        version=doc.text(top, "version", "top level"),
        groups=groups,
        members=members,
        adequacy=tuple(_adequacy(doc, entry) for entry in doc.sequence(top.get("adequacy"), "adequacy")),
        legacy_scc=LegacyScc(
            repealed=doc.date(legacy, "repealed", "legacy_scc"),
            transition_end=doc.date(legacy, "transition_end", "legacy_scc"),
            source=doc.text(legacy, "source", "legacy_scc"),
            new_clauses_adopted=doc.date(legacy, "new_clauses_adopted", "legacy_scc"),
            new_clauses_in_force=doc.date(legacy, "new_clauses_in_force", "legacy_scc"),
        ),
        cn_regime_change=doc.date(
            doc.mapping(top.get("cn_regime_change"), "cn_regime_change"), "date", "cn_regime_change"
        ),
        csl_renumbering=doc.date(
            doc.mapping(top.get("csl_renumbering"), "csl_renumbering"), "date", "csl_renumbering"
        ),
        multi_region={
            provider: tuple(str(p) for p in doc.sequence(patterns, f"patterns.{provider}"))
            for provider, patterns in multi.items()
        },
        instrument_starts={
            kind: _instrument_starts(doc, doc.mapping(body, f"{section}.{kind}"), f"{section}.{kind}")
            for section in ("cn_mechanism_instruments", "eu_mechanism_instruments")
            for kind, body in doc.mapping(top.get(section), section).items()
        },
        eea_unconfirmed=_eea_unconfirmed(doc, doc.mapping(top.get("eea_unconfirmed"), "eea_unconfirmed")),
        reserved=_reserved(doc, doc.mapping(top.get("reserved_country_codes"), "reserved_country_codes")),
    )


def _reserved(doc: _Reader, body: Mapping[str, Any]) -> dict[str, str]:
    doc.text(body, "source", "reserved_country_codes")
    codes = doc.mapping(body.get("codes"), "reserved_country_codes.codes")
    return {str(k): doc.text(codes, str(k), "reserved_country_codes.codes") for k in codes}


def _eea_unconfirmed(doc: _Reader, body: Mapping[str, Any]) -> frozenset[str]:
    doc.text(body, "source", "eea_unconfirmed")
    doc.text(body, "confidence", "eea_unconfirmed")
    return frozenset(str(c) for c in doc.sequence(body.get("codes"), "eea_unconfirmed.codes"))


def _instrument_starts(doc: _Reader, body: Mapping[str, Any], where: str) -> tuple[InstrumentStart, ...]:
    doc.text(body, "source", where)
    doc.text(body, "confidence", where)
    return tuple(
        InstrumentStart(
            field=name,
            starts=doc.date(doc.mapping(spec, f"{where}.dates.{name}"), "from", f"{where}.dates.{name}"),
            event=doc.text(doc.mapping(spec, f"{where}.dates.{name}"), "event", f"{where}.dates.{name}"),
        )
        for name, spec in doc.mapping(body.get("dates"), f"{where}.dates").items()
    )


def _adequacy(doc: _Reader, entry: Mapping[str, Any]) -> AdequacyDecision:
    where = f"adequacy entry {entry.get('id')!r}"
    scope = doc.text(entry, "scope", where)
    if scope not in _SCOPES:
        raise doc.error(where, f"scope {scope!r} is not one of {sorted(_SCOPES)}")
    destination = doc.text_or_none(entry, "destination", where)
    organisation = doc.text_or_none(entry, "organisation", where)
    if (destination is None) == (organisation is None):
        raise doc.error(where, "needs exactly one of destination and organisation")
    valid_from = doc.date(entry, "from", where)
    unconfirmed = doc.date_or_none(entry, "start_unconfirmed_until", where)
    if unconfirmed is not None and unconfirmed < valid_from:
        raise doc.error(where, "'start_unconfirmed_until' is before 'from'")
    return AdequacyDecision(
        id=doc.text(entry, "id", where),
        destination=destination,
        organisation=organisation,
        decision=doc.text_or_none(entry, "decision", where),
        valid_from=valid_from,
        valid_until=doc.date_or_none(entry, "until", where),
        scope=cast(AdequacyScope, scope),
        notes=doc.text(entry, "notes", where),
        source=doc.text(entry, "source", where),
        confidence=doc.text(entry, "confidence", where),
        start_unconfirmed_until=unconfirmed,
    )


class _Reader:
    """Typed access to the parsed YAML, failing with the file and the place in it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def error(self, where: str, message: str) -> ValueError:
        return ValueError(f"{self.path}: {where}: {message}")

    def mapping(self, value: object, where: str) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise self.error(where, "expected a mapping")
        return value

    def sequence(self, value: object, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.error(where, "expected a list")
        return value

    def text(self, node: Mapping[str, Any], key: str, where: str) -> str:
        value = node.get(key)
        if not isinstance(value, str) or not value:
            raise self.error(where, f"{key!r} must be a non-empty string")
        return value

    def text_or_none(self, node: Mapping[str, Any], key: str, where: str) -> str | None:
        return None if node.get(key) is None else self.text(node, key, where)

    def date(self, node: Mapping[str, Any], key: str, where: str) -> datetime.date:
        text = self.text(node, key, where)
        if _ISO_DATE.fullmatch(text):
            with contextlib.suppress(ValueError):
                return datetime.date.fromisoformat(text)
        raise self.error(where, f"{key!r} is not a YYYY-MM-DD date: {text!r}")

    def date_or_none(self, node: Mapping[str, Any], key: str, where: str) -> datetime.date | None:
        return None if node.get(key) is None else self.date(node, key, where)

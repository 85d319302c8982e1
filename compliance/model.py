"""The v1 data-flow manifest as strict pydantic models (the input contract, field by field).

Source of the format: ``manifest-format.md`` (manifest v1). Every model forbids unknown keys
and coerces nothing: an integer is never a date or a string, a string never a boolean.
Dates are ``YYYY-MM-DD`` strings parsed by :data:`IsoDate`. Cross-references (flow to
system, dataset ids), codes (locations, categories, purposes) and date orderings are checked
afterwards by :mod:`compliance.validate`, which needs the reference data.
"""

# No `from __future__ import annotations` here: pydantic would then evaluate every field's
# annotation from its text when the classes are created, which costs start-up (issue 7).
import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


def _parse_date(value: Any) -> dt.date:
    # Every date of a manifest comes here (about three per flow), so a well-formed date string
    # is tried first. Ten characters with dashes at 4 and 7 leave fromisoformat no other ISO
    # 8601 form (20260615, 2026-W24-1), and it reads ASCII digits only, as the pattern does.
    if type(value) is str and len(value) == 10 and value[4] == "-" == value[7]:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass  # the checks below say why
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _DATE.match(value):
        raise ValueError("expected a date written YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError("not a calendar date") from None


#: A calendar date written ``YYYY-MM-DD`` (never an integer, never a timestamp).
IsoDate = Annotated[
    dt.date,
    BeforeValidator(_parse_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}),
]


def _no_repeats(items: list[Any]) -> list[Any]:
    if len(set(items)) == len(items):  # the usual case, in one pass (items are strings)
        return items
    seen: list[Any] = []
    for item in items:
        if item in seen:
            raise ValueError(f"{item!r} is listed twice")
        seen.append(item)
    return items


def _exactly_int(value: Any) -> Any:
    if type(value) is not int:
        raise ValueError("expected the integer 1")
    return value


def _module_number(value: Any) -> Any:
    # a Literal of ints takes True for 1 and 2.0 for 2 (equal values), where counts take
    # integers only: so does the module
    if type(value) is not int:
        raise ValueError("expected 1, 2, 3 or 4")
    return value


class _NotNull:
    """Marks an optional field (``X | None = None``) whose key, when written, needs a value: the
    field may be left out (``None``), but a key written with nothing after it (YAML ``key:``) or
    ``null`` is an error rather than the key left out, so a half-written ``expires_on:`` never
    silently takes the default. Built into the core schema (the ``nullable`` wrapper dropped),
    so it costs nothing per value."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> Any:
        schema = handler(source)
        return schema["schema"] if schema.get("type") == "nullable" else schema


NOT_NULL = _NotNull()


#: Ids of datasets, systems and flows: ``[a-z0-9][a-z0-9._-]*``, unique per section.
Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]*$")]
Text = Annotated[str, StringConstraints(min_length=1, pattern=r"\S")]
Count = Annotated[int, Field(ge=0)]
#: A location: ISO 3166-1 alpha-2 (``CN``) or ``provider:region`` (``aws:eu-central-1``).
Location = Annotated[str, StringConstraints(min_length=1)]
#: A jurisdiction in ``established_in``/``targets``/representatives: ``EU``, ``EEA`` or alpha-2.
Jurisdiction = Annotated[str, StringConstraints(min_length=1)]
Role = Literal["controller", "processor", "joint_controller"]
Exemption = Literal["contract", "hr", "emergency", "transit", "ftz-negative-list"]


class _Strict(BaseModel):
    # defer_build: each model's schema and validator would otherwise be built when its class
    # is created, and again inside every model that contains it; deferred, only Manifest's
    # (which holds them all) is built, on first use (start-up, issue 7).
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


class Representative(_Strict):
    """A GDPR Art. 27 / PIPL Art. 53 representative in ``jurisdiction``."""

    jurisdiction: Jurisdiction
    name: Text


class Organization(_Strict):
    """The data exporter whose obligations are checked."""

    name: Text
    established_in: Annotated[list[Jurisdiction], AfterValidator(_no_repeats)] = Field(min_length=1)
    targets: Annotated[Annotated[list[Jurisdiction], AfterValidator(_no_repeats)] | None, NOT_NULL] = None
    ciio: bool
    state_organ: bool
    representatives: list[Representative] = Field(default_factory=list)


#: A fideslang key (``user.contact.email``): no empty segment, no space.
CATEGORY_KEY = r"^[A-Za-z0-9_<>-]+(\.[A-Za-z0-9_<>-]+)*$"


class CategoryExtension(_Strict):
    """A data category the manifest adds under an existing ``parent``; ``key`` is a fideslang
    key: dot-separated segments of letters, digits, ``_``, ``-``, ``<`` or ``>``, none empty."""

    key: Annotated[str, StringConstraints(pattern=CATEGORY_KEY)]
    parent: Text


class TaxonomyExtension(_Strict):
    """Optional extensions of the fideslang taxonomy."""

    data_categories: list[CategoryExtension] = Field(default_factory=list)


class Subjects(_Strict):
    """Distinct individuals per calendar year resident in ``residency`` (alpha-2)."""

    residency: Location
    count: Count


class Dataset(_Strict):
    """A body of data, its categories and whose data it is."""

    id: Id
    categories: Annotated[list[Text], AfterValidator(_no_repeats)] = Field(min_length=1)
    subjects: list[Subjects]
    important_data: bool
    core_data: bool
    collected_in: Annotated[Annotated[list[Location], AfterValidator(_no_repeats)] | None, NOT_NULL] = Field(
        default=None, min_length=1
    )


class Party(_Strict):
    """Who operates a system."""

    name: Text
    role: Role


# --- mechanisms: one model per ``type`` (a discriminated union) ------------------------------


class CacSecurityAssessment(_Strict):
    """CAC security assessment passed (CAC-SA 2022; validity per CBDF Art. 9)."""

    type: Literal["cac-security-assessment"]
    approved_on: IsoDate
    expires_on: Annotated[IsoDate | None, NOT_NULL] = None


class CnStandardContract(_Strict):
    """China standard contract (CAC-SC 2023); without ``filed_on`` it is signed, not filed."""

    type: Literal["cn-standard-contract"]
    signed_on: IsoDate
    filed_on: Annotated[IsoDate | None, NOT_NULL] = None


class PiCertification(_Strict):
    """PI protection certification (PIPL Art. 38(1)(2); CAC-CERT 2025)."""

    type: Literal["pi-protection-certification"]
    certified_on: IsoDate
    expires_on: IsoDate


class Pipia(_Strict):
    """PIPL Art. 55 personal information protection impact assessment."""

    type: Literal["pipia"]
    completed_on: IsoDate


class SeparateConsent(_Strict):
    """PIPL Art. 39 notice and separate consent."""

    type: Literal["separate-consent"]


class Scc2021(_Strict):
    """EU standard contractual clauses, Decision (EU) 2021/914, module 1-4."""

    type: Literal["scc-2021"]
    signed_on: IsoDate
    module: Annotated[Literal[1, 2, 3, 4], BeforeValidator(_module_number)]


class Scc2010(_Strict):
    """Old EU SCCs (2001/497/EC, 2004/915/EC, 2010/87/EU); no longer valid after 2022-12-27."""

    type: Literal["scc-2010"]
    signed_on: IsoDate


class ApprovedSafeguard(_Strict):
    """Other GDPR Art. 46/47 safeguards: BCRs, codes of conduct, certification, ad hoc clauses."""

    type: Literal["bcr", "code-of-conduct", "certification", "ad-hoc-clauses"]
    approved_on: IsoDate


DerogationGround = Literal[
    "explicit-consent",
    "contract",
    "public-interest",
    "legal-claims",
    "vital-interests",
    "public-register",
    "compelling-legitimate-interests",
]


class Derogation(_Strict):
    """A GDPR Art. 49 derogation."""

    type: Literal["derogation"]
    ground: DerogationGround


class Tia(_Strict):
    """Transfer impact assessment (Schrems II, C-311/18; EDPB Recommendations 01/2020)."""

    type: Literal["tia"]
    completed_on: IsoDate


Mechanism = Annotated[
    CacSecurityAssessment
    | CnStandardContract
    | PiCertification
    | Pipia
    | SeparateConsent
    | Scc2021
    | Scc2010
    | ApprovedSafeguard
    | Derogation
    | Tia,
    Field(discriminator="type"),
]

MECHANISM_TYPES: tuple[str, ...] = (
    "cac-security-assessment",
    "cn-standard-contract",
    "pi-protection-certification",
    "pipia",
    "separate-consent",
    "scc-2021",
    "scc-2010",
    "bcr",
    "code-of-conduct",
    "certification",
    "ad-hoc-clauses",
    "derogation",
    "tia",
)


class Access(_Strict):
    """Remote access to a system from ``location``; a bare string means ``{location: ...}``."""

    location: Location
    by: Literal["same_entity", "other_entity"] = "other_entity"
    role: Annotated[Role | None, NOT_NULL] = Field(
        default=None,
        description="Optional: the accessing entity's role (controller or processor), which "
        "decides the SCC module for access by another entity.",
    )
    mechanisms: list[Mechanism] = Field(default_factory=list)
    exemption: Annotated[Exemption | None, NOT_NULL] = None
    dpf_certified: Annotated[bool | None, NOT_NULL] = Field(
        default=None,
        description="Optional: whether the accessing entity is certified under the EU-US Data "
        "Privacy Framework (as a flow's `recipient.dpf_certified`); not recorded, the US adequacy "
        "decision's cover is undecided.",
    )
    adequacy_scope: Annotated[Literal["in", "out"] | None, NOT_NULL] = Field(
        default=None,
        description="Optional: whether the accessing entity is within an adequacy decision that "
        "covers only some recipients (as a flow's `recipient.adequacy_scope`).",
    )

    @model_validator(mode="before")
    @classmethod
    def _bare_location(cls, value: Any) -> Any:
        return {"location": value} if isinstance(value, str) else value


class System(_Strict):
    """A place where data is stored or processed."""

    id: Id
    location: Location
    operator: Party
    stores: Annotated[list[Id], AfterValidator(_no_repeats)]
    access_from: Annotated[list[Access] | None, NOT_NULL] = None
    terraform: Annotated[Text | None, NOT_NULL] = Field(
        default=None, description="Optional Terraform resource address this system runs as."
    )


class Recipient(_Strict):
    """The data importer of a flow."""

    name: Text
    role: Role
    dpf_certified: bool
    adequacy_scope: Annotated[Literal["in", "out"] | None, NOT_NULL] = None


class Flow(_Strict):
    """Data moving from one system to another."""

    id: Id
    source: Id = Field(alias="from")
    to: Id
    datasets: Annotated[list[Id], AfterValidator(_no_repeats)] = Field(min_length=1)
    purpose: Text
    started_on: IsoDate
    individuals: Annotated[Count | None, NOT_NULL] = None
    exemption: Annotated[Exemption | None, NOT_NULL] = None
    recipient: Recipient
    mechanisms: list[Mechanism]

    @model_validator(mode="after")
    def _not_to_itself(self) -> "Flow":
        if self.source == self.to:
            raise ValueError(f"a flow from system {self.source!r} to itself moves nothing")
        return self


class Waiver(_Strict):
    """An accepted risk: turns one rule's finding on one target into ``waived`` until expiry."""

    rule: Text
    target: Annotated[str, StringConstraints(pattern=r"^(organization|(datasets|systems|flows)/.+)$")]
    reason: Text
    approved_by: Text
    expires_on: IsoDate


class Manifest(_Strict):
    """A v1 data-flow manifest (``manifest-format.md``)."""

    manifest_version: Annotated[Literal[1], BeforeValidator(_exactly_int)]
    organization: Organization
    taxonomy: Annotated[TaxonomyExtension | None, NOT_NULL] = None
    datasets: list[Dataset]
    systems: list[System]
    flows: list[Flow]
    waivers: list[Waiver] = Field(default_factory=list)

"""The rule language's closed vocabulary: predicates over facts, composed with all/any/not.

A condition is a mapping with exactly one key: ``all``/``any`` (a list of conditions), ``not``
(one condition), or a predicate name from :data:`PREDICATES` with its argument. Evaluation is
three-valued: ``True``, ``False`` or ``None`` (the facts are not enough to decide), combined
with Kleene logic, so that an undecidable fact ends as ``needs_review``, never a silent pass.

Every predicate returns the sentences that justify its value; a finding quotes those of the
facts that made it fire ("why").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence, Sized
from types import MappingProxyType
from typing import Any, NamedTuple, cast

from compliance import jurisdictions
from compliance.facts import ManifestFacts, OrgProfile
from compliance.facts import mechanisms as mech
from compliance.facts.graph import CN_GOVERNED, Edge, Graph
from compliance.facts.volumes import within
from compliance.model import MECHANISM_TYPES, Dataset, Derogation, Scc2021, System
from compliance.names import entity_key

Tri = bool | None


_NO_FACTS: Mapping[str, Any] = MappingProxyType({})


class Result(NamedTuple):
    """A condition's value with the sentences (and figures) that justify it.

    A named tuple: a finding's explanation builds tens of these, and a tuple is the
    cheapest immutable record to build. ``facts`` is never mutated once built.
    """

    value: Tri
    reasons: tuple[str, ...] = ()
    facts: Mapping[str, Any] = MappingProxyType({})


class Subject(NamedTuple):
    """What a rule is evaluated against: one target of one manifest, for one regime, on a date.

    ``target`` is an :class:`Edge` (kind ``flow``), a :class:`System`, a :class:`Dataset`, or
    ``None`` for the organization. A named tuple: a run builds one per target and rule kind,
    and reads its fields on every predicate.
    """

    facts: ManifestFacts
    regime: str
    as_of: dt.date
    target: Edge | System | Dataset | None

    @property
    def graph(self) -> Graph:
        """The manifest's graph."""
        return self.facts.graph

    @property
    def edge(self) -> Edge:
        """The target as an edge (only for rules whose target kind is ``flow``: the rule
        loader refuses edge predicates in rules of other kinds)."""
        return cast(Edge, self.target)

    @property
    def cn_datasets(self) -> tuple[str, ...]:
        """The edge's :meth:`Graph.cn_datasets`."""
        return cast(Edge, self.target).cn_datasets

    @property
    def eu_datasets(self) -> tuple[str, ...]:
        """The edge's :meth:`Graph.eu_datasets`."""
        return cast(Edge, self.target).eu_datasets

    def regime_datasets(self) -> tuple[str, ...]:
        """Datasets of the edge that the rule's regime governs (empty: not a transfer)."""
        edge = cast(Edge, self.target)
        return edge.cn_datasets if self.regime == "cn" else edge.eu_datasets


Fn = Callable[[Subject, Any], Result]


class Predicate(NamedTuple):
    """One word of the vocabulary: its argument's JSON Schema, target kinds, and meaning.

    ``organization_level``: the value depends only on the manifest's organization-wide facts
    (never on the target), so it is decided once per manifest (:func:`specialize`).
    ``argument_problems``: what the schema cannot say about a schema-valid argument (an empty
    range, a code that names no country), as ``(path inside the argument, message)`` pairs.
    """

    schema: dict[str, Any]
    targets: frozenset[str]
    fn: Fn
    doc: str
    organization_level: bool = False
    argument_problems: Callable[[Any], list[tuple[tuple[str | int, ...], str]]] | None = None


PREDICATES: dict[str, Predicate] = {}
_EDGE = frozenset({"flow"})
_ALL = frozenset({"flow", "system", "dataset", "organization"})


def _predicate(
    name: str,
    schema: dict[str, Any],
    targets: frozenset[str],
    doc: str,
    *,
    organization_level: bool = False,
    argument_problems: Callable[[Any], list[tuple[tuple[str | int, ...], str]]] | None = None,
) -> Callable[[Fn], Fn]:
    def register(fn: Fn) -> Fn:
        PREDICATES[name] = Predicate(schema, targets, fn, doc, organization_level, argument_problems)
        return fn

    return register


def evaluate(cond: Mapping[str, Any], subject: Subject) -> Result:
    """Evaluate a (schema-valid) condition against ``subject``."""
    ((key, arg),) = cond.items()
    if key == "all" or key == "any":
        return _kleene(key == "any", [evaluate(c, subject) for c in arg])
    if key == "not":
        inner = evaluate(arg, subject)
        return Result(None if inner.value is None else not inner.value, inner.reasons, inner.facts)
    return PREDICATES[key].fn(subject, arg)


def value(cond: Mapping[str, Any], subject: Subject) -> Tri:
    """The value of :func:`evaluate`, without its reasons: stops at the first deciding part.

    Rules are evaluated against every target and most do not fire; this is the fast first
    pass, and :func:`evaluate` (which explains) runs only for targets that yield a finding.
    """
    return compiled(cond)(subject)


Check = Callable[[Subject], Tri]
#: A compiled condition: a check of the subject, or the value itself when it is decided
#: without one (by the organization's facts, see :func:`specialize`).
Compiled = Check | bool | None
#: id of a condition -> (the condition, kept so that its id is not reused; its compiled check)
_COMPILED: dict[int, tuple[Mapping[str, Any], Check]] = {}


def compiled(cond: Mapping[str, Any]) -> Check:
    """:func:`value` of ``cond`` as one function of the subject, compiled once per condition
    (no dispatch on the condition's keys per target)."""
    hit = _COMPILED.get(id(cond))
    if hit is not None and hit[0] is cond:
        return hit[1]
    check = _compile(cond, None)
    assert callable(check), "without an organization, no condition is decided at compile time"
    _COMPILED[id(cond)] = (cond, check)
    return check


def specialize(cond: Mapping[str, Any], organization: Subject) -> Compiled:
    """:func:`value` of ``cond`` for the targets of one manifest, with its organization-level
    predicates (``org``, ``org_total``, ...) decided once against ``organization`` (a subject
    whose target is ``None``, of the manifest and regime of the targets to come).

    Returns ``True``/``False``/``None`` when those decide ``cond`` for every target (a rule
    whose ``when`` is ``False`` here cannot fire in this manifest), else a check of the
    subject, equal to :func:`value` on every target of that manifest, regime and date.
    """
    return _compile(cond, organization)


def _compile(cond: Mapping[str, Any], organization: Subject | None) -> Compiled:
    ((key, arg),) = cond.items()
    if key in ("all", "any"):
        decisive = key == "any"  # Kleene logic: `any` stops at True, `all` at False
        parts: list[Check] = []
        undecided = False
        for c in arg:
            part = _compile(c, organization)
            if callable(part):
                parts.append(part)
            elif part is decisive:
                return decisive
            elif part is None:
                undecided = True
        start: Tri = None if undecided else not decisive
        if not parts:
            return start
        if len(parts) == 1 and not undecided:
            return parts[0]

        def combine(subject: Subject) -> Tri:
            out = start
            for c in parts:
                v = c(subject)
                if v is decisive:
                    return decisive
                if v is None:
                    out = None
            return out

        return combine
    if key == "not":
        inner = _compile(arg, organization)
        if not callable(inner):
            return None if inner is None else not inner

        def negated(subject: Subject) -> Tri:
            v = inner(subject)
            return None if v is None else not v

        return negated
    pred = PREDICATES[key]
    if organization is not None and pred.organization_level:
        return pred.fn(organization, arg).value
    fast = _VALUES.get(key)
    if fast is not None:
        return fast(arg)
    fn = pred.fn
    return lambda subject: fn(subject, arg).value


Explain = Callable[[Subject], Result]


def explainer(cond: Mapping[str, Any], organization: Subject) -> Explain:
    """:func:`evaluate` of ``cond`` (value and sentences) as one function of the subject, for
    the targets of one manifest: no dispatch on the condition's keys per target, and its
    organization-level predicates evaluated once against ``organization`` (a subject whose
    target is ``None``, as for :func:`specialize`); their :class:`Result` is shared, being
    never mutated.

    Equal to :func:`evaluate` on every target of that manifest, regime and date; a run builds
    one per rule and manifest and calls it only on targets that yield a finding.
    """
    ((key, arg),) = cond.items()
    if key == "all" or key == "any":
        decisive = key == "any"
        parts = [explainer(c, organization) for c in arg]

        return lambda subject: _kleene(decisive, [p(subject) for p in parts])
    if key == "not":
        inner = explainer(arg, organization)

        def negated(subject: Subject) -> Result:
            r = inner(subject)
            return Result(None if r.value is None else not r.value, r.reasons, r.facts)

        return negated
    pred = PREDICATES[key]
    if pred.organization_level:
        decided = pred.fn(organization, arg)
        return lambda subject: decided
    fn = pred.fn
    return lambda subject: fn(subject, arg)


def _kleene(decisive: bool, parts: Sequence[Result]) -> Result:
    """``all`` (``decisive`` False) or ``any`` (True) of evaluated parts, in Kleene logic: the
    parts that decide explain the value; failing those, the undecided ones; failing those,
    all of them."""
    deciding: list[Result] = []
    undecided: list[Result] = []
    for p in parts:  # one pass: every finding's explanation goes through here
        v = p.value
        if v is decisive:
            deciding.append(p)
        elif v is None:
            undecided.append(p)
    if deciding:
        return _join(decisive, deciding)
    if undecided:
        return _join(None, undecided)
    return _join(not decisive, parts)


def _join(value: Tri, parts: Sequence[Result]) -> Result:
    if len(parts) == 1:
        p = parts[0]
        if len(p.reasons) < 2:
            return p if p.value is value else Result(value, p.reasons, p.facts)
    reasons = dict.fromkeys(r for p in parts for r in p.reasons)  # each once, first place kept
    facts: dict[str, Any] = {}
    for p in parts:
        if p.facts:
            facts.update(p.facts)
    return Result(value, tuple(reasons), facts)


def _hold(datasets: Sequence[str]) -> str:
    """``"customers holds"``, ``"customers, staff hold"``: the datasets as a sentence's subject."""
    return f"{', '.join(datasets)} {_verb(datasets, 'holds', 'hold')}"


def _verb(subjects: Sized, one: str, many: str) -> str:
    """The verb's form ``one`` or ``many`` that agrees with how many ``subjects`` there are."""
    return one if len(subjects) == 1 else many


def _types(arg: str | list[str]) -> list[str]:
    return [arg] if isinstance(arg, str) else list(arg)


def _or(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


_MECH_TYPES = {"type": "string", "enum": list(MECHANISM_TYPES)}
_MECH_ARG = {"oneOf": [_MECH_TYPES, {"type": "array", "items": _MECH_TYPES, "minItems": 1}]}


# --- edges: transfers ------------------------------------------------------------------------


def _edge_label(e: Edge) -> str:
    if e.kind == "flow":
        return f"flow {e.target[1]}"
    return f"remote access to {e.target[1]} from {e.destination_country}"


@_predicate(
    "transfer",
    {"enum": ["cn", "eu"]},
    _EDGE,
    "The edge is an outbound transfer under a regime: `cn` leaves mainland China carrying data "
    "collected there; `eu` is a GDPR Chapter V transfer (incl. onward transfers).",
)
def _transfer(s: Subject, arg: str) -> Result:
    e = s.edge
    if arg == "cn":
        ds = s.graph.cn_datasets(e)
        if ds:
            return Result(
                True,
                (
                    f"{_edge_label(e)} moves {', '.join(ds)} (collected in mainland China) from "
                    f"{e.source_country} to {e.destination_country}, outside mainland China",
                ),
                {"source_country": e.source_country, "destination_country": e.destination_country},
            )
        return Result(False, (f"{_edge_label(e)} is not an outbound transfer from mainland China",))
    ds = s.graph.eu_datasets(e)
    if e.eu_unsettled:
        return Result(
            None,
            (
                f"whether {_edge_label(e)} from {e.source_country} to {e.destination_country} is a "
                f"GDPR Chapter V transfer of {', '.join(ds)} turns on whether "
                f"{_or(list(e.eu_unsettled))} is part of the EEA, which the jurisdiction data does "
                "not record",
            ),
            {"source_country": e.source_country, "destination_country": e.destination_country},
        )
    if ds:
        kind = "an onward transfer" if s.graph.is_onward(e) else "a transfer"
        return Result(
            True,
            (
                f"{_edge_label(e)} is {kind} of {', '.join(ds)} from "
                f"{e.source_country} to {e.importer} in {e.destination_country}, outside the EEA",
            ),
            {"source_country": e.source_country, "destination_country": e.destination_country},
        )
    return Result(False, (f"{_edge_label(e)} is not a GDPR Chapter V transfer",))


@_predicate("onward", {"type": "boolean"}, _EDGE, "The EU transfer's exporter is outside the EEA.")
def _onward(s: Subject, arg: bool) -> Result:
    why = (f"the exporter's system is in {s.edge.source_country}",)
    if s.edge.source_country in s.graph.eea_unsettled:
        return Result(None, (*why, "whose EEA status the jurisdiction data does not record"))
    return Result(s.graph.is_onward(s.edge) == arg, why)


@_predicate(
    "remote_access",
    {"type": "boolean"},
    _EDGE,
    "The edge is remote access (`access_from`) rather than a flow.",
)
def _remote(s: Subject, arg: bool) -> Result:
    v = s.edge.kind == "remote_access"
    return Result(v == arg, (f"{_edge_label(s.edge)}",))


_CLASSES = [
    "personal",
    "sensitive",
    "non_sensitive_personal",
    "special_category",
    "criminal",
    "important_data",
    "core_data",
]
_CLASS_WORDS = {
    "personal": "personal information",
    "sensitive": "sensitive personal information (PIPL Art. 28)",
    "non_sensitive_personal": "non-sensitive personal information",
    "special_category": "special categories of data (GDPR Art. 9)",
    "criminal": "criminal-offence data (GDPR Art. 10)",
    "important_data": "important data (DSL Art. 21)",
    "core_data": "core data (DSL Art. 21)",
}


def _dataset_has(g: Graph, d: str, cls: str) -> bool:
    return cls in g.datasets[d].classes


@_predicate(
    "carries",
    {"enum": _CLASSES},
    _EDGE,
    "Among the datasets the rule's regime governs on this edge, one holds the class of data.",
)
def _carries(s: Subject, arg: str) -> Result:
    hits = [d for d in s.regime_datasets() if _dataset_has(s.graph, d, arg)]
    if hits:
        return Result(True, (f"{_hold(hits)} {_CLASS_WORDS[arg]}",))
    return Result(False, (f"no {_CLASS_WORDS[arg]} is carried",))


@_predicate(
    "exemption",
    {
        "oneOf": [
            {"const": "any"},
            {
                "type": "array",
                "minItems": 1,
                "items": {"enum": ["contract", "hr", "emergency", "transit", "ftz-negative-list"]},
            },
        ]
    },
    _EDGE,
    "A CN exemption (CBDF Arts. 4-6) is declared on the edge: `any`, or one of a list.",
)
def _exemption(s: Subject, arg: Any) -> Result:
    ex = s.edge.exemption
    if ex is None:
        return Result(False, ("no exemption is declared",))
    hit = arg == "any" or ex in arg
    return Result(hit, (f"the exemption '{ex}' is declared",))


@_predicate(
    "exempted",
    {"const": True},
    _EDGE,
    "A CN exemption covers the edge: one is declared, the CBDF (2024-03-22) has created it by "
    "the as-of date, and it is not a contract, HR or emergency exemption on an edge carrying "
    "important or core data, which such an exemption does not cover (CBDF Art. 5).",
)
def _exempted(s: Subject, arg: bool) -> Result:
    e = s.edge
    if e.exemption is None:
        return Result(False, ("no exemption is declared",))
    if s.graph.exempted(e):
        return Result(True, (f"the exemption '{e.exemption}' covers {_edge_label(e)}",))
    if s.as_of < jurisdictions.cn_regime_change():
        why = f"CBDF exemptions exist only from {jurisdictions.cn_regime_change()}"
    else:
        why = "it carries important or core data, which that exemption does not cover (CBDF Art. 5)"
    return Result(False, (f"the exemption '{e.exemption}' is declared on {_edge_label(e)}, but {why}",))


@_predicate(
    "cn_origin_unclear",
    {"const": True},
    frozenset({"dataset"}),
    "The dataset's collection place is unclear: personal, important or core data with no "
    "`collected_in` that first appears outside the mainland although a mainland system stores it "
    "or, holding it, sits on a cycle of its flows.",
)
def _cn_origin_unclear(s: Subject, arg: bool) -> Result:
    d = cast(Dataset, s.target).id
    unclear = s.graph.cn_origin_unclear.get(d)
    if unclear is None:
        return Result(False, (f"where {d} was collected is recorded or follows from where it first appears",))
    origins, doubtful = unclear
    country = s.graph.system_country
    return Result(
        True,
        (
            f"{d} has no collected_in; it is taken to first appear at "
            + ", ".join(f"{o} ({country[o]})" for o in origins)
            + ", outside mainland China, yet it may have been collected at "
            + ", ".join(f"{c} ({country[c]})" for c in doubtful)
            + " in mainland China, which stores it or sits on a cycle of its flows: taken as"
            " collected abroad, its copies abroad and the flows taking it out"
            " of the mainland are not judged as CN transfers, which is right only if no part of it"
            " was collected in mainland China",
        ),
    )


@_predicate(
    "cn_residents_origin_defaulted",
    {"const": True},
    frozenset({"dataset"}),
    "The dataset holds important or core data, or personal information of people resident in "
    "mainland China, has no `collected_in`, and first appears only outside the mainland, so the "
    "contract's default takes it as collected abroad (and no CN transfer rule judges it); not "
    "where `cn_origin_unclear` already asks.",
)
def _cn_residents_origin_defaulted(s: Subject, arg: bool) -> Result:
    d = cast(Dataset, s.target).id
    g = s.graph
    facts = g.datasets[d]
    origins = g.default_origins.get(d)
    residents = sum(
        x.count
        for x in facts.dataset.subjects
        if g.in_group(jurisdictions.resolve_location(x.residency), "cn-mainland")
    )
    kinds = [_CLASS_WORDS[c] for c in ("important_data", "core_data") if c in facts.classes]
    if facts.personal and residents:
        kinds.insert(0, f"personal information of {residents:,} people resident in mainland China")
    if not origins or d in g.cn_collected or d in g.cn_origin_unclear or not kinds:
        # no origins: a recorded collected_in, or held by no system at all
        return Result(
            False,
            (f"{d} records where it was collected, starts in mainland China or holds no data of it",),
        )
    country = g.system_country
    places = ", ".join(f"{o} ({country[o]})" for o in origins)
    return Result(
        True,
        (
            f"{d} holds {' and '.join(kinds)} but has no collected_in, and first appears at {places}, "
            "outside mainland China: by the contract's default it was collected there, so none of "
            "its flows or copies is judged as a CN transfer, which is right only if none of it was "
            "collected or generated in mainland China",
        ),
    )


@_predicate(
    "in_force",
    _MECH_ARG,
    _EDGE,
    "A mechanism of one of these types is in force on the as-of date, for the edge's transfer "
    "(old SCCs never are, from their repeal, for a flow that began on or after it; undecided "
    "when the only candidate is an assessment held in force by an `expires_on` past its "
    "statutory validity).",
)
def _in_force(s: Subject, arg: Any) -> Result:
    types = _types(arg)
    mine = [m for m in s.edge.mechanisms if m.type in types]
    start = s.edge.started_on
    verdicts = [mech.status(m, s.as_of, start).in_force for m in mine]
    good = [m for m, v in zip(mine, verdicts, strict=True) if v]
    if good:
        return Result(True, tuple(f"{mech.describe(m, s.as_of, start)} is in force" for m in good))
    extra = "; ".join(mech.describe(m, s.as_of, start) for m in mine)
    if None in verdicts:
        return Result(None, (f"whether a {_or(types)} is in force on {s.as_of} is not settled ({extra})",))
    return Result(
        False,
        (f"no {_or(types)} in force on {s.as_of}" + (f" ({extra})" if extra else ""),),
        _declared_not_in_force(m.type for m in mine) if mine else _NO_FACTS,
    )


def _declared_not_in_force(types: Iterable[str]) -> Mapping[str, Any]:
    """The facts of mechanisms recorded on an edge that do not count (expired, not yet in force,
    dated after the transfer began): ``mechanism.<type>: "declared, not in force"``. A finding
    then differs from one where no mechanism was recorded at all, so a baseline entry of the
    latter does not hide it (an assessment that lapsed after the finding was fixed)."""
    return {f"mechanism.{t}": "declared, not in force" for t in sorted(set(types))}


@_predicate("declared", _MECH_ARG, _EDGE, "A mechanism of one of these types is declared (any dates).")
def _declared(s: Subject, arg: Any) -> Result:
    types = _types(arg)
    # a derogation names its ground (Art. 49(1)(a)-(g)): the reader must see which one
    mine = [
        f"{m.type} ({m.ground})" if isinstance(m, Derogation) else m.type
        for m in s.edge.mechanisms
        if m.type in types
    ]
    if mine:
        return Result(True, (f"{_or(sorted(set(mine)))} is declared",))
    return Result(False, (f"no {_or(types)} is declared",))


@_predicate(
    "before_start",
    _MECH_ARG,
    _EDGE,
    "A mechanism of one of these types is in force and took effect on or before the flow's "
    "`started_on` (remote access, which has no start date: in force is enough).",
)
def _before_start(s: Subject, arg: Any) -> Result:
    types = _types(arg)
    start = s.edge.started_on
    unsettled: list[str] = []
    ruled_out: list[str] = []  # declared, but not in force or dated after the start: say why
    for m in s.edge.mechanisms:
        if m.type not in types:
            continue
        st = mech.status(m, s.as_of, start)
        if st.in_force is False:
            ruled_out.append(mech.describe(m, s.as_of, start))
            continue
        if not (start is None or st.effective_on is None or st.effective_on <= start):
            ruled_out.append(f"{m.type} dated {st.effective_on}, after the transfer began")
            continue
        if st.in_force:
            return Result(True, (f"{m.type} dated {st.effective_on}, before the transfer began",))
        unsettled.append(mech.describe(m, s.as_of, start))
    if unsettled:
        return Result(None, (f"whether {'; '.join(unsettled)} is in force is not settled",))
    when = f"before the transfer began on {start}" if start else f"in force on {s.as_of}"
    extra = f" ({'; '.join(ruled_out)})" if ruled_out else ""
    lapsed = (
        _declared_not_in_force(m.type for m in s.edge.mechanisms if m.type in types)
        if ruled_out
        else _NO_FACTS
    )
    return Result(False, (f"no {_or(types)} {when}{extra}",), lapsed)


_MODULES = {
    ("controller", "controller"): 1,
    ("controller", "processor"): 2,
    ("processor", "processor"): 3,
    ("processor", "controller"): 4,
}


def scc_module(exporter_role: str, importer_role: str | None) -> int | None:
    """The Decision (EU) 2021/914 module for the roles (joint controllers act as controllers)."""
    if importer_role is None:
        return None
    pair = (
        "controller" if exporter_role == "joint_controller" else exporter_role,
        "controller" if importer_role == "joint_controller" else importer_role,
    )
    return _MODULES.get(pair)


@_predicate(
    "scc_module_matches",
    {"const": True},
    _EDGE,
    "An scc-2021 in force uses the module matching the exporter's and importer's roles "
    "(1 C2C, 2 C2P, 3 P2P, 4 P2C); where the importer's role is unknown (remote access with no "
    "`role`), undecided unless no scc-2021 in force has a module the exporter's role allows.",
)
def _scc_module(s: Subject, arg: bool) -> Result:
    e = s.edge
    want = scc_module(e.exporter_role, e.importer_role)
    sccs = [m for m in e.mechanisms if isinstance(m, Scc2021) and mech.status(m, s.as_of).in_force]
    if not sccs:
        return Result(False, ("no scc-2021 in force",))
    if want is None:
        # the exporter's role alone narrows the modules to two: one outside them is wrong
        # whatever the accessing entity turns out to be
        fits = sorted(m for r in ("controller", "processor") if (m := scc_module(e.exporter_role, r)))
        used = ", ".join(str(m.module) for m in sccs)
        if not any(m.module in fits for m in sccs):
            return Result(
                False,
                (
                    f"scc-2021 module {used} does not match a {e.exporter_role} exporter whatever "
                    f"the accessing entity's role (module {' or '.join(map(str, fits))})",
                ),
            )
        return Result(
            None,
            (
                "the accessing entity's role is not recorded (add `role` to the access_from "
                "entry), so the SCC module cannot be checked",
            ),
        )
    if any(m.module == want for m in sccs):
        return Result(True, (f"scc-2021 module {want} matches {e.exporter_role} to {e.importer_role}",))
    used = ", ".join(str(m.module) for m in sccs)
    return Result(
        False,
        (f"scc-2021 module {used} does not match {e.exporter_role} to {e.importer_role} (module {want})",),
    )


@_predicate(
    "importer_is_organization",
    {"type": "boolean"},
    _EDGE,
    "The importer (the flow's `recipient`) is the manifest's organization itself, names compared "
    "as entities are (Unicode NFC, whitespace trimmed); remote access by another entity never is.",
)
def _importer_is_organization(s: Subject, arg: bool) -> Result:
    e = s.edge
    org = s.facts.loaded.manifest.organization.name
    v = e.flow is not None and entity_key(e.importer) == s.graph.org_key
    return Result(v == arg, (f"the importer {e.importer} is {'' if v else 'not '}the organization {org}",))


@_predicate(
    "adequacy",
    {"const": True},
    _EDGE,
    "An EU adequacy decision in force on the as-of date covers the destination and the "
    "recipient (DPF certification for the US; `adequacy_scope` where a decision covers only "
    "some recipients; absent there: undecided). Undecided on a decision's first days whose "
    "date the data marks unconfirmed (`start_unconfirmed_until`).",
)
def _adequacy(s: Subject, arg: bool) -> Result:
    e = s.edge
    dec = jurisdictions.adequacy_for(e.destination_country, s.as_of)
    if dec is None:
        return Result(False, (f"no adequacy decision covers {e.destination_country} on {s.as_of}",))
    label = f"adequacy decision {dec.decision or dec.id} for {e.destination_country}"
    covered = _adequacy_scope(e, dec, label)
    unconfirmed = dec.start_unconfirmed_until
    if covered.value is True and unconfirmed is not None and s.as_of <= unconfirmed:
        return Result(
            None,
            (
                f"whether {label} already applied on {s.as_of} is not confirmed: the sources "
                f"disagree on its first day (certain from {unconfirmed + dt.timedelta(days=1)})",
            ),
        )
    return covered


def _importer_declarations(e: Edge) -> tuple[bool | None, str | None]:
    """What the manifest declares of the importer of ``e`` for adequacy: DPF certification
    (``None`` where an ``access_from`` entry does not record it) and ``adequacy_scope``."""
    if e.flow is not None:
        return e.flow.recipient.dpf_certified, e.flow.recipient.adequacy_scope
    entry = e.access_entry
    return (None, None) if entry is None else (entry.dpf_certified, entry.adequacy_scope)


def _adequacy_scope(e: Edge, dec: jurisdictions.AdequacyDecision, label: str) -> Result:
    dpf, scope = _importer_declarations(e)
    if scope == "out":
        if dec.scope == "dpf_certified" and dpf:
            # the contract lets DPF certification decide for the US, and says it covers the
            # data carried; `out` says the data is outside it (HR data under a non-HR
            # certification?): the two declarations disagree
            return Result(
                None,
                (
                    f"{e.importer} is declared DPF-certified, which covers the data carried, and "
                    f"out of the scope of {label}: the two declarations disagree",
                ),
            )
        # Partial decisions (Japan's private sector, Korea's exclusions...): a recipient the
        # manifest declares outside the decision is not covered, whatever the country.
        return Result(False, (f"{label} does not cover {e.importer} (declared out of scope)",))
    if dec.scope == "country":
        return Result(True, (f"{label} is in force",))
    if dec.scope == "unconfirmed":
        return Result(
            None, (f"whether {label} covers {e.destination_country} is not confirmed ({dec.notes})",)
        )
    if dec.scope == "dpf_certified":
        if dpf:
            return Result(True, (f"{label} covers {e.importer} (DPF-certified)",))
        if dpf is None:
            return Result(
                None,
                (
                    f"{label} covers only DPF-certified recipients, and the access_from entry does "
                    "not record whether the accessing entity is one (add dpf_certified)",
                ),
            )
        return Result(False, (f"{label} covers only DPF-certified recipients; {e.importer} is not",))
    if scope == "in":
        return Result(True, (f"{label} covers {e.importer} (declared in scope)",))
    if scope == "out":
        return Result(False, (f"{label} does not cover {e.importer} (declared out of scope)",))
    return Result(
        None,
        (f"{label} covers only some recipients and the manifest does not say whether {e.importer} is one",),
    )


def _group_arg() -> dict[str, Any]:
    return {"enum": ["cn-mainland", "eu", "eea"]}


def _group_result(g: Graph, country: str, group: str, why: str) -> Result:
    if group != "cn-mainland" and country in g.eea_unsettled:
        return Result(None, (f"{why}, whose EU and EEA membership the jurisdiction data does not record",))
    return Result(g.in_group(country, group), (why,))


@_predicate(
    "destination_in",
    _group_arg(),
    _EDGE,
    "The edge's destination is in the group on the as-of date.",
)
def _destination_in(s: Subject, arg: str) -> Result:
    c = s.edge.destination_country
    return _group_result(s.graph, c, arg, f"the destination is {c}")


def _unknown_countries(arg: list[str]) -> list[tuple[tuple[str | int, ...], str]]:
    return [
        ((i,), f"{code!r} is not an ISO 3166-1 alpha-2 country code")
        for i, code in enumerate(arg)
        if not jurisdictions.is_country(code)
    ]


@_predicate(
    "destination_country",
    {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": "^[A-Z]{2}$"}},
    _EDGE,
    "The edge's destination resolves to one of these ISO 3166-1 alpha-2 codes (for a fact "
    "about one country that no group or adequacy entry carries, e.g. a doubtful date).",
    argument_problems=_unknown_countries,
)
def _destination_country(s: Subject, arg: list[str]) -> Result:
    c = s.edge.destination_country
    return Result(c in arg, (f"the destination is {c}",))


@_predicate("dpf_certified", {"type": "boolean"}, _EDGE, "The flow's recipient is DPF-certified.")
def _dpf(s: Subject, arg: bool) -> Result:
    flow = s.edge.flow
    v = flow is not None and flow.recipient.dpf_certified
    return Result(v == arg, (f"{s.edge.importer} is {'' if v else 'not '}DPF-certified",))


# --- organization and volumes ----------------------------------------------------------------


_MEASURES = {
    "non_sensitive": "non-sensitive personal information",
    "sensitive": "sensitive personal information",
    "personal": "personal information (sensitive or not)",
    "processed": "personal information processed (from the largest dataset to all added up)",
}


@_predicate(
    "org_total",
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["measure"],
        "properties": {
            "measure": {"enum": list(_MEASURES)},
            "at_least": {"type": "integer", "minimum": 0},
            "below": {"type": "integer", "minimum": 1},
            "surely": {"type": "boolean"},
        },
        "anyOf": [{"required": ["at_least"]}, {"required": ["below"]}],
    },
    _ALL,
    "The organization's CN total this calendar year (individuals whose PI of that kind leaves "
    "mainland China, not exempted; `processed`: the individuals whose PI it processes, wherever "
    "collected, between its largest personal dataset and all of them added up; others between "
    "the flows no exemption covers and those plus flows under a transit or free-trade-zone "
    "exemption) is at least `at_least` and below `below`: undecided where a bound falls inside "
    "the range, or, with `surely: true`, false there (for handing a target over to another "
    "rule only when that rule surely applies).",
    organization_level=True,
    argument_problems=lambda arg: (
        [
            (
                (),
                f"at_least {arg['at_least']} is not less than below ({arg['below']}): "
                "no total is in that range",
            )
        ]
        if "at_least" in arg and "below" in arg and arg["at_least"] >= arg["below"]
        else []
    ),
)
def _org_total(s: Subject, arg: Mapping[str, Any]) -> Result:
    measure = arg["measure"]
    low, high = s.facts.totals.range(measure)
    lo, hi = arg.get("at_least"), arg.get("below")
    ok = within(low, high, lo, hi)
    straddled = ok is None and bool(arg.get("surely"))  # false only because it is not sure
    if straddled:
        ok = False
    what = _MEASURES[measure]
    figure = {f"cn.{measure}_individuals": low}
    if high != low:  # a range: its upper end too (a baseline reduces both to zero or above)
        figure[f"cn.{measure}_at_most_individuals"] = high
    if ok and lo is None:
        return Result(True, (), figure)  # "below a ceiling" explains nothing on its own
    threshold = lo is not None and (
        hi is None or (high < lo if ok is False else low < lo <= high if ok is None else True)
    )
    bound = _bound_words(None if straddled else ok, lo if threshold else None, None if threshold else hi)
    if straddled:
        bound += ", not surely reached"
    if measure != "processed":
        shares = s.facts.totals.shares(measure)
        if len(shares) > 1:  # the organization's files add up: say which, and how much each
            bound += "; " + ", ".join(f"{file} {part:,}" for file, part in shares)
        if low == high:
            sentence = f"{low:,} individuals' {what} leave mainland China this year ({bound})"
        else:
            sentence = (
                f"between {low:,} and {high:,} individuals' {what} leave mainland China this year "
                f"(the larger with the flows under a transit or free-trade-zone exemption the tool "
                f"cannot confirm; {bound})"
            )
        return Result(ok, (sentence,), figure)
    processes = "the organization processes the personal information of"
    largest = f"{low:,} individuals (its largest personal dataset, wherever collected)"
    if ok is None:
        sentence = (
            f"{processes} between {largest} and {high:,} (all its personal datasets added up): "
            f"whether its datasets hold the same people decides ({bound})"
        )
    elif low == high or ok is threshold:  # the largest dataset reaches the bound
        sentence = f"{processes} at least {largest} ({bound})"
    else:  # all of them together stay under it
        sentence = f"{processes} at most {high:,} individuals (all its personal datasets added up; {bound})"
    return Result(ok, (sentence,), figure)


def _bound_words(ok: Tri, lo: int | None, hi: int | None) -> str:
    """The bound that decides an ``org_total`` (``lo``, a threshold, or ``hi``, a ceiling) and
    whether the total reaches it, for a value ``ok``: a sentence must not read as a threshold
    met when it names one the total stays below."""
    if ok is None:
        return f"threshold {lo:,}" if lo is not None else f"ceiling {hi:,}"
    if lo is not None:
        return f"threshold {lo:,} reached" if ok else f"below the threshold of {lo:,}"
    return f"below the ceiling of {hi:,}" if ok else f"ceiling {hi:,} reached"


@_predicate(
    "org",
    {
        "type": "object",
        "additionalProperties": False,
        "minProperties": 1,
        "properties": {
            "ciio": {"type": "boolean"},
            "state_organ": {"type": "boolean"},
            "established_in": {"enum": ["CN", "EEA"]},
            "targets": {"enum": ["CN", "EEA"]},
            "targets_recorded": {"type": "boolean"},
            "representative_in": {"enum": ["CN", "EEA"]},
            "representative_where_targeted": {"type": "boolean"},
            "holds_residents_of": {"enum": ["CN", "EEA"]},
        },
    },
    _ALL,
    "Facts about the organization (all given keys must hold): CIIO designation, state organ, "
    "establishment, targeting, representatives, residents whose data it holds; for the EU/EEA "
    "undecided when only a territory of unrecorded EEA status would make a fact hold.",
    organization_level=True,
)
def _org(s: Subject, arg: Mapping[str, Any]) -> Result:
    org = s.facts.loaded.manifest.organization  # its AGREED fields: the same in every file
    profile = s.facts.org  # the rest over all the organization's files
    g = s.graph
    reasons: list[str] = []
    values: list[Tri] = []
    for key, want in arg.items():
        if key in ("ciio", "state_organ"):
            v = bool(getattr(org, key))
            word = {"ciio": "a designated CIIO", "state_organ": "a state organ"}[key]
            reasons.append(f"the organization is {'' if v else 'not '}{word}")
            values.append(v == want)
        elif key in ("established_in", "targets"):
            codes = org.established_in if key == "established_in" else (profile.targets or ())
            hit = g.names_place(codes, want)
            phrases = {
                ("established_in", True): "is established in",
                ("established_in", False): "is not established in",
                ("targets", True): "targets",
                ("targets", False): "does not target",
            }
            doubt = [] if hit else _eea_unconfirmed(want, codes)
            if doubt:
                verb = "is established in" if key == "established_in" else "targets"
                reasons.append(f"the organization {verb} {_or(doubt)}{_UNRECORDED}")
                values.append(None)
            else:
                reasons.append(f"the organization {phrases[key, hit]} {_place(want)}")
                values.append(hit)
        elif key == "targets_recorded":
            v = profile.targets is not None
            reasons.append("targets are " + ("recorded" if v else "not recorded"))
            values.append(v == want)
        elif key == "representative_where_targeted":
            (where, whole), reps = _targeted_states(g, profile), list(profile.representatives)
            # a territory of unrecorded EEA status is as good as any state of a whole group here:
            # whether it is in the EU/EEA at all, `representative_in` leaves undecided
            loose = jurisdictions.eea_unconfirmed() if whole is not None else frozenset()
            hit = any(
                code in ("EU", "EEA")
                or code in where
                or code in loose
                or (whole is not None and g.in_group(code, whole))
                for code in reps
            )
            if whole == "eea":
                reasons.append("the targets name the EEA as a whole")
            else:
                shown = ", ".join([*(["any EU member state"] if whole else []), *sorted(where)])
                reasons.append(
                    f"{'a' if hit else 'no'} representative is recorded in a member state where the "
                    f"targeted people are ({shown}); representatives: {', '.join(reps) or 'none'}"
                )
            values.append(hit == want)
        elif key == "representative_in":
            hit = any(_rep_matches(g, code, want) for code in profile.representatives)
            doubt = [] if hit else _eea_unconfirmed(want, profile.representatives)
            if doubt:
                reasons.append(f"a representative in {_or(doubt)} is recorded{_UNRECORDED}")
                values.append(None)
            else:
                reasons.append(f"{'a' if hit else 'no'} representative in {_place(want)} is recorded")
                values.append(hit)
        else:
            residencies = profile.residencies
            hit = any(
                (want == "CN" and g.in_group(r, "cn-mainland")) or (want == "EEA" and g.in_group(r, "eea"))
                for r in residencies
            )
            doubt = [] if hit else _eea_unconfirmed(want, residencies)
            if doubt:
                reasons.append(f"it holds data of residents of {_or(doubt)}{_UNRECORDED}")
                values.append(None)
            else:
                reasons.append(f"it {'holds' if hit else 'holds no'} data of residents of {_place(want)}")
                values.append(hit)
    verdict: Tri = False if False in values else None if None in values else True
    return Result(verdict, tuple(reasons))


_UNRECORDED = ", whose EU/EEA membership the jurisdiction data does not record"


def _eea_unconfirmed(want: str, codes: Sequence[str]) -> list[str]:
    """The codes among ``codes`` of territories of unrecorded EEA status, when ``want`` is the
    EU/EEA (on them an organization fact about the EU/EEA is undecided)."""
    if want != "EEA":
        return []
    unconfirmed = jurisdictions.eea_unconfirmed()
    return sorted({c for c in codes if c in unconfirmed})


def _place(word: str) -> str:
    return "mainland China" if word == "CN" else "the EU/EEA"


def _targeted_states(g: Graph, profile: OrgProfile) -> tuple[set[str], str | None]:
    """The EEA states where the people an organization targets are: those its ``targets`` name
    and those of its datasets' residents (over all its files); and the group its targets name
    as a whole, ``eea`` or ``eu`` (``None`` when neither), any member of which is then one where
    they are, as far as the manifests show. Targeting the EU as a whole does not put people in
    Norway, Iceland or Liechtenstein: a representative there needs them named or resident."""
    targets = profile.targets or ()
    whole = "eea" if "EEA" in targets else "eu" if "EU" in targets else None
    return {c for c in (*targets, *profile.residencies) if g.in_group(c, "eea")}, whole


def _rep_matches(g: Graph, code: str, want: str) -> bool:
    if want == "CN":
        return g.in_group(code, "cn-mainland") if code not in ("EU", "EEA") else False
    return code in ("EU", "EEA") or g.in_group(code, "eea")


@_predicate(
    "gdpr_exporter_abroad",
    {"oneOf": [{"const": True}, {"enum": _CLASSES}]},
    _EDGE,
    "The organization, which the GDPR binds (established in the EU/EEA, Art. 3(1), or "
    "targeting people there, Art. 3(2)), takes personal data of EU/EEA residents (or collected "
    "there) from its own system outside the EEA to another entity outside the EEA, and the "
    "manifest contract does not make that data's move a GDPR Chapter V transfer (no EEA system "
    "upstream of it): a transfer under the EDPB's three criteria (Guidelines 05/2021). An "
    "organization established only in the EU/EEA takes all its personal data along. With a "
    "class of data (`special_category`, ...), only data of that class counts. Undecided where "
    "only a territory of unrecorded EEA status would bind the organization or link the data.",
)
def _gdpr_exporter_abroad(s: Subject, arg: bool | str) -> Result:
    e = s.edge
    g = s.graph
    ruled_out = _not_exporter_abroad(e, g)
    if ruled_out == "judged":
        return Result(False, (f"{_edge_label(e)} is judged by the GDPR transfer rules as it is",))
    if ruled_out == "ends":
        return Result(False, (f"{_edge_label(e)} does not go from outside the EEA to outside it",))
    if ruled_out == "exporter":
        return Result(False, (f"the exporter {e.exporter} is not the organization",))
    art_3_1, art_3_2, doubt = _gdpr_binds(s)
    if not (art_3_1 or art_3_2 or doubt):
        return Result(False, ("the organization is neither established in nor targeting the EU/EEA",))
    established = s.facts.loaded.manifest.organization.established_in
    only_eea = art_3_1 and all(g.names_place((code,), "EEA") for code in established)
    hits, unsure = _eea_linked(e, g, arg, lambda d: True if only_eea else _eea_link(g, d))
    if not hits and not unsure:
        kind = "personal data" if arg is True else _CLASS_WORDS[str(arg)]
        return Result(False, (f"{_edge_label(e)} carries no {kind} of EU/EEA residents to judge here",))
    reasons = [
        f"{_edge_label(e)} takes {', '.join(hits or unsure)} from the organization's system in "
        f"{e.source_country} to {e.importer} in {e.destination_country}, both outside the EEA",
    ]
    if art_3_1:
        reasons.append("the organization is established in the EU/EEA (GDPR Art. 3(1))")
    elif art_3_2:
        reasons.append("the organization targets people in the EU/EEA (GDPR Art. 3(2))")
    else:
        reasons.append(f"the organization is established in or targets {_or(doubt)}{_UNRECORDED}")
    if hits:
        whose = "personal data" if only_eea else "personal data of EU/EEA residents or collected there"
        reasons.append(f"{_hold(hits)} {whose}")
    else:
        reasons.append(f"{_hold(unsure)} personal data tied only to territories{_UNRECORDED}")
    value: Tri = True if hits and not doubt else None
    countries = {"source_country": e.source_country, "destination_country": e.destination_country}
    return Result(value, tuple(reasons), countries)


def _gdpr_binds(s: Subject) -> tuple[bool, bool, list[str]]:
    """Whether the GDPR binds the organization: established in the EU/EEA (Art. 3(1)),
    targeting people there (Art. 3(2)), and the territories of unrecorded EEA status that alone
    would make either hold (empty when one holds)."""
    g = s.graph
    established = s.facts.loaded.manifest.organization.established_in
    targets = s.facts.org.targets or ()
    art_3_1 = g.names_place(established, "EEA")
    art_3_2 = g.names_place(targets, "EEA")
    doubt = [] if art_3_1 or art_3_2 else _eea_unconfirmed("EEA", (*established, *targets))
    return art_3_1, art_3_2, doubt


@_predicate(
    "eea_origin_unrecorded",
    {"oneOf": [{"const": True}, {"enum": _CLASSES}]},
    _EDGE,
    "The organization, which the GDPR does not bind itself (neither established in nor targeting "
    "the EU/EEA), takes personal data of EU/EEA residents (or collected there) from its own "
    "system outside the EEA to another entity outside the EEA, and no EEA system of the manifest "
    "passes that data on to it: if it was exported to the organization from the EEA (recorded in another "
    "manifest, or not at all), this is an onward transfer. With a class of data "
    "(`special_category`, ...), only data of that class counts. Undecided where only a territory "
    "of unrecorded EEA status links the data.",
)
def _eea_origin_unrecorded(s: Subject, arg: bool | str) -> Result:
    e = s.edge
    g = s.graph
    if _not_exporter_abroad(e, g):
        return Result(
            False, (f"{_edge_label(e)} is not the organization's own edge between places outside the EEA",)
        )
    art_3_1, art_3_2, doubt = _gdpr_binds(s)
    if art_3_1 or art_3_2 or doubt:
        return Result(
            False, ("the GDPR binds the organization itself (EU-GDPR-44-EXPORTER-OUTSIDE-EEA judges it)",)
        )

    def link(d: str) -> Tri:
        # a recorded collection place outside the EEA says how the data arrived: no export
        return _eea_link(g, d, collected_only=g.datasets[d].dataset.collected_in is not None)

    hits, unsure = _eea_linked(e, g, arg, link)
    if not hits and not unsure:
        return Result(
            False, (f"{_edge_label(e)} carries no personal data of EU/EEA residents of unrecorded origin",)
        )
    shown = ", ".join(hits or unsure)
    whose = "of EU/EEA residents or collected there" if hits else f"tied only to territories{_UNRECORDED}"
    reasons = (
        f"{_edge_label(e)} takes {shown} from the organization's system in {e.source_country} to "
        f"{e.importer} in {e.destination_country}, both outside the EEA",
        f"{_hold(hits or unsure)} personal data {whose}, and no EEA system of this manifest passes it on to "
        "the organization's system: whether it was exported to the organization from the EEA is "
        + (
            "not recorded (its collected_in names a place in the EEA)"
            if any(g.datasets[d].dataset.collected_in is not None for d in hits or unsure)
            else "not recorded (without collected_in, the contract takes it as collected where it "
            "first appears, outside the EEA)"
        ),
        (
            "the organization is neither established in nor targeting the EU/EEA"
            if s.facts.org.targets is not None
            else "the organization is not established in the EU/EEA and its targets are not recorded "
            "(targeting people there, GDPR Art. 3(2), would bind it itself)"
        )
        + ", so only data exported to it from the EEA makes this an onward transfer (GDPR Art. 44)",
    )
    countries = {"source_country": e.source_country, "destination_country": e.destination_country}
    return Result(True if hits else None, reasons, countries)


def _not_exporter_abroad(e: Edge, g: Graph) -> str:
    """Why edge ``e`` cannot meet ``gdpr_exporter_abroad`` for a reason that needs no dataset
    (``judged``: the recipient is the exporter itself, or the edge's EU answer turns on a
    territory of unrecorded EEA status, which the EU transfer rules review; ``ends``: an end is
    in the EEA; ``exporter``: not the organization's system); empty when none does. Every flow
    asks, so no sentence is built here."""
    if e.same_entity or e.eu_unsettled:
        return "judged"
    if g.in_group(e.source_country, "eea") or g.in_group(e.destination_country, "eea"):
        return "ends"
    if entity_key(e.exporter) != g.org_key:
        return "exporter"
    return ""


def _eea_linked(
    e: Edge, g: Graph, arg: bool | str, link: Callable[[str], Tri]
) -> tuple[list[str], list[str]]:
    """The personal datasets of edge ``e`` (of class ``arg`` unless it is ``True``) that it does
    not carry as an EU transfer already, split by ``link``: those it ties to the EU/EEA, and
    those only a territory of unrecorded EEA status would (``None``)."""
    hits: list[str] = []
    unsure: list[str] = []
    for d in e.datasets:
        facts = g.datasets[d]
        if not facts.personal or d in e.eu_datasets or (arg is not True and arg not in facts.classes):
            continue  # not personal, of another class, or judged as an EU transfer already
        tied = link(d)
        if tied:
            hits.append(d)
        elif tied is None:
            unsure.append(d)
    return hits, unsure


def _eea_link(g: Graph, dataset: str, collected_only: bool = False) -> Tri:
    """Whether ``dataset`` holds data of people resident in the EU/EEA or collected there (with
    ``collected_only``, collected there); ``None`` when only a territory of unrecorded EEA
    status would make it so."""
    d = g.datasets[dataset]
    residencies = () if collected_only else d.residencies
    places = {jurisdictions.resolve_location(p) for p in (*residencies, *(d.dataset.collected_in or ()))}
    if any(g.in_group(p, "eea") for p in places):
        return True
    return None if _eea_unconfirmed("EEA", sorted(places)) else False


# --- systems ----------------------------------------------------------------------------------


@_predicate("located_in", _group_arg(), frozenset({"system"}), "The system is in the group.")
def _located_in(s: Subject, arg: str) -> Result:
    assert isinstance(s.target, System)
    c = s.graph.system_country[s.target.id]
    r = _group_result(s.graph, c, arg, f"system {s.target.id} is in {c}")
    # the country is a fact: a baseline entry stops matching when the system moves
    return Result(r.value, r.reasons, {"system_country": c})


_HELD_CLASSES = {
    "cn_personal": "personal",
    "cn_important_data": "important_data",
    "cn_core_data": "core_data",
}


@_predicate(
    "holds",
    {"enum": list(_HELD_CLASSES)},
    frozenset({"system"}),
    "The system holds (stores, or receives along the flow graph) data collected in mainland "
    "China of the kind: personal information, important data or core data.",
)
def _holds(s: Subject, arg: str) -> Result:
    assert isinstance(s.target, System)
    g = s.graph
    cls = _HELD_CLASSES[arg]
    hits = [d for d in g.cn_held.get(s.target.id, ()) if cls in g.datasets[d].classes]
    if hits:
        return Result(
            True,
            (
                f"{', '.join(hits)} ({_CLASS_WORDS[cls]} collected in mainland China) "
                f"{_verb(hits, 'reaches', 'reach')} it",
            ),
        )
    return Result(False, (f"no {_CLASS_WORDS[cls]} collected in mainland China reaches it",))


@_predicate(
    "accessed_from_abroad",
    {"enum": list(_HELD_CLASSES)},
    frozenset({"system"}),
    "Remote access (`access_from`) from outside mainland China to the system, which is in "
    "the mainland, takes data of the kind collected there out of the mainland (a CN transfer, "
    "whoever accesses): personal information, important data or core data.",
)
def _accessed_from_abroad(s: Subject, arg: str) -> Result:
    assert isinstance(s.target, System)
    g = s.graph
    cls = _HELD_CLASSES[arg]
    hits = [
        (e, [d for d in e.cn_datasets if cls in g.datasets[d].classes])
        for e in g.cn_remote_access.get(s.target.id, ())
    ]
    reasons = tuple(f"{_edge_label(e)} reaches {', '.join(ds)} ({_CLASS_WORDS[cls]})" for e, ds in hits if ds)
    if reasons:
        # where the data is reached from is a fact: a new place of access is a new finding
        countries = sorted({e.destination_country for e, ds in hits if ds})
        return Result(True, reasons, {"access_countries": countries})
    return Result(False, (f"no remote access from outside mainland China reaches {_CLASS_WORDS[cls]} on it",))


@_predicate(
    "cn_transfers_assessed",
    {"const": True},
    frozenset({"system"}),
    "Every CN transfer that brings personal, important or core data collected in mainland "
    "China to the system (a flow leaving mainland China, directly or along later flows), and "
    "every remote access from outside mainland China to the system (a CN transfer whoever "
    "accesses), has a `cac-security-assessment` in force; false when such data is on a system "
    "outside the mainland without any such transfer (stored abroad from the start); undecided "
    "when the only unassessed transfers declare a CBDF exemption (CIIOs may use Art. 5(1)-(3); "
    "whether data so sent may then be stored abroad is not settled).",
)
def _cn_transfers_assessed(s: Subject, arg: bool) -> Result:
    assert isinstance(s.target, System)
    g = s.graph
    here = s.target.id
    unassessed: list[Edge] = []
    unexplained: list[str] = []
    assessed: list[Edge] = []
    exempted: list[Edge] = []
    unsettled: list[Edge] = []
    transfers: list[Edge] = list(g.cn_remote_access.get(here, ()))
    if not g.in_group(g.system_country[here], "cn-mainland"):
        for d in _cn_held(g, here):
            inbound = g.cn_delivered.get(d, {}).get(here, [])
            if not inbound:
                unexplained.append(d)
            transfers.extend(inbound)
    for e in dict.fromkeys(transfers):
        verdicts = [
            mech.status(m, s.as_of).in_force for m in e.mechanisms if m.type == "cac-security-assessment"
        ]
        if True in verdicts:
            assessed.append(e)
        elif None in verdicts:
            unsettled.append(e)
        elif g.exempted(e):
            exempted.append(e)
        else:
            unassessed.append(e)
    if unexplained:
        return Result(
            False,
            (
                f"{', '.join(unexplained)} {_verb(unexplained, 'reaches', 'reach')} system {here} "
                "outside mainland China with no CN transfer recorded",
            ),
        )
    if unassessed:
        return Result(
            False, (f"no cac-security-assessment in force on {s.as_of} for {_edge_list(unassessed)}",)
        )
    if unsettled:
        return Result(
            None,
            (
                f"whether the cac-security-assessment of {_edge_list(unsettled)} is in force on "
                f"{s.as_of} is not settled (declared expiry past the statutory validity)",
            ),
        )
    if exempted:
        return Result(
            None,
            (
                f"{_edge_list(exempted, exemption=True)} {_verb(exempted, 'relies', 'rely')} on a CBDF "
                "exemption, which may cover the transfer itself; whether data the organization must "
                "keep in mainland China may then be stored abroad without a security assessment is "
                "not settled",
            ),
        )
    return Result(True, (f"a cac-security-assessment is in force for {_edge_list(assessed)}",))


def _edge_list(edges: Sequence[Edge], *, exemption: bool = False) -> str:
    """``flow a, b; remote access to db from US``: flows first (ids sorted), then remote
    accesses, each once; with ``exemption``, each followed by its declared exemption."""

    def name(e: Edge) -> str:
        return f"{e.target[1]} ({e.exemption})" if exemption else e.target[1]

    flows = sorted({name(e) for e in edges if e.kind == "flow"})
    access = [
        f"{_edge_label(e)} ({e.exemption})" if exemption else _edge_label(e)
        for e in edges
        if e.kind != "flow"
    ]
    parts = ([f"flow {', '.join(flows)}"] if flows else []) + list(dict.fromkeys(access))
    return "; ".join(parts)


@_predicate(
    "cn_transfer_recorded",
    {"const": True},
    frozenset({"system"}),
    "Every dataset of personal, important or core data collected in mainland China that the "
    "system holds arrives by a recorded CN transfer: a flow leaving mainland China with the "
    "system downstream of it, or remote access from the system's country to a mainland "
    "system holding the dataset.",
)
def _cn_transfer_recorded(s: Subject, arg: bool) -> Result:
    assert isinstance(s.target, System)
    g = s.graph
    here = s.target.id
    country = g.system_country[here]
    held = _cn_held(g, here)
    accessed = g.cn_accessed_from.get(country, set())
    delivered = g.cn_delivered
    missing = [d for d in held if d not in accessed and here not in delivered.get(d, ())]
    if missing:
        return Result(
            False,
            (
                f"{', '.join(missing)} (collected in mainland China) {_verb(missing, 'reaches', 'reach')} "
                f"system {here} in {country} with no CN transfer recorded: no flow leaving mainland "
                f"China and no remote access from there brings {_verb(missing, 'it', 'them')}",
            ),
        )
    return Result(True, (f"a CN transfer brings {', '.join(held)} to system {here}",) if held else ())


def _cn_held(g: Graph, here: str) -> list[str]:
    """Datasets at system ``here`` that CN transfer rules govern: collected in mainland China,
    holding personal, important or core data."""
    return [d for d in g.cn_held.get(here, ()) if not g.datasets[d].classes.isdisjoint(CN_GOVERNED)]


# --- dates ------------------------------------------------------------------------------------

_DAY = {"type": "string", "format": "date"}  # checked by the rule loader: a real day, YYYY-MM-DD


@_predicate(
    "started_before",
    _DAY,
    _EDGE,
    "The flow began (`started_on`) before the day (`YYYY-MM-DD`), e.g. it was under way when "
    "an instrument took effect; undecided for remote access, which records no start.",
)
def _started_before(s: Subject, arg: str) -> Result:
    e = s.edge
    if e.started_on is None:
        return Result(
            None, (f"{_edge_label(e)} records no start, so whether it began before {arg} is not known",)
        )
    if e.started_on < dt.date.fromisoformat(arg):
        return Result(True, (f"{_edge_label(e)} began on {e.started_on}, before {arg}",))
    # Not before: the rules ask this only to open a transitional exception, so that it does
    # not apply says nothing a finding's reader needs (its other reasons explain it).
    return Result(False)


@_predicate(
    "as_of_before",
    _DAY,
    _ALL,
    "The as-of date is before the day (`YYYY-MM-DD`): for a transitional period that ends "
    "before a rule's own `effective` range does.",
    organization_level=True,
)
def _as_of_before(s: Subject, arg: str) -> Result:
    before = s.as_of < dt.date.fromisoformat(arg)
    return Result(before, (f"the as-of date {s.as_of} is {'before' if before else 'on or after'} {arg}",))


@_predicate(
    "unsettled",
    {"type": "string", "minLength": 1},
    _ALL,
    "Always undecided, with the argument as its reason: marks a branch where the law is "
    "disputed or unconfirmed, so that reaching it yields `needs_review` (e.g. inside "
    "`all: [<the disputed case>, unsettled: <why>]`).",
    organization_level=True,
)
def _unsettled(s: Subject, arg: str) -> Result:
    return Result(None, (arg,))


# --- values only ------------------------------------------------------------------------------
# The first pass of a rule (:func:`value`) asks these predicates on every target; each makes,
# from its argument, a check giving the value of its predicate's :class:`Result` without the
# sentences.


def _transfer_value(arg: str) -> Check:
    if arg == "cn":
        return lambda s: bool(s.cn_datasets)
    return lambda s: None if s.edge.eu_unsettled else bool(s.eu_datasets)


def _gdpr_exporter_abroad_value(arg: bool | str) -> Check:
    return lambda s: False if _not_exporter_abroad(s.edge, s.graph) else _gdpr_exporter_abroad(s, arg).value


def edge_filter(key: str, arg: Any) -> Callable[[Edge, Graph], bool] | None:
    """A cheap test of an edge that is false only where predicate ``key`` with ``arg`` is false,
    for the predicates that rule most edges out (``None`` for the others): a flow rule that
    requires one of them (:func:`compliance.policy.evaluate.edge_guard`) skips the edges it
    fails. ``transfer`` is false exactly on edges with no datasets under its regime (an
    undecided EU edge keeps the datasets it may transfer)."""
    if key == "transfer":
        if arg == "cn":
            return lambda e, g: bool(e.cn_datasets)
        return lambda e, g: bool(e.eu_datasets)
    if key in ("gdpr_exporter_abroad", "eea_origin_unrecorded"):
        return lambda e, g: not _not_exporter_abroad(e, g)
    return None


def _carries_value(arg: str) -> Check:
    def check(s: Subject) -> Tri:
        datasets = s.graph.datasets
        return any(arg in datasets[d].classes for d in (s.cn_datasets if s.regime == "cn" else s.eu_datasets))

    return check


def _exempted_value(arg: Any) -> Check:
    return lambda s: s.edge.exemption is not None and s.graph.exempted(s.edge)


def _exemption_value(arg: Any) -> Check:
    if arg == "any":
        return lambda s: s.edge.exemption is not None
    allowed = frozenset(arg)
    return lambda s: s.edge.exemption in allowed


def _in_force_value(arg: Any) -> Check:
    types = frozenset(_types(arg))

    def check(s: Subject) -> Tri:
        out: Tri = False
        for m in s.edge.mechanisms:
            if m.type in types:
                v = mech.status(m, s.as_of, s.edge.started_on).in_force
                if v:
                    return True
                if v is None:
                    out = None
        return out

    return check


def _declared_value(arg: Any) -> Check:
    types = frozenset(_types(arg))
    return lambda s: any(m.type in types for m in s.edge.mechanisms)


def _org_total_value(arg: Mapping[str, Any]) -> Check:
    measure, lo, hi = arg["measure"], arg.get("at_least"), arg.get("below")
    undecided: Tri = False if arg.get("surely") else None

    def check(s: Subject) -> Tri:
        low, high = s.facts.totals.range(measure)
        ok = within(low, high, lo, hi)
        return undecided if ok is None else ok

    return check


_VALUES: dict[str, Callable[[Any], Check]] = {
    "transfer": _transfer_value,
    "gdpr_exporter_abroad": _gdpr_exporter_abroad_value,
    "carries": _carries_value,
    "exemption": _exemption_value,
    "exempted": _exempted_value,
    "in_force": _in_force_value,
    "declared": _declared_value,
    "org_total": _org_total_value,
}

"""One share of a run's manifest files, checked in two phases: build, then judge.

A run (:func:`compliance.run.check`) hands each :class:`Shard` its share of the files. *Build*
loads, validates and builds the graph of each file and returns what the run needs to join the
files: the problems of an unusable file, or the file's :class:`OrgClaim` and its part of its
organization's CN totals. The run checks organizations across files and adds up their totals;
*judge* then evaluates the rules, the Terraform cross-check, waivers and expiry notices on the
shard's files with those totals. A shard keeps its files between the phases, so only those
small results cross a process boundary when a run is split over processes
(:mod:`compliance.parallel`).
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple, ParamSpec, TypeVar

from compliance.errors import ComplianceError, InputError, Problem
from compliance.facts import Conflict, OrgClaim, OrgProfile, join_facts, org_claim
from compliance.facts.graph import Graph, build_graph
from compliance.facts.volumes import VolumeTotals, file_totals
from compliance.findings import Finding, UnusedWaiver
from compliance.names import entity_key
from compliance.outcomes import HeldWaiver, apply_waivers, expiry_notices, organization_waivers
from compliance.policy.evaluate import evaluate_packs
from compliance.policy.rules import Pack
from compliance.sources.document import read_document
from compliance.validate import LoadedManifest, validate_document

if TYPE_CHECKING:
    from compliance.sources.terraform import Plan

_P = ParamSpec("_P")
_R = TypeVar("_R")


def collector_paused(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``fn`` with the cyclic garbage collector paused, restored after.

    A check allocates millions of objects that live until it ends; the collector's passes
    over them found nothing to free and cost more than pydantic's validation itself
    (10,000 flows: 0.18 s validating with it, 0.07 s without).
    """

    @functools.wraps(fn)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return paused


def _organization_named(path: str) -> tuple[str | None, bool]:
    """The organization name an unusable manifest gives (``organization.name``, a non-blank
    string, as :func:`~compliance.names.entity_key` reads it), and whether the file may be
    some organization's manifest without its name being readable: it cannot be parsed, or it
    is a mapping with a ``manifest_version`` or an ``organization`` (not a baseline, a report,
    a plan)."""
    if not os.path.isfile(path):
        return None, False  # no file there: no organization's file either
    try:
        data = read_document(path).data
    except (InputError, ComplianceError):
        return None, True
    if not isinstance(data, dict):
        return None, False
    org = data.get("organization")
    name = org.get("name") if isinstance(org, dict) else None
    if isinstance(name, str) and name.strip():
        return entity_key(name), False
    return None, "manifest_version" in data or "organization" in data


def load_manifest(path: str) -> LoadedManifest:
    """Read and validate one manifest file (its nesting checked only if the model rejects it);
    raises :class:`InputError` listing its problems."""
    return validate_document(read_document(path, defer_depth=True))


@dataclass(frozen=True)
class Built:
    """What building one file tells the run.

    ``index`` is the file's position in the run's file list. An unusable file has its
    ``problems`` (and no claim); a usable one its ``claim`` and ``volume``, its part of its
    organization's CN totals (counts only, :meth:`VolumeTotals.counts`), and its waivers of
    ``organization``, which are its organization's (:mod:`compliance.outcomes`).
    """

    index: int
    problems: tuple[Problem, ...] = ()
    claim: OrgClaim | None = None
    volume: VolumeTotals | None = None
    org_waivers: tuple[HeldWaiver, ...] = ()
    #: of an unusable file, the organization it names, when that can still be read: its other
    #: files cannot be judged on totals that leave this one out
    unusable_org: str | None = None
    #: of an unusable file, whether it may be a manifest of an organization that cannot be told
    #: (unreadable, or a manifest whose organization's name cannot be read)
    org_unknown: bool = False


class Organizations(NamedTuple):
    """What the run knows of each organization over all its files, for judging them: by
    organization key its CN totals (``counts``), its :class:`OrgProfile` and its waivers of
    ``organization`` (``waivers``; ``None``: those of the files a shard holds), and the files
    that lead their organization (``leaders``, :func:`compliance.facts.org_leaders`). Plain
    picklable values, sent as they are to ``--jobs`` workers."""

    counts: dict[str, VolumeTotals]
    profiles: dict[str, OrgProfile]
    leaders: set[str]
    waivers: dict[str, list[HeldWaiver]] | None = None


@dataclass
class Judgement:
    """The outcomes of some files: ``findings`` (rules and Terraform cross-check, waivers
    applied), their expiry ``notices`` and their ``unused`` waivers, each in file order."""

    findings: list[Finding] = field(default_factory=list)
    notices: list[Finding] = field(default_factory=list)
    unused: list[UnusedWaiver] = field(default_factory=list)

    @classmethod
    def join(cls, parts: Sequence[Judgement]) -> Judgement:
        """The judgements of several shards as one (lists concatenated in ``parts`` order)."""
        return cls(
            [f for p in parts for f in p.findings],
            [n for p in parts for n in p.notices],
            [w for p in parts for w in p.unused],
        )


@dataclass(frozen=True)
class _Held:
    index: int
    loaded: LoadedManifest
    graph: Graph
    part: VolumeTotals


def _shipped_rules() -> dict[str, str]:
    """Rule id -> pack id of every shipped rule (for a waiver naming a rule of a pack the run
    left out)."""
    from compliance.paths import rules_root
    from compliance.policy.rules import load_packs

    return {r.id: p.id for p in load_packs(None, [], rules_root()) for r in p.rules}


class Shard:
    """The files one process checks, held from :meth:`build` to :meth:`judge`.

    The methods' arguments and results are small picklable values, so that a shard can
    serve a run from another process.
    """

    def __init__(self, packs: Sequence[Pack], as_of: dt.date) -> None:
        self.packs = packs
        self.as_of = as_of
        self._held: dict[str, _Held] = {}

    def build(self, share: Sequence[tuple[int, str]]) -> list[Built]:
        """Load, validate and build the graph of each ``(index, path)`` of ``share``; keep the
        usable files and return one :class:`Built` per file, in ``share`` order."""
        out = []
        for index, path in share:
            try:
                loaded = load_manifest(path)
            except InputError as exc:
                name, unknown = _organization_named(path)
                out.append(Built(index, tuple(exc.problems), unusable_org=name, org_unknown=unknown))
                continue
            graph = build_graph(loaded.manifest, loaded.taxonomy, self.as_of)
            part = file_totals(loaded.path, graph)
            self._held[loaded.path] = _Held(index, loaded, graph, part)
            claim = org_claim(loaded.path, graph)
            out.append(Built(index, (), claim, part.counts(), tuple(organization_waivers(loaded))))
        return out

    def problems(self, conflicts: Sequence[Conflict]) -> list[Problem]:
        """The :class:`Problem` (with its position) of each of ``conflicts`` in a file this
        shard holds; the others are left to the shards holding them."""
        return [
            self._held[c.file].loaded.document.problem(c.node_path, c.message)
            for c in conflicts
            if c.file in self._held
        ]

    def judge(self, orgs: Organizations, plan: Plan | None) -> Judgement:
        """Evaluate the packs (and, with ``plan``, the Terraform cross-check), waivers and
        expiry notices on the held files, with what ``orgs`` says of their organizations over
        the whole run.

        A held file whose organization ``orgs.counts`` lacks (its files disagree on the
        organization's fields: the run reports that instead) is not judged. The shard holding
        an organization's leading file applies its waivers of ``organization``.
        """
        counts, profiles, leaders, org_waivers = orgs
        held = sorted((h for h in self._held.values() if h.graph.org_key in counts), key=lambda h: h.index)
        facts = join_facts(
            [h.loaded for h in held],
            [h.graph for h in held],
            [h.part for h in held],
            leaders,
            counts,
            profiles,
        )
        raw = evaluate_packs(self.packs, facts, self.as_of)
        if plan is not None:
            from compliance.terraform_check import terraform_findings

            raw += terraform_findings([h.loaded for h in held], plan)
        led = None
        if org_waivers is not None:
            led = {mf.graph.org_key: org_waivers.get(mf.graph.org_key, ()) for mf in facts if mf.leads_org}
        rule_ids = {r.id for p in self.packs for r in p.rules}
        disabled = {rule_id: reason for p in self.packs for rule_id, reason in p.disabled}
        findings, unused = apply_waivers(raw, facts, self.as_of, rule_ids, _shipped_rules, led, disabled)
        return Judgement(findings, expiry_notices(facts, self.as_of, unused, led), unused)

    def release(self) -> None:
        """Let go of the held files (their documents and graphs): after :meth:`judge` nothing
        else needs them."""
        self._held.clear()

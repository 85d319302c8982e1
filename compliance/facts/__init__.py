"""Facts computed once per run: each manifest's graph and each organization's CN totals.

Manifests checked together that name the same organization (names equal after Unicode NFC and
whitespace trimming) are one organization: their CN totals add up, and what they say about it
(targets, representatives, the residents whose data it holds) is taken together
(:class:`OrgProfile`), so that its rules see the same organization whichever file leads it. If
such files disagree on ``established_in``, ``ciio`` or ``state_organ``, that is unusable input
naming both files (manifest contract, "Organizations across files").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import NamedTuple

from compliance.errors import InputError
from compliance.facts.graph import Graph, build_graph
from compliance.facts.volumes import VolumeTotals, file_totals, merge_totals
from compliance.names import entity_fold, entity_key
from compliance.validate import LoadedManifest


class OrgProfile(NamedTuple):
    """What the files of one organization say about it, taken together (one file's alone for a
    single file): ``targets``, the ISO codes (or ``EU``/``EEA``) its files' ``targets`` name,
    ``None`` when no file records targets; ``representatives``, the jurisdictions of the
    representatives its files record; ``residencies``, the residency codes of the subjects of
    its files' datasets of personal data (a ``system.*``-only dataset holds no one's data:
    manifest contract, "personal data is any category under ``user``"). Each sorted, each
    code once."""

    targets: tuple[str, ...] | None
    representatives: tuple[str, ...]
    residencies: tuple[str, ...]


def org_profile(graph: Graph) -> OrgProfile:
    """The :class:`OrgProfile` of one manifest."""
    org = graph.manifest.organization
    return OrgProfile(
        None if org.targets is None else tuple(sorted(set(org.targets))),
        tuple(sorted({r.jurisdiction for r in org.representatives})),
        tuple(sorted({r for d in graph.datasets.values() if d.personal for r in d.residencies})),
    )


def merge_profiles(profiles: Sequence[OrgProfile]) -> OrgProfile:
    """The profile of an organization from those of its files: each field's union (targets
    recorded when any file records them)."""
    recorded = [p.targets for p in profiles if p.targets is not None]
    return OrgProfile(
        tuple(sorted({t for ts in recorded for t in ts})) if recorded else None,
        tuple(sorted({r for p in profiles for r in p.representatives})),
        tuple(sorted({r for p in profiles for r in p.residencies})),
    )


class ManifestFacts(NamedTuple):
    """One validated manifest with its graph, its organization's (shared) CN totals and its
    organization's :class:`OrgProfile` over all the organization's files of the run.

    ``leads_org`` is true for the first manifest of its organization in the run: the
    organization's own rules run on that one only, so their findings appear once.
    """

    loaded: LoadedManifest
    graph: Graph
    totals: VolumeTotals
    org: OrgProfile
    leads_org: bool = True

    @property
    def file(self) -> str:
        """The manifest's file name as given."""
        return self.loaded.path


class OrgClaim(NamedTuple):
    """What one file says about its organization: ``key`` (the normalised name files are grouped
    by), the fields every file of the organization must agree on, in :data:`AGREED` order, and
    the file's :class:`OrgProfile` (added up over the organization's files)."""

    file: str
    key: str
    name: str
    values: tuple[object, ...]
    profile: OrgProfile


class Conflict(NamedTuple):
    """A field of ``file``'s organization that disagrees with the organization's first file."""

    file: str
    node_path: tuple[str, str]
    message: str


#: The organization fields that files naming one organization must agree on.
AGREED = ("established_in", "ciio", "state_organ")


def build_facts(manifests: Sequence[LoadedManifest], as_of: dt.date) -> list[ManifestFacts]:
    """Compute the facts of every manifest on ``as_of`` (see module docstring).

    Raises :class:`InputError` when two files name one organization but disagree on its
    ``established_in``, ``ciio`` or ``state_organ``.
    """
    graphs = [build_graph(m.manifest, m.taxonomy, as_of) for m in manifests]
    claims = [org_claim(m.path, g) for m, g in zip(manifests, graphs, strict=True)]
    by_file = {m.path: m for m in manifests}
    conflicts = org_conflicts(claims)
    if conflicts:
        raise InputError(by_file[c.file].document.problem(c.node_path, c.message) for c in conflicts)
    parts = [file_totals(m.path, g) for m, g in zip(manifests, graphs, strict=True)]
    return join_facts(manifests, graphs, parts, org_leaders(claims))


def join_facts(
    manifests: Sequence[LoadedManifest],
    graphs: Sequence[Graph],
    parts: Sequence[VolumeTotals],
    leaders: Collection[str],
    counts: Mapping[str, VolumeTotals] | None = None,
    profiles: Mapping[str, OrgProfile] | None = None,
) -> list[ManifestFacts]:
    """The :class:`ManifestFacts` of ``manifests`` (in run order) from their graphs and their
    parts of the CN totals (:func:`file_totals`); ``leaders`` are the files that lead their
    organization (:func:`org_leaders`).

    The manifests of one organization share one :class:`VolumeTotals` and one
    :class:`OrgProfile`. With ``counts`` and ``profiles`` (by organization key) the manifests
    are a share of a larger run: each organization's counts and profile are taken from there,
    as added up over all of the run's files.
    """
    by_org: dict[str, list[VolumeTotals]] = {}
    for g, part in zip(graphs, parts, strict=True):
        by_org.setdefault(g.org_key, []).append(part)
    totals = {key: merge_totals(own) for key, own in by_org.items()}
    if counts is not None:
        for key, t in totals.items():
            c = counts[key]
            t.non_sensitive, t.sensitive = c.non_sensitive, c.sensitive
            t.personal, t.processed, t.processed_sum = c.personal, c.processed, c.processed_sum
            t.non_sensitive_doubtful, t.sensitive_doubtful = c.non_sensitive_doubtful, c.sensitive_doubtful
            t.personal_doubtful = c.personal_doubtful
            t.by_file = c.by_file
    if profiles is None:
        mine: dict[str, list[OrgProfile]] = {}
        for g in graphs:
            mine.setdefault(g.org_key, []).append(org_profile(g))
        profiles = {key: merge_profiles(own) for key, own in mine.items()}
    return [
        ManifestFacts(m, g, totals[g.org_key], profiles[g.org_key], m.path in leaders)
        for m, g in zip(manifests, graphs, strict=True)
    ]


def org_claim(file: str, graph: Graph) -> OrgClaim:
    """The :class:`OrgClaim` of the manifest of ``graph``, read from ``file``."""
    org = graph.manifest.organization
    values = tuple(getattr(org, name) for name in AGREED)
    return OrgClaim(file, graph.org_key, org.name, values, org_profile(graph))


def org_leaders(claims: Sequence[OrgClaim]) -> set[str]:
    """The files that lead their organization (``claims`` in run order): the first of each."""
    first: dict[str, str] = {}
    for c in claims:
        first.setdefault(c.key, c.file)
    return set(first.values())


def disputed(claims: Sequence[OrgClaim], conflicts: Sequence[Conflict]) -> tuple[set[str], list[str]]:
    """The organizations ``conflicts`` dispute, as keys folded by :func:`entity_fold` (names
    spelled alike dispute every organization spelled so), and the
    files of those organizations that no conflict names (in ``claims`` order): their
    organization's facts are unknown, so they cannot be judged either."""
    conflicted = {c.file for c in conflicts}
    keys = {entity_fold(c.key) for c in claims if c.file in conflicted}
    return keys, [c.file for c in claims if entity_fold(c.key) in keys and c.file not in conflicted]


def org_conflicts(claims: Sequence[OrgClaim]) -> list[Conflict]:
    """Each field on which a file disagrees with the first file of its organization (``claims``
    in run order), as the :class:`Conflict` to report at that field of the later file; and each
    organization name that differs from an earlier file's only in letter case, spacing,
    punctuation, accents or character width (``Acme Co., Ltd.``, ``ACME Co.,Ltd.``, ``Acme Co Ltd``,
    ``Ａcme Co., Ltd.``; :func:`entity_fold`): whether the two are one organization, whose CN
    totals add up, is unclear, so neither is judged (the contract compares names after NFC and
    trimming only)."""
    first: dict[str, OrgClaim] = {}
    folded: dict[str, OrgClaim] = {}
    out = []
    for b in claims:
        f = folded.setdefault(entity_fold(b.key), b)
        if f.key != b.key:
            out.append(
                Conflict(
                    b.file,
                    ("organization", "name"),
                    f"organization.name: {b.name!r} here but {f.name!r} in {f.file}: the names differ "
                    "only in letter case, spacing, punctuation, accents, character width or look-alike "
                    "letters, so whether the files describe one organization (whose CN totals add up) "
                    "is unclear; write the name the same way in both, or make the names distinct",
                )
            )
            continue
        a = first.setdefault(b.key, b)
        if a is b:
            continue
        for name, va, vb in zip(AGREED, a.values, b.values, strict=True):
            if (set(va) if isinstance(va, list) else va) != (set(vb) if isinstance(vb, list) else vb):
                out.append(
                    Conflict(
                        b.file,
                        ("organization", name),
                        f"organization.{name}: {_show(vb)} here but {_show(va)} in {a.file} "
                        f"for the same organization {entity_key(a.name)!r}",
                    )
                )
    return out


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)

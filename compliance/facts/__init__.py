"""Facts computed once per run: each manifest's graph and each organization's CN totals.

Manifests checked together that name the same organization (names equal after Unicode NFC and
whitespace trimming) are one organization: their CN totals add up. If such files disagree on
``established_in``, ``ciio`` or ``state_organ``, that is unusable input naming both files
(manifest contract, "Organizations across files").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from compliance.errors import InputError, Problem
from compliance.facts.graph import Graph, build_graph, entity_key
from compliance.facts.volumes import VolumeTotals, org_totals
from compliance.validate import LoadedManifest


@dataclass(frozen=True)
class ManifestFacts:
    """One validated manifest with its graph and its organization's (shared) CN totals."""

    loaded: LoadedManifest
    graph: Graph
    totals: VolumeTotals

    @property
    def file(self) -> str:
        """The manifest's file name as given."""
        return self.loaded.path


def build_facts(manifests: Sequence[LoadedManifest], as_of: dt.date) -> list[ManifestFacts]:
    """Compute the facts of every manifest on ``as_of`` (see module docstring).

    Raises :class:`InputError` when two files name one organization but disagree on its
    ``established_in``, ``ciio`` or ``state_organ``.
    """
    graphs = [(m.path, build_graph(m.manifest, m.taxonomy, as_of)) for m in manifests]
    by_org: dict[str, list[int]] = {}
    for i, (_, g) in enumerate(graphs):
        by_org.setdefault(g.org_key, []).append(i)
    problems: list[Problem] = []
    totals: dict[str, VolumeTotals] = {}
    for key, members in by_org.items():
        problems.extend(_conflicts(manifests, members))
        totals[key] = org_totals([graphs[i] for i in members])
    if problems:
        raise InputError(problems)
    return [ManifestFacts(m, g, totals[g.org_key]) for m, (_, g) in zip(manifests, graphs, strict=True)]


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def _conflicts(manifests: Sequence[LoadedManifest], members: list[int]) -> list[Problem]:
    out = []
    first = manifests[members[0]]
    a = first.manifest.organization
    for i in members[1:]:
        other = manifests[i]
        b = other.manifest.organization
        for name in ("established_in", "ciio", "state_organ"):
            va, vb = getattr(a, name), getattr(b, name)
            if (set(va) if isinstance(va, list) else va) != (set(vb) if isinstance(vb, list) else vb):
                out.append(
                    other.document.problem(
                        ("organization", name),
                        f"organization.{name}: {_show(vb)} here but {_show(va)} in {first.path} "
                        f"for the same organization {entity_key(a.name)!r}",
                    )
                )
    return out

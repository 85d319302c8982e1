"""The flow graph of one manifest: edges (flows and remote access), lineage and transfers.

Lineage is a fixpoint over the whole graph, cycles included, computed by one breadth-first
pass per dataset over the flows that carry it (linear in flows). Transfer detection follows
the manifest contract:

* CN (PIPL Art. 38; CBDF Arts. 3-8; CAC outbound guides 2024): a flow or remote access whose
  source is in mainland China and whose destination is not, carrying personal, important or
  core data collected in mainland China. Hong Kong, Macao and Taiwan are outside the mainland.
  Data collected elsewhere that only passes through is transit (CBDF Art. 4): no CN transfer.
* EU (GDPR Art. 44; EDPB Guidelines 05/2021): the exporter is subject to the GDPR for the
  data (its system is in the EEA, or the data passed through an EEA system upstream: an
  onward transfer), the importer is another entity (by name), and the destination is outside
  the EEA. Direct collection by a non-EEA controller is not a transfer (Art. 3(2) duties are
  organization rules instead). Territories whose EEA status the data does not record (French
  overseas regions, Aland: ``eea_unconfirmed`` in ``rules/data/jurisdictions.yaml``) are judged
  both ways; an edge whose answer differs is unsettled (``Edge.eu_unsettled``).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from compliance import jurisdictions
from compliance.model import Dataset, Flow, Manifest, Mechanism, System
from compliance.sources.document import Path_
from compliance.taxonomy import Taxonomy

EEA_WORDS = ("EU", "EEA")
#: The classes of data CN transfer rules govern on a CN transfer.
CN_GOVERNED = frozenset({"personal", "important_data", "core_data"})


def entity_key(name: str) -> str:
    """Normalise a legal entity's name for comparison (Unicode NFC, trimmed, inner spaces single)."""
    return " ".join(unicodedata.normalize("NFC", name).split())


class DatasetFacts(NamedTuple):
    """What a dataset holds, per the category classifications in ``rules/data/categories.yaml``.

    ``individuals`` is the sum of its subjects' counts (distinct individuals per year);
    ``classes`` names the true ones among the flags above and the dataset's
    ``important_data`` and ``core_data``.
    """

    dataset: Dataset
    personal: bool
    sensitive: bool
    non_sensitive_personal: bool
    special_category: bool
    criminal: bool
    individuals: int
    residencies: frozenset[str]
    classes: frozenset[str]


@dataclass(slots=True, eq=False)
class Edge:
    """A flow, or a remote access to a system, as a directed edge between jurisdictions.

    ``kind`` is ``flow`` or ``remote_access``; ``target`` is what findings point at
    (``("flow", id)`` or, for remote access, ``("system", accessed system id)``); ``path`` the
    node path in the manifest for positions. ``individuals`` is the flow's own figure, if any.
    ``cn_datasets`` and ``eu_datasets``: see :meth:`Graph.cn_datasets`, :meth:`Graph.eu_datasets`.
    ``eu_unsettled`` names the territories of unrecorded EEA status on which the edge's EU
    answer turns (empty when it does not): ``eu_datasets`` then holds the datasets it would
    transfer under either answer.
    Built once by :func:`build_graph` and never changed after (not frozen: a frozen
    dataclass's constructor costs twice as much, and a graph holds one edge per flow);
    edges compare by identity.
    """

    kind: str
    target: tuple[str, str]
    path: Path_
    source: System
    source_country: str
    destination_country: str
    destination: System | None
    datasets: tuple[str, ...]
    mechanisms: tuple[Mechanism, ...]
    exemption: str | None
    exporter: str
    importer: str
    exporter_role: str
    importer_role: str | None
    same_entity: bool
    started_on: dt.date | None
    individuals: int | None
    flow: Flow | None
    cn_datasets: tuple[str, ...]
    eu_datasets: tuple[str, ...]
    eu_unsettled: tuple[str, ...] = ()


@dataclass
class Graph:
    """Edges, lineage and transfer sets of one manifest as of one date."""

    manifest: Manifest
    taxonomy: Taxonomy
    as_of: dt.date
    system_country: dict[str, str] = field(default_factory=dict)
    system_index: dict[str, int] = field(default_factory=dict)
    datasets: dict[str, DatasetFacts] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    #: dataset id -> systems holding it (stores, or reached along flows carrying it)
    present_at: dict[str, set[str]] = field(default_factory=dict)
    #: system id -> ids of the datasets it holds, sorted (``present_at`` inverted)
    held: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: dataset id -> the flow edges carrying it, in manifest order
    carrying: dict[str, list[Edge]] = field(default_factory=dict)
    #: dataset id -> systems downstream of (or in) an EEA system for that dataset
    eea_reached: dict[str, set[str]] = field(default_factory=dict)
    #: dataset ids collected in mainland China
    cn_collected: set[str] = field(default_factory=set)
    #: the manifest's system and access countries whose EEA status is not recorded
    eea_unsettled: frozenset[str] = frozenset()
    #: ``eea_reached`` with those countries taken as in the EEA (empty when there are none)
    eea_reached_if_members: dict[str, set[str]] = field(default_factory=dict)
    #: (country, group) -> membership on the as-of date, as asked so far
    _groups: dict[tuple[str, str], bool] = field(default_factory=dict, repr=False)

    def in_group(self, country: str, group: str) -> bool:
        """Whether ``country`` is in ``group`` (``cn-mainland``, ``eu``, ``eea``) on the as-of date."""
        hit = self._groups.get((country, group))
        if hit is None:
            hit = self._groups[country, group] = jurisdictions.in_group(country, group, self.as_of)
        return hit

    @cached_property
    def cn_held(self) -> dict[str, tuple[str, ...]]:
        """System id -> the datasets collected in mainland China that it holds (``held``
        narrowed to ``cn_collected``), computed on first use: system rules ask per system."""
        collected = self.cn_collected
        out: dict[str, tuple[str, ...]] = {}
        for system, datasets in self.held.items():
            mine = tuple(d for d in datasets if d in collected)
            if mine:
                out[system] = mine
        return out

    @cached_property
    def cn_delivered(self) -> dict[str, dict[str, list[Edge]]]:
        """Dataset id -> system id -> the flows that are CN transfers of the dataset with the
        system at or downstream of their destination (how it reaches the system through a
        recorded CN transfer), in manifest order.

        One breadth-first pass per such flow over the flows carrying the dataset, computed
        on first use.
        """
        out: dict[str, dict[str, list[Edge]]] = {}
        for d, edges in self.carrying.items():
            step: dict[str, list[str]] = {}
            for e in edges:
                assert e.destination is not None  # carrying holds flows only
                step.setdefault(e.source.id, []).append(e.destination.id)
            reached: dict[str, set[str]] = {}  # destination -> downstream, once per destination
            for e in edges:
                if d not in e.cn_datasets:
                    continue
                assert e.destination is not None
                dest = e.destination.id
                if dest not in reached:
                    reached[dest] = _reach({dest}, step)
                for system in reached[dest]:
                    out.setdefault(d, {}).setdefault(system, []).append(e)
        return out

    @cached_property
    def cn_accessed_from(self) -> dict[str, set[str]]:
        """Country -> the datasets that remote access from there takes out of mainland China
        (remote-access edges that are CN transfers), computed on first use."""
        out: dict[str, set[str]] = {}
        for e in self.edges:
            if e.kind == "remote_access" and e.cn_datasets:
                out.setdefault(e.destination_country, set()).update(e.cn_datasets)
        return out

    @cached_property
    def cn_remote_access(self) -> dict[str, list[Edge]]:
        """System id -> the remote accesses to it that are CN transfers (the system in mainland
        China, accessed from outside it, holding data CN transfer rules govern), in manifest
        order, computed on first use."""
        out: dict[str, list[Edge]] = {}
        for e in self.edges:
            if e.kind == "remote_access" and e.cn_datasets:
                out.setdefault(e.source.id, []).append(e)
        return out

    @cached_property
    def org_key(self) -> str:
        """The organization's normalised name."""
        return entity_key(self.manifest.organization.name)

    def org_in(self, words: Sequence[str], which: str) -> bool:
        """Whether ``established_in`` or ``targets`` (``which``) names the EU/EEA (``EEA``)
        or mainland China (``CN``)."""
        org = self.manifest.organization
        codes = (org.established_in if which == "established_in" else org.targets) or []
        for code in codes:
            for word in words:
                if code == word:
                    return True
                if word == "EEA" and (code in EEA_WORDS or self.in_group(code, "eea")):
                    return True
                if word == "CN" and self.in_group(code, "cn-mainland"):
                    return True
        return False

    # --- transfers -----------------------------------------------------------------------

    def cn_datasets(self, edge: Edge) -> tuple[str, ...]:
        """Datasets on a CN outbound edge that CN transfer rules govern (collected in mainland
        China, personal or important or core); empty when the edge is not a CN transfer."""
        return edge.cn_datasets

    def eu_datasets(self, edge: Edge) -> tuple[str, ...]:
        """Personal datasets on an edge that is a GDPR Chapter V transfer (or onward transfer);
        empty when it is not one."""
        return edge.eu_datasets

    def _cn_transfer(
        self, source_country: str, destination_country: str, datasets: tuple[str, ...]
    ) -> tuple[str, ...]:
        if not self.in_group(source_country, "cn-mainland"):
            return ()
        if self.in_group(destination_country, "cn-mainland"):
            return ()
        return tuple(
            d
            for d in datasets
            if d in self.cn_collected and not self.datasets[d].classes.isdisjoint(CN_GOVERNED)
        )

    def _eu_transfer(
        self,
        source: str,
        source_country: str,
        destination_country: str,
        same_entity: bool,
        datasets: tuple[str, ...],
        *,
        unsettled_in_eea: bool = False,
    ) -> tuple[str, ...]:
        """The datasets the edge transfers under the GDPR, the territories of unrecorded EEA
        status taken as outside the EEA (or inside, with ``unsettled_in_eea``)."""
        extra = self.eea_unsettled if unsettled_in_eea else frozenset()
        if same_entity or self.in_group(destination_country, "eea") or destination_country in extra:
            return ()
        source_in_eea = self.in_group(source_country, "eea") or source_country in extra
        reached = self.eea_reached_if_members if unsettled_in_eea else self.eea_reached
        return tuple(
            d
            for d in datasets
            if self.datasets[d].personal and (source_in_eea or source in reached.get(d, ()))
        )

    def _eu_edge(
        self,
        source: str,
        source_country: str,
        destination_country: str,
        same_entity: bool,
        datasets: tuple[str, ...],
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """``(eu_datasets, eu_unsettled)`` of an edge (see :class:`Edge`)."""
        outside = self._eu_transfer(source, source_country, destination_country, same_entity, datasets)
        if not self.eea_unsettled:
            return outside, ()
        inside = self._eu_transfer(
            source, source_country, destination_country, same_entity, datasets, unsettled_in_eea=True
        )
        if inside == outside:
            return outside, ()
        # the territory an end sits in, else (lineage through one upstream) all of the manifest's
        ends = {source_country, destination_country} & self.eea_unsettled or self.eea_unsettled
        return tuple(d for d in datasets if d in outside or d in inside), tuple(sorted(ends))

    def is_onward(self, edge: Edge) -> bool:
        """An EU transfer whose exporter sits outside the EEA (an onward transfer, Art. 44)."""
        return not self.in_group(edge.source_country, "eea")


def build_graph(manifest: Manifest, taxonomy: Taxonomy, as_of: dt.date) -> Graph:
    """Compute the :class:`Graph` of a validated manifest on ``as_of``.

    Expects a manifest that passed :func:`compliance.validate.validate_document` (all references
    resolve, all locations are known); raises ``KeyError`` otherwise.
    """
    g = Graph(manifest, taxonomy, as_of)
    for i, s in enumerate(manifest.systems):
        g.system_country[s.id] = jurisdictions.resolve_location(s.location)
        g.system_index[s.id] = i
    unconfirmed = jurisdictions.eea_unconfirmed()
    g.eea_unsettled = unconfirmed.intersection(g.system_country.values()) | {
        c
        for s in manifest.systems
        for acc in s.access_from or ()
        if (c := jurisdictions.resolve_location(acc.location)) in unconfirmed
    }
    for d in manifest.datasets:
        g.datasets[d.id] = _dataset_facts(d, taxonomy)
    _lineage(g)
    _edges(g)
    return g


def _dataset_facts(d: Dataset, taxonomy: Taxonomy) -> DatasetFacts:
    personal = sensitive = other = special = criminal = False
    for key in d.categories:
        canon = taxonomy.canonical(key)
        if not taxonomy.is_personal(canon):
            continue
        personal = True
        classes = taxonomy.classes_of(canon)
        if "pipl_sensitive" in classes:
            sensitive = True
        else:
            other = True
        special = special or "gdpr_special" in classes
        criminal = criminal or "gdpr_criminal" in classes
    flags = {
        "personal": personal,
        "sensitive": sensitive,
        "non_sensitive_personal": other,
        "special_category": special,
        "criminal": criminal,
        "important_data": d.important_data,
        "core_data": d.core_data,
    }
    return DatasetFacts(
        dataset=d,
        personal=personal,
        sensitive=sensitive,
        non_sensitive_personal=other,
        special_category=special,
        criminal=criminal,
        individuals=sum(s.count for s in d.subjects),
        residencies=frozenset(s.residency for s in d.subjects),
        classes=frozenset(name for name, on in flags.items() if on),
    )


def _lineage(g: Graph) -> None:
    carried: dict[str, list[Flow]] = {d: [] for d in g.datasets}
    for f in g.manifest.flows:
        for d in f.datasets:
            carried[d].append(f)
    stored: dict[str, set[str]] = {d: set() for d in g.datasets}
    for s in g.manifest.systems:
        for d in s.stores:
            stored[d].add(s.id)
    # each system's groups, once (not once per dataset present there)
    in_eea = {s: g.in_group(c, "eea") for s, c in g.system_country.items()}
    in_cn = {s: g.in_group(c, "cn-mainland") for s, c in g.system_country.items()}
    for d, flows in carried.items():
        out: dict[str, list[str]] = {}
        inbound: set[str] = set()
        for f in flows:
            out.setdefault(f.source, []).append(f.to)
            inbound.add(f.to)
        holders = stored[d] | set(out)
        # On a cycle every holder has an inbound flow: the data first appears where it is stored.
        origins = {s for s in holders if s not in inbound} or stored[d] or set(holders)
        g.present_at[d] = _reach(origins | stored[d], out)
        eea_start = {s for s in g.present_at[d] if in_eea[s]}
        g.eea_reached[d] = _reach(eea_start, out)
        if g.eea_unsettled:
            also = {s for s in g.present_at[d] if g.system_country[s] in g.eea_unsettled}
            g.eea_reached_if_members[d] = _reach(eea_start | also, out)
        facts = g.datasets[d].dataset
        if facts.collected_in is not None:
            cn = any(g.in_group(c, "cn-mainland") for c in facts.collected_in)
        else:
            cn = any(in_cn[s] for s in origins)
        if cn:
            g.cn_collected.add(d)
    held: dict[str, list[str]] = {}
    for d in sorted(g.present_at):
        for system in g.present_at[d]:
            held.setdefault(system, []).append(d)
    g.held = {system: tuple(ds) for system, ds in held.items()}


def _reach(start: set[str], out: dict[str, list[str]]) -> set[str]:
    seen = set(start)
    todo = deque(start)
    while todo:
        for nxt in out.get(todo.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _edges(g: Graph) -> None:
    systems = {s.id: s for s in g.manifest.systems}
    g.carrying = {d: [] for d in g.datasets}
    keys: dict[str, str] = {}  # entity_key per name: a few names recur on many flows
    for i, f in enumerate(g.manifest.flows):
        src, dst = systems[f.source], systems[f.to]
        here, there = g.system_country[src.id], g.system_country[dst.id]
        datasets = tuple(f.datasets)  # no repeats: the model refuses them
        same = _key(keys, src.operator.name) == _key(keys, f.recipient.name)
        eu, eu_unsettled = g._eu_edge(src.id, here, there, same, datasets)
        edge = Edge(
            kind="flow",
            target=("flow", f.id),
            path=("flows", i),
            source=src,
            source_country=here,
            destination_country=there,
            destination=dst,
            datasets=datasets,
            mechanisms=tuple(f.mechanisms),
            exemption=f.exemption,
            exporter=src.operator.name,
            importer=f.recipient.name,
            exporter_role=src.operator.role,
            importer_role=f.recipient.role,
            same_entity=same,
            started_on=f.started_on,
            individuals=f.individuals,
            flow=f,
            cn_datasets=g._cn_transfer(here, there, datasets),
            eu_datasets=eu,
            eu_unsettled=eu_unsettled,
        )
        g.edges.append(edge)
        for d in edge.datasets:
            g.carrying[d].append(edge)
    for i, s in enumerate(g.manifest.systems):
        held = g.held.get(s.id, ())
        here = g.system_country[s.id]
        for j, acc in enumerate(s.access_from or []):
            same = acc.by == "same_entity"
            there = jurisdictions.resolve_location(acc.location)
            eu, eu_unsettled = g._eu_edge(s.id, here, there, same, held)
            g.edges.append(
                Edge(
                    kind="remote_access",
                    target=("system", s.id),
                    path=("systems", i, "access_from", j),
                    source=s,
                    source_country=here,
                    destination_country=there,
                    destination=None,
                    datasets=held,
                    mechanisms=tuple(acc.mechanisms),
                    exemption=acc.exemption,
                    exporter=s.operator.name,
                    importer=s.operator.name if same else "another entity",
                    exporter_role=s.operator.role,
                    importer_role=acc.role,
                    same_entity=same,
                    started_on=None,
                    individuals=None,
                    flow=None,
                    cn_datasets=g._cn_transfer(here, there, held),
                    eu_datasets=eu,
                    eu_unsettled=eu_unsettled,
                )
            )


def _key(keys: dict[str, str], name: str) -> str:
    key = keys.get(name)
    if key is None:
        key = keys[name] = entity_key(name)
    return key

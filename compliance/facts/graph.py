"""The flow graph of one manifest: edges (flows and remote access), lineage and transfers.

Lineage is a fixpoint over the whole graph, cycles included, computed by one graph search
per dataset over the flows that carry it (linear in flows). Transfer detection follows
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
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from compliance import jurisdictions
from compliance.model import Access, Dataset, Flow, Manifest, Mechanism, System
from compliance.names import entity_key
from compliance.sources.document import Path_
from compliance.taxonomy import Taxonomy

EEA_WORDS = ("EU", "EEA")
#: The classes of data CN transfer rules govern on a CN transfer.
CN_GOVERNED = frozenset({"personal", "important_data", "core_data"})
#: CBDF Art. 5 exemptions (contract, HR management, emergency): void for data that includes
#: important data (Art. 5, closing sentence)
ART5_EXEMPTIONS = frozenset({"contract", "hr", "emergency"})
_BEYOND_ART5 = frozenset({"important_data", "core_data"})


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

    @property
    def access_entry(self) -> Access | None:
        """The ``access_from`` entry of a remote access; ``None`` for a flow."""
        if self.kind != "remote_access":
            return None
        index = self.path[-1]
        assert isinstance(index, int) and self.source.access_from is not None
        return self.source.access_from[index]

    @property
    def access(self) -> str:
        """Which ``access_from`` entry of its system a remote access is (``access from SG by
        other_entity``: no two entries of one system share both, see :mod:`compliance.validate`),
        telling apart the findings on that system; empty for a flow."""
        entry = self.access_entry
        return "" if entry is None else f"access from {entry.location} by {entry.by}"


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
    #: dataset id -> system id -> where the flows carrying the dataset take it from there
    #: (:attr:`carrying` as a successor map, in manifest order)
    next_systems: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    #: dataset id -> systems downstream of (or in) an EEA system for that dataset
    eea_reached: dict[str, set[str]] = field(default_factory=dict)
    #: dataset ids collected in mainland China
    cn_collected: set[str] = field(default_factory=set)
    #: dataset id -> (systems where it first appears, mainland systems that may have collected
    #: it), sorted, for each dataset of personal, important or core data with no
    #: ``collected_in`` that first appears outside the mainland although a mainland system
    #: stores it or shares a cycle of its flows with where it first appears: collected there
    #: too, or only held in transit? (the datasets are not in ``cn_collected``)
    cn_origin_unclear: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)
    #: dataset id -> the systems where it first appears, sorted, for each dataset with no
    #: ``collected_in``: the contract takes its collection place from them
    default_origins: dict[str, tuple[str, ...]] = field(default_factory=dict)
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

    def exempted(self, edge: Edge) -> bool:
        """Whether a CN exemption takes ``edge`` out of the mechanism duties and the volume
        totals: one is declared, the as-of date is on or after 2024-03-22 (the CBDF created the
        exemptions, CAC Order No. 16), and it is not an Art. 5 exemption (``contract``, ``hr``,
        ``emergency``) on an edge carrying important or core data collected in mainland China:
        the personal information those exemptions cover must not include important data (CBDF
        Art. 5, closing sentence; core data, under a stricter regime, is taken alike).

        ``transit`` and ``ftz-negative-list`` are taken as declared (the contract makes a
        transit declaration on data collected in mainland China a ``needs_review`` of its own).
        """
        ex = edge.exemption
        if ex is None or self.as_of < jurisdictions.cn_regime_change():
            return False
        if ex in ART5_EXEMPTIONS:
            datasets = self.datasets
            return not any(not datasets[d].classes.isdisjoint(_BEYOND_ART5) for d in self.cn_datasets(edge))
        return True

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

        One graph search per such flow over the flows carrying the dataset, computed on
        first use.
        """
        transfers: dict[str, list[Edge]] = {}  # dataset id -> the flows that are its CN transfers
        for e in self.edges:
            if e.kind == "flow":
                for d in e.cn_datasets:
                    transfers.setdefault(d, []).append(e)
        out: dict[str, dict[str, list[Edge]]] = {}
        for d, edges in transfers.items():
            step = self.next_systems[d]
            reached: dict[str, set[str]] = {}  # destination -> downstream, once per destination
            for e in edges:
                assert e.destination is not None
                dest = e.destination.id
                if dest not in reached:
                    reached[dest] = _reach({dest}, step)
                for system in reached[dest]:
                    out.setdefault(d, {}).setdefault(system, []).append(e)
        return out

    @cached_property
    def carrying(self) -> dict[str, list[Edge]]:
        """Dataset id -> the flow edges carrying it, in manifest order, computed on first use
        (no rule asks for it)."""
        out: dict[str, list[Edge]] = {d: [] for d in self.datasets}
        for e in self.edges:
            if e.kind == "flow":
                for d in e.datasets:
                    out[d].append(e)
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

    def names_place(self, codes: Sequence[str], word: str) -> bool:
        """Whether ``codes`` (an organization's ``established_in`` or ``targets``: ISO codes,
        ``EU``, ``EEA``) name the EU/EEA (``word`` ``EEA``) or mainland China (``CN``) on the
        as-of date."""
        for code in codes:
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
        self, source: str, source_in_eea: bool, datasets: tuple[str, ...], reached: dict[str, set[str]]
    ) -> tuple[str, ...]:
        """The personal datasets that an edge from system ``source`` to another entity outside
        the EEA transfers under the GDPR: all of them from an exporter in the EEA, else those
        that passed through the EEA upstream (``reached``: ``eea_reached`` or
        ``eea_reached_if_members``)."""
        facts = self.datasets
        if source_in_eea:
            return tuple(d for d in datasets if facts[d].personal)
        return tuple(d for d in datasets if facts[d].personal and source in reached.get(d, ()))

    def _eu_edge(
        self,
        source: str,
        source_country: str,
        destination_country: str,
        same_entity: bool,
        datasets: tuple[str, ...],
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """``(eu_datasets, eu_unsettled)`` of an edge (see :class:`Edge`): the territories of
        unrecorded EEA status taken as outside the EEA, and (when the manifest has any) as
        inside it."""
        if same_entity or self.in_group(destination_country, "eea"):
            return (), ()
        source_in_eea = self.in_group(source_country, "eea")
        outside = self._eu_transfer(source, source_in_eea, datasets, self.eea_reached)
        unsettled = self.eea_unsettled
        if not unsettled:
            return outside, ()
        inside: tuple[str, ...] = ()
        if destination_country not in unsettled:
            inside = self._eu_transfer(
                source,
                source_in_eea or source_country in unsettled,
                datasets,
                self.eea_reached_if_members,
            )
        if inside == outside:
            return outside, ()
        # the territory an end sits in, else (lineage through one upstream) all of the manifest's
        ends = {source_country, destination_country} & unsettled or unsettled
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
    kinds: dict[str, tuple[frozenset[str], bool] | None] = {}  # per category key: few keys, many datasets
    for d in manifest.datasets:
        g.datasets[d.id] = _dataset_facts(d, taxonomy, kinds)
    _lineage(g)
    _edges(g)
    return g


def _dataset_facts(
    d: Dataset, taxonomy: Taxonomy, kinds: dict[str, tuple[frozenset[str], bool] | None]
) -> DatasetFacts:
    """The facts of ``d``; ``kinds`` caches :func:`_personal_classes` per category key."""
    personal = sensitive = other = special = criminal = False
    for key in d.categories:
        if key in kinds:
            kind = kinds[key]
        else:
            kind = kinds[key] = _personal_classes(taxonomy, key)
        if kind is None:
            continue
        classes, not_sensitive = kind
        personal = True
        sensitive = sensitive or "pipl_sensitive" in classes
        other = other or not_sensitive
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


def _personal_classes(taxonomy: Taxonomy, key: str) -> tuple[frozenset[str], bool] | None:
    """The classes of the category ``key`` when it is personal data (else ``None``), and whether
    it covers personal information that is not sensitive: a key outside the PIPL sensitive
    class, or a broader one (``user``, ``user.demographic``) taken as sensitive because it may
    hold sensitive data, which may hold other personal information too and so counts toward
    both CN totals (manifest contract, "Counts": a dataset with both counts in both)."""
    canon = taxonomy.canonical(key)
    if not taxonomy.is_personal(canon):
        return None
    classes = taxonomy.classes_of(canon)
    return classes, "pipl_sensitive" not in classes or not taxonomy.wholly_in(canon, "pipl_sensitive")


def _lineage(g: Graph) -> None:
    # one pass over the flows builds every dataset's successor map and inbound set
    steps: dict[str, dict[str, list[str]]] = {d: {} for d in g.datasets}
    inbound: dict[str, set[str]] = {d: set() for d in g.datasets}
    for f in g.manifest.flows:
        source, to = f.source, f.to
        for d in f.datasets:
            step = steps[d]
            if source in step:
                step[source].append(to)
            else:
                step[source] = [to]
            inbound[d].add(to)
    g.next_systems = steps
    stored: dict[str, set[str]] = {d: set() for d in g.datasets}
    for s in g.manifest.systems:
        for d in s.stores:
            stored[d].add(s.id)
    # each group's systems, once (set operations per dataset then run in C)
    in_eea = {s for s, c in g.system_country.items() if g.in_group(c, "eea")}
    in_cn = {s for s, c in g.system_country.items() if g.in_group(c, "cn-mainland")}
    unsettled = {s for s, c in g.system_country.items() if c in g.eea_unsettled}
    for d, out in steps.items():
        # every system a flow of the dataset touches holds it, and every one that stores it
        present = g.present_at[d] = stored[d].union(out, inbound[d])
        origins = _origins(present, inbound[d], stored[d], out)
        eea_start = present & in_eea
        # ``present`` is closed under the flows: starting from all of it reaches nothing more
        g.eea_reached[d] = set(present) if len(eea_start) == len(present) else _reach(eea_start, out)
        if g.eea_unsettled:
            g.eea_reached_if_members[d] = _reach(eea_start | (present & unsettled), out)
        facts = g.datasets[d].dataset
        if facts.collected_in is not None:
            cn = any(g.in_group(c, "cn-mainland") for c in facts.collected_in)
        else:
            g.default_origins[d] = tuple(sorted(origins))
            cn = not in_cn.isdisjoint(origins)
            if not cn and not in_cn.isdisjoint(present) and not g.datasets[d].classes.isdisjoint(CN_GOVERNED):
                doubtful = _doubtful(in_cn & present, stored[d], out)
                if doubtful:
                    g.cn_origin_unclear[d] = (tuple(sorted(origins)), tuple(sorted(doubtful)))
        if cn:
            g.cn_collected.add(d)
    held: dict[str, list[str]] = {s: [] for s in g.system_country}
    for d in sorted(g.present_at):
        for system in g.present_at[d]:
            held[system].append(d)
    g.held = {system: tuple(ds) for system, ds in held.items() if ds}


def _origins(present: set[str], inbound: set[str], stored: set[str], out: dict[str, list[str]]) -> set[str]:
    """Where a dataset first appears: ids of systems of ``present`` (all systems holding it).

    These are the heads of the dataset's flow graph: each group of systems that its flows join
    in a cycle (a strongly connected component; a system on no cycle is a group of its own)
    into which no flow of the dataset comes from outside. In such a group the data is taken to
    first appear where it is stored; in a group where no system stores it, at every system of
    the group. A system that receives the dataset from a head is no origin even when it stores
    it: the data came from elsewhere (manifest contract, "CN scope": the jurisdictions of the
    systems where the dataset first appears). :func:`_doubtful` names the systems for which
    that reading is in doubt.
    """
    heads = present - inbound  # no flow of the dataset comes in
    # Most graphs need no more: everything is reached from the systems with no inbound flow.
    rest = present - _reach(heads, out) if heads else present
    if not rest:
        return heads
    # ``rest`` is closed under the flows (nothing reached leads into it), so its heads are the
    # groups of ``rest`` that no other group of ``rest`` reaches.
    group = _components(rest, out)
    entered = {group[t] for s in rest for t in out.get(s, ()) if group[t] != group[s]}
    members: dict[int, set[str]] = {}
    for s in rest:
        if group[s] not in entered:
            members.setdefault(group[s], set()).add(s)
    for systems in members.values():
        heads |= systems & stored or systems
    return heads


def _doubtful(candidates: set[str], stored: set[str], out: dict[str, list[str]]) -> set[str]:
    """The systems of ``candidates`` (mainland systems holding a dataset taken as collected
    abroad) that may have collected it all the same: those that store it, and those on a cycle
    of its flows, whose data may come back to them rather than from them (an app that stores
    nothing, syncing with a foreign database). A system only relaying the data, on no cycle,
    is transit (manifest contract, "CN scope")."""
    doubtful = candidates & stored
    for s in candidates - stored:
        if s in _reach(set(out.get(s, ())), out):
            doubtful.add(s)
    return doubtful


def _components(nodes: set[str], out: dict[str, list[str]]) -> dict[str, int]:
    """Strongly connected components of ``nodes`` under ``out`` (Kosaraju, no recursion):
    system id -> component number. ``nodes`` must be closed under ``out``."""
    order: list[str] = []
    seen: set[str] = set()
    for root in sorted(nodes):  # sorted: the numbering does not follow set order
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(out.get(root, ())))]
        while stack:
            node, children = stack[-1]
            for nxt in children:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, iter(out.get(nxt, ()))))
                    break
            else:
                stack.pop()
                order.append(node)
    back: dict[str, list[str]] = {}
    for s in nodes:
        for t in out.get(s, ()):
            back.setdefault(t, []).append(s)
    group: dict[str, int] = {}
    for number, root in enumerate(reversed(order)):
        if root in group:
            continue
        group[root] = number
        todo = [root]
        while todo:
            for prev in back.get(todo.pop(), ()):
                if prev not in group:
                    group[prev] = number
                    todo.append(prev)
    return group


def _reach(start: set[str], out: dict[str, list[str]]) -> set[str]:
    # depth first: only the set reached matters, and a list is a cheaper stack than a deque
    seen = set(start)
    todo = list(seen)
    while todo:
        for nxt in out.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


class _End(NamedTuple):
    """A system as the end of flows: what each of its flows needs, looked up once per system.

    ``in_cn`` and ``in_eea`` settle, without a call, that most flows are neither a CN transfer
    (which leaves mainland China) nor an EU transfer (which goes outside the EEA);
    :meth:`Graph._cn_transfer` and :meth:`Graph._eu_edge` decide the rest.
    """

    system: System
    country: str
    in_cn: bool
    in_eea: bool
    operator_key: str


def _edges(g: Graph) -> None:
    keys: dict[str, str] = {}  # entity_key per name: a few names recur on many flows
    ends: dict[str, _End] = {}
    for s in g.manifest.systems:
        country = g.system_country[s.id]
        in_cn, in_eea = g.in_group(country, "cn-mainland"), g.in_group(country, "eea")
        ends[s.id] = _End(s, country, in_cn, in_eea, _key(keys, s.operator.name))
    edges = g.edges
    for i, f in enumerate(g.manifest.flows):
        source, source_country, source_in_cn, _, operator_key = ends[f.source]
        destination, destination_country, destination_in_cn, destination_in_eea, _ = ends[f.to]
        datasets = tuple(f.datasets)  # no repeats: the model refuses them
        operator, recipient = source.operator, f.recipient
        same_entity = operator_key == _key(keys, recipient.name)
        cn_datasets: tuple[str, ...] = ()
        if source_in_cn and not destination_in_cn:
            cn_datasets = g._cn_transfer(source_country, destination_country, datasets)
        eu_datasets: tuple[str, ...] = ()
        eu_unsettled: tuple[str, ...] = ()
        if not same_entity and not destination_in_eea:
            eu_datasets, eu_unsettled = g._eu_edge(
                f.source, source_country, destination_country, same_entity, datasets
            )
        # Edge's fields in order: positional, the call costs a third of one with 21 keywords
        edge = Edge(
            "flow",
            ("flow", f.id),
            ("flows", i),
            source,
            source_country,
            destination_country,
            destination,
            datasets,
            tuple(f.mechanisms),
            f.exemption,
            operator.name,
            recipient.name,
            operator.role,
            recipient.role,
            same_entity,
            f.started_on,
            f.individuals,
            f,
            cn_datasets,
            eu_datasets,
            eu_unsettled,
        )
        edges.append(edge)
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

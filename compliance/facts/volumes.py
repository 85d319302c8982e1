"""CN volume totals per organization and calendar year (CBDF Arts. 5(4), 7, 8; CAC-SA Art. 4).

Counting follows the manifest contract exactly: over the organization's outbound CN edges that
no exemption covers, each dataset counts once (ids scoped to their file) with the largest
figure among its edges; a flow's ``individuals`` narrows that flow (the figure is the smaller
of it and the dataset's subjects); remote access counts the accessed datasets in full; a
dataset counts toward the sensitive total when it holds a PIPL Art. 28 category and toward the
non-sensitive total when it holds any other personal category; ``personal`` counts every
personal dataset once (the 2022 Measures' "personal information of 100,000 individuals"
includes sensitive PI). Manifests naming the same organization add up.

``processed`` is a lower bound of the individuals whose personal information the organization
processes: its largest personal dataset, wherever collected and whether it leaves China or not
(the 2022 Measures' "processes the PI of 1,000,000 or more individuals" trigger and PIPL Art.
40's "processors processing PI reaching the number", neither limited to PI collected in
mainland China). ``processed_sum``, all its personal datasets added up (over its files), is the
upper bound: distinct people across datasets cannot be counted from a v1 manifest, so a
threshold between the two bounds is undecided.

A ``transit`` or ``ftz-negative-list`` declaration leaves its flow out of the totals, as the
contract's "flows that no exemption covers" reads, but the tool cannot confirm either on data
collected in mainland China (CN-CBDF-4-TRANSIT, CN-CBDF-6-FTZ-NEGATIVE-LIST ask for review), so
each total is known only as a range: ``*_doubtful`` holds what such flows would add, and a
threshold between the two ends is undecided, never a silent pass on the other flows.

Exemptions exist only since the 2024 provisions (CBDF Arts. 3-6, in force 2024-03-22): for an
as-of date before then a declared ``exemption`` removes nothing from the totals. An Art. 5
exemption (contract, HR, emergency) on a flow carrying important data covers nothing either
(Art. 5, closing sentence): that flow counts (see :meth:`Graph.exempted`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from compliance.facts.graph import Edge, Graph


@dataclass
class VolumeTotals:
    """Distinct individuals whose PI leaves mainland China this calendar year.

    ``contributors`` maps ``(file, dataset id)`` to its counted figure; ``edges`` lists the
    ``(file, edge)`` pairs that contributed (the targets of volume findings); ``by_file`` maps
    each file to its share of the four counts (so that a finding can say which files make up a
    total). When a run is split over processes (``check --jobs``) the four counts and
    ``by_file`` cover every file of the organization, while ``contributors`` and ``edges``
    cover the files built in this process.
    """

    non_sensitive: int = 0
    sensitive: int = 0
    personal: int = 0
    processed: int = 0
    processed_sum: int = 0
    non_sensitive_doubtful: int = 0
    sensitive_doubtful: int = 0
    personal_doubtful: int = 0
    contributors: dict[tuple[str, str], int] = field(default_factory=dict)
    edges: list[tuple[str, Edge]] = field(default_factory=list)
    by_file: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)

    def counts(self) -> VolumeTotals:
        """These totals without ``contributors`` and ``edges``: what one process of a run split
        over processes reports, to be added up with the others' by :func:`merge_totals`."""
        return VolumeTotals(
            self.non_sensitive,
            self.sensitive,
            self.personal,
            self.processed,
            self.processed_sum,
            self.non_sensitive_doubtful,
            self.sensitive_doubtful,
            self.personal_doubtful,
            by_file=dict(self.by_file),
        )

    def range(self, measure: str) -> tuple[int, int]:
        """The least and the most ``measure`` (one of :data:`MEASURES`) can be: ``processed`` is
        known only between the largest personal dataset and all of them added up; the others
        between the flows no exemption covers and those plus the flows under an exemption the
        tool cannot confirm (the module docstring)."""
        if measure == "processed":
            return self.processed, max(self.processed, self.processed_sum)
        n: int = getattr(self, measure)
        return n, n + int(getattr(self, measure + "_doubtful"))

    def shares(self, measure: str) -> list[tuple[str, int]]:
        """The files that contribute to ``measure`` (``non_sensitive``, ``sensitive``,
        ``personal`` or ``processed``) with their figures, in run order; none are zero."""
        index = MEASURES.index(measure)
        return [(f, n[index]) for f, n in self.by_file.items() if n[index]]


#: The four counts of :class:`VolumeTotals`, in the order of ``by_file``'s tuples.
MEASURES = ("non_sensitive", "sensitive", "personal", "processed")


def within(low: int, high: int, at_least: int | None, below: int | None) -> bool | None:
    """Whether a total known to lie in ``[low, high]`` is at least ``at_least`` and below
    ``below`` (either bound may be ``None``): ``None`` when it is for some figures of the range
    and not for others."""
    if (at_least is None or low >= at_least) and (below is None or high < below):
        return True
    if (at_least is not None and high < at_least) or (below is not None and low >= below):
        return False
    return None


def edge_figure(graph: Graph, edge: Edge, dataset: str) -> int:
    """Individuals of ``dataset`` that ``edge`` carries (the flow's ``individuals`` narrows it)."""
    total = graph.datasets[dataset].individuals
    if edge.individuals is None:
        return total
    return min(edge.individuals, total)


def counts_toward_volume(graph: Graph, edge: Edge) -> tuple[str, ...]:
    """The personal CN datasets of ``edge`` that count toward the totals (none when an
    exemption covers the edge: :meth:`Graph.exempted`)."""
    if edge.exemption is not None and graph.exempted(edge):
        return ()
    return _personal(graph, edge)


def _personal(graph: Graph, edge: Edge) -> tuple[str, ...]:
    return tuple(d for d in graph.cn_datasets(edge) if graph.datasets[d].personal)


#: Exemptions the tool cannot confirm on data collected in mainland China (module docstring).
DOUBTFUL_EXEMPTIONS = ("transit", "ftz-negative-list")


def file_totals(file: str, graph: Graph) -> VolumeTotals:
    """One file's part of its organization's CN totals, to be added up by :func:`merge_totals`.

    ``non_sensitive``, ``sensitive``, ``personal`` and ``processed_sum`` add up across files and
    ``processed`` takes the largest, because each counted dataset belongs to one file (ids are scoped to their
    file).
    """
    totals = VolumeTotals()
    figures: dict[tuple[str, str], int] = {}
    doubtful: list[Edge] = []  # flows left out under an exemption the tool cannot confirm
    for edge in graph.edges:
        if not edge.cn_datasets:
            continue  # not a CN transfer, as most edges are: nothing to count
        counted = counts_toward_volume(graph, edge)
        if not counted:
            if edge.exemption in DOUBTFUL_EXEMPTIONS:
                doubtful.append(edge)
            continue
        totals.edges.append((file, edge))
        for d in counted:
            key = (file, d)
            figures[key] = max(figures.get(key, 0), edge_figure(graph, edge, d))
    if doubtful:
        widest = dict(figures)
        for edge in doubtful:
            for d in _personal(graph, edge):
                widest[file, d] = max(widest.get((file, d), 0), edge_figure(graph, edge, d))
        certain, most = _sums(graph, figures), _sums(graph, widest)
        totals.non_sensitive_doubtful = most[0] - certain[0]
        totals.sensitive_doubtful = most[1] - certain[1]
        totals.personal_doubtful = most[2] - certain[2]
    for facts in graph.datasets.values():
        if facts.personal:
            totals.processed = max(totals.processed, facts.individuals)
            totals.processed_sum += facts.individuals
    totals.non_sensitive, totals.sensitive, totals.personal = _sums(graph, figures)
    totals.contributors = figures
    totals.by_file = {file: (totals.non_sensitive, totals.sensitive, totals.personal, totals.processed)}
    return totals


def _sums(graph: Graph, figures: dict[tuple[str, str], int]) -> tuple[int, int, int]:
    """The non-sensitive, sensitive and personal totals of counted ``figures`` ((file, dataset)
    -> individuals): a dataset counts toward the sensitive total when it holds a PIPL Art. 28
    category and toward the non-sensitive one when it holds any other personal category."""
    non_sensitive = sensitive = personal = 0
    for (_, d), n in figures.items():
        facts = graph.datasets[d]
        if facts.sensitive:
            sensitive += n
        if facts.non_sensitive_personal:
            non_sensitive += n
        personal += n
    return non_sensitive, sensitive, personal


def merge_totals(parts: Sequence[VolumeTotals]) -> VolumeTotals:
    """Add up the parts of one organization's totals (files in run order; see :func:`file_totals`)."""
    totals = VolumeTotals()
    for part in parts:
        totals.non_sensitive += part.non_sensitive
        totals.sensitive += part.sensitive
        totals.personal += part.personal
        totals.processed = max(totals.processed, part.processed)
        totals.processed_sum += part.processed_sum
        totals.non_sensitive_doubtful += part.non_sensitive_doubtful
        totals.sensitive_doubtful += part.sensitive_doubtful
        totals.personal_doubtful += part.personal_doubtful
        totals.contributors.update(part.contributors)
        totals.edges.extend(part.edges)
        totals.by_file.update(part.by_file)
    return totals

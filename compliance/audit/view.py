"""The audit report's view model, built from one check run (:class:`Report`) and its facts.

Nothing is judged again here: a transfer is what :meth:`Graph.cn_datasets` and
:meth:`Graph.eu_datasets` say, its status is the worst outcome among the run's findings on its
target, figures come from the facts. Everything is sorted, so the same input and as-of date
give the same document.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace

from compliance.audit.volume import VolumePosition, position
from compliance.errors import ComplianceError
from compliance.facts import ManifestFacts, build_facts
from compliance.facts import mechanisms as mech
from compliance.facts.graph import Edge, Graph
from compliance.facts.volumes import edge_figure
from compliance.findings import SEVERITY_RANK, Finding, Report
from compliance.model import Mechanism
from compliance.outcomes import NOTICE_DAYS, target_ref
from compliance.policy.conditions import PREDICATES, Subject
from compliance.policy.rules import Pack
from compliance.run import check, expand_paths, load_manifests

#: statuses from worst to best; a transfer takes the worst among its findings
STATUSES = ("violation", "needs_review", "waived", "compliant")
REGIMES = ("cn", "eu")
SEVERITIES = tuple(sorted(SEVERITY_RANK, key=lambda s: -SEVERITY_RANK[s]))


@dataclass(frozen=True)
class CheckedFile:
    """A manifest file given to the run, with the SHA-256 of its bytes."""

    path: str
    sha256: str


@dataclass(frozen=True)
class Category:
    """A data category carried, marked PIPL Art. 28 sensitive and/or GDPR Art. 9/10 special."""

    key: str
    sensitive: bool
    special: bool

    @property
    def marks(self) -> str:
        """The markers after the key, e.g. ``sensitive, special``."""
        return ", ".join(m for m, on in (("sensitive", self.sensitive), ("special", self.special)) if on)

    @property
    def text(self) -> str:
        """The key with its markers, for text formats."""
        return f"{self.key} ({self.marks})" if self.marks else self.key


@dataclass(frozen=True)
class MechanismLine:
    """A mechanism recorded on a transfer and its standing on the as-of date."""

    type: str
    in_force: bool
    effective_on: dt.date | None
    expires_on: dt.date | None
    text: str


@dataclass(frozen=True)
class Transfer:
    """One row of the transfer register: a flow or remote access that is a CN or EU transfer."""

    ref: str
    file: str
    kind: str
    name: str
    target: tuple[str, str]
    source_system: str
    destination_system: str | None
    exporter: str
    exporter_role: str
    importer: str
    importer_role: str | None
    source_country: str
    destination_country: str
    regimes: tuple[str, ...]
    regime_status: tuple[tuple[str, str], ...]
    onward: bool
    categories: tuple[Category, ...]
    purpose: str
    individuals: int
    mechanisms: tuple[MechanismLine, ...]
    exemption: str | None
    status: str
    findings: tuple[str, ...]
    #: the ``access_from`` entry of a remote access (:attr:`Edge.access`), empty for a flow
    access: str = ""
    #: for an EU transfer the GDPR Art. 45 adequacy decision covering it, as the rules read it
    #: (``adequacy decision (EU) 2023/1795 for US covers X (DPF-certified)``), else empty
    adequacy: str = ""


@dataclass(frozen=True)
class Link:
    """A flow or remote access that is not a transfer (same jurisdiction, or no regulated data):
    drawn on the map for context, not in the register."""

    file: str
    name: str
    source_system: str
    destination_system: str | None
    source_country: str
    destination_country: str


@dataclass(frozen=True)
class FindingLine:
    """A finding as the report lists it."""

    rule_id: str
    outcome: str
    severity: str
    target: str
    citation: str
    title: str
    why: tuple[str, ...]
    remediation: str
    location: str
    waiver: str
    transfers: tuple[str, ...]


@dataclass(frozen=True)
class WaiverLine:
    """A waiver recorded in a manifest, whether it covered a finding, and its days to expiry."""

    file: str
    rule: str
    target: str
    owner: str
    reason: str
    expires_on: dt.date
    days_left: int
    state: str

    @property
    def timing(self) -> str:
        """When the waiver ends, relative to the as-of date (it holds through ``expires_on``):
        ``expires on 2027-01-31 (in 63 days)``, ``expires today (...)``, ``ended on ... (15
        days ago)``."""
        n = abs(self.days_left)
        days = f"{n} day{'s' if n != 1 else ''}"
        if self.days_left > 0:
            return f"expires on {self.expires_on} (in {days})"
        if self.days_left == 0:
            return f"expires today ({self.expires_on})"
        return f"ended on {self.expires_on} ({days} ago)"


@dataclass(frozen=True)
class Expiring:
    """A mechanism in force that expires within the notice window."""

    ref: str
    type: str
    expires_on: dt.date
    days_left: int


@dataclass(frozen=True)
class SystemNode:
    """A system (or the remote users of one, ``kind == "access"``) to place on the map."""

    key: str
    file: str
    ident: str
    label: str
    operator: str
    country: str
    kind: str


@dataclass(frozen=True)
class Audit:
    """Everything the audit report shows."""

    as_of: dt.date
    tool_version: str
    packs: tuple[tuple[str, str], ...]
    files: tuple[CheckedFile, ...]
    organizations: tuple[str, ...]
    transfers: tuple[Transfer, ...]
    links: tuple[Link, ...]
    systems: tuple[SystemNode, ...]
    by_regime: tuple[tuple[str, tuple[int, ...]], ...]
    open_by_severity: tuple[tuple[str, int, int], ...]
    volumes: tuple[VolumePosition, ...]
    findings: tuple[FindingLine, ...]
    notices: tuple[FindingLine, ...]
    waivers: tuple[WaiverLine, ...]
    expiring: tuple[Expiring, ...]
    notice_days: int
    statuses: tuple[str, ...] = STATUSES
    #: the configuration file the run read, if any, and what it changed: ``(rule id, change,
    #: reason)`` for each rule it disabled or re-rated (an audit says what was left out)
    config: str | None = None
    adjustments: tuple[tuple[str, str, str], ...] = ()

    @property
    def multi_file(self) -> bool:
        """Whether more than one manifest was checked (system names then carry their file)."""
        return len(self.files) > 1


def from_manifests(
    paths: Sequence[str],
    packs: Sequence[Pack],
    as_of: dt.date,
    *,
    jobs: int = 1,
    not_manifests: Sequence[str] = (),
    report_for: Sequence[str] | None = None,
    config: str | None = None,
    adjustments: Sequence[tuple[str, str, str]] = (),
    silenced: Collection[str] = (),
) -> tuple[Report, Audit | None]:
    """Run the check pipeline on ``paths`` (with ``jobs`` processes) and build the
    :class:`Audit`; ``None`` (with the report's errors) when any input was unusable, since an
    audit must not leave a file out. ``not_manifests``: see :func:`compliance.run.expand_paths`.
    With ``report_for`` (some of ``paths``), the audit covers those files only, with the
    organization totals of all of ``paths`` (as :func:`compliance.run.check` reports them).
    ``config`` and ``adjustments``: see :class:`Audit` (``packs`` already reflect them);
    ``silenced``: the notices the configuration disables (:func:`compliance.run.check`)."""
    report = check(
        paths, packs, as_of, jobs=jobs, not_manifests=not_manifests, report_for=report_for, silenced=silenced
    )
    if report.errors:
        return report, None
    loaded, problems = load_manifests(expand_paths(paths, not_manifests))
    if problems:
        report.errors.extend(problems)
        return report, None
    shown = set(report.files)
    audit = build(report, [mf for mf in build_facts(loaded, as_of) if mf.file in shown])
    return report, replace(audit, config=config, adjustments=tuple(adjustments))


def build(report: Report, facts: Sequence[ManifestFacts]) -> Audit:
    """Build the :class:`Audit` of ``report``, whose run computed ``facts``."""
    as_of = report.as_of
    multi = len(facts) > 1
    by_target: dict[tuple[str, tuple[str, str]], list[Finding]] = {}
    for f in report.findings:
        if f.outcome != "notice":
            by_target.setdefault((f.file, f.target), []).append(f)
    rows: list[Transfer] = []
    links: list[Link] = []
    for mf in facts:
        g = mf.graph
        for e in g.edges:
            cn, eu = g.cn_datasets(e), g.eu_datasets(e)
            if not cn and not eu:
                links.append(
                    Link(
                        mf.file,
                        _edge_name(e),
                        _key(mf.file, e.source.id, multi),
                        _dest_key(mf.file, e, multi),
                        e.source_country,
                        e.destination_country,
                    )
                )
                continue
            found = [f for f in by_target.get((mf.file, e.target), []) if _about(f.detail, e.access)]
            rows.append(_transfer(mf, e, cn, eu, found, multi))
    rows.sort(key=lambda t: (t.file, t.source_system, t.destination_country, t.kind, t.name))
    transfers = tuple(_numbered(t, i) for i, t in enumerate(rows, 1))
    refs: dict[tuple[str, tuple[str, str]], list[tuple[str, str]]] = {}
    for t in transfers:
        refs.setdefault((t.file, t.target), []).append((t.ref, t.access))
    findings = [f for f in report.findings if f.outcome != "notice"]
    findings.sort(
        key=lambda f: (STATUSES.index(f.outcome), -SEVERITY_RANK[f.severity], f.rule_id, f.file, f.target)
    )
    notices = sorted(
        (f for f in report.findings if f.outcome == "notice"), key=lambda f: (f.rule_id, f.file, f.target)
    )
    return Audit(
        as_of=as_of,
        tool_version=report.tool_version,
        packs=tuple(sorted(report.packs.items())),
        files=tuple(CheckedFile(p, _sha256(p)) for p in sorted(set(report.files))),
        organizations=tuple(sorted({mf.loaded.manifest.organization.name for mf in facts})),
        transfers=transfers,
        links=tuple(sorted(links, key=lambda x: (x.file, x.source_system, x.name))),
        systems=_systems(facts, multi),
        by_regime=_by_regime(transfers),
        open_by_severity=tuple(
            (
                s,
                sum(1 for f in findings if f.severity == s and f.outcome == "violation"),
                sum(1 for f in findings if f.severity == s and f.outcome == "needs_review"),
            )
            for s in SEVERITIES
        ),
        volumes=_volumes(report, facts),
        findings=tuple(_finding_line(f, refs) for f in findings),
        notices=tuple(_finding_line(f, refs) for f in notices),
        waivers=_waivers(report, facts),
        expiring=_expiring(transfers, as_of),
        notice_days=NOTICE_DAYS,
    )


def _sha256(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError as exc:
        raise ComplianceError(f"{path}: cannot read: {exc.strerror}") from None


def _key(file: str, system: str, multi: bool) -> str:
    return f"{file}:{system}" if multi else system


def _dest_key(file: str, e: Edge, multi: bool) -> str | None:
    return None if e.destination is None else _key(file, e.destination.id, multi)


def _edge_name(e: Edge) -> str:
    if e.flow is not None:
        return e.flow.id
    return f"remote access to {e.source.id} from {e.destination_country}"


def _transfer(
    mf: ManifestFacts,
    e: Edge,
    cn: tuple[str, ...],
    eu: tuple[str, ...],
    found: list[Finding],
    multi: bool,
) -> Transfer:
    g = mf.graph
    carried = tuple(dict.fromkeys((*cn, *eu)))
    regimes = tuple(r for r, ds in (("cn", cn), ("eu", eu)) if ds)
    regime_status = tuple((r, _worst(f.outcome for f in found if f.pack == r)) for r in regimes)
    return Transfer(
        ref="",
        file=mf.file,
        kind=e.kind,
        name=_edge_name(e),
        target=e.target,
        source_system=_key(mf.file, e.source.id, multi),
        destination_system=_dest_key(mf.file, e, multi),
        exporter=e.exporter,
        exporter_role=e.exporter_role,
        importer=e.importer,
        importer_role=e.importer_role,
        source_country=e.source_country,
        destination_country=e.destination_country,
        regimes=regimes,
        regime_status=regime_status,
        onward=bool(eu) and g.is_onward(e),
        categories=_categories(g, carried),
        purpose=e.flow.purpose if e.flow is not None else "remote access",
        individuals=sum(edge_figure(g, e, d) for d in carried if g.datasets[d].personal),
        mechanisms=tuple(_mechanism(m, g.as_of, e.started_on) for m in e.mechanisms),
        exemption=e.exemption,
        status=_worst(f.outcome for f in found),
        findings=tuple(sorted(f"{f.rule_id} ({f.outcome})" for f in found)),
        adequacy=_adequacy(mf, e) if eu else "",
        access=e.access,
    )


def _adequacy(mf: ManifestFacts, e: Edge) -> str:
    """The adequacy decision that covers EU transfer ``e`` on the graph's as-of date, in the
    words of the ``adequacy`` predicate the EU rules use (empty when none does, or it is
    unsettled): the register names the transfer's legal basis even where no mechanism is
    recorded."""
    verdict = PREDICATES["adequacy"].fn(Subject(mf, "eu", mf.graph.as_of, e), True)
    return verdict.reasons[0] if verdict.value is True and verdict.reasons else ""


def _numbered(t: Transfer, i: int) -> Transfer:
    return replace(t, ref=f"T{i}")


def _worst(outcomes: Iterable[str]) -> str:
    seen = set(outcomes)
    return next((s for s in STATUSES if s in seen), "compliant")


def _categories(g: Graph, datasets: Sequence[str]) -> tuple[Category, ...]:
    keys = sorted({k for d in datasets for k in g.datasets[d].dataset.categories})
    out = []
    for key in keys:
        classes = g.taxonomy.classes_of(g.taxonomy.canonical(key))
        out.append(
            Category(key, "pipl_sensitive" in classes, bool({"gdpr_special", "gdpr_criminal"} & classes))
        )
    return tuple(out)


def _mechanism(m: Mechanism, as_of: dt.date, started_on: dt.date | None) -> MechanismLine:
    st = mech.status(m, as_of, started_on)
    return MechanismLine(
        m.type, st.in_force is True, st.effective_on, st.expires_on, mech.describe(m, as_of, started_on)
    )


def _systems(facts: Sequence[ManifestFacts], multi: bool) -> tuple[SystemNode, ...]:
    out = []
    for mf in facts:
        g = mf.graph
        for s in g.manifest.systems:
            out.append(
                SystemNode(
                    _key(mf.file, s.id, multi),
                    mf.file,
                    s.id,
                    s.id,
                    s.operator.name,
                    g.system_country[s.id],
                    "system",
                )
            )
    return tuple(sorted(out, key=lambda n: n.key))


def _by_regime(transfers: Sequence[Transfer]) -> tuple[tuple[str, tuple[int, ...]], ...]:
    out = []
    for regime in REGIMES:
        statuses = [dict(t.regime_status)[regime] for t in transfers if regime in t.regimes]
        out.append((regime, tuple(statuses.count(s) for s in STATUSES)))
    return tuple(out)


def _volumes(report: Report, facts: Sequence[ManifestFacts]) -> tuple[VolumePosition, ...]:
    """The CN volume position of each organization that holds data collected in mainland China
    in one of its files (the thresholds say nothing to one that holds none)."""
    china = {mf.graph.org_key for mf in facts if mf.graph.cn_collected}
    seen: dict[str, VolumePosition] = {}
    for mf in facts:
        key = mf.graph.org_key
        if key in china and key not in seen:
            seen[key] = position(mf.loaded.manifest.organization, mf.totals, report.rules, report.as_of)
    return tuple(seen[k] for k in sorted(seen))


def _citation(f: Finding) -> str:
    cites = ([f.citation] if f.citation else []) + list(f.also_cites)
    return "; ".join(f"{i} Art. {a}" for i, a in cites)


def _about(detail: str, access: str) -> bool:
    """Whether a finding whose ``detail`` is ``detail`` belongs to the register row of remote
    access entry ``access`` (:attr:`Edge.access`; empty for a flow): a finding on another entry
    of the same system does not (a compliant access beside a bare one stays compliant), one on
    the whole system or the flow does."""
    head = detail.split(", ", 1)[0]  # a notice adds the mechanism: "access from IN by x, pipia"
    return not head.startswith("access from ") or head == access


def _finding_line(f: Finding, refs: dict[tuple[str, tuple[str, str]], list[tuple[str, str]]]) -> FindingLine:
    where = f.file + (f":{f.line}" if f.line else "") + (f":{f.column}" if f.line and f.column else "")
    waiver = ""
    if f.waiver is not None:
        waiver = (
            f"was {f.original_outcome}; waived by {f.waiver.approved_by} until "
            f"{f.waiver.expires_on}: {f.waiver.reason}"
        )
    return FindingLine(
        rule_id=f.rule_id,
        outcome=f.outcome,
        severity=f.severity,
        target=target_ref(f.target),
        citation=_citation(f),
        title=f.title,
        why=f.why,
        remediation=f.remediation.strip(),
        location=where,
        waiver=waiver,
        transfers=tuple(r for r, access in refs.get((f.file, f.target), []) if _about(f.detail, access)),
    )


def _waivers(report: Report, facts: Sequence[ManifestFacts]) -> tuple[WaiverLine, ...]:
    # (file, or organization key for a waiver of the organization, rule, target) -> the expiry
    # of the waiver that decided its finding (see compliance.outcomes.apply_waivers)
    decided = {
        (f.organization or f.file, f.rule_id, target_ref(f.target)): f.waiver.expires_on
        for f in report.findings
        if f.waiver is not None
    }
    unused = {(w.file, w.rule, w.target): w.note for w in report.unused_waivers}
    out = []
    for mf in facts:
        for w in mf.loaded.manifest.waivers:
            scope = mf.graph.org_key if w.target == "organization" else mf.file
            deciding = decided.get((scope, w.rule, w.target))
            if w.expires_on < report.as_of:
                state = "expired"
            elif deciding == w.expires_on:
                state = "in force"
            elif deciding is not None:
                state = "in force; a waiver expiring later decides"
            elif (mf.file, w.rule, w.target) in unused:
                note = unused[mf.file, w.rule, w.target]
                state = "matches no finding" + (f" ({note})" if note else "")
            else:
                state = "in force, nothing to cover"
            out.append(
                WaiverLine(
                    mf.file,
                    w.rule,
                    w.target,
                    w.approved_by,
                    w.reason,
                    w.expires_on,
                    (w.expires_on - report.as_of).days,
                    state,
                )
            )
    return tuple(sorted(out, key=lambda w: (w.expires_on, w.file, w.rule, w.target)))


def _expiring(transfers: Sequence[Transfer], as_of: dt.date) -> tuple[Expiring, ...]:
    horizon = as_of + dt.timedelta(days=NOTICE_DAYS)
    out = [
        Expiring(t.ref, m.type, m.expires_on, (m.expires_on - as_of).days)
        for t in transfers
        for m in t.mechanisms
        if m.in_force and m.expires_on is not None and m.expires_on <= horizon
    ]
    return tuple(sorted(out, key=lambda x: (x.expires_on, x.ref, x.type)))

"""Final outcomes: apply the manifests' waivers, and add notices about what expires soon.

A waiver matches a finding by exact rule id and target (``flows/<id>``, ``systems/<id>``,
``datasets/<id>`` or ``organization``) in the same file; until its ``expires_on`` (inclusive)
it turns the finding into ``waived``; of several waivers of one finding, the one that expires
last decides (each counts as used). A waiver of ``organization`` is the organization's: it
matches the organization's finding whichever of its files declares it (the finding lands on
whichever file a run lists first, so a file-bound match would depend on the order of the
files, or on which of them a pre-commit run was given). A waiver that matches nothing is
reported as unused.
Notices (never counted toward the exit status) flag mechanisms and waivers expiring within
:data:`NOTICE_DAYS` days and an as-of date later than a rule pack's data date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import NamedTuple

from compliance.errors import closest_id
from compliance.facts import ManifestFacts
from compliance.facts import mechanisms as mech
from compliance.findings import BUILTIN_CHECKS, BUILTIN_PREFIXES, Finding, UnusedWaiver, WaiverUse
from compliance.model import Waiver
from compliance.policy.rules import Pack
from compliance.validate import LoadedManifest

NOTICE_DAYS = 90
_SECTIONS = {"flow": "flows", "system": "systems", "dataset": "datasets"}


def target_ref(target: tuple[str, str]) -> str:
    """The waiver spelling of a finding's target: ``flows/x`` or ``organization``."""
    kind, ident = target
    return "organization" if kind == "organization" else f"{_SECTIONS[kind]}/{ident}"


class HeldWaiver(NamedTuple):
    """A waiver of ``organization``, with where it is: file, ``entry`` (its index in the
    file's ``waivers``) and position."""

    file: str
    entry: int
    line: int | None
    column: int | None
    waiver: Waiver


def organization_waivers(loaded: LoadedManifest) -> list[HeldWaiver]:
    """The waivers of ``organization`` in one manifest, in file order."""
    out = []
    for i, w in enumerate(loaded.manifest.waivers):
        if w.target == "organization":
            pos = loaded.document.locate(("waivers", i))
            line, column = pos if pos is not None else (None, None)
            out.append(HeldWaiver(loaded.path, i, line, column, w))
    return out


def _by_organization(facts: Sequence[ManifestFacts]) -> dict[str, list[HeldWaiver]]:
    out: dict[str, list[HeldWaiver]] = {}
    for mf in facts:
        out.setdefault(mf.graph.org_key, []).extend(organization_waivers(mf.loaded))
    return out


def apply_waivers(
    findings: Sequence[Finding],
    facts: Sequence[ManifestFacts],
    as_of: dt.date,
    rule_ids: Collection[str] = (),
    shipped: Callable[[], Mapping[str, str]] | None = None,
    org_waivers: Mapping[str, Sequence[HeldWaiver]] | None = None,
    disabled: Mapping[str, str] | None = None,
) -> tuple[list[Finding], list[UnusedWaiver]]:
    """Return the findings with waivers applied, and the waivers that matched nothing.

    With ``rule_ids`` (the rules of the run), an unused waiver naming none of them says why:
    the configuration disabled its rule (``disabled``: rule id -> the configuration's
    reason), its rule's pack was left out of the run (``shipped``, asked only then: rule id
    -> pack id of every shipped rule), or no rule has that id (with the closest one).

    ``org_waivers``: organization key -> the waivers of ``organization`` in all its files of
    the run, for the organizations whose findings ``findings`` hold (a run split over
    processes judges each organization in the process holding its first file); these alone
    match organization findings, and are reported unused here. ``None``: those of ``facts``.
    """
    if org_waivers is None:
        org_waivers = _by_organization(facts)
    out: list[Finding] = []
    used: set[tuple[str, int]] = set()
    waivers = {mf.file: list(enumerate(mf.loaded.manifest.waivers)) for mf in facts}
    for f in findings:
        new = f
        candidates = (
            [(h.file, h.entry, h.waiver) for h in org_waivers.get(f.organization, ())]
            if f.organization is not None
            else [(f.file, i, w) for i, w in waivers.get(f.file, [])]
        )
        ref = target_ref(f.target)
        matching = [
            (w.expires_on, file, i, w) for file, i, w in candidates if w.rule == f.rule_id and w.target == ref
        ]
        used.update((file, i) for _, file, i, _ in matching)
        if matching and f.outcome in ("violation", "needs_review"):
            # Several waivers of one finding (two files of an organization, say): the one
            # that runs longest decides, whatever the order of the waivers or of the files.
            *_, w = max(matching, key=lambda m: m[:3])
            if w.expires_on < as_of:
                note = f"the waiver approved by {w.approved_by} expired on {w.expires_on}"
                why = (*f.why, note)
                # a fact, not only a sentence: a baseline entry recorded before the waiver
                # must not hide the finding its expiry brings back (compliance.baseline)
                expired = {"waiver_expired_on": w.expires_on.isoformat()}
                new = f._replace(why=why, facts={**f.facts, **expired, "why": list(why)})
            else:
                new = f._replace(
                    outcome="waived",
                    original_outcome=f.outcome,
                    waiver=WaiverUse(w.reason, w.approved_by, w.expires_on),
                )
        out.append(new)
    unused = []
    for mf in facts:
        for i, w in enumerate(mf.loaded.manifest.waivers):
            if (mf.file, i) in used or w.target == "organization":
                continue
            pos = mf.loaded.document.locate(("waivers", i))
            unused.append(
                UnusedWaiver(
                    mf.file,
                    pos[0] if pos else None,
                    pos[1] if pos else None,
                    w.rule,
                    w.target,
                    w.expires_on,
                    _unknown_rule(w.rule, rule_ids, shipped, disabled or {}),
                )
            )
    for held in org_waivers.values():
        for h in held:
            if (h.file, h.entry) not in used:
                w = h.waiver
                note = _unknown_rule(w.rule, rule_ids, shipped, disabled or {})
                unused.append(UnusedWaiver(h.file, h.line, h.column, w.rule, w.target, w.expires_on, note))
    return out, unused


def _unknown_rule(
    rule: str,
    rule_ids: Collection[str],
    shipped: Callable[[], Mapping[str, str]] | None,
    disabled: Mapping[str, str],
) -> str:
    if not rule_ids or rule in rule_ids or rule.startswith(BUILTIN_PREFIXES):
        return ""
    if rule in disabled:
        return f"rule {rule!r} is disabled by the configuration ({disabled[rule]})"
    pack = shipped().get(rule) if shipped is not None else None
    if pack is not None:
        return f"rule {rule!r} is in the pack {pack!r}, which this run left out"
    return f"no rule has the id {rule!r}" + closest_id(rule, rule_ids)


def expiry_notices(
    facts: Sequence[ManifestFacts],
    as_of: dt.date,
    unused: Sequence[UnusedWaiver] = (),
    org_waivers: Mapping[str, Sequence[HeldWaiver]] | None = None,
) -> list[Finding]:
    """Notices for the mechanisms and waivers of ``facts`` expiring within 90 days, except the
    waivers in ``unused``; waivers of ``organization`` are those of ``org_waivers`` (see
    :func:`apply_waivers`; ``None``: those of ``facts``), wherever they are."""
    if org_waivers is None:
        org_waivers = _by_organization(facts)
    out: list[Finding] = []
    horizon = as_of + dt.timedelta(days=NOTICE_DAYS) if as_of < dt.date(9999, 1, 1) else dt.date.max
    idle = {(w.file, w.line, w.column) for w in unused}
    for mf in facts:
        doc = mf.loaded.document
        for e in mf.graph.edges:
            for j, m in enumerate(e.mechanisms):
                end = mech.holds_until(m)  # cheaper than the status; most end far away or never
                if end is None or end > horizon:
                    continue
                st = mech.status(m, as_of, e.started_on)
                if st.in_force and st.expires_on is not None:
                    pos = doc.locate((*e.path, "mechanisms", j))
                    days = (end - as_of).days
                    text = f"{m.type} expires on {end} ({days} days); renew it before then"
                    if end != st.expires_on:
                        text = (
                            f"{m.type} holds until {end} ({days} days), the end of its statutory "
                            f"validity; its declared expiry {st.expires_on} needs an extension "
                            "(CBDF Art. 9) before then"
                        )
                    out.append(
                        _notice(
                            "NOTICE-MECHANISM-EXPIRING",
                            e.target,
                            text,
                            mf.file,
                            pos,
                            {"expires_on": end.isoformat(), "days_left": days},
                            ", ".join(filter(None, (e.access, m.type))),
                        )
                    )
        own = [(i, w) for i, w in enumerate(mf.loaded.manifest.waivers) if w.target != "organization"]
        last = _last_expiry(w for _, w in own)
        for i, w in own:
            if w.expires_on >= last[w.rule, w.target]:
                pos = doc.locate(("waivers", i))
                out.extend(_waiver_notice(w, mf.file, pos, as_of, horizon, idle))
    for held in org_waivers.values():
        last = _last_expiry(h.waiver for h in held)
        for h in held:
            if h.waiver.expires_on >= last[h.waiver.rule, h.waiver.target]:
                pos = (h.line, h.column) if h.line is not None and h.column is not None else None
                out.extend(_waiver_notice(h.waiver, h.file, pos, as_of, horizon, idle))
    return out


def _last_expiry(waivers: Iterable[Waiver]) -> dict[tuple[str, str], dt.date]:
    """(rule, target) -> the last expiry among ``waivers`` of that finding: the waiver expiring
    then is the one that decides (:func:`apply_waivers`), so only its expiry brings the finding
    back, and only it gets a notice."""
    out: dict[tuple[str, str], dt.date] = {}
    for w in waivers:
        key = (w.rule, w.target)
        out[key] = max(out.get(key, w.expires_on), w.expires_on)
    return out


def _waiver_notice(
    w: Waiver,
    file: str,
    pos: tuple[int, int] | None,
    as_of: dt.date,
    horizon: dt.date,
    idle: Collection[tuple[str, int | None, int | None]],
) -> list[Finding]:
    """The notice of waiver ``w`` at ``pos`` of ``file`` if it expires by ``horizon`` and is
    not ``idle`` (unused)."""
    if (file, *(pos or (None, None))) in idle or not as_of <= w.expires_on <= horizon:
        return []
    days = (w.expires_on - as_of).days
    kind, _, ident = w.target.partition("/")
    target = ("organization", "organization") if kind == "organization" else (kind[:-1], ident)
    text = f"the waiver of {w.rule} expires on {w.expires_on} ({days} days)"
    return [
        _notice(
            "NOTICE-WAIVER-EXPIRING",
            target,
            text,
            file,
            pos,
            {"expires_on": w.expires_on.isoformat(), "days_left": days},
            f"waiver of {w.rule}",
        )
    ]


def pack_notices(packs: Sequence[Pack], as_of: dt.date, file: str) -> list[Finding]:
    """Notices for the ``packs`` whose data date is before ``as_of``, reported on ``file`` (the
    run's first manifest)."""
    out: list[Finding] = []
    for p in packs:
        if as_of > p.data_date:
            out.append(
                _notice(
                    "NOTICE-PACK-DATE",
                    ("organization", "organization"),
                    f"the as-of date {as_of} is after the {p.id} pack's data date {p.data_date}; "
                    "law in force after that date is not reflected",
                    file,
                    None,
                    {"pack": p.id, "data_date": p.data_date.isoformat()},
                    f"pack {p.id}",
                )
            )
    return out


def _notice(
    rule_id: str,
    target: tuple[str, str],
    text: str,
    file: str,
    pos: tuple[int, int] | None,
    facts: dict[str, object],
    detail: str,
) -> Finding:
    return Finding(
        rule_id=rule_id,
        outcome="notice",
        severity="low",
        target=target,
        citation=None,
        also_cites=(),
        title=BUILTIN_CHECKS[rule_id][0],
        why=(text,),
        facts=facts,
        file=file,
        line=pos[0] if pos else None,
        column=pos[1] if pos else None,
        pack="",
        detail=detail,
    )

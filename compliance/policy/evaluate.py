"""Evaluate rules over facts: each active rule against each target of its kind -> findings.

The outcome of a rule on a target, with three-valued conditions (see
:mod:`compliance.policy.conditions`):

* ``when`` false: no finding; ``when`` true and ``require`` true: no finding;
* ``when`` true and ``require`` false (or no ``require``): the rule's ``outcome``;
* anything undecided (``None``) on the way to a finding: ``needs_review``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from compliance.facts import ManifestFacts
from compliance.facts.graph import Edge, Graph
from compliance.findings import SEVERITY_RANK, Finding
from compliance.model import Dataset, System
from compliance.policy.conditions import (
    Compiled,
    Explain,
    Result,
    Subject,
    compiled,
    edge_filter,
    evaluate,
    explainer,
    specialize,
)
from compliance.policy.rules import Pack, Rule
from compliance.sources.document import Path_


def evaluate_packs(packs: Sequence[Pack], facts: Sequence[ManifestFacts], as_of: dt.date) -> list[Finding]:
    """Run every rule active on ``as_of`` over every manifest; return the raw findings.

    Organization rules run on the manifests that lead their organization
    (:attr:`ManifestFacts.leads_org`), so that each organization gets its findings once.
    """
    rules = [r for p in packs for r in p.rules if r.active_on(as_of)]
    findings: list[Finding] = []
    for mf in facts:
        # (rule regime, guard predicate, argument) -> the subjects of the edges its filter
        # passes, shared by every flow rule with that guard (rules skip the other edges)
        guarded: dict[tuple[str, str, Any], list[tuple[Subject, Edge]]] = {}
        for rule in rules:
            if rule.target == "organization" and not mf.leads_org:
                continue
            checks = _specialize(rule, Subject(mf, rule.regime, as_of, None))
            if checks is None:
                continue
            guard = edge_guard(rule.when) if rule.target == "flow" else None
            if guard is not None:
                key = (rule.regime, *guard)
                subjects = guarded.get(key)
                if subjects is None:
                    subjects = guarded[key] = _guarded_subjects(mf, rule.regime, guard, as_of)
                for subject, e in subjects:
                    f = evaluate_rule(rule, subject, e.target, e.path, checks)
                    if f is not None:
                        findings.append(f)
                continue
            for target, ident, path in _targets(mf, rule.target):
                f = evaluate_rule(rule, Subject(mf, rule.regime, as_of, target), ident, path, checks)
                if f is not None:
                    findings.append(f)
    return findings


class Checks(NamedTuple):
    """A rule's conditions ready for the targets of one manifest on one date (see
    :func:`_specialize`): the values of ``when`` and ``require`` (:func:`specialize`: a check,
    or the value itself when the organization's facts decide it) for the first pass over
    every target; for the targets that yield a finding, their explainers (:func:`explainer`;
    ``None`` for a rule without ``require``), the escalations (each ``when`` specialized, with
    its explainer and its severity) and the citations as cited on the date."""

    when: Compiled
    require: Compiled
    explain_when: Explain
    explain_require: Explain | None
    escalate: tuple[tuple[Compiled, Explain, str], ...]
    citation: tuple[str, str] | None
    also_cites: tuple[tuple[str, str], ...]


_NO_REQUIREMENT = Result(False)


def _specialize(rule: Rule, organization: Subject) -> Checks | None:
    """``rule``'s :class:`Checks` for one manifest, or ``None`` when its organization's facts
    alone keep the rule from firing there."""
    when = specialize(rule.when, organization)
    require = specialize(rule.require, organization) if rule.require is not None else False
    if when is False or require is True:
        return None
    return _checks(rule, organization.as_of, when, require, organization)


def _checks(
    rule: Rule, as_of: dt.date, when: Compiled, require: Compiled, organization: Subject | None
) -> Checks:
    def explain(cond: Mapping[str, Any]) -> Explain:
        if organization is not None:
            return explainer(cond, organization)
        return lambda subject: evaluate(cond, subject)

    def check(cond: Mapping[str, Any]) -> Compiled:
        return specialize(cond, organization) if organization is not None else compiled(cond)

    return Checks(
        when,
        require,
        explain(rule.when),
        explain(rule.require) if rule.require is not None else None,
        tuple((check(e.when), explain(e.when), e.severity) for e in rule.escalate),
        rule.citation.on(as_of),
        tuple(c.on(as_of) for c in rule.also_cites if c.applies(as_of)),
    )


def edge_guard(when: Mapping[str, Any]) -> tuple[str, Any] | None:
    """A cheap test that ``when`` requires, if there is one: a predicate and argument among
    those :func:`~compliance.policy.conditions.edge_filter` can test (``transfer``,
    ``gdpr_exporter_abroad``, ``eea_origin_unrecorded``) that is ``when`` itself or a conjunct
    of an ``all``, or ``("any", guards)`` for an ``any`` each of whose branches has one. Where
    the test fails, ``when`` is false and the rule cannot fire: its evaluation can be skipped.
    The result is hashable (rules with the same guard share the edges it passes).
    """
    ((key, arg),) = when.items()
    if key == "any":
        branches = [edge_guard(c) for c in arg]
        return None if not branches or None in branches else ("any", tuple(branches))
    for cond in arg if key == "all" else [when]:
        ((k, a),) = cond.items()
        if k in ("all", "any"):
            inner = edge_guard(cond)
            if inner is not None:
                return inner
        elif edge_filter(k, a) is not None:
            return k, a
    return None


def guard_filter(guard: tuple[str, Any]) -> Callable[[Edge, Graph], bool]:
    """The test of an :func:`edge_guard` on one edge of a graph."""
    if guard[0] == "any":
        tests = [guard_filter(branch) for branch in guard[1]]
        return lambda e, g: any(test(e, g) for test in tests)
    passes = edge_filter(*guard)
    assert passes is not None
    return passes


def _guarded_subjects(
    mf: ManifestFacts, regime: str, guard: tuple[str, Any], as_of: dt.date
) -> list[tuple[Subject, Edge]]:
    g = mf.graph
    passes = guard_filter(guard)
    return [(Subject(mf, regime, as_of, e), e) for e in g.edges if passes(e, g)]


def _targets(
    mf: ManifestFacts, kind: str
) -> Iterator[tuple[Edge | System | Dataset | None, tuple[str, str], Path_]]:
    m = mf.loaded.manifest
    if kind == "flow":
        for e in mf.graph.edges:
            yield e, e.target, e.path
    elif kind == "system":
        for i, s in enumerate(m.systems):
            yield s, ("system", s.id), ("systems", i)
    elif kind == "dataset":
        for i, d in enumerate(m.datasets):
            yield d, ("dataset", d.id), ("datasets", i)
    else:
        yield None, ("organization", "organization"), ("organization",)


def _unspecialized(rule: Rule, as_of: dt.date) -> Checks:
    """``rule``'s :class:`Checks` for any target on ``as_of`` (nothing decided in advance)."""
    require = compiled(rule.require) if rule.require is not None else False
    return _checks(rule, as_of, compiled(rule.when), require, None)


def evaluate_rule(
    rule: Rule, subject: Subject, target: tuple[str, str], path: Path_, checks: Checks | None = None
) -> Finding | None:
    """Return the finding of ``rule`` on one target, or ``None`` when it does not fire.

    ``checks``: ``rule``'s ``when`` and ``require`` specialized to the subject's manifest
    (see :func:`_specialize`); compiled from the rule when not given.
    """
    # Values first (short-circuit, no sentences): most targets yield no finding.
    if checks is None:
        checks = _unspecialized(rule, subject.as_of)
    when_check, require_check, explain_when, explain_require, escalate, citation, also_cites = checks
    if (when_check(subject) if callable(when_check) else when_check) is False:
        return None
    if (require_check(subject) if callable(require_check) else require_check) is True:
        return None
    when = explain_when(subject)
    require = explain_require(subject) if explain_require is not None else _NO_REQUIREMENT
    decided = when.value is True and require.value is False
    outcome = rule.outcome if decided else "needs_review"
    severity = rule.severity
    raised_by: Result | None = None
    for esc_check, esc_explain, esc_severity in escalate:
        raised = esc_check(subject) if callable(esc_check) else esc_check
        if raised is True and SEVERITY_RANK[esc_severity] > SEVERITY_RANK[severity]:
            severity, raised_by = esc_severity, esc_explain(subject)
    why = list(when.reasons)
    why.extend(r for r in require.reasons if r not in why)
    if raised_by is not None:  # say why the severity is above the rule's own
        why.extend(f"severity raised to {severity}: {r}" for r in raised_by.reasons)
    facts: dict[str, Any] = {**when.facts, **require.facts, "why": why}
    mf = subject.facts
    pos = mf.loaded.document.locate(path)
    line, column = pos if pos is not None else (None, None)
    organization = mf.graph.org_key if target[0] == "organization" else None
    detail = subject.target.access if isinstance(subject.target, Edge) else ""
    # positionally, in the field order of Finding: one per finding, on the hot path
    return Finding(
        rule.id, outcome, severity, target, citation, also_cites, rule.title, tuple(why), facts,
        mf.file, line, column, rule.pack, rule.remediation, None, None, organization, detail,
    )  # fmt: skip

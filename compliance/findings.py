"""The result types every stage after the rules shares: :class:`Finding` and :class:`Report`.

Outcomes are ``violation`` and ``needs_review`` (both count toward ``--fail-on``), ``waived``
(a waiver in force covers it) and ``notice`` (never counts). Exit status: 2 when any input was
unusable, else 1 when a counted finding reaches the ``--fail-on`` severity, else 0 (manifest
contract, "Exit status").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from compliance.errors import Problem

SEVERITY_RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4}

#: Id prefix of the notices: they never count toward the exit status, so no waiver names one.
NOTICE_PREFIX = "NOTICE-"
#: Id prefixes of the checks built into the engine: no rule of a pack may take them.
BUILTIN_PREFIXES = (NOTICE_PREFIX, "TF-")

#: Checks built into the engine rather than written as rules: id -> (title, documentation).
BUILTIN_CHECKS: dict[str, tuple[str, str]] = {
    "NOTICE-MECHANISM-EXPIRING": (
        "A transfer mechanism expires within 90 days",
        "A mechanism in force on the as-of date (a CAC security assessment, a PI protection "
        "certification, old SCCs in their transition) ends within 90 days. Renew or replace it "
        "before then; once it has expired the rules that rely on it report the transfer. A "
        "notice never fails a run.",
    ),
    "NOTICE-WAIVER-EXPIRING": (
        "A waiver expires within 90 days",
        "A waiver that covers a finding ends within 90 days; after its expires_on the finding "
        "returns with its own outcome. Fix the underlying problem or renew the waiver with a "
        "reason. A notice never fails a run.",
    ),
    "NOTICE-PACK-DATE": (
        "The as-of date is after a rule pack's data date",
        "The rule pack encodes the law as checked on its data date; law that changed after it is "
        "not reflected. Update the tool, or judge as of an earlier date. A notice never fails a "
        "run.",
    ),
    "TF-LOCATION-MISMATCH": (
        "A system runs somewhere else than the manifest says",
        "With --terraform, the Terraform resource named by a system's `terraform` address runs "
        "in a different country from the system's `location`. The manifest then misstates where "
        "data lives, so every transfer verdict about that system is unreliable. Correct the "
        "manifest or the infrastructure. No legal article is cited: this checks the manifest's "
        "facts, not a duty.",
    ),
    "TF-ADDRESS-NOT-IN-PLAN": (
        "A system's Terraform address is not in the plan",
        "With --terraform, a system names a `terraform` address the plan does not hold, so its "
        "location cannot be confirmed (needs review). Fix the address or the plan.",
    ),
    "TF-LOCATION-UNKNOWN": (
        "A Terraform resource's region is unknown at plan time",
        "With --terraform, the resource a system names gets its region only when Terraform "
        "runs (from the environment or a computed value), so its location cannot be confirmed "
        "(needs review). Set the provider region explicitly.",
    ),
}
COUNTED = ("violation", "needs_review")

#: Where a finding stands against the ``--fail-on`` gate (:func:`standing`).
Standing = Literal["failing", "below_gate", "informational"]


def standing(outcome: str, severity: str, fail_on: str) -> Standing:
    """Where a finding of ``outcome`` and ``severity`` stands in a run gated at ``fail_on``:
    ``failing`` (a ``violation`` or ``needs_review`` at or above the gate: it makes the exit
    status 1), ``below_gate`` (one below it) or ``informational`` (a notice or a waived
    finding, which never counts).

    The exit status and every format that marks a finding as failing or not (the SARIF level,
    the ``github`` annotation, the JUnit test state) take it from here, so that they agree.
    """
    if outcome not in COUNTED:
        return "informational"
    return "failing" if SEVERITY_RANK[severity] >= SEVERITY_RANK[fail_on] else "below_gate"


class WaiverUse(NamedTuple):
    """The waiver that turned a finding into ``waived``."""

    reason: str
    approved_by: str
    expires_on: dt.date


class Finding(NamedTuple):
    """One rule's verdict on one target.

    ``target`` is ``(kind, id)`` with kind ``flow``, ``system``, ``dataset`` or
    ``organization``; ``citation`` and each of ``also_cites`` are ``(instrument, article)`` as
    cited on the as-of date; ``why`` holds the sentences of the facts that made the rule fire;
    ``facts`` the figures behind them; ``line``/``column`` are 1-based positions in ``file``.
    ``original_outcome`` is set when a waiver changed the outcome. ``organization`` is the
    organization's normalised name on findings about the organization, which land on one of
    its files (whichever comes first in the run) but belong to all of them. ``detail`` tells
    the finding apart from others of its rule and target: the ``access_from`` entry of a remote
    access (``access from SG by other_entity``), what a notice is about (``pack cn``); empty
    when rule and target say it all.
    """

    rule_id: str
    outcome: str
    severity: str
    target: tuple[str, str]
    citation: tuple[str, str] | None
    also_cites: tuple[tuple[str, str], ...]
    title: str
    why: tuple[str, ...]
    facts: Mapping[str, Any]
    file: str
    line: int | None
    column: int | None
    pack: str
    remediation: str = ""
    waiver: WaiverUse | None = None
    original_outcome: str | None = None
    organization: str | None = None
    detail: str = ""

    @property
    def message(self) -> str:
        """The title followed by the reasons: one sentence a DPO can act on."""
        return self.title + (": " + "; ".join(self.why) if self.why else "")

    def standing(self, fail_on: str) -> Standing:
        """Where this finding stands in a run gated at severity ``fail_on`` (:func:`standing`)."""
        return standing(self.outcome, self.severity, fail_on)

    def counts(self, fail_on: str) -> bool:
        """Whether this finding fails a run gated at severity ``fail_on``."""
        return self.standing(fail_on) == "failing"


class UnusedWaiver(NamedTuple):
    """A waiver in a manifest that matched no finding."""

    file: str
    line: int | None
    column: int | None
    rule: str
    target: str
    expires_on: dt.date
    note: str = ""

    @property
    def message(self) -> str:
        """What every format says of it: ``unused waiver: RULE on TARGET matches no finding``,
        with the ``note`` on why (a rule the configuration disables, a pack left out), if any."""
        return f"unused waiver: {self.rule} on {self.target} matches no finding" + (
            f"; {self.note}" if self.note else ""
        )


class BaselineEntry(NamedTuple):
    """One recorded finding of a baseline file (see :mod:`compliance.baseline`)."""

    rule_id: str
    file: str
    target: str
    outcome: str
    fingerprint: str


@dataclass
class Report:
    """Everything one ``check`` run found, ready for a formatter.

    ``packs`` maps pack id to version; ``files`` lists every manifest given (checked or not)
    and every folder given that held none or could not be listed (an input not checked).
    With a baseline, ``baselined`` counts the findings it hid and ``stale_baseline`` lists its
    entries for checked files that hid nothing (``stale_changed``: those whose finding is
    reported as new, its facts having changed); without one, ``baselined`` is ``None``.
    """

    as_of: dt.date
    tool_version: str
    packs: dict[str, str]
    files: list[str]
    findings: list[Finding] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    unused_waivers: list[UnusedWaiver] = field(default_factory=list)
    rules: list[Any] = field(default_factory=list)
    baselined: int | None = None
    stale_baseline: list[BaselineEntry] = field(default_factory=list)
    #: the stale entries (indexes into ``stale_baseline``) whose rule still fires on the same
    #: target: the facts changed, so the finding is reported again as new
    stale_changed: set[int] = field(default_factory=set)
    #: each file judged -> the key of its organization (normalised name); with ``report_for``,
    #: every file of the run, since each organization is judged over all its files
    organizations: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict[str, int]:
        """Count of findings per outcome."""
        out = {"violation": 0, "needs_review": 0, "waived": 0, "notice": 0}
        for f in self.findings:
            out[f.outcome] = out.get(f.outcome, 0) + 1
        return out

    def stale_reason(self, index: int) -> str:
        """Why ``stale_baseline[index]`` hid nothing, and what to do about it."""
        if index in self.stale_changed:
            return (
                "its facts changed, so the finding is reported above as new; record the baseline "
                "again once it is reviewed"
            )
        return "no longer reported (fixed, or now waived); record the baseline again to drop it"

    def exit_status(self, fail_on: str) -> int:
        """0, 1 or 2 as the module docstring says."""
        if self.errors:
            return 2
        return 1 if any(f.counts(fail_on) for f in self.findings) else 0

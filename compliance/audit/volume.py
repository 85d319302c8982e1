"""The organization's CN volume position: totals against the thresholds the rule packs declare.

The thresholds are not repeated here: they are the ``org_total`` bounds of the CN rules active
on the as-of date (CBDF Arts. 7-8 from 2024-03-22, CAC-SA Art. 4 before). A rule's volume
condition is its ``when`` with every leaf that is not about the organization taken as met, so
the route shown is the one the counts (and, for a CIIO, its designation: CBDF Art. 7(1) asks
a security assessment whatever the volume) imply for a transfer that is otherwise in scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from compliance.facts.volumes import VolumeTotals, within
from compliance.model import Organization
from compliance.policy.rules import Rule

#: measure -> how the report names it
MEASURES = {
    "non_sensitive": "personal information (not sensitive)",
    "sensitive": "sensitive personal information",
    "personal": "personal information (sensitive or not)",
    "processed": (
        "personal information processed (from the largest personal dataset to all added up, "
        "wherever collected)"
    ),
}


@dataclass(frozen=True)
class Bar:
    """One threshold and where the organization's total stands against it."""

    measure: str
    label: str
    total: int
    threshold: int
    rules: tuple[str, ...]
    #: the most the total can be (``processed``: all personal datasets added up), else ``total``
    most: int = -1

    @property
    def highest(self) -> int:
        """The most the total can be."""
        return max(self.total, self.most)

    @property
    def reached(self) -> bool | None:
        """Whether the total is at or above the threshold (thresholds include the number);
        ``None`` when only the most it can be is (how far datasets overlap decides)."""
        return within(self.total, self.highest, self.threshold, None)

    @property
    def verdict(self) -> str:
        """``yes``, ``no`` or why it is not settled, as the report shows it."""
        reached = self.reached
        if reached is None:
            if self.measure == "processed":
                return "not settled: depends on how far datasets overlap"
            return "not settled: depends on flows under a transit or free-trade-zone exemption"
        return "yes" if reached else "no"

    @property
    def percent(self) -> str:
        """The filled part of the bar, capped at 100, for a CSS width."""
        return _decimal(min(self.total, self.threshold) * 100, self.threshold, 1)

    @property
    def ratio(self) -> str:
        """The total as a share or multiple of the threshold."""
        return _decimal(self.total, self.threshold, 2) + "x"


def _decimal(numerator: int, denominator: int, places: int) -> str:
    """``numerator / denominator`` (both at least 0) written with ``places`` decimals, rounded
    half to even. Exact integer arithmetic: a count may have hundreds of digits, beyond what a
    float can hold."""
    scaled = round(Fraction(numerator * 10**places, denominator))
    whole, part = divmod(scaled, 10**places)
    return f"{whole}.{part:0{places}d}"


@dataclass(frozen=True)
class Route:
    """A rule whose volume condition the totals meet (or may meet: ``settled`` false, where
    only the upper bound of a total reaches it), and the mechanisms it asks for."""

    rule_id: str
    title: str
    mechanisms: tuple[str, ...]
    settled: bool = True


@dataclass(frozen=True)
class VolumePosition:
    """One organization's CN totals, threshold bars and implied route."""

    organization: str
    non_sensitive: int
    sensitive: int
    ciio: bool
    bars: tuple[Bar, ...]
    routes: tuple[Route, ...]


def position(
    organization: Organization, totals: VolumeTotals, rules: Sequence[Rule], as_of: dt.date
) -> VolumePosition:
    """Place ``totals`` against the ``org_total`` thresholds of the CN rules active on ``as_of``."""
    active = sorted((r for r in rules if r.regime == "cn" and r.active_on(as_of)), key=lambda r: r.id)
    figures = {measure: totals.range(measure) for measure in MEASURES}
    found: dict[tuple[str, int], set[str]] = {}
    routes = []
    for rule in active:
        bounds = list(_bounds(rule.when))
        if not bounds and not (rule.target == "flow" and _names_ciio(rule.when)):
            continue  # neither volumes nor CIIO status decide it: not a route of this table
        for measure, at_least in bounds:
            # "at least 1" means "any at all": a scope test, not a volume threshold to chart.
            if at_least > 1:
                found.setdefault((measure, at_least), set()).add(rule.id)
        holds = _volume_holds(rule.when, figures, organization)
        if holds is not False:
            routes.append(Route(rule.id, rule.title, tuple(_mechanisms(rule.require)), holds is True))
    bars = tuple(
        Bar(
            measure,
            MEASURES[measure],
            figures[measure][0],
            threshold,
            tuple(sorted(ids)),
            figures[measure][1],
        )
        for (measure, threshold), ids in sorted(
            found.items(), key=lambda kv: (kv[0][0] != "non_sensitive", kv[0])
        )
    )
    return VolumePosition(
        organization.name,
        totals.non_sensitive,
        totals.sensitive,
        organization.ciio,
        bars,
        tuple(routes),
    )


def _bounds(cond: Any) -> list[tuple[str, int]]:
    if isinstance(cond, Mapping):
        out = []
        for key, value in cond.items():
            if key == "not":
                continue  # a bound a rule excludes is another rule's threshold, not its own
            if key == "org_total" and isinstance(value, Mapping) and "at_least" in value:
                out.append((str(value["measure"]), int(value["at_least"])))
            else:
                out.extend(_bounds(value))
        return out
    if isinstance(cond, list):
        return [b for item in cond for b in _bounds(item)]
    return []


def _volume_holds(cond: Any, figures: Mapping[str, tuple[int, int]], org: Organization) -> bool | None:
    """``cond`` with only organization-level leaves judged (others count as met), in Kleene
    logic: ``None`` where a total known only as a range decides."""
    if not isinstance(cond, Mapping):
        return True
    results: list[bool | None] = []
    for key, value in cond.items():
        if key == "all":
            results.append(_all([_volume_holds(c, figures, org) for c in value]))
        elif key == "any":
            judged = [_volume_holds(c, figures, org) for c in value if _about_org(c)]
            results.append(_any(judged) if judged else True)
        elif key == "org_total":
            low, high = figures[value["measure"]]
            ok = within(low, high, value.get("at_least"), value.get("below"))
            results.append(False if ok is None and value.get("surely") else ok)
        elif key == "org" and isinstance(value, Mapping) and set(value) == {"ciio"}:
            results.append(org.ciio == value["ciio"])
        else:
            results.append(True)
    return _all(results)


def _all(values: Sequence[bool | None]) -> bool | None:
    return False if False in values else None if None in values else True


def _any(values: Sequence[bool | None]) -> bool | None:
    return True if True in values else None if None in values else False


def _names_ciio(cond: Any) -> bool:
    """Whether ``cond`` requires the organization to be a CIIO (``org: {ciio: true}``), as the
    CIIO rules do whatever the volume (CBDF Art. 7(1))."""
    if isinstance(cond, Mapping):
        return any(
            (k == "org" and isinstance(v, Mapping) and v.get("ciio") is True) or _names_ciio(v)
            for k, v in cond.items()
            if k != "not"
        )
    if isinstance(cond, list):
        return any(_names_ciio(c) for c in cond)
    return False


def _about_org(cond: Any) -> bool:
    if isinstance(cond, Mapping):
        return any(k in ("org_total", "org") or _about_org(v) for k, v in cond.items())
    if isinstance(cond, list):
        return any(_about_org(c) for c in cond)
    return False


def _mechanisms(require: Any) -> list[str]:
    if isinstance(require, Mapping):
        out = []
        for key, value in require.items():
            if key == "in_force":
                out.extend([value] if isinstance(value, str) else list(value))
            else:
                out.extend(_mechanisms(value))
        return list(dict.fromkeys(out))
    if isinstance(require, list):
        return list(dict.fromkeys(m for item in require for m in _mechanisms(item)))
    return []

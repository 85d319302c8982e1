"""Which transfer mechanisms are in force on a date, and since when.

Sources: CAC-SA (2022 Measures) and CBDF Art. 9 (assessment validity: 2 years for approvals
before 2024-03-22, 3 years from then on; extendable by 3 years on application); CAC-SC Art. 7
(filing of the standard contract); Decision (EU) 2021/914 (its clauses undecided when signed
between its adoption and its entry into force; Art. 4: old SCCs usable until
2022-12-27, for transfers already running under contracts concluded before the repeal)); the
manifest contract (a mechanism dated after "today" does not count yet;
``expires_on`` is inclusive). A China mechanism dated before the instrument that created it
(``cn_mechanism_instruments`` in ``rules/data/jurisdictions.yaml``), a transfer impact
assessment completed before Schrems II, or a GDPR code of conduct or certification approved
before the GDPR applied (``eu_mechanism_instruments``), is not in force. An
assessment's statutory validity ends on approved_on + 2 or 3 years, that day included (the
contract's default ``expires_on``). An
assessment whose declared ``expires_on`` outlasts the statutory validity is undecided past the
statutory end: only an extension, which the manifest cannot record, would make it hold.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from compliance import jurisdictions
from compliance.model import (
    ApprovedSafeguard,
    CacSecurityAssessment,
    CnStandardContract,
    Mechanism,
    PiCertification,
    Pipia,
    Scc2010,
    Scc2021,
    Tia,
)


class Status(NamedTuple):
    """A mechanism's standing on one date.

    ``effective_on`` is the date it took effect (``None`` for undated mechanisms such as
    separate consent); ``expires_on`` the last day it is valid, inclusive (``None``: no end).
    ``in_force`` is the verdict for the as-of date, ``None`` when the manifest cannot settle
    it; ``note`` says why it is not (or not surely) in force.
    """

    in_force: bool | None
    effective_on: dt.date | None
    expires_on: dt.date | None
    note: str


def _add_years(day: dt.date, years: int) -> dt.date:
    if day.year + years > dt.MAXYEAR:
        return dt.date.max
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _validity_years(mech: CacSecurityAssessment) -> int:
    return 2 if mech.approved_on < jurisdictions.cn_regime_change() else 3


def _statutory_expiry(mech: CacSecurityAssessment) -> dt.date:
    # The manifest contract fixes the default ``expires_on`` at approved_on + 3 years (+ 2
    # before 2024-03-22), and ``expires_on`` is inclusive: approved 2024-03-22, valid through
    # 2027-03-22.
    return _add_years(mech.approved_on, _validity_years(mech))


def expiry(mech: Mechanism) -> dt.date | None:
    """Return the last valid day of ``mech`` (inclusive), or ``None`` when it has no end date."""
    if isinstance(mech, CacSecurityAssessment):
        return mech.expires_on if mech.expires_on is not None else _statutory_expiry(mech)
    if isinstance(mech, PiCertification):
        return mech.expires_on
    if isinstance(mech, Scc2010):
        return jurisdictions.legacy_scc().transition_end
    return None


def holds_until(mech: Mechanism) -> dt.date | None:
    """The last day ``mech`` holds on what the manifest records (inclusive; ``None``: no end):
    its :func:`expiry`, except for a CAC security assessment declared to outlast its statutory
    validity (CBDF Art. 9), which holds until the statutory end; after it only an extension the
    manifest cannot record would (:func:`status` is undecided then)."""
    end = expiry(mech)
    if isinstance(mech, CacSecurityAssessment):
        statutory = _statutory_expiry(mech)
        if end is None or statutory < end:
            return statutory
    return end


#: The field holding the date from which a mechanism counts, by mechanism type (filing, not
#: signature, for a China standard contract); types absent here are undated.
_EFFECTIVE_FIELD: dict[type, str] = {
    CacSecurityAssessment: "approved_on",
    ApprovedSafeguard: "approved_on",
    CnStandardContract: "filed_on",
    PiCertification: "certified_on",
    Pipia: "completed_on",
    Tia: "completed_on",
    Scc2021: "signed_on",
    Scc2010: "signed_on",
}


def effective(mech: Mechanism) -> dt.date | None:
    """Return the date from which ``mech`` counts (filing for a China standard contract)."""
    name = _EFFECTIVE_FIELD.get(type(mech))
    return None if name is None else getattr(mech, name)


def status(mech: Mechanism, on: dt.date, started_on: dt.date | None = None) -> Status:
    """Return the :class:`Status` of ``mech`` on ``on``, for a transfer that began on
    ``started_on`` (``None``: not known, as for remote access).

    The transition for the old SCCs covered transfers already running on the repeal day
    (regulations.md 2.8: contracts concluded before it could continue if the processing was
    unchanged); ``started_on`` orders the mechanism against the transfer (manifest contract),
    so from the repeal on, old SCCs do not hold for a transfer that began on or after it.
    """
    start, end = effective(mech), expiry(mech)
    if isinstance(mech, CnStandardContract) and mech.filed_on is None:
        return Status(False, None, None, f"signed {mech.signed_on} but not filed with the CAC")
    for first in jurisdictions.instrument_starts(mech.type):
        day = getattr(mech, first.field)
        if day is not None and day < first.starts:
            verb = first.field.removesuffix("_on")
            return Status(False, start, end, f"{verb} {day}, before {first.event} ({first.starts})")
    repealed = jurisdictions.legacy_scc().repealed
    if isinstance(mech, Scc2010) and mech.signed_on >= repealed:
        return Status(False, start, end, f"old SCCs signed {mech.signed_on}, after their repeal")
    if isinstance(mech, Scc2010) and on >= repealed and started_on is not None and started_on >= repealed:
        return Status(
            False,
            start,
            end,
            f"old SCCs for a transfer that began {started_on}, on or after their repeal ({repealed}); "
            "the transition covered only transfers already running",
        )
    adopted = jurisdictions.legacy_scc().new_clauses_adopted
    if isinstance(mech, Scc2021) and mech.signed_on < adopted:
        return Status(
            False, start, end, f"signed {mech.signed_on}, before Decision (EU) 2021/914 ({adopted})"
        )
    if start is not None and start > on:
        return Status(False, start, end, f"dated {start}, after {on}")
    if end is not None and end < on:
        return Status(False, start, end, f"expired {end}")
    in_force = jurisdictions.legacy_scc().new_clauses_in_force
    if isinstance(mech, Scc2021) and mech.signed_on < in_force:
        return Status(
            None,
            start,
            end,
            f"signed {mech.signed_on}, after Decision (EU) 2021/914 was adopted ({adopted}) but "
            f"before it entered into force ({in_force}); whether such clauses count is not confirmed",
        )
    if isinstance(mech, CacSecurityAssessment) and _statutory_expiry(mech) < on:
        return Status(
            None,
            start,
            end,
            f"expires_on {end} is past the {_validity_years(mech)}-year validity of an assessment "
            f"approved {mech.approved_on} ({_statutory_expiry(mech)}); only an extension "
            "(CBDF Art. 9), which the manifest cannot record, would cover the time after",
        )
    return Status(True, start, end, "")


def describe(mech: Mechanism, on: dt.date, started_on: dt.date | None = None) -> str:
    """One phrase for messages: ``cn-standard-contract (filed 2024-04-15)`` or why it fails
    (``started_on``: as for :func:`status`)."""
    st = status(mech, on, started_on)
    if st.in_force is not True:
        return f"{mech.type} ({st.note})"
    parts = []
    if st.effective_on is not None:
        parts.append(f"from {st.effective_on}")
    if st.expires_on is not None:
        parts.append(f"until {st.expires_on}")
    return f"{mech.type} ({', '.join(parts)})" if parts else mech.type

"""Turn disagreements between a manifest and a Terraform plan into findings.

A system with a ``terraform`` address must run in the country its ``location`` says: if the
plan puts the resource elsewhere, the manifest misstates where data lives and every transfer
verdict built on it may be wrong. This is a consistency check between two inputs, not a rule
of law, so its findings cite no article and say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from compliance import jurisdictions
from compliance.findings import Finding
from compliance.sources.terraform import Plan
from compliance.validate import LoadedManifest

MISMATCH = "TF-LOCATION-MISMATCH"
NOT_IN_PLAN = "TF-ADDRESS-NOT-IN-PLAN"
UNKNOWN = "TF-LOCATION-UNKNOWN"
PACK = "terraform"
_NO_CITATION = "no legal citation: this compares the manifest with the Terraform plan"


def terraform_findings(loaded: Sequence[LoadedManifest], plan: Plan) -> list[Finding]:
    """Return a finding for each system whose ``terraform`` resource is missing from ``plan``,
    runs where the plan cannot tell, or runs in another country than its ``location``."""
    out: list[Finding] = []
    for lm in loaded:
        for i, system in enumerate(lm.manifest.systems):
            if system.terraform is None:
                continue
            resource = plan.resources.get(system.terraform)
            if resource is None:
                instances = [a for a in plan.resources if a.startswith(f"{system.terraform}[")]
                if instances:  # count or for_each: one address per instance
                    shown = ", ".join(instances[:3]) + (", ..." if len(instances) > 3 else "")
                    why = (
                        f"system {system.id} names {system.terraform!r}, which has {len(instances)} "
                        f"instance{'s' if len(instances) != 1 else ''} in {plan.path} ({shown}), "
                        "each with its own address; name the one this system is"
                    )
                else:
                    why = (
                        f"system {system.id} names {system.terraform!r}, which {plan.path} does not "
                        "contain; correct the address or check the plan covers this system"
                    )
                out.append(
                    _finding(
                        lm,
                        i,
                        plan,
                        (NOT_IN_PLAN, "needs_review", "medium"),
                        "The system's Terraform resource is not in the plan",
                        why,
                        {},
                    )
                )
                continue
            if resource.country is None:
                out.append(
                    _finding(
                        lm,
                        i,
                        plan,
                        (UNKNOWN, "needs_review", "medium"),
                        "Where the system's Terraform resource runs is not known at plan time",
                        f"system {system.id} is {system.terraform!r}: {resource.unknown}",
                        {},
                    )
                )
                continue
            declared = jurisdictions.resolve_location(system.location)
            if declared != resource.country:
                out.append(
                    _finding(
                        lm,
                        i,
                        plan,
                        (MISMATCH, "violation", "high"),
                        "The manifest misstates where the system runs",
                        f"system {system.id} is declared at {system.location} ({declared}) but "
                        f"Terraform runs {system.terraform} at {resource.location} ({resource.country})",
                        {
                            "manifest_location": system.location,
                            "manifest_country": declared,
                            "terraform_location": resource.location,
                            "terraform_country": resource.country,
                        },
                    )
                )
    return out


def _finding(
    lm: LoadedManifest,
    index: int,
    plan: Plan,
    verdict: tuple[str, str, str],
    title: str,
    why: str,
    facts: dict[str, Any],
) -> Finding:
    system = lm.manifest.systems[index]
    line, column = lm.document.locate(("systems", index, "terraform")) or (None, None)
    rule, outcome, severity = verdict
    return Finding(
        rule_id=rule,
        outcome=outcome,
        severity=severity,
        target=("system", system.id),
        citation=None,
        also_cites=(),
        title=title,
        why=(why, _NO_CITATION),
        facts={"terraform": system.terraform, "plan": plan.path, **facts},
        file=lm.path,
        line=line,
        column=column,
        pack=PACK,
        remediation=(
            "Correct the system's location (or its terraform address) so the manifest says where "
            "the data really lives, then re-run the check."
        ),
    )

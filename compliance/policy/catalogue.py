"""Rule documentation: ``compliance rules list`` and ``compliance explain RULE_ID``.

A rule pack is input like a manifest: every text taken from it is shown with its control
characters as escapes (:func:`~compliance.terminal.printable`), so that a rule's title cannot
clear or retitle the terminal that lists it.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from compliance.errors import UsageError
from compliance.policy.rules import Pack, Rule
from compliance.sources.document import read_document
from compliance.terminal import printable


def _case_counts(rule: Rule, folder: Path) -> tuple[int, int]:
    path = folder / "tests" / f"{rule.id}.yaml"
    if not path.is_file():
        return 0, 0
    cases = read_document(path, expected="rule cases", what="rule case file").data.get("cases", [])
    fires = sum(1 for c in cases if c.get("expect"))
    return fires, len(cases) - fires


def rule_entry(rule: Rule, pack: Pack) -> dict[str, Any]:
    """The JSON description of a rule used by ``rules list --format json``."""
    fires, quiet = _case_counts(rule, pack.folder)
    return {
        "id": rule.id,
        "pack": pack.id,
        "title": rule.title,
        "severity": rule.severity,
        "outcome": rule.outcome,
        "citation": {
            "instrument": rule.citation.instrument,
            "article": rule.citation.article,
            "renumbered": [{"from": d.isoformat(), "article": a} for d, a in rule.citation.renumbered],
        },
        "also_cites": [{"instrument": c.instrument, "article": c.article} for c in rule.also_cites],
        "effective": {
            "from": rule.effective_from.isoformat() if rule.effective_from else None,
            "until": rule.effective_until.isoformat() if rule.effective_until else None,
        },
        "cases": {"fires": fires, "passes": quiet},
    }


def list_rules(packs: Sequence[Pack], fmt: str) -> str:
    """All rules of ``packs`` as a text table or a JSON array."""
    entries = [rule_entry(r, p) for p in packs for r in p.rules]
    if fmt == "json":
        return json.dumps(entries, indent=2, ensure_ascii=False) + "\n"
    rows = [[printable(cell) for cell in _row(e)] for e in entries]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True)) + "  " + r[4] for r in rows]
    return "\n".join(lines) + f"\n{len(rows)} rule{'' if len(rows) == 1 else 's'}\n"


def _row(e: dict[str, Any]) -> tuple[str, str, str, str, str]:
    """The cells of rule entry ``e`` in the text table: id, severity, citation, dates, title."""
    return (
        e["id"],
        e["severity"],
        f"{e['citation']['instrument']} {e['citation']['article']}"
        + "".join(f" ({r['article']} from {r['from']})" for r in e["citation"]["renumbered"]),
        (e["effective"]["from"] or "") + ".." + (e["effective"]["until"] or ""),
        e["title"],
    )


def explain_rule(packs: Sequence[Pack], rule_id: str) -> str:
    """The full documentation of ``rule_id``; raises :class:`UsageError` if no pack has it."""
    for p in packs:
        for r in p.rules:
            if r.id == rule_id:
                return _document(r, p)
    from compliance.findings import BUILTIN_CHECKS

    if rule_id in BUILTIN_CHECKS:
        title, doc = BUILTIN_CHECKS[rule_id]
        return f"{rule_id}: {title}\n\nBuilt into the engine (not a rule file).\n\n{_para(doc)}\n"
    known = [*(r.id for p in packs for r in p.rules), *BUILTIN_CHECKS]
    import difflib

    close = [k for k in known if k.casefold() == rule_id.casefold()]
    close = close or difflib.get_close_matches(rule_id, known, n=1, cutoff=0.5)
    tip = f" (did you mean {close[0]}?)" if close else ""
    raise UsageError(f"no rule {rule_id!r}{tip}; see `compliance rules list`")


def _para(text: str) -> str:
    # Never at a hyphen: a rule id (CN-CBDF-7-IMPORTANT-DATA) split over two lines cannot be
    # searched for or copied.
    return "\n\n".join(
        textwrap.fill(printable(" ".join(block.split())), width=88, break_on_hyphens=False)
        for block in text.split("\n\n")
        if block.strip()
    )


def _document(r: Rule, pack: Pack) -> str:
    cites = ", ".join(
        f"{c.instrument} Art. {c.article}" + "".join(f" (Art. {a} from {d})" for d, a in c.renumbered)
        for c in (r.citation, *r.also_cites)
    )
    eff = f"{r.effective_from or 'always'} to {r.effective_until or 'now'}"
    out = [
        printable(f"{r.id}: {r.title}"),
        "",
        printable(f"Pack: {pack.id} ({pack.version})   Severity: {r.severity}   Outcome: {r.outcome}"),
        printable(f"Cites: {cites}"),
        f"In effect: {eff}   Applies to: each {r.target}",
        "",
        "## Why it matters",
        _para(r.rationale),
        "",
        "## What to do",
        _para(r.remediation),
    ]
    if r.interpretation:
        out += ["", "## Interpretation", _para(r.interpretation)]
    out += ["", "## References", *[printable(f"- {ref}") for ref in r.references]]
    fires, quiet = _case_counts(r, pack.folder)
    out += ["", f"Cases: {fires} firing, {quiet} non-firing (tests/{r.id}.yaml)"]
    return "\n".join(out) + "\n"

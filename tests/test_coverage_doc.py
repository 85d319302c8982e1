"""docs/coverage.md names only real rules, and every shipped rule at least once."""

from __future__ import annotations

import re
from pathlib import Path

from compliance.run import shipped_packs

DOC = Path(__file__).resolve().parent.parent / "docs" / "coverage.md"
REASONS = (
    "not checkable from a v1 manifest — missing fact:",
    "procedural duty with no manifest trace",
    "superseded",
)


def _rule_ids() -> set[str]:
    return {r.id for p in shipped_packs(None, ()) for r in p.rules}


def test_every_named_rule_exists_and_every_rule_is_named() -> None:
    text = DOC.read_text(encoding="utf-8")
    named = set(re.findall(r"\b(?:CN|EU)-[A-Z0-9]+(?:-[A-Z0-9]+)+\b", text))
    ids = _rule_ids()
    assert sorted(named - ids) == []
    assert sorted(ids - named) == []


def test_every_table_row_gives_rules_or_one_listed_reason() -> None:
    ids = _rule_ids()
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 3 or set(cells[0]) <= {"-", " "} or cells[0] == "Article":
            continue
        last = cells[-1]
        has_rule = any(i in last for i in ids)
        reasons = [r for r in REASONS if r in last]
        assert has_rule or len(reasons) == 1, line

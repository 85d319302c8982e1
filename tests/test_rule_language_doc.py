"""The rule-language documentation names every predicate of the vocabulary."""

from __future__ import annotations

from pathlib import Path

from compliance.policy.conditions import PREDICATES

DOC = Path(__file__).resolve().parent.parent / "docs" / "rule-language.md"


def test_every_predicate_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [name for name in PREDICATES if f"| `{name}` |" not in text]
    assert missing == []

"""Golden reports for the realistic fixtures in ``fixtures/``.

Each fixture (every ``fixtures/*.yaml`` and ``fixtures/*.json``) is checked in process with
``compliance check --as-of 2026-11-29 --format json FILE``. The exit status and the list of
findings, each reduced to (rule id, outcome, severity, target kind, target id, citation), must
equal ``tests/golden/<fixture stem>.json`` exactly (as a sorted list, so duplicates count).
Messages, facts and source locations are not compared: wording may change, verdicts may not.

Regenerating the goldens after an intended change of verdicts::

    UPDATE_GOLDEN=1 python -m pytest -q tests/test_fixtures_golden.py

then review every changed entry by hand against the fact sheet and the rule's documentation
(``compliance explain RULE_ID``) and update the fixture's ``Expected findings`` header and
``fixtures/README.md``. The header is asserted separately (``test_header_matches_golden``), so a
regenerated golden alone cannot quietly change a verdict.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from compliance.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted(p for p in (ROOT / "fixtures").glob("*") if p.suffix in {".yaml", ".json"})
GOLDEN = ROOT / "tests" / "golden"
AS_OF = "2026-11-29"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"

# Fixtures whose header cannot carry the expectations (JSON has no comments; example-travel.yaml
# is the contract's example and is not edited here) have them, checked by hand, in this table.
# Each entry: (rule id, outcome, severity, "section/id" or "organization").
HAND_EXPECTED: dict[str, list[tuple[str, str, str, str]]] = {
    "example-travel": [
        ("CN-CBDF-7-VOLUME-ASSESSMENT", "violation", "critical", "systems/booking-db"),
        ("CN-PIPL-39-SEPARATE-CONSENT", "violation", "high", "systems/booking-db"),
        ("CN-PIPL-55-PIPIA", "violation", "high", "systems/booking-db"),
        ("CN-CBDF-7-VOLUME-ASSESSMENT", "violation", "critical", "flows/cn-bookings-to-support"),
        ("CN-PIPL-39-SEPARATE-CONSENT", "needs_review", "high", "flows/staff-to-hr-hub"),
        ("EU-GDPR-46-TIA", "waived", "high", "flows/eu-bookings-to-analytics"),
        ("NOTICE-WAIVER-EXPIRING", "notice", "low", "flows/eu-bookings-to-analytics"),
    ],
    "sg-edtech-startup": [
        ("CN-PIPL-53-REPRESENTATIVE", "needs_review", "high", "organization"),
        ("EU-GDPR-27-REPRESENTATIVE-TARGETS-UNKNOWN", "needs_review", "medium", "organization"),
    ],
}

HEADER_LINE = re.compile(
    r"^#\s+(?P<rule>(?:CN|EU|NOTICE)-[A-Z0-9-]+)\s+(?P<outcome>violation|needs_review|waived|notice)"
    r"\s+(?P<severity>low|medium|high|critical)\s+(?P<target>organization|(?:flows|systems)/[a-z0-9][a-z0-9._-]*)"
)
KINDS = {"flows": "flow", "systems": "system"}


def _run(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    with pytest.raises(SystemExit) as exc:
        main(["check", "--as-of", AS_OF, "--format", "json", str(path)])
    out = capsys.readouterr().out
    code = exc.value.code
    return (code if isinstance(code, int) else 1), json.loads(out)


def _reduce(report: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [
        {
            "rule_id": f["rule_id"],
            "outcome": f["outcome"],
            "severity": f["severity"],
            "target": {"kind": f["target"]["kind"], "id": f["target"]["id"]},
            "citation": (
                None
                if f.get("citation") is None
                else {"instrument": f["citation"]["instrument"], "article": f["citation"]["article"]}
            ),
        }
        for f in report["findings"]
    ]
    return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True))


def _golden_path(fixture: Path) -> Path:
    return GOLDEN / f"{fixture.stem}.json"


def test_every_fixture_has_a_golden() -> None:
    assert len(FIXTURES) >= 5
    missing = [p.name for p in FIXTURES if not _golden_path(p).exists()]
    assert not missing or UPDATE, f"no golden for {missing}; run with UPDATE_GOLDEN=1 and review"
    orphans = {p.stem for p in GOLDEN.glob("*.json")} - {p.stem for p in FIXTURES}
    assert not orphans, f"goldens without a fixture: {sorted(orphans)}"


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_fixture_matches_golden(fixture: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _run(fixture, capsys)
    assert report["errors"] == [], report["errors"]
    actual = {"fixture": fixture.name, "as_of": AS_OF, "exit_status": code, "findings": _reduce(report)}
    golden = _golden_path(fixture)
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = json.loads(golden.read_text(encoding="utf-8"))
    assert actual == expected
    assert report["unused_waivers"] == []


def _header_expectations(fixture: Path) -> list[tuple[str, str, str, str]]:
    if fixture.stem in HAND_EXPECTED:
        return HAND_EXPECTED[fixture.stem]
    rows = []
    for line in fixture.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        m = HEADER_LINE.match(line)
        if m:
            rows.append((m["rule"], m["outcome"], m["severity"], m["target"]))
    return rows


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_header_matches_golden(fixture: Path) -> None:
    """The hand-written expectations in each fixture agree with its golden file."""
    golden = json.loads(_golden_path(fixture).read_text(encoding="utf-8"))
    from_golden = []
    for f in golden["findings"]:
        kind, ident = f["target"]["kind"], f["target"]["id"]
        target = "organization" if kind == "organization" else f"{kind}s/{ident}"
        from_golden.append((f["rule_id"], f["outcome"], f["severity"], target))
    assert sorted(_header_expectations(fixture)) == sorted(from_golden)
    has_failing = any(f["outcome"] in {"violation", "needs_review"} for f in golden["findings"])
    assert golden["exit_status"] == (1 if has_failing else 0)
    for f in golden["findings"]:
        if f["outcome"] == "notice":
            continue
        explained = f["rule_id"] in (ROOT / "fixtures" / "README.md").read_text(encoding="utf-8")
        assert explained, f"{f['rule_id']} for {fixture.name} is not explained in fixtures/README.md"

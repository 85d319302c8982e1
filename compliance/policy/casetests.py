"""``compliance rules test``: run each rule's firing and non-firing cases (as ``opa test`` does).

A rule's cases live beside it in ``tests/<RULE-ID>.yaml``::

    rule: CN-CBDF-8-CONTRACT-OR-CERT
    base: bases/cn-outbound.yaml          # a manifest, relative to this file
    as_of: "2026-11-29"
    cases:
      - name: 150,000 individuals, no contract
        set: {datasets[0].subjects[0].count: 150000}
        expect: [{target: flows/crm-to-analytics, outcome: violation}]
      - name: 99,999 individuals is below the threshold
        set: {datasets[0].subjects[0].count: 99999}
        expect: []

Each case applies ``set`` (path -> new value; ``null`` deletes the key) and ``append``
(path -> item added to a list) to the base, validates the result as a manifest, runs all of
the pack's rules and compares the findings *of this rule* (target, outcome, and severity when
given) with ``expect``, exactly. A case may override ``as_of``. Every rule needs at least one
case that fires and one that does not.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from compliance.errors import InputError
from compliance.facts import build_facts
from compliance.outcomes import apply_waivers, target_ref
from compliance.policy.evaluate import evaluate_packs
from compliance.policy.rules import Pack
from compliance.sources.document import Document, read_document
from compliance.validate import validate_document

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _steps(path: str) -> list[str | int]:
    return [int(i) if i else k for k, i in _STEP.findall(path)]


def apply_patch(base: Any, set_: dict[str, Any], append: dict[str, Any]) -> Any:
    """Return a deep copy of ``base`` with ``set_`` and ``append`` applied (see module doc).

    Raises ``KeyError``/``IndexError`` when a path does not exist in the base.
    """
    data = copy.deepcopy(base)
    for path, value in set_.items():
        *head, last = _steps(path)
        node = data
        for step in head:
            node = node[step]
        if value is None and isinstance(last, str):
            node.pop(last)
        else:
            node[last] = copy.deepcopy(value)
    for path, value in append.items():
        node = data
        for step in _steps(path):
            node = node[step]
        node.append(copy.deepcopy(value))
    return data


def run_case_file(path: Path, packs: Sequence[Pack]) -> tuple[str, list[str], int, int, int]:
    """Run one case file; return ``(rule id, failure messages, cases, firing, non-firing)``."""
    spec = read_document(path).data
    rule_id = spec["rule"]
    base_path = path.parent / spec["base"]
    base = read_document(base_path).data
    failures: list[str] = []
    fires = quiet = 0
    for i, case in enumerate(spec["cases"]):
        name = case.get("name", f"case {i}")
        as_of = dt.date.fromisoformat(case.get("as_of", spec["as_of"]))
        try:
            data = apply_patch(base, case.get("set", {}), case.get("append", {}))
            loaded = validate_document(Document(f"{path}#{name}", data))
            facts = build_facts([loaded], as_of)
        except (KeyError, IndexError) as exc:
            failures.append(f"{path}: {name}: patch path not found: {exc}")
            continue
        except InputError as exc:
            failures.append(f"{path}: {name}: the case's manifest is invalid: {exc}")
            continue
        findings, _ = apply_waivers(evaluate_packs(packs, facts, as_of), facts, as_of)
        got = sorted((target_ref(f.target), f.outcome, f.severity) for f in findings if f.rule_id == rule_id)
        want = case.get("expect", [])
        if want:
            fires += 1
        else:
            quiet += 1
        if not _same(got, want):
            shown = [{"target": t, "outcome": o, "severity": s} for t, o, s in got]
            failures.append(f"{path}: {name}: expected {want}, got {shown}")
    return rule_id, failures, len(spec["cases"]), fires, quiet


def _same(got: list[tuple[str, str, str]], want: list[dict[str, Any]]) -> bool:
    if len(got) != len(want):
        return False
    pending = list(got)
    for w in want:
        match = next(
            (
                g
                for g in pending
                if g[0] == w["target"]
                and g[1] == w["outcome"]
                and ("severity" not in w or g[2] == w["severity"])
            ),
            None,
        )
        if match is None:
            return False
        pending.remove(match)
    return True


def run_pack_tests(packs: Sequence[Pack], echo: Callable[[str], None]) -> tuple[int, int]:
    """Run the cases of every rule in ``packs``; return ``(failed checks, total checks)``.

    A rule without a case file, or without a firing and a non-firing case, is a failure.
    """
    failed = total = 0
    for pack in packs:
        seen: dict[str, tuple[int, int]] = {}
        for case_file in sorted((pack.folder / "tests").glob("*.yaml")):
            rule_id, failures, n, fires, quiet = run_case_file(case_file, [pack])
            seen[rule_id] = (
                seen.get(rule_id, (0, 0))[0] + fires,
                seen.get(rule_id, (0, 0))[1] + quiet,
            )
            total += n
            failed += len(failures)
            for msg in failures:
                echo(f"FAIL {msg}")
        for rule in pack.rules:
            total += 1
            fires, quiet = seen.get(rule.id, (0, 0))
            if fires < 1 or quiet < 1:
                failed += 1
                echo(f"FAIL {rule.file}: {rule.id} needs at least one firing and one non-firing case")
    return failed, total

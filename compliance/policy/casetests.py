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

Case files are checked before any case runs (:func:`case_problems`): their keys and values
against :func:`case_schema`, the rule they name against the pack, their base and every patch
path against the base. A broken case file is unusable input (exit 2, one line per problem at
its position), never a case that silently passes. A failure's line shows the control
characters of case names and paths as escapes (:func:`~compliance.terminal.printable`).
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from compliance.errors import InputError, Problem
from compliance.facts import build_facts
from compliance.outcomes import apply_waivers, target_ref
from compliance.policy.evaluate import evaluate_packs
from compliance.policy.rules import SEVERITIES, Pack, schema_problems
from compliance.sources.document import Document, read_document
from compliance.terminal import printable
from compliance.validate import validate_document

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
#: A patch path: a key, then ``.key`` or ``[index]`` steps.
_PATH = re.compile(r"[^.\[\]]+(?:\.[^.\[\]]+|\[\d+\])*")


def _steps(path: str) -> list[str | int]:
    return [int(i) if i else k for k, i in _STEP.findall(path)]


class PatchError(LookupError):
    """A ``set``/``append`` path the base cannot take: ``kind`` (``set`` or ``append``),
    ``path`` as written and what is wrong with it (``does not exist in the base manifest``)."""

    def __init__(self, kind: str, path: str, wrong: str = "does not exist in the base manifest") -> None:
        super().__init__(f"{kind}: path {path!r} {wrong}")
        self.kind = kind
        self.path = path


def apply_patch(base: Any, set_: dict[str, Any], append: dict[str, Any]) -> Any:
    """Return a deep copy of ``base`` with ``set_`` and ``append`` applied (see module doc).

    Raises :class:`PatchError` when a path does not exist in the base, or ``append`` names
    something that is not a list.
    """
    data = copy.deepcopy(base)
    for path, value in set_.items():
        *head, last = _steps(path)
        try:
            node = data
            for step in head:
                node = node[step]
            if isinstance(node, list) != isinstance(last, int):  # [i] on a mapping, .key on a list
                raise TypeError
            if value is None and isinstance(last, str):
                node.pop(last)
            else:  # a new key of a mapping, or an existing item of a list
                node[last] = copy.deepcopy(value)
        except (KeyError, IndexError, TypeError, AttributeError):
            raise PatchError("set", path) from None
    for path, value in append.items():
        try:
            node = data
            for step in _steps(path):
                node = node[step]
        except (KeyError, IndexError, TypeError):
            raise PatchError("append", path) from None
        if not isinstance(node, list):
            raise PatchError("append", path, f"is {_kind(node)} in the base manifest, not a list to add to")
        node.append(copy.deepcopy(value))
    return data


def _kind(value: Any) -> str:
    """What a manifest node is, in words: ``a mapping``, ``text``, ``a number``."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "true or false"
    if value is None:
        return "null"
    return "a number"


#: What a finding's outcome can be in a case's ``expect`` (rules yield the first two; waivers
#: in the base turn them into ``waived``; expiry notices are not any rule's findings).
OUTCOMES = ("violation", "needs_review", "waived")
_DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "format": "date"}


def case_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a case file (see the module docstring)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "dataflow-compliance rule cases",
        "type": "object",
        "additionalProperties": False,
        "required": ["rule", "base", "as_of", "cases"],
        "properties": {
            "rule": {"type": "string", "minLength": 1},
            "base": {"type": "string", "minLength": 1},
            "as_of": _DATE,
            "cases": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name", "expect"],
                    "properties": {
                        "name": {"type": "string", "minLength": 1},
                        "as_of": _DATE,
                        "set": {"type": "object", "minProperties": 1},
                        "append": {"type": "object", "minProperties": 1},
                        "expect": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "additionalProperties": False,
                                "required": ["target", "outcome"],
                                "properties": {
                                    "target": {
                                        "type": "string",
                                        "pattern": r"^(organization|(datasets|systems|flows)/.+)$",
                                    },
                                    "outcome": {"enum": list(OUTCOMES)},
                                    "severity": {"enum": list(SEVERITIES)},
                                },
                            },
                        },
                    },
                },
            },
        },
    }


def case_problems(doc: Document, pack: Pack) -> list[Problem]:
    """Every problem of the case file ``doc`` of ``pack``, each at its position: schema
    problems; an unknown rule and a missing or unusable base, wherever ``rule`` and ``base``
    are well-formed themselves (a bad ``as_of`` hides neither); then, for a well-formed file
    with a usable base, names used twice and patch paths the base does not have."""
    problems = list(schema_problems(doc, case_schema(), "top level"))
    well_formed = not problems
    spec = doc.data
    if not isinstance(spec, dict):
        return problems
    ids = [r.id for r in pack.rules]
    if isinstance(spec.get("rule"), str) and spec["rule"] and spec["rule"] not in ids:
        import difflib

        close = difflib.get_close_matches(spec["rule"], ids, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.append(doc.problem(("rule",), f"rule: no rule {spec['rule']!r} in pack {pack.id!r}{hint}"))
    if not isinstance(spec.get("base"), str) or not spec["base"]:
        return problems
    base_path = Path(doc.path).parent / spec["base"]
    if not base_path.is_file():
        problems.append(doc.problem(("base",), f"base: {_not_a_file(base_path)}"))
        return problems
    try:  # the base must be a valid manifest: the cases patch one fact each
        base = validate_document(read_document(base_path)).document.data
    except InputError as exc:
        return [*problems, *exc.problems]
    if not well_formed:  # the cases' patches are checked only in cases of the right shape
        return problems
    seen: dict[str, int] = {}
    for i, case in enumerate(spec["cases"]):
        if case["name"] in seen:
            again = f"cases[{i}].name: {case['name']!r} is also the name of cases[{seen[case['name']]}]"
            problems.append(doc.problem(("cases", i, "name"), again))
        seen.setdefault(case["name"], i)
        for kind in ("set", "append"):
            for path, value in case.get(kind, {}).items():
                if not _PATH.fullmatch(path):
                    problems.append(
                        doc.problem(
                            ("cases", i, kind, path),
                            f"cases[{i}].{kind}: {path!r} is not a path (key.key[index], e.g. "
                            "flows[0].recipient.role)",
                            key=True,
                        )
                    )
                    continue
                try:
                    apply_patch(
                        base,
                        {path: value} if kind == "set" else {},
                        {path: value} if kind == "append" else {},
                    )
                except PatchError as exc:
                    problems.append(doc.problem(("cases", i, kind, path), f"cases[{i}].{exc}", key=True))
    return problems


def _not_a_file(path: Path) -> str:
    """Why the base ``path``, which is no regular file, cannot be read."""
    if path.is_dir():
        return f"{str(path)!r} is a folder, not a manifest file"
    if path.exists():
        return f"{str(path)!r} is not a regular file (a device, pipe or socket)"
    return f"no such file {str(path)!r}"


def run_case_file(path: Path, packs: Sequence[Pack]) -> tuple[str, list[str], int, int, int]:
    """Run one case file, already checked by :func:`case_problems`; return ``(rule id,
    failure messages, cases, firing, non-firing)``."""
    spec = read_document(path, expected="rule cases", what="rule case file").data
    rule_id = spec["rule"]
    base = read_document(path.parent / spec["base"]).data
    failures: list[str] = []
    fires = quiet = 0
    for case in spec["cases"]:
        name = case["name"]
        as_of = dt.date.fromisoformat(case.get("as_of", spec["as_of"]))
        data = apply_patch(base, case.get("set", {}), case.get("append", {}))
        try:
            loaded = validate_document(Document(f"{path}#{name}", data))
        except InputError as exc:
            failures.append(f"{path}: {name}: the case's manifest is invalid: {exc}")
            continue
        facts = build_facts([loaded], as_of)
        findings, _ = apply_waivers(evaluate_packs(packs, facts, as_of), facts, as_of)
        got = sorted((target_ref(f.target), f.outcome, f.severity) for f in findings if f.rule_id == rule_id)
        want = case["expect"]
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
    Raises :class:`InputError` listing every problem of every case file (see
    :func:`case_problems`) before any case runs.
    """
    files = [(pack, f) for pack in packs for f in sorted((pack.folder / "tests").glob("*.yaml"))]
    problems: list[Problem] = []
    for pack, case_file in files:
        try:
            problems.extend(
                case_problems(read_document(case_file, expected="rule cases", what="rule case file"), pack)
            )
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    failed = total = 0
    for pack in packs:
        seen: dict[str, tuple[int, int]] = {}
        for _, case_file in (item for item in files if item[0] is pack):
            rule_id, failures, n, fires, quiet = run_case_file(case_file, [pack])
            seen[rule_id] = (
                seen.get(rule_id, (0, 0))[0] + fires,
                seen.get(rule_id, (0, 0))[1] + quiet,
            )
            total += n
            failed += len(failures)
            for msg in failures:
                echo(printable(f"FAIL {msg}"))
        for rule in pack.rules:
            total += 1
            fires, quiet = seen.get(rule.id, (0, 0))
            if fires < 1 or quiet < 1:
                failed += 1
                echo(
                    printable(
                        f"FAIL {rule.file}: {rule.id} needs at least one firing and one non-firing case "
                        f"(in {pack.folder / 'tests' / (rule.id + '.yaml')})"
                    )
                )
    return failed, total

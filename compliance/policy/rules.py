"""Rule files and rule packs: their JSON Schema, loading, validation and the :class:`Rule` type.

A pack is a folder holding ``pack.yaml`` (``id``, ``title``, ``version``, ``data_date``) and one
rule per ``*.yaml`` file (a YAML file named otherwise, ``R.yml``, is an error, never a rule left
out); each rule's cases live in ``tests/<RULE-ID>.yaml`` beside it. Rule
files are validated against :func:`rule_schema` (printed by ``compliance schema --rules``); a
malformed rule is an :class:`~compliance.errors.InputError` with file, line and column.

Rule ids are unique over every loaded pack and pack ids over the loaded and shipped packs: a
second rule with an id would report each finding twice, and a folder calling itself ``eu``
would pass for the shipped pack in every report. A folder named twice (the same real path,
the shipped ``rules/eu`` included) is loaded once, as a manifest named twice is checked once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from compliance.errors import InputError, Problem, UsageError
from compliance.findings import BUILTIN_PREFIXES
from compliance.policy.conditions import PREDICATES
from compliance.sources.document import Document, Path_, read_document, render_path

SEVERITIES = ("low", "medium", "high", "critical")
INSTRUMENTS = ("CSL", "DSL", "PIPL", "CAC-SA", "CAC-SC", "CAC-CERT", "CBDF", "NDSMR", "GDPR")
TARGETS = ("flow", "system", "dataset", "organization")
_DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "format": "date"}


class Citation(NamedTuple):
    """A legal citation: ``instrument`` (one of :data:`INSTRUMENTS`) and one ``article``.

    ``renumbered`` lists ``(from_date, article)`` pairs: from that date the article carries the
    new number (the CSL amendment of 2025-10-28 moved Art. 37 to Art. 39 on 2026-01-01).
    ``since`` is the date the instrument took effect, for an ``also_cites`` entry that must not
    be cited earlier (NDSMR: 2025-01-01).
    """

    instrument: str
    article: str
    renumbered: tuple[tuple[dt.date, str], ...] = ()
    since: dt.date | None = None

    def applies(self, day: dt.date) -> bool:
        """Whether the cited instrument is in effect on ``day``."""
        return self.since is None or day >= self.since

    def on(self, day: dt.date) -> tuple[str, str]:
        """Return ``(instrument, article)`` as cited on ``day``."""
        article = self.article
        for start, number in sorted(self.renumbered):
            if day >= start:
                article = number
        return self.instrument, article

    def text(self, day: dt.date) -> str:
        """``"PIPL Art. 38"`` as cited on ``day``."""
        inst, art = self.on(day)
        return f"{inst} Art. {art}"


class Escalation(NamedTuple):
    """Raise a rule's severity to ``severity`` when ``when`` holds."""

    when: Mapping[str, Any]
    severity: str


class Rule(NamedTuple):
    """One declarative rule (see ``docs/rule-language.md``).

    ``when`` says where the rule applies, ``require`` what must then hold (absent: the rule
    fires wherever it applies); ``outcome`` is what an unmet rule yields. ``effective_from`` and
    ``effective_until`` (inclusive) bound the as-of dates on which it runs.
    """

    id: str
    title: str
    severity: str
    citation: Citation
    also_cites: tuple[Citation, ...]
    regime: str
    target: str
    effective_from: dt.date | None
    effective_until: dt.date | None
    when: Mapping[str, Any]
    require: Mapping[str, Any] | None
    outcome: str
    escalate: tuple[Escalation, ...]
    rationale: str
    remediation: str
    interpretation: str
    references: tuple[str, ...]
    pack: str
    file: str
    id_at: tuple[int, int] = (1, 1)

    def active_on(self, day: dt.date) -> bool:
        """Whether the rule runs on ``day`` (its effective dates, inclusive)."""
        if self.effective_from is not None and day < self.effective_from:
            return False
        return self.effective_until is None or day <= self.effective_until


class Pack(NamedTuple):
    """A rule pack: ``id`` (``cn``), ``title``, ``version``, ``data_date`` (the date its facts
    were last checked; an as-of date after it earns a notice), folder and rules; ``disabled``
    holds ``(rule id, reason)`` for each of its rules that a configuration took out of
    ``rules`` (so that a waiver of one can say why it matched nothing)."""

    id: str
    title: str
    version: str
    data_date: dt.date
    folder: Path
    rules: tuple[Rule, ...]
    disabled: tuple[tuple[str, str], ...] = ()


# --- schema -----------------------------------------------------------------------------------


def condition_schema() -> dict[str, Any]:
    """JSON Schema of a condition: one of all/any/not or a predicate with its argument."""
    branches: list[dict[str, Any]] = [
        _one("all", {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/condition"}}),
        _one("any", {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/condition"}}),
        _one("not", {"$ref": "#/$defs/condition"}),
    ]
    for name, pred in sorted(PREDICATES.items()):
        branches.append(_one(name, {**pred.schema, "description": pred.doc}))
    return {"oneOf": branches}


def _one(key: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [key],
        "properties": {key: schema},
    }


def _citation_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["instrument", "article"],
        "properties": {
            "instrument": {"enum": list(INSTRUMENTS)},
            "article": {"type": "string", "minLength": 1},
            "from": _DATE,
            "renumbered": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["from", "article"],
                    "properties": {"from": _DATE, "article": {"type": "string", "minLength": 1}},
                },
            },
        },
    }


@cache
def rule_schema(shallow: bool = False) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one rule file.

    With ``shallow=True`` conditions are left unchecked: the loader checks each condition
    itself (:func:`rule_problems`), which gives one sharp message per problem where a failed
    ``oneOf`` gives several vague ones.
    """
    cond: dict[str, Any] = {} if shallow else condition_schema()
    text = {"type": "string", "minLength": 1}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://dataflow-compliance.dev/schema/rule-v1.json",
        "title": "dataflow-compliance rule",
        "type": "object",
        "additionalProperties": False,
        "required": [
            "id",
            "title",
            "severity",
            "citation",
            "regime",
            "target",
            "effective",
            "when",
            "outcome",
            "rationale",
            "remediation",
            "references",
        ],
        "properties": {
            "id": {"type": "string", "pattern": r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$"},
            "title": text,
            "severity": {"enum": list(SEVERITIES)},
            "citation": {"$ref": "#/$defs/citation"},
            "also_cites": {"type": "array", "items": {"$ref": "#/$defs/citation"}},
            "regime": {"enum": ["cn", "eu"]},
            "target": {"enum": list(TARGETS)},
            "effective": {
                "type": "object",
                "additionalProperties": False,
                "properties": {"from": _DATE, "until": _DATE},
            },
            "when": {"$ref": "#/$defs/condition"},
            "require": {"$ref": "#/$defs/condition"},
            "outcome": {"enum": ["violation", "needs_review"]},
            "escalate": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["when", "severity"],
                    "properties": {
                        "when": {"$ref": "#/$defs/condition"},
                        "severity": {"enum": list(SEVERITIES)},
                    },
                },
            },
            "rationale": text,
            "remediation": text,
            "interpretation": text,
            "references": {"type": "array", "minItems": 1, "items": text},
        },
        "$defs": {"condition": cond, "citation": _citation_schema()},
    }


def _pack_schema() -> dict[str, Any]:
    text = {"type": "string", "minLength": 1}
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "title", "version", "data_date"],
        "properties": {"id": text, "title": text, "version": text, "data_date": _DATE},
    }


# --- loading ----------------------------------------------------------------------------------


def load_pack(folder: Path, *, check_schema: bool = True, taken: Mapping[str, str] | None = None) -> Pack:
    """Load and validate the pack in ``folder``.

    Raises :class:`UsageError` if the folder does not exist or holds no rules, and
    :class:`InputError` listing every problem of ``pack.yaml`` (missing, malformed, or an
    ``id`` in ``taken``, which maps pack ids already in use to where), of the rules (file,
    line, column), and each YAML file of the folder not named ``*.yaml`` (``R.yml``), which
    would otherwise be left out of the pack unseen. ``check_schema`` may be turned off for the
    shipped packs, whose validity the test suite proves.
    """
    if not folder.is_dir():
        raise UsageError(f"{folder}: no such rules folder")
    meta_path = folder / "pack.yaml"
    if not meta_path.is_file():
        raise InputError(
            [
                Problem(
                    str(meta_path),
                    None,
                    None,
                    "missing: a rules folder needs its pack.yaml (id, title, version, data_date)",
                )
            ]
        )
    meta_doc = read_document(
        meta_path, expected="the pack's id, title, version and data_date", what="pack file"
    )
    problems = list(_pack_problems(meta_doc)) if check_schema else []
    if problems:
        raise InputError(problems)
    meta = meta_doc.data
    pack_id = meta["id"]
    if taken is not None and pack_id in taken:
        raise InputError(
            [meta_doc.problem(("id",), f"pack id {pack_id!r} is already used by {taken[pack_id]}")]
        )
    problems = [
        Problem(
            str(path), None, None, f"a rule file is named *.yaml, so this one is not read: rename it {name}"
        )
        for path, name in _misnamed_rules(folder)
    ]
    rules: list[Rule] = []
    for path in sorted(folder.glob("*.yaml")):
        if path.name == "pack.yaml" or path.name.startswith("."):  # another tool's .yamllint.yaml
            continue
        try:
            rules.append(load_rule(path, pack_id, check_schema=check_schema))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    if not rules:
        raise UsageError(f"{folder}: holds no rule files (*.yaml)")
    return Pack(
        id=pack_id,
        title=meta["title"],
        version=meta["version"],
        data_date=dt.date.fromisoformat(meta["data_date"]),
        folder=folder,
        rules=tuple(rules),
    )


def _misnamed_rules(folder: Path) -> Iterator[tuple[Path, str]]:
    """The YAML files at the top of the pack ``folder`` not named ``*.yaml`` (``R.yml``,
    ``R.YAML``), which would be left out of the pack, each with the name it needs; but hidden
    ones (``.yamllint.yml``, ``.gitlab-ci.yml``: other tools' configuration). Sub-folders
    (``tests/`` and its bases) are not rule files."""
    for path in sorted(folder.glob("*")):
        name = path.name
        stem, dot, suffix = name.rpartition(".")
        misnamed = dot and suffix.lower() in ("yaml", "yml") and suffix != "yaml"
        if misnamed and not name.startswith(".") and path.is_file():
            yield path, f"{stem}.yaml"


def _pack_problems(doc: Document) -> Iterator[Problem]:
    yield from schema_problems(doc, _pack_schema(), "pack.yaml")


def _validator(schema: Mapping[str, Any]) -> Any:
    """A JSON Schema (2020-12) validator of ``schema`` whose ``integer`` is an integer as
    written (``1e4`` and ``100.0`` are not: a threshold read from them would be a float), with
    formats checked."""
    import jsonschema  # only needed when rules are checked

    return _strict_integers()(schema, format_checker=jsonschema.FormatChecker())


@cache
def _strict_integers() -> Any:
    import jsonschema

    base = jsonschema.Draft202012Validator
    checker = base.TYPE_CHECKER.redefine("integer", lambda _checker, value: type(value) is int)
    return jsonschema.validators.extend(base, type_checker=checker)  # type: ignore[no-untyped-call]


def _as_written(err: Any) -> str:
    """A JSON Schema error's message with a boolean or null it starts with spelled as YAML and
    JSON write it (``true is not of type 'integer'``, not Python's ``True``)."""
    message: str = err.message
    value = err.instance
    if (value is None or isinstance(value, bool)) and message.startswith(repr(value)):
        return {None: "null", True: "true", False: "false"}[value] + message[len(repr(value)) :]
    return message


def schema_problems(doc: Document, schema: Mapping[str, Any], what: str) -> Iterator[Problem]:
    """Every problem of ``doc`` against the JSON Schema ``schema``, in document order, each at
    its position; an unknown key is named with a did-you-mean hint. ``what`` names the top
    level in messages (``rule``, ``pack.yaml``)."""
    import difflib  # only for did-you-mean hints

    validator = _validator(schema)
    for err in sorted(validator.iter_errors(doc.data), key=lambda e: list(map(str, e.absolute_path))):
        path: Path_ = tuple(err.absolute_path)
        if err.validator == "additionalProperties":
            known = list(err.schema.get("properties", {}))
            for k in (k for k in err.instance if k not in known):
                hint = difflib.get_close_matches(k, known, n=1, cutoff=0.6)
                tip = f" (did you mean {hint[0]!r}?)" if hint else ""
                message = f"{render_path(path) or what}: unknown field {k!r}{tip}"
                yield doc.problem((*path, k), message, key=True)
            continue
        yield doc.problem(path, f"{render_path(path) or what}: {_as_written(err)}")


def load_rule(path: Path, pack: str, *, check_schema: bool = True) -> Rule:
    """Load one rule file; raises :class:`InputError` for every problem in it."""
    doc = read_document(path, expected="one rule", what="rule file")
    problems = list(rule_problems(doc)) if check_schema else []
    if problems:
        raise InputError(problems)
    return _build(doc.data, pack, str(path), doc.locate(("id",)) or (1, 1))


def rule_problems(doc: Document) -> Iterator[Problem]:
    """Every schema problem of a rule document, each at its file position."""
    yield from schema_problems(doc, rule_schema(shallow=True), "rule")
    validator = _validator(rule_schema(shallow=True))
    data = doc.data
    if not isinstance(data, dict):
        return
    eff = data.get("effective")
    start, end = (eff.get("from"), eff.get("until")) if isinstance(eff, dict) else (None, None)
    if isinstance(start, str) and isinstance(end, str) and end < start:
        never = f"effective.until: {end} is before effective.from {start}: the rule would never run"
        yield doc.problem(("effective", "until"), never)
    base = data.get("severity")
    for i, esc in enumerate(data.get("escalate") or []):
        raised = esc.get("severity") if isinstance(esc, dict) else None
        if base in SEVERITIES and raised in SEVERITIES and SEVERITIES.index(raised) <= SEVERITIES.index(base):
            yield doc.problem(
                ("escalate", i, "severity"),
                f"escalate[{i}].severity: {raised} does not raise the rule's severity {base}",
            )
    target = data.get("target")
    for key in ("when", "require"):
        if key in data:
            yield from _condition_problems(doc, (key,), data[key], target, validator)
    for i, esc in enumerate(data.get("escalate") or []):
        if isinstance(esc, dict) and "when" in esc:
            yield from _condition_problems(doc, ("escalate", i, "when"), esc["when"], target, validator)


def _condition_problems(
    doc: Document, path: Path_, cond: Any, target: Any, validator: Any
) -> Iterator[Problem]:
    where = render_path(path)
    if not isinstance(cond, dict) or len(cond) != 1:
        yield doc.problem(path, f"{where}: a condition is a mapping with exactly one key")
        return
    ((key, arg),) = cond.items()
    if key in ("all", "any"):
        if not isinstance(arg, list) or not arg:
            yield doc.problem((*path, key), f"{where}.{key}: expected a non-empty list of conditions")
            return
        for i, c in enumerate(arg):
            yield from _condition_problems(doc, (*path, key, i), c, target, validator)
        return
    if key == "not":
        yield from _condition_problems(doc, (*path, key), arg, target, validator)
        return
    pred = PREDICATES.get(key)
    if pred is None:
        import difflib  # only for a did-you-mean hint

        hint = difflib.get_close_matches(key, [*PREDICATES, "all", "any", "not"], n=1, cutoff=0.6)
        tip = f" (did you mean {hint[0]!r}?)" if hint else ""
        yield doc.problem((*path, key), f"{where}: unknown predicate {key!r}{tip}", key=True)
        return
    if isinstance(target, str) and target not in pred.targets:
        yield doc.problem(
            (*path, key),
            f"{where}: predicate {key!r} does not apply to {target} rules "
            f"(only {', '.join(sorted(pred.targets))})",
            key=True,
        )
    check = _validator(pred.schema)
    errors = list(check.iter_errors(arg))
    for err in errors:
        if err.context:  # oneOf/anyOf: the branch that came closest says more than "any of":
            # the deepest error, and one about a value rather than its type
            err = max(err.context, key=lambda e: (len(e.absolute_path), e.validator not in ("type", "const")))
        sub = (*path, key, *err.absolute_path)
        yield doc.problem(sub, f"{render_path(sub)}: {_as_written(err)}")
    if not errors and pred.argument_problems is not None:
        for inner, message in pred.argument_problems(arg):
            sub = (*path, key, *inner)
            yield doc.problem(sub, f"{render_path(sub)}: {message}")


def _citation(data: Mapping[str, Any]) -> Citation:
    return Citation(
        instrument=data["instrument"],
        article=data["article"],
        renumbered=tuple(
            (dt.date.fromisoformat(r["from"]), r["article"]) for r in data.get("renumbered", [])
        ),
        since=_date(data.get("from")),
    )


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else None


def _build(data: Mapping[str, Any], pack: str, file: str, id_at: tuple[int, int]) -> Rule:
    eff = data.get("effective") or {}
    return Rule(
        id=data["id"],
        title=data["title"],
        severity=data["severity"],
        citation=_citation(data["citation"]),
        also_cites=tuple(_citation(c) for c in data.get("also_cites", [])),
        regime=data["regime"],
        target=data["target"],
        effective_from=_date(eff.get("from")),
        effective_until=_date(eff.get("until")),
        when=data["when"],
        require=data.get("require"),
        outcome=data["outcome"],
        escalate=tuple(Escalation(e["when"], e["severity"]) for e in data.get("escalate", [])),
        rationale=data["rationale"].strip(),
        remediation=data["remediation"].strip(),
        interpretation=str(data.get("interpretation", "")).strip(),
        references=tuple(data["references"]),
        pack=pack,
        file=file,
        id_at=id_at,
    )


def load_packs(shipped: Sequence[str] | None, extra_dirs: Sequence[Path], shipped_root: Path) -> list[Pack]:
    """Load the chosen shipped packs (``None``: all) and the extra rule folders.

    A pack named twice, or a folder whose real path is already loaded, is loaded once. Raises
    :class:`UsageError` for an unknown pack name or when no rules are loaded at all, and
    :class:`InputError` for a pack id already taken or a rule id defined twice (one problem
    per duplicate, naming both files).
    """
    available = sorted(p.name for p in shipped_root.iterdir() if (p / "pack.yaml").is_file())
    chosen = available if shipped is None else list(dict.fromkeys(shipped))
    packs = []
    for name in chosen:
        if name not in available:
            same = [a for a in available if a.casefold() == name.casefold()]
            hint = f"; did you mean {same[0]!r}?" if same else ""
            raise UsageError(f"no shipped rule pack {name!r} (available: {', '.join(available)}){hint}")
        packs.append(load_pack(shipped_root / name, check_schema=False))
    loaded = {p.folder.resolve() for p in packs}
    shipped_folders = {(shipped_root / name).resolve(): name for name in available}
    for d in extra_dirs:
        real = d.resolve()
        if real in loaded:
            continue
        taken = {p.id: str(p.folder) for p in packs}
        for name in available:  # a shipped pack's id stays its own even when not run
            if shipped_folders.get(real) != name:
                taken.setdefault(name, f"the shipped pack ({shipped_root / name})")
        packs.append(load_pack(d, taken=taken))
        loaded.add(real)
    if not any(p.rules for p in packs):
        raise UsageError("no rules loaded; a check with no rules would prove nothing")
    _check_rule_ids(packs)
    return packs


def _check_rule_ids(packs: Sequence[Pack]) -> None:
    first: dict[str, str] = {}
    problems = []
    for r in (r for p in packs for r in p.rules):
        if r.id.startswith(BUILTIN_PREFIXES):
            prefix = next(p for p in BUILTIN_PREFIXES if r.id.startswith(p))
            message = f"rule id {r.id!r}: the prefix {prefix!r} is reserved for the tool's built-in checks"
            problems.append(Problem(r.file, *r.id_at, message))
        elif r.id in first:
            problems.append(Problem(r.file, *r.id_at, f"rule id {r.id!r} is also defined in {first[r.id]}"))
        else:
            first[r.id] = r.file
    if problems:
        raise InputError(problems)

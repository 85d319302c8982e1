"""Turn a parsed document into a validated :class:`~compliance.model.Manifest`, or every problem.

Checks run in two passes, and every problem of a file is reported at once, compiler style:
1. the strict pydantic model (unknown keys with a did-you-mean, wrong types, missing fields);
2. what the model cannot know alone: duplicate ids, dangling references, location and country
   codes (region table, ISO 3166-1), data categories and purposes (fideslang taxonomy plus the
   manifest's own extensions), impossible mechanism date orderings and waivers of notices
   (which never fail a run, so have nothing to waive).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Generator, Iterator
from functools import cache
from typing import Any, NamedTuple

from pydantic import ValidationError

from compliance import jurisdictions
from compliance.coreschema import validate_manifest
from compliance.errors import InputError, Problem, closest_id
from compliance.findings import BUILTIN_CHECKS, NOTICE_PREFIX
from compliance.model import CATEGORY_KEY, MECHANISM_TYPES, Manifest
from compliance.names import entity_fold, entity_key, mixed_script_word
from compliance.sources.document import Document, Path_, is_placeholder, render_path
from compliance.taxonomy import Taxonomy

#: Jurisdiction words accepted besides country codes in ``established_in``, ``targets``,
#: representatives.
GROUP_WORDS = ("EU", "EEA")


class LoadedManifest(NamedTuple):
    """A validated manifest with the document it came from (for positions) and its taxonomy."""

    document: Document
    manifest: Manifest
    taxonomy: Taxonomy

    @property
    def path(self) -> str:
        """The file name as given by the user."""
        return self.document.path


@cache
def manifest_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of manifest v1, generated from the models."""
    schema = Manifest.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://dataflow-compliance.dev/schema/manifest-v1.json"
    schema["title"] = "Data-flow manifest, version 1"
    access = schema["$defs"]["System"]["properties"]["access_from"]
    access["items"] = {"anyOf": [{"type": "string"}, {"$ref": "#/$defs/Access"}]}
    return schema


def validate_document(doc: Document) -> LoadedManifest:
    """Validate ``doc`` as a v1 manifest (``doc`` may come from ``read_document(...,
    defer_depth=True)``: its depth is checked here when the model rejects it).

    Returns the :class:`LoadedManifest`; raises :class:`InputError` listing every problem
    found (model errors first; reference checks only run once the model is valid).
    """
    if not isinstance(doc.data, dict):
        doc.check_depth()
        kind = type(doc.data).__name__ if doc.data is not None else "null"
        raise InputError([doc.problem((), f"expected a mapping at the top level, got {kind}")])
    other = other_document(doc.data)
    if other is not None:
        raise InputError([doc.problem((), other)])
    try:
        manifest = validate_manifest(doc.data)
    except ValidationError as exc:
        # A document the model accepts is as shallow as the model; one it rejects may be
        # arbitrarily deep, so its depth is checked before anything walks it.
        doc.check_depth()
        raise InputError(_with_unfilled(doc, _model_problems(doc, exc))) from None
    problems: list[Problem] = []
    taxonomy = _taxonomy(doc, manifest, problems)
    problems.extend(_reference_problems(doc, manifest, taxonomy))
    if problems:
        raise InputError(_with_unfilled(doc, problems))
    return LoadedManifest(doc, manifest, taxonomy)


#: Top-level keys of this tool's other documents, which a folder of manifests may come to hold.
_OTHER_DOCUMENTS = (
    ("baseline_version", "a baseline file (`compliance baseline`), not a manifest: give it with --baseline"),
    ("report_version", "a JSON report of `compliance check`, not a manifest"),
)


def other_document(data: dict[str, Any]) -> str | None:
    """What ``data`` is instead of a manifest, when it has no ``manifest_version`` and is one of
    this tool's own outputs (a SARIF log included) or a Terraform plan or state a folder of
    manifests may hold beside them; ``None`` otherwise."""
    if "manifest_version" in data:
        return None
    for key, what in _OTHER_DOCUMENTS:
        if key in data:
            return f"this is {what}"
    if "runs" in data and data.get("version") == "2.1.0":
        return "this is a SARIF log (`compliance check --format sarif`), not a manifest"
    if "format_version" in data and "terraform_version" in data:
        kind = "state" if "values" in data and "resource_changes" not in data else "plan"
        hint = (
            "give it with --terraform"
            if kind == "plan"
            else "give --terraform a plan (`terraform show -json PLANFILE`)"
        )
        return f"this is a Terraform {kind} (`terraform show -json`), not a manifest: {hint}"
    return None


def _with_unfilled(doc: Document, problems: list[Problem]) -> list[Problem]:
    """``problems`` with each ``FILL-ME`` placeholder's request in place of the errors at its
    position (which say less than it does), in reading order; ``problems`` as they are when
    there is none. Looked for only once validation failed, so valid manifests never pay for
    the walk."""
    unfilled = list(_placeholders(doc, doc.data, ()))
    if not unfilled:
        return problems
    at = {(p.line, p.column) for p in unfilled}
    rest = [p for p in problems if (p.line, p.column) not in at]
    return sorted([*unfilled, *rest], key=lambda p: (p.line or 0, p.column or 0))


# --- pass 0: what an importer left for the user to fill in ------------------------------------


def _placeholders(doc: Document, data: Any, path: Path_) -> Iterator[Problem]:
    """Each ``FILL-ME: <what>`` value ``compliance import`` wrote, with its request."""
    todo: list[tuple[Any, Path_]] = [(data, path)]
    found: list[Problem] = []
    while todo:
        node, where = todo.pop()
        if isinstance(node, str) and is_placeholder(node):
            found.append(_unfilled(doc, where, node))
        elif isinstance(node, dict):
            todo.extend((v, (*where, k)) for k, v in node.items())
        elif isinstance(node, list):
            todo.extend((v, (*where, i)) for i, v in enumerate(node))
    yield from found


def _unfilled(doc: Document, where: Path_, placeholder: str) -> Problem:
    what = placeholder.split(":", 1)[1].strip() if ":" in placeholder else ""
    asked = f": {what}" if what else ""
    return doc.problem(where, f"{render_path(where)}: not filled in yet (left by `compliance import`){asked}")


# --- pass 1: the model ------------------------------------------------------------------------


def _model_problems(doc: Document, exc: ValidationError) -> list[Problem]:
    errors = [(_strip_tags(e["loc"]), e) for e in exc.errors(include_url=False)]
    out: list[Problem] = []
    suggested: set[Path_] = set()
    for loc, err in errors:
        problem = _describe(doc, loc, err)
        out.append(problem)
        hint = re.search(r"\(did you mean '([^']+)'\?\)$", problem.message)
        if err["type"] == "extra_forbidden" and hint:
            suggested.add((*loc[:-1], hint.group(1)))
    # A typo of a required key is one problem, not also a "missing" one.
    return [
        p
        for (loc, err), p in zip(errors, out, strict=True)
        if not (err["type"] == "missing" and loc in suggested)
    ]


def _strip_tags(loc: tuple[Any, ...]) -> Path_:
    """Drop the discriminator and function-validator steps pydantic puts into error locations."""
    out: list[str | int] = []
    for i, part in enumerate(loc):
        if isinstance(part, str) and i and isinstance(loc[i - 1], int) and part in MECHANISM_TYPES:
            continue
        if isinstance(part, str) and part.startswith("function-"):
            continue
        out.append(part)
    return tuple(out)


def _describe(doc: Document, loc: Path_, err: Any) -> Problem:
    kind = err["type"]
    where = render_path(loc)
    if kind == "extra_forbidden":
        parent, name = loc[:-1], str(loc[-1])
        hint = _suggest_key(doc.data, parent, name)
        if not hint and err.get("input", "") is None and not doc.is_json:
            # `{name: Acme Co., Ltd., role: ...}`: the comma ended the name and `Ltd.` became a key
            hint = (
                " (in a {...} mapping a comma ends a value: if this continues the value before it, "
                'put that value in quotes, e.g. name: "Acme Co., Ltd.")'
            )
        msg = f"{render_path(parent) or 'top level'}: unknown field {name!r}{hint}"
        return doc.problem(loc, msg, key=True)
    if kind == "missing":
        parent, name = loc[:-1], str(loc[-1])
        return doc.problem(parent, f"{render_path(parent) or 'top level'}: missing required field {name!r}")
    value = err.get("input")
    got = _show(value)
    if value is None and "input" in err:
        # `key:` with nothing after it, or null: never read as the key left out
        return doc.problem(
            loc, f"{where}: no value given (null); write one, or leave out the key if it is optional"
        )
    if kind == "union_tag_invalid":
        tag = value.get("type") if isinstance(value, dict) else err.get("ctx", {}).get("tag")
        hint = _closest(str(tag), MECHANISM_TYPES)
        msg = f"{where}.type: unknown mechanism type {_show(tag)}{hint}; expected one of: " + ", ".join(
            MECHANISM_TYPES
        )
        return doc.problem((*loc, "type"), msg)
    if kind == "union_tag_not_found":
        return doc.problem(loc, f"{where}: missing required field 'type' (the mechanism type)")
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return doc.problem(loc, f"{where}: expected {expected}, got {got}")
    if kind == "string_pattern_mismatch":
        pattern = err.get("ctx", {}).get("pattern", "")
        if pattern == r"\S":
            return doc.problem(loc, f"{where}: must not be blank, got {got}")
        if pattern == CATEGORY_KEY:
            return doc.problem(
                loc,
                f"{where}: {got} is not a category key (dot-separated parts of letters, digits, "
                "'_', '-', '<' or '>', none empty, no spaces)",
            )
        return doc.problem(loc, f"{where}: {got} does not match the pattern {pattern}")
    if kind == "too_short":
        return doc.problem(loc, f"{where}: must not be an empty list")
    msg = str(err["msg"])
    if kind == "value_error" and isinstance(value, dict | list):  # the message names the item
        return doc.problem(loc, f"{where}: {msg.removeprefix('Value error, ')}")
    msg = msg.removeprefix("Value error, ")
    msg = msg[0].lower() + msg[1:] if msg else msg
    return doc.problem(loc, f"{where}: {msg}, got {got}")


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _suggest_key(data: Any, parent: Path_, name: str) -> str:
    """Did-you-mean for an unknown key: the closest allowed key, else a missing required one."""
    node = _schema_at(manifest_schema(), data, parent)
    if node is None:
        return ""
    allowed = list(node.get("properties", {}))
    import difflib  # only for a did-you-mean hint

    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    here = _data_at(data, parent)
    present = set(here) if isinstance(here, dict) else set()
    missing = [k for k in node.get("required", []) if k not in present]
    if close and close[0] not in present:
        return f" (did you mean {close[0]!r}?)"
    if missing:
        return f" (did you mean {missing[0]!r}?)"
    if close:
        return f" (did you mean {close[0]!r}?)"
    return ""


def _data_at(data: Any, path: Path_) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _schema_at(schema: dict[str, Any], data: Any, path: Path_) -> dict[str, Any] | None:
    """Walk the generated JSON Schema along ``path`` (following $ref, anyOf, discriminators)."""
    defs = schema["$defs"]
    node: dict[str, Any] | None = schema
    for depth in range(len(path) + 1):
        node = _resolve(defs, node, _data_at(data, path[:depth]))
        if node is None or depth == len(path):
            return node
        part = path[depth]
        node = node.get("items") if isinstance(part, int) else node.get("properties", {}).get(part)
    return node


def _resolve(defs: dict[str, Any], node: dict[str, Any] | None, value: Any) -> dict[str, Any] | None:
    for _ in range(8):
        if node is None:
            return None
        if "$ref" in node:
            node = defs[node["$ref"].rsplit("/", 1)[-1]]
        elif "discriminator" in node:
            tag = value.get("type") if isinstance(value, dict) else None
            ref = node["discriminator"]["mapping"].get(tag)
            node = {"$ref": ref} if ref else None
        elif "anyOf" in node:
            branches = [b for b in node["anyOf"] if b.get("type") != "null"]
            objects = [b for b in branches if "$ref" in b or b.get("type") in ("object", "array")]
            node = (objects or branches or [None])[0]
        else:
            return node
    return node


def _closest(word: str, choices: Any) -> str:
    import difflib  # only for a did-you-mean hint

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


# --- pass 2: references and codes -------------------------------------------------------------


def _taxonomy(doc: Document, manifest: Manifest, problems: list[Problem]) -> Taxonomy:
    base = Taxonomy.default()
    if manifest.taxonomy is None:
        return base
    extra: dict[str, str] = {}
    for i, ext in enumerate(manifest.taxonomy.data_categories):
        path: Path_ = ("taxonomy", "data_categories", i)
        if base.knows_category(ext.key) or ext.key in extra:
            problems.append(
                doc.problem((*path, "key"), f"{render_path(path)}.key: {ext.key!r} is already defined")
            )
            continue
        extra[ext.key] = ext.parent
    try:
        tax = base.extended(extra)
    except ValueError as exc:
        problems.append(doc.problem(("taxonomy",), f"taxonomy: {exc}"))
        return base
    for i, ext in enumerate(manifest.taxonomy.data_categories):
        named_under = _named_under(tax, ext.key)
        if named_under is not None and named_under not in tax.ancestors(ext.key):
            path = ("taxonomy", "data_categories", i, "parent")
            problems.append(
                doc.problem(
                    path,
                    f"{render_path(path)}: {ext.key!r} is named under {named_under!r}, but its parent "
                    f"{ext.parent!r} is not at or under {named_under!r}: name and parent must agree, "
                    f"or the key would lose the legal classes of {named_under!r} (e.g. sensitive)",
                )
            )
    return tax


def _named_under(tax: Taxonomy, key: str) -> str | None:
    """The longest dotted prefix of ``key`` that is a data category (``user.health_and_medical``
    for ``user.health_and_medical.fitness``), or ``None``."""
    parts = key.split(".")
    for n in range(len(parts) - 1, 0, -1):
        prefix = ".".join(parts[:n])
        if tax.knows_category(prefix):
            return prefix
    return None


def _reference_problems(doc: Document, m: Manifest, tax: Taxonomy) -> Iterator[Problem]:
    datasets = yield from _unique_ids(doc, "datasets", [d.id for d in m.datasets])
    systems = yield from _unique_ids(doc, "systems", [s.id for s in m.systems])
    flows = yield from _unique_ids(doc, "flows", [f.id for f in m.flows])

    org = m.organization
    for i, code in enumerate(org.established_in):
        yield from _jurisdiction(doc, ("organization", "established_in", i), code)
    for i, code in enumerate(org.targets or []):
        yield from _jurisdiction(doc, ("organization", "targets", i), code)
    for i, rep in enumerate(org.representatives):
        yield from _jurisdiction(
            doc, ("organization", "representatives", i, "jurisdiction"), rep.jurisdiction
        )

    for i, d in enumerate(m.datasets):
        for j, cat in enumerate(d.categories):
            if not tax.knows_category(cat):
                hint = _hint(tax.suggest(cat, "category"))
                path: Path_ = ("datasets", i, "categories", j)
                yield doc.problem(path, f"{render_path(path)}: unknown data category {cat!r}{hint}")
        if not d.subjects and any(
            tax.is_personal(tax.canonical(c)) for c in d.categories if tax.knows_category(c)
        ):
            yield doc.problem(
                ("datasets", i, "subjects"),
                f"datasets[{i}].subjects: a dataset of personal data needs at least one "
                "{residency, count} entry (the counts decide the CN thresholds)",
            )
        residencies: dict[str, int] = {}
        for j, s in enumerate(d.subjects):
            path = ("datasets", i, "subjects", j, "residency")
            yield from _country(doc, path, s.residency)
            if s.residency in residencies:  # counts add up: a pasted twin would double them
                yield doc.problem(
                    path,
                    f"{render_path(path)}: {s.residency!r} is already listed as "
                    f"subjects[{residencies[s.residency]}] (give one count per residency)",
                )
            residencies.setdefault(s.residency, j)
        for j, code in enumerate(d.collected_in or []):
            yield from _country(doc, ("datasets", i, "collected_in", j), code)

    for i, system in enumerate(m.systems):
        yield from _location(doc, ("systems", i, "location"), system.location)
        for j, ref in enumerate(system.stores):
            if ref not in datasets:
                yield _dangling(doc, ("systems", i, "stores", j), ref, datasets, "dataset")
        places: dict[tuple[str, str], int] = {}
        for j, acc in enumerate(system.access_from or []):
            yield from _location(doc, ("systems", i, "access_from", j), acc.location)
            if (acc.location, acc.by) in places:
                path = ("systems", i, "access_from", j)
                yield doc.problem(
                    path,
                    f"{render_path(path)}: {acc.location!r} by {acc.by} is already listed as "
                    f"access_from[{places[acc.location, acc.by]}]",
                )
            places.setdefault((acc.location, acc.by), j)
            yield from _mechanism_dates(doc, ("systems", i, "access_from", j), acc.mechanisms)

    carried_by: dict[str, int] | None = None  # dataset id -> its subjects' counts, summed
    purposes: set[str] = set()  # the known purposes met so far: a few recur on many flows
    for i, f in enumerate(m.flows):
        # (paths and generators only for a problem: this loop runs once per flow)
        if f.source not in systems:
            yield _dangling(doc, ("flows", i, "from"), f.source, systems, "system")
        if f.to not in systems:
            yield _dangling(doc, ("flows", i, "to"), f.to, systems, "system")
        resolved = datasets.issuperset(f.datasets)
        if not resolved:
            for j, ref in enumerate(f.datasets):
                if ref not in datasets:
                    yield _dangling(doc, ("flows", i, "datasets", j), ref, datasets, "dataset")
        if f.individuals is not None and resolved:
            if carried_by is None:
                carried_by = {}
                for d in m.datasets:
                    carried_by[d.id] = carried_by.get(d.id, 0) + sum(s.count for s in d.subjects)
            carried = sum(carried_by[ref] for ref in set(f.datasets))
            if f.individuals > carried:
                yield doc.problem(
                    ("flows", i, "individuals"),
                    f"flows[{i}].individuals: {f.individuals} is more than the {carried} individuals "
                    "of the datasets it carries (individuals narrows a flow; raise the subjects' "
                    "counts instead)",
                )
        if f.purpose not in purposes:
            if tax.knows_use(f.purpose):
                purposes.add(f.purpose)
            else:
                hint = _hint(tax.suggest(f.purpose, "use"))
                yield doc.problem(
                    ("flows", i, "purpose"), f"flows[{i}].purpose: unknown purpose {f.purpose!r}{hint}"
                )
        if f.mechanisms:
            yield from _mechanism_dates(doc, ("flows", i), f.mechanisms)

    names = _entity_names(m)
    yield from _entity_spellings(doc, names)
    yield from _unfilled_text(doc, m, names)

    sections = {"datasets": datasets, "systems": systems, "flows": flows}
    for i, w in enumerate(m.waivers):
        if w.rule.upper().startswith(NOTICE_PREFIX):  # notice-pack-date too
            # A notice never counts toward the exit status, so there is nothing to waive; a
            # waiver of one would only ever be reported as matching nothing beside the notice.
            yield doc.problem(
                ("waivers", i, "rule"),
                f"waivers[{i}].rule: {w.rule!r} names a notice"
                + ("" if w.rule in BUILTIN_CHECKS else f" (no notice has this id{_near_notice(w.rule)})")
                + "; notices never fail a run and need no waiver (remove this waiver)",
            )
        if w.target == "organization":
            continue
        section, _, ident = w.target.partition("/")
        if ident not in sections[section]:
            yield _dangling(doc, ("waivers", i, "target"), ident, sections[section], section[:-1])


def _entity_names(m: Manifest) -> dict[str, Path_]:
    """Each name of a legal entity that decides transfers (the organization, operators,
    recipients) at its first place: names recur on many flows, so each is looked at once."""
    first: dict[str, Path_] = {m.organization.name: ("organization", "name")}
    for i, s in enumerate(m.systems):
        if s.operator.name not in first:
            first[s.operator.name] = ("systems", i, "operator", "name")
    for i, f in enumerate(m.flows):
        if f.recipient.name not in first:
            first[f.recipient.name] = ("flows", i, "recipient", "name")
    return first


def _unfilled_text(doc: Document, m: Manifest, names: dict[str, Path_]) -> Iterator[Problem]:
    """A placeholder left where the model takes any text (names, a waiver's fields), the one
    place it passes the model and the references: one problem at the first place of each, after
    which :func:`_with_unfilled` names every placeholder of the file. (Elsewhere a placeholder
    breaks the model or a reference.) The values are read as parsed, escapes resolved."""
    texts = dict(names)
    for i, rep in enumerate(m.organization.representatives):
        texts.setdefault(rep.name, ("organization", "representatives", i, "name"))
    for i, w in enumerate(m.waivers):
        for key in ("rule", "reason", "approved_by"):
            texts.setdefault(getattr(w, key), ("waivers", i, key))
    for text, path in texts.items():
        if is_placeholder(text):
            yield _unfilled(doc, path, text)


def _entity_spellings(doc: Document, names: dict[str, Path_]) -> Iterator[Problem]:
    """Names of legal entities (the organization, operators, recipients) that are spelled alike
    but not the same (:func:`~compliance.names.entity_fold`), or that mix look-alike letters of
    two scripts in one word: names compare exactly, so such a spelling silently makes another
    entity of one (a flow to oneself becomes a transfer, or one's own system another's). One
    problem per spelling, at its first place."""
    spelled: dict[str, tuple[str, Path_]] = {}  # fold -> the first key so folded, and its place
    keys: set[str] = set()
    for name, path in names.items():
        key = entity_key(name)
        if key in keys:
            continue
        keys.add(key)
        mixed = mixed_script_word(key)
        if mixed is not None:
            word, letter = mixed
            yield doc.problem(
                path,
                f"{render_path(path)}: {name!r} mixes scripts in the word {word!r} ({letter}): a "
                "look-alike letter makes it another entity's name; write the word in one script",
            )
            continue
        other = spelled.setdefault(entity_fold(key), (key, path))
        if other[0] != key:
            yield doc.problem(
                path,
                f"{render_path(path)}: {name!r} is spelled like {other[0]!r} ({render_path(other[1])}) "
                "but differs only in letter case, spacing, punctuation, accents, character width or "
                "look-alike letters; names compare exactly, so these are two entities: write one "
                "entity's name one way",
            )


def _unique_ids(doc: Document, section: str, ids: list[str]) -> Generator[Problem, None, set[str]]:
    unique = set(ids)
    if len(unique) == len(ids):  # the usual case, in one pass
        return unique
    seen: dict[str, int] = {}
    for i, ident in enumerate(ids):
        if ident in seen:
            first = doc.locate((section, seen[ident], "id"))
            where = f" (first at line {first[0]})" if first else ""
            yield doc.problem((section, i, "id"), f"{section}[{i}].id: duplicate id {ident!r}{where}")
        else:
            seen[ident] = i
    return set(seen)


def _near_notice(rule: str) -> str:
    """``; did you mean 'NOTICE-...'?`` for the built-in notice id closest to ``rule``, if any."""
    hint = closest_id(rule, [k for k in BUILTIN_CHECKS if k.startswith(NOTICE_PREFIX)])
    return "; " + hint.strip(" ()") if hint else ""


def _dangling(doc: Document, path: Path_, ref: str, known: set[str], what: str) -> Problem:
    """The problem of ``ref`` (at ``path``), which names no ``what`` among the ``known`` ids."""
    return doc.problem(path, f"{render_path(path)}: no {what} with id {ref!r}{_closest(ref, known)}")


def _location(doc: Document, path: Path_, code: str) -> Iterator[Problem]:
    try:
        jurisdictions.resolve_location(code)
    except jurisdictions.UnknownLocation as exc:
        yield doc.problem(path, f"{render_path(path)}: unknown location {code!r}: {exc}")


def _country(doc: Document, path: Path_, code: str) -> Iterator[Problem]:
    if not jurisdictions.is_country(code):
        yield doc.problem(
            path,
            f"{render_path(path)}: {code!r} is not an ISO 3166-1 alpha-2 country code{_country_hint(code)}",
        )


def _jurisdiction(doc: Document, path: Path_, code: str) -> Iterator[Problem]:
    if code not in GROUP_WORDS and not jurisdictions.is_country(code):
        what = "is neither EU, EEA nor an ISO 3166-1 alpha-2 code"
        word = unicodedata.normalize("NFKC", code).upper()  # eu, full-width ＥＵ
        hint = _hint(word) if word in GROUP_WORDS else _country_hint(code)
        yield doc.problem(path, f"{render_path(path)}: {code!r} {what}{hint}")


def _country_hint(code: str) -> str:
    return _hint(jurisdictions.country_hint(code))


def _hint(suggestion: str | None) -> str:
    return f" (did you mean {suggestion!r}?)" if suggestion else ""


#: mechanism type -> (earlier date field, later date field, what it means when they are reversed)
_DATE_ORDER = {
    "cn-standard-contract": ("signed_on", "filed_on", "filed before it was signed"),
    "cac-security-assessment": ("approved_on", "expires_on", "expires before it was approved"),
    "pi-protection-certification": ("certified_on", "expires_on", "expires before it was certified"),
}


def _mechanism_dates(doc: Document, owner: Path_, mechanisms: list[Any]) -> list[Problem]:
    # a list rather than a generator: this runs once per flow and nearly always finds nothing
    out: list[Problem] = []
    for j, mech in enumerate(mechanisms):
        rule = _DATE_ORDER.get(mech.type)
        if rule is None:
            continue
        first, second = getattr(mech, rule[0]), getattr(mech, rule[1])
        if second is not None and second < first:
            path = (*owner, "mechanisms", j, rule[1])
            out.append(
                doc.problem(
                    path,
                    f"{render_path(path)}: {mech.type} {rule[2]} ({rule[1]} {second}, {rule[0]} {first})",
                )
            )
    return out

"""The project configuration: ``.compliance.yaml`` or ``[tool.compliance]`` in ``pyproject.toml``.

Found by walking up from the working directory: in each folder, from the working directory to
the filesystem root, a ``.compliance.yaml`` wins over a ``pyproject.toml``, and a
``pyproject.toml`` counts only if it has a ``[tool.compliance]`` table; the first found wins
and nothing is merged. ``--config FILE`` names the file instead.

Keys (all optional): ``manifests`` (globs, relative to the configuration file's folder: the
project's whole set of manifests, over which organization totals are computed), ``packs``
(shipped packs to run; left out, all of them, but never an empty list), ``rules`` (extra
rule folders, relative to the file), ``fail_on``, ``format``, ``disable`` (``{rule id:
reason}``) and ``severity`` (``{rule id: {severity, reason}}``; the configured severity is
final: the rule's own escalations no longer apply).
Command-line options win over the file. An unknown key, a key given no value (``fail_on:``
with nothing after it: a YAML null, never taken as the default), a value of the wrong kind, a glob that
matches nothing, a missing rule folder or a rule id no pack has is unusable input (exit 2),
reported ``FILE:LINE:COLUMN: message`` for YAML and ``FILE: message`` for TOML (whose parser
keeps no positions; a TOML syntax error has one). A file found but setting no ``manifests``,
when no files are given, is nothing to check: an error too (see ``compliance.cli``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compliance.errors import InputError, Problem, closest_id
from compliance.findings import BUILTIN_CHECKS
from compliance.paths import working_directory

if TYPE_CHECKING:
    from compliance.policy.rules import Pack
    from compliance.run import Skipped

YAML_NAME = ".compliance.yaml"
TOML_NAME = "pyproject.toml"
SEVERITIES = ("low", "medium", "high", "critical")
#: The built-in notices ``disable`` may name.
NOTICES = frozenset(k for k in BUILTIN_CHECKS if k.startswith("NOTICE-"))

KEYS = ("manifests", "packs", "rules", "fail_on", "format", "disable", "severity")
#: What each key takes, for the message of a key given no value or a value of the wrong kind
#: (``format`` is added where the formats are known: they are imported only to validate).
EXPECTED = {
    "manifests": "a list of strings",
    "packs": "a list of strings",
    "rules": "a list of strings",
    "fail_on": f"one of {', '.join(SEVERITIES)}",
    "disable": "a mapping of rule id to the reason",
    "severity": "a mapping of rule id to {severity, reason}",
}

NodePath = tuple[str | int, ...]

#: How a TOML key spelled ``compliance`` ends: an optional closing quote, spaces or tabs, then
#: ``=``, ``.`` or ``]``; or, unquoted, the end of the line (``[tool.compliance`` missing its
#: ``]``, which must be reported, not passed over). A file without one has no [tool.compliance]
#: table and is not parsed (~5 ms with tomllib): a project depending on
#: ``dataflow-compliance``, or this one, names the word without having the table.
_COMPLIANCE_KEY = re.compile(rb"""compliance(?:["']?[ \t]*[=.\]]|[ \t]*\r?$)""", re.MULTILINE)
#: Where tomllib says a syntax error is, at the end of its message.
_TOML_AT = re.compile(r" \(at line (\d+), column (\d+)\)$")


@dataclass(frozen=True)
class Config:
    """One validated configuration file; ``folder`` is where relative globs and folders start."""

    path: Path
    manifests: tuple[str, ...] = ()
    packs: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    fail_on: str | None = None
    format: str | None = None
    disable: Mapping[str, str] = field(default_factory=dict)
    severity: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    problem: Callable[[NodePath, str], Problem] = field(default=lambda p, m: Problem("", None, None, m))

    @property
    def folder(self) -> Path:
        """The folder holding the configuration file."""
        return self.path.parent

    def manifest_files(self) -> tuple[list[str], list[Problem], list[Skipped]]:
        """The configured manifests (files or folders), relative to the working directory when
        under it; a problem, at its place in this file, for each glob that matches nothing and
        each folder it names that holds no manifest (the others still count); and the hidden
        files and folders holding manifests that a glob's wildcards left out.

        Globs match as ``glob.glob(pattern, recursive=True)`` does, but enter each folder once
        (:func:`compliance.run.expand_glob`), so that a symlink loop ends."""
        from compliance.run import expand_glob, holds_manifest

        out: list[str] = []
        problems = []
        hidden: list[Skipped] = []
        for i, pattern in enumerate(self.manifests):
            hits, left_out = expand_glob(str(self.folder), pattern)
            hidden += [s._replace(path=_shown(s.path)) for s in left_out]
            if not hits:
                problems.append(
                    self.problem(("manifests", i), f"manifests[{i}]: {pattern!r} matches no file")
                )
            for hit in map(_shown, hits):
                if os.path.isdir(hit) and not holds_manifest(hit):
                    message = f"manifests[{i}]: {pattern!r}: the folder {hit} holds no manifest files"
                    problems.append(self.problem(("manifests", i), f"{message} (*.yaml, *.yml, *.json)"))
                else:
                    out.append(hit)
        return out, problems, hidden

    def adjustments(self, rule_ids: Collection[str]) -> list[tuple[str, str, str]]:
        """What the configuration changes in the rules a run loads (``rule_ids``), as ``(rule
        id, change, reason)``: each disabled rule, then each configured severity, in rule id
        order; rules of packs the run leaves out are not changed by it, so not listed."""
        out = [
            (r, "disabled", reason)
            for r, reason in sorted(self.disable.items())
            if r in rule_ids or r in NOTICES
        ]
        out += [
            (r, f"severity set to {severity}", reason)
            for r, (severity, reason) in sorted(self.severity.items())
            if r in rule_ids
        ]
        return out

    def silenced(self) -> frozenset[str]:
        """The built-in notices (``NOTICE-...``) that ``disable`` names: a run reports none of
        them (e.g. ``NOTICE-PACK-DATE`` in a project that updates the tool on a schedule)."""
        return frozenset(r for r in self.disable if r in NOTICES)

    def adjust(self, packs: Sequence[Pack], every_rule: Callable[[], set[str]]) -> list[Pack]:
        """Drop the disabled rules and set the configured severities.

        A configured id that no loaded pack has is an error unless ``every_rule()`` (all rules
        of every shipped pack and extra folder) knows it: a rule of a pack left out with
        ``--pack`` simply does not run. ``disable`` may also name a built-in notice
        (:data:`NOTICES`; :meth:`silenced` lists them for the run), which has no severity to set.
        """
        loaded = {r.id for p in packs for r in p.rules}
        problems = []
        known: set[str] | None = None
        for section, ids in (("disable", self.disable), ("severity", self.severity)):
            for rule_id in ids:
                if section == "severity" and rule_id in self.disable:
                    problems.append(
                        self.problem((section, rule_id), f"severity.{rule_id}: the rule is also disabled")
                    )
                if rule_id in loaded or (section == "disable" and rule_id in NOTICES):
                    continue
                if rule_id in NOTICES:
                    message = f"severity.{rule_id}: a notice has no severity to set (it never fails a run)"
                    problems.append(self.problem((section, rule_id), message))
                    continue
                known = every_rule() if known is None else known
                if rule_id not in known:
                    hint = closest_id(rule_id, {*known, *NOTICES})
                    problems.append(
                        self.problem((section, rule_id), f"{section}.{rule_id}: no rule has this id{hint}")
                    )
        if problems:
            raise InputError(problems)
        out = []
        for p in packs:
            rules = []
            disabled = list(p.disabled)
            for r in p.rules:
                if r.id in self.disable:
                    disabled.append((r.id, self.disable[r.id]))
                    continue
                if r.id in self.severity:
                    r = r._replace(severity=self.severity[r.id][0], escalate=())
                rules.append(r)
            out.append(p._replace(rules=tuple(rules), disabled=tuple(disabled)))
        if not any(p.rules for p in out):
            message = "disable: every rule is disabled; a check with no rules would prove nothing"
            raise InputError([self.problem(("disable",), message)])
        return out


def _shown(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel == os.pardir or rel.startswith(os.pardir + os.sep) else rel


def find_config(start: Path) -> Path | None:
    """The configuration file governing ``start`` (see the module docstring), or ``None``."""
    for folder in (start, *start.parents):
        candidate = folder / YAML_NAME
        if candidate.is_file():
            return candidate
        candidate = folder / TOML_NAME
        if candidate.is_file() and _toml_table(candidate) is not None:
            return candidate
    return None


def load_config(explicit: str | None = None, start: Path | None = None) -> Config | None:
    """Load ``explicit`` or the file :func:`find_config` finds from ``start`` (default: the
    working directory); ``None`` when there is none. Raises :class:`InputError` when invalid."""
    if explicit is not None:
        path = Path(explicit)
        if not path.exists():
            raise InputError([Problem(explicit, None, None, "no such configuration file")])
        if not path.is_file():
            raise InputError(
                [Problem(explicit, None, None, "is not a regular file, so not a configuration file")]
            )
    else:
        found = find_config(
            start or working_directory(f"cannot look for the configuration ({YAML_NAME}, {TOML_NAME})")
        )
        if found is None:
            return None
        path = Path(_shown(str(found)))
    if path.name.endswith(".toml"):
        table = _toml_table(path)
        if table is None:
            raise InputError([Problem(str(path), None, None, "has no [tool.compliance] table")])
        return _validate(path, table, _toml_problem(path))
    data, problem = _yaml(path)
    return _validate(path, data, problem)


def _toml_table(path: Path) -> dict[str, Any] | None:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError([Problem(_shown(str(path)), None, None, f"cannot read: {exc.strerror}")]) from None
    if _COMPLIANCE_KEY.search(raw) is None:  # most pyproject.toml files: skip parsing them
        return None
    if raw.startswith(b"\xef\xbb\xbf"):  # tomllib's own error says "Invalid statement" at 1:1
        message = "not valid TOML: the file starts with a byte order mark (save it as UTF-8 without one)"
        raise InputError([Problem(_shown(str(path)), 1, 1, message)])
    import tomllib

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError([Problem(_shown(str(path)), None, None, f"not valid TOML: {exc}")]) from None
    except tomllib.TOMLDecodeError as exc:
        at = _TOML_AT.search(str(exc))
        line, column = (int(at[1]), int(at[2])) if at else (None, None)
        message = _TOML_AT.sub("", str(exc))
        raise InputError([Problem(_shown(str(path)), line, column, f"not valid TOML: {message}")]) from None
    table = data.get("tool", {}).get("compliance") if isinstance(data.get("tool"), dict) else None
    if table is not None and not isinstance(table, dict):
        toml_type = {bool: "boolean", int: "integer", float: "float", str: "string", list: "array"}
        kind = toml_type.get(type(table), "date or time")
        given = f"tool.compliance is a TOML {kind}, not a [tool.compliance] table"
        raise InputError([Problem(_shown(str(path)), None, None, given)])
    return table if isinstance(table, dict) else None


def _toml_problem(path: Path) -> Callable[[NodePath, str], Problem]:
    def problem(_: NodePath, message: str) -> Problem:
        return Problem(str(path), None, None, f"[tool.compliance] {message}")

    return problem


def _yaml(path: Path) -> tuple[Any, Callable[[NodePath, str], Problem]]:
    from compliance.sources.document import read_document

    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError([Problem(_shown(str(path)), None, None, f"cannot read: {exc.strerror}")]) from None
    if not any(line.strip() and not line.lstrip().startswith("#") for line in text.splitlines()):
        return {}, lambda _, m: Problem(str(path), None, None, m)
    doc = read_document(path, what="configuration file")

    def problem(node: NodePath, message: str) -> Problem:
        named = (len(node) == 1 and node[0] not in KEYS) or (
            len(node) == 2 and node[0] in ("disable", "severity")
        )
        return doc.problem(node, message, key=named)

    return doc.data, problem


def _validate(path: Path, data: Any, problem: Callable[[NodePath, str], Problem]) -> Config:
    if not isinstance(data, dict):
        raise InputError([problem((), "the configuration must be a mapping of settings")])
    from compliance.formats import FORMATS

    expected = {**EXPECTED, "format": f"one of {', '.join(FORMATS)}"}
    problems: list[Problem] = []
    # A key written with nothing after it (`fail_on:`) reads as null: an error like any value
    # of the wrong kind, reported once here and then taken as absent, never as the default.
    for key in [k for k in KEYS if k in data and data[k] is None]:
        problems.append(problem((key,), f"{key}: no value; expected {expected[key]}"))
    data = {k: v for k, v in data.items() if v is not None or k not in KEYS}
    for key in data:
        if key not in KEYS:
            import difflib  # only for a did-you-mean hint

            close = difflib.get_close_matches(str(key), KEYS, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (known keys: {', '.join(KEYS)})"
            problems.append(problem((key,), f"{key}: unknown key{hint}"))

    def strings(key: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list):
            problems.append(problem((key,), f"{key}: expected {expected[key]}"))
            return ()
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                given = _value_text(item)
                problems.append(problem((key, i), f"{key}[{i}]: expected a non-empty string, got {given}"))
        return tuple(v for v in value if isinstance(v, str) and v.strip())

    def choice(key: str, allowed: Sequence[str]) -> str | None:
        value = data.get(key)
        if value is None or value in allowed:
            return value if isinstance(value, str) else None
        problems.append(problem((key,), f"{key}: {_value_text(value)} is not {expected[key]}"))
        return None

    from compliance.paths import rules_root

    manifests = strings("manifests")
    packs = strings("packs")
    available = sorted(p.name for p in rules_root().iterdir() if (p / "pack.yaml").is_file())
    if data.get("packs") == []:  # not "all": a list emptied by mistake must not widen the run
        problems.append(
            problem(
                ("packs",),
                f"packs: empty; name the shipped packs to run ({', '.join(available)}), "
                "or leave the key out to run them all",
            )
        )
    for i, name in enumerate(packs):
        if name not in available:
            problems.append(
                problem(
                    ("packs", i),
                    f"packs[{i}]: no shipped rule pack {name!r} (available: {', '.join(available)})",
                )
            )
    rules = strings("rules")
    folders = []
    for i, folder in enumerate(rules):
        resolved = path.parent / folder
        if not resolved.is_dir():
            problems.append(problem(("rules", i), f"rules[{i}]: no such rules folder {folder!r}"))
        folders.append(_shown(str(resolved)))
    fail_on = choice("fail_on", SEVERITIES)
    fmt = choice("format", list(FORMATS))
    disable = _reasons(data.get("disable", {}), problem, problems)
    severity = _severities(data.get("severity", {}), problem, problems)
    if problems:
        raise InputError(problems)
    return Config(path, manifests, packs, tuple(folders), fail_on, fmt, disable, severity, problem)


def _reasons(
    value: Any, problem: Callable[[NodePath, str], Problem], problems: list[Problem]
) -> dict[str, str]:
    if not isinstance(value, dict):
        problems.append(problem(("disable",), f"disable: expected {EXPECTED['disable']}"))
        return {}
    out = {}
    for rule_id, reason in value.items():
        if not isinstance(reason, str) or not reason.strip():
            problems.append(problem(("disable", rule_id), f"disable.{rule_id}: {_reason_wanted(reason)}"))
        else:
            out[str(rule_id)] = reason
    return out


def _severities(
    value: Any, problem: Callable[[NodePath, str], Problem], problems: list[Problem]
) -> dict[str, tuple[str, str]]:
    if not isinstance(value, dict):
        problems.append(problem(("severity",), f"severity: expected {EXPECTED['severity']}"))
        return {}
    out = {}
    for rule_id, entry in value.items():
        where = ("severity", rule_id)
        if not isinstance(entry, dict):
            wanted = "expected {severity: ..., reason: ...}"
            problems.append(problem(where, f"severity.{rule_id}: {_no_value(entry)}{wanted}"))
            continue
        extra = sorted(str(k) for k in entry if k not in ("severity", "reason"))
        if extra:
            problems.append(
                problem(
                    (*where, extra[0]),
                    f"severity.{rule_id}.{extra[0]}: unknown key (known: severity, reason)",
                )
            )
        # a key left out is "" here, told apart from one written with no value (None)
        level, reason = entry.get("severity", ""), entry.get("reason", "")
        if level not in SEVERITIES:
            wanted = f"{_no_value(level)}expected {EXPECTED['fail_on']}"
            if level not in ("", None):
                wanted = f"{_value_text(level)} is not {EXPECTED['fail_on']}"
            problems.append(problem((*where, "severity"), f"severity.{rule_id}.severity: {wanted}"))
        if not isinstance(reason, str) or not reason.strip():
            problems.append(
                problem((*where, "reason"), f"severity.{rule_id}.reason: {_reason_wanted(reason)}")
            )
        if level in SEVERITIES and isinstance(reason, str) and reason.strip():
            out[str(rule_id)] = (str(level), reason)
    return out


def _no_value(value: Any) -> str:
    """``"no value; "`` for a value left out (YAML null), to begin the message of what was
    expected instead; else nothing."""
    return "no value; " if value is None else ""


def _reason_wanted(value: Any) -> str:
    """The message of a reason that is not a non-empty string."""
    return f"{_no_value(value)}give the reason as a non-empty string"


def _value_text(value: Any) -> str:
    """A value of the wrong kind as the file wrote it: ``no value`` for a YAML null, a TOML date
    or time as written there (``2024-01-01``), anything else as its literal."""
    if value is None:
        return "no value"
    if isinstance(value, bool):  # as YAML and TOML spell it
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return repr(value)

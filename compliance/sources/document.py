"""Read one YAML or JSON file into plain Python data, keeping a 1-based position for every node.

YAML scalars follow the YAML 1.2 JSON schema: only ``true``/``false``/``null`` and plain
decimal numbers are typed; ``NO``, ``0o17``, ``010``, ``22:30`` and ``2025-01-01`` stay strings.
Mapping keys are always strings; only a plain ``<<`` (unquoted, untagged) is a merge key, a
quoted or ``!!str`` one is the key ``<<``. Duplicate keys (two ``<<`` included), several documents,
empty files, explicit tags other than ``!!str``, nesting deeper than :data:`MAX_DEPTH` and
alias expansion beyond :data:`MAX_ALIAS_NODES` are :class:`~compliance.errors.InputError`.

JSON files go through :func:`json.loads` (fast); a position is found only when an error or a
finding asks for it, by walking the text down the node's path (:class:`_JsonPositions`).
"""

from __future__ import annotations

import json
import json.decoder
import re
import stat
import sys
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import accumulate, repeat
from pathlib import Path
from typing import Any

import yaml

from compliance.errors import InputError, Problem

#: Deepest nesting of mappings and sequences accepted (a manifest needs about 6).
MAX_DEPTH = 64
#: Total nodes that aliases may expand to in one file (defends against "billion laughs").
MAX_ALIAS_NODES = 100_000
#: Largest file accepted, in bytes.
MAX_BYTES = 512 * 1024 * 1024

Path_ = tuple[str | int, ...]
Position = tuple[int, int]

_INT = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?\Z")
#: Most digits an integer may have, in YAML and JSON alike: below the 4,300 that Python's
#: int() takes from text by default (``sys.int_info.default_max_str_digits``, the guard
#: against quadratic-time conversion), so that no file reaches that limit's own error.
MAX_DIGITS = 4000
#: How every value an importer could not know starts (``compliance import`` writes
#: ``FILL-ME: <what to fill in>``); validation refuses a manifest that still holds one.
PLACEHOLDER = "FILL-ME"


#: Hyphens and dashes a hand-edited placeholder may be typed with (an editor's "smart" dash)
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2212", "-"))


def is_placeholder(value: str) -> bool:
    """Whether ``value`` is a :data:`PLACEHOLDER`: ``FILL-ME`` alone or ``FILL-ME: ...``, in any
    letter case, width or dash, with spaces around it; a name that starts with the same letters,
    ``FILL-MEdia Ltd``, is none."""
    if value[:12].lstrip()[:1] not in ("F", "f", "Ｆ", "ｆ"):  # nearly every value: one look
        return False
    text = unicodedata.normalize("NFKC", value).translate(_DASHES).strip().upper()
    return text.startswith(PLACEHOLDER) and text[len(PLACEHOLDER) :].lstrip()[:1] in ("", ":")


_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_SCALAR = yaml.ScalarEvent
_NUMBER_START = frozenset("-0123456789")


@dataclass
class Document:
    """A parsed file: ``data`` (dicts, lists, str, int, float, bool, None) and node positions.

    ``path`` is the file name as the user gave it (used verbatim in messages).
    """

    path: str
    data: Any
    #: YAML positions: the root's, and per container (by ``id``) its children's: a mapping's
    #: key -> (key position, value position), a list's value positions in order
    _root: Position | None = field(default=None, repr=False)
    _tables: dict[int, Any] = field(default_factory=dict, repr=False)
    _json: _JsonPositions | None = field(default=None, repr=False)

    @property
    def is_json(self) -> bool:
        """Whether the document was read as JSON (else YAML)."""
        return self._json is not None

    def locate(self, node_path: Path_, *, key: bool = False) -> Position | None:
        """Return (line, column) of the node at ``node_path``, 1-based.

        With ``key=True`` the position of the mapping key is preferred. A path that has no
        recorded position (past the end of the data, or into a mapping merged with ``<<``)
        falls back to its nearest recorded ancestor; a path through an alias leads to the
        anchored node's positions. ``None`` only when nothing is known.
        """
        if self._json is not None:
            return self._json.locate(tuple(node_path), key=key)
        node: Any = self.data
        pos: Position | None = self._root
        key_pos: Position | None = None
        for part in node_path:
            table = self._tables.get(id(node))
            if table is None:
                break
            if type(node) is dict:
                entry = table.get(part) if type(part) is str else None
                if type(entry) is not tuple or type(entry[0]) is not tuple:
                    break
                key_pos, pos = entry
            else:
                if type(part) is not int or not 0 <= part < len(table):
                    break
                key_pos, pos = None, table[part]
            node = node[part]
        else:
            if key and key_pos is not None:
                return key_pos
        return pos

    def problem(self, node_path: Path_, message: str, *, key: bool = False) -> Problem:
        """Build a :class:`Problem` for this file at ``node_path``."""
        pos = self.locate(node_path, key=key)
        if pos is None:
            return Problem(self.path, None, None, message)
        return Problem(self.path, pos[0], pos[1], message)

    def check_depth(self) -> None:
        """Raise :class:`InputError` if ``data`` nests deeper than :data:`MAX_DEPTH`.

        A no-op for YAML, whose depth is checked while composing.
        """
        if self._json is None:
            return
        deep = _too_deep(self.data)
        if deep is not None:
            raise InputError([self.problem(deep, f"nesting deeper than {MAX_DEPTH} levels")])


def render_path(node_path: Path_) -> str:
    """Render a node path as the key path users write: ``flows[0].started_on``."""
    out = ""
    for part in node_path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def read_bytes(path: str | Path, *, what: str) -> bytes:
    """The bytes of the regular file ``path`` (``what`` it should be, for messages: ``manifest
    file``). Raises :class:`InputError` for a missing or unreadable file, a directory, a device,
    pipe or socket (which would never end, or never start) and a file over :data:`MAX_BYTES`."""
    name = str(path)
    try:
        p = Path(path)
        info = p.stat()
        if stat.S_ISDIR(info.st_mode):
            raise InputError([Problem(name, None, None, f"is a directory, not a {what}")])
        if not stat.S_ISREG(info.st_mode):
            raise InputError([Problem(name, None, None, "is not a regular file (a device, pipe or socket)")])
        if info.st_size > MAX_BYTES:
            raise InputError(
                [Problem(name, None, None, f"file is {info.st_size} bytes; the limit is {MAX_BYTES}")]
            )
        return p.read_bytes()
    except FileNotFoundError:
        raise InputError([Problem(name, None, None, "no such file")]) from None
    except OSError as exc:
        raise InputError([Problem(name, None, None, f"cannot read: {exc.strerror}")]) from None


def read_document(
    path: str | Path,
    *,
    defer_depth: bool = False,
    expected: str = "one manifest",
    what: str = "manifest file",
) -> Document:
    """Read and parse ``path`` (``.json`` as JSON, anything else as YAML).

    Raises :class:`InputError` for a missing or unreadable file, bytes that are not UTF-8
    (naming the byte offset), and every syntax hazard listed in the module docstring. With
    ``defer_depth`` a JSON file's nesting is not checked here but by
    :meth:`Document.check_depth`, for a caller whose schema bounds the depth of valid data
    and that calls it before walking invalid data (YAML's is checked while composing).
    ``expected`` names what an empty file should have held, for its error, and ``what`` the
    file itself (``manifest file``, ``baseline file``), for the errors that name the kind of
    file: an unreadable one, a second YAML document, a JSON ``NaN``.
    """
    name = str(path)
    raw = read_bytes(path, what=what)
    json_syntax = name.lower().endswith(".json")
    return parse_bytes(
        name, raw, json_syntax=json_syntax, defer_depth=defer_depth, expected=expected, what=what
    )


def parse_bytes(
    name: str,
    raw: bytes,
    *,
    json_syntax: bool,
    defer_depth: bool = False,
    expected: str = "one manifest",
    what: str = "manifest file",
) -> Document:
    """Parse ``raw`` bytes of the file called ``name``; see :func:`read_document`."""
    text = _decode(name, raw)
    if not text.strip() or (not json_syntax and _only_comments(text)):
        what = "empty" if not text.strip() else "only comments"
        raise InputError([Problem(name, None, None, f"file is {what}; expected {expected}")])
    if json_syntax:
        doc = parse_json(name, text, what=what)
        if not defer_depth:
            doc.check_depth()
        return doc
    return _YamlBuilder(name, text, what).build()


#: What a file saved as UTF-16 or UTF-32 looks like read as UTF-8: NUL bytes among the first
#: characters (ASCII text), or a UTF-16 byte order mark.
_WIDE_HINT = "; the file looks like UTF-16 or UTF-32: save it as UTF-8"


def _decode(name: str, raw: bytes) -> str:
    mark = 3 if raw.startswith(b"\xef\xbb\xbf") else 0  # offsets below count it, as the file has it
    raw = raw[mark:]
    marked = raw[:2] in (b"\xff\xfe", b"\xfe\xff")  # not UTF-8 from its first byte
    head = raw[:64]
    # ASCII text saved as UTF-16 (UTF-32) has a NUL in every second (or three in four) byte
    wide = marked or head.count(b"\x00") * 4 >= len(head) > 0
    try:
        if wide and not marked:  # valid UTF-8, but no text editor's: say where it starts
            nul = head.find(b"\x00")
            raise UnicodeDecodeError("utf-8", raw, nul, nul + 1, "NUL byte")
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _line_col(raw, exc.start)
        byte = raw[exc.start]
        hint = _WIDE_HINT if wide else " (save the file as UTF-8)"
        message = f"not UTF-8 text: byte 0x{byte:02x} at offset {exc.start + mark}{hint}"
        raise InputError([Problem(name, line, col, message)]) from None
    nul = raw.find(b"\x00")
    if nul >= 0:  # UTF-8 all right, but text holds no NUL: a binary file, or a broken one
        line, col = _line_col(raw, nul)
        message = f"NUL byte at offset {nul + mark}: text holds none (is this a binary file?)"
        raise InputError([Problem(name, line, col, message)])
    return text


def _line_col(raw: bytes, offset: int) -> tuple[int, int]:
    return raw.count(b"\n", 0, offset) + 1, offset - (raw.rfind(b"\n", 0, offset) + 1) + 1


def _only_comments(text: str) -> bool:
    return all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines())


# --- YAML ------------------------------------------------------------------------------------

#: Characters libyaml (YAML 1.1) reads as line breaks but YAML 1.2, editors, grep and GitHub do
#: not: NEL, LS, PS. Inside a value the parser would fold them away; anywhere they would shift
#: every later line number. Refused where they stand.
ODD_BREAKS = re.compile("[\x85\u2028\u2029]")
_ODD_NAMES = {"\x85": "next line", "\u2028": "line separator", "\u2029": "paragraph separator"}


def _odd_break(name: str, text: str) -> None:
    """Raise :class:`InputError` at the first NEL, LS or PS character of ``text``, if any."""
    if "\x85" not in text and "\u2028" not in text and "\u2029" not in text:
        return
    match = ODD_BREAKS.search(text)
    if match is None:
        return
    line, column = _offset_position(text, match.start())
    char = match.group()
    message = (
        f"character U+{ord(char):04X} ({_ODD_NAMES[char]}) is a line break to the YAML parser but "
        f"not to editors: remove it, or write it as \\u{ord(char):04x} inside a double-quoted string"
    )
    raise InputError([Problem(name, line, column, message)])


class _MergeKey(str):
    """The pending key of a merge (a plain ``<<``): told apart from the text ``<<`` by identity,
    and spelled ``<<`` in key paths."""


_MERGE = _MergeKey("<<")


class _YamlBuilder:
    """Builds Python data from libyaml's event stream, iteratively (no recursion)."""

    def __init__(self, name: str, text: str, what: str) -> None:
        self.name = name
        self.text = text
        self.what = what
        self.root: Position | None = None
        self.tables: dict[int, Any] = {}
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.alias_nodes = 0

    def fail(self, mark: Any, message: str) -> InputError:
        return InputError([Problem(self.name, mark.line + 1, mark.column + 1, message)])

    def build(self) -> Document:
        _odd_break(self.name, self.text)
        loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        parser = loader_cls(self.text)
        try:
            # get_event returns None after the last event; iter() calls it with no
            # generator frame in between (yaml.parse wraps it in one)
            data = self._consume(iter(parser.get_event, None))
        except yaml.MarkedYAMLError as exc:
            if "maximum nesting depth" in str(exc.problem):
                # libyaml's own limit, met while scanning ahead through flow brackets before
                # this builder sees level MAX_DEPTH + 1: the same error as any other nesting
                line, column = _first_too_deep(self.text)  # counted as editors count lines
                message = f"nesting deeper than {MAX_DEPTH} levels"
                raise InputError([Problem(self.name, line, column, message)]) from None
            mark = exc.problem_mark or exc.context_mark
            msg = f"YAML syntax: {exc.problem or exc.context}"
            if exc.context and exc.problem:
                msg = f"YAML syntax: {exc.problem} ({exc.context})"
            if mark is None:
                raise InputError([Problem(self.name, None, None, msg)]) from None
            raise self.fail(mark, msg) from None
        except yaml.reader.ReaderError as exc:
            line = self.text.count("\n", 0, exc.position) + 1
            col = exc.position - (self.text.rfind("\n", 0, exc.position) + 1) + 1
            code = ord(exc.character) if isinstance(exc.character, str) else int(exc.character)
            msg = f"character U+{code:04X} is not allowed in YAML ({exc.reason})"
            raise InputError([Problem(self.name, line, col, msg)]) from None
        except yaml.YAMLError as exc:
            raise InputError([Problem(self.name, None, None, f"YAML syntax: {exc}")]) from None
        finally:
            parser.dispose()
        return Document(self.name, data, self.root, self.tables)

    def _consume(self, events: Any) -> Any:
        # Each stack frame: [container, path, size, pending_key, pending_key_mark, seen_keys, merges]
        stack: list[list[Any]] = []
        documents = 0
        result: Any = None
        for ev in events:
            kind = type(ev)
            if kind is _SCALAR:
                try:
                    value = self._scalar(ev)
                except _OutOfRange as exc:
                    raise self.fail(ev.start_mark, self._at(stack, str(exc))) from None
                if ev.anchor:
                    self.anchors[ev.anchor] = (value, 1)
                plain = not ev.style and ev.tag is None
                result = self._attach(stack, value, 1, ev.start_mark, plain=plain)
                continue
            if kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise self.fail(
                        ev.start_mark,
                        f"a second YAML document ('---'); a {self.what} holds one document only",
                    )
                continue
            if kind is yaml.AliasEvent:
                if ev.anchor not in self.anchors:
                    raise self.fail(ev.start_mark, f"alias *{ev.anchor} names no anchor")
                value, size = self.anchors[ev.anchor]
                self.alias_nodes += size
                if self.alias_nodes > MAX_ALIAS_NODES:
                    raise self.fail(
                        ev.start_mark,
                        f"aliases expand to more than {MAX_ALIAS_NODES} nodes (an alias bomb?)",
                    )
                result = self._attach(stack, value, size, ev.start_mark)
                continue
            if kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                is_map = kind is yaml.MappingStartEvent
                self._check_tag(ev, _MAP_TAG if is_map else _SEQ_TAG)
                if len(stack) >= MAX_DEPTH:
                    raise self.fail(ev.start_mark, f"nesting deeper than {MAX_DEPTH} levels")
                path = self._child_path(stack)
                container: Any = {} if is_map else []
                # the table: a mapping's key -> key position, then (key, value positions);
                # a list's value positions
                table: Any = {} if is_map else []
                stack.append([container, path, 1, None, None, table, [], ev.anchor, ev.start_mark])
                continue
            if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                frame = stack.pop()
                container, size = frame[0], frame[2]
                if isinstance(container, dict) and frame[6]:
                    container = self._apply_merges(container, frame)
                self.tables[id(container)] = frame[5]
                if frame[7]:
                    self.anchors[frame[7]] = (container, size)
                result = self._attach(stack, container, size, frame[8])
        return result

    def _at(self, stack: list[list[Any]], message: str) -> str:
        """``message`` prefixed with the key path of the scalar about to be attached (its
        mapping's path when the scalar is a key)."""
        if not stack:
            return message
        parent = stack[-1]
        is_key = isinstance(parent[0], dict) and parent[3] is None and parent[4] is None
        path = parent[1] if is_key else self._child_path(stack)
        return f"{render_path(path)}: {message}" if path else message

    def _child_path(self, stack: list[list[Any]]) -> Path_:
        if not stack:
            return ()
        parent = stack[-1]
        if isinstance(parent[0], dict):
            return (*parent[1], parent[3])
        return (*parent[1], len(parent[0]))

    def _attach(
        self, stack: list[list[Any]], value: Any, size: int, mark: Any, *, plain: bool = False
    ) -> Any:
        """Attach ``value`` (its node ``size``, at ``mark``) to the container being built, as a
        key or a value. Only a ``plain`` key (an untagged scalar, unquoted) ``<<`` merges:
        a quoted or tagged one is the text ``<<``, a key like any other."""
        pos = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        if not stack:
            self.root = pos
            return value
        parent = stack[-1]
        parent[2] += size
        container = parent[0]
        if type(container) is list:
            parent[5].append(pos)
            container.append(value)
            return None
        if parent[3] is None and parent[4] is None:
            # This node is a key.
            if type(value) is not str:
                if isinstance(value, dict | list):
                    raise self.fail(mark, "a mapping key must be plain text, not a collection")
                value = self._key_text(value)
            seen = parent[5]
            if value in seen:
                first = seen[value]
                line = first[0][0] if type(first[0]) is tuple else first[0]
                raise self.fail(
                    mark,
                    f"{render_path(parent[1]) or 'top level'}: duplicate key {value!r} "
                    f"(first at line {line}, again at line {pos[0]})",
                )
            seen[value] = pos
            parent[3] = _MERGE if plain and value == "<<" else value
            parent[4] = pos
            return None
        key = parent[3]
        if key is _MERGE:
            parent[6].append((value, mark))  # its table entry stays a key position only
        else:
            parent[5][key] = (parent[4], pos)
            container[key] = value
        parent[3] = None
        parent[4] = None
        return None

    def _key_text(self, value: Any) -> str:
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def _apply_merges(self, container: dict[str, Any], frame: list[Any]) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for value, mark in frame[6]:
            sources = value if isinstance(value, list) else [value]
            for src in sources:
                if not isinstance(src, dict):
                    raise self.fail(mark, "'<<' merges only mappings (or a list of mappings)")
                for k, v in src.items():
                    merged.setdefault(k, v)
        for k, v in container.items():
            merged[k] = v
        return merged

    def _check_tag(self, ev: Any, allowed: str) -> None:
        if ev.tag not in (None, "!", allowed):
            raise self.fail(ev.start_mark, f"explicit YAML tag {ev.tag!r} is not supported")

    def _scalar(self, ev: Any) -> Any:
        if ev.tag not in (None, "!", _STR_TAG):
            raise self.fail(ev.start_mark, f"explicit YAML tag {ev.tag!r} is not supported")
        text: str = ev.value
        if ev.style or ev.tag is not None:
            return text
        return plain_value(text)


def plain_value(text: str) -> Any:
    """What ``text`` written as a plain (unquoted) YAML scalar reads as: ``None``, a boolean,
    a number, or ``text`` itself (the YAML 1.2 JSON schema, see the module docstring).

    Raises :class:`_OutOfRange` for a number beyond what this reader takes.
    """
    if text in ("null", ""):
        return None
    if text == "true":
        return True
    if text == "false":
        return False
    if text[0] not in _NUMBER_START:
        return text
    if _INT.match(text):
        return _bounded_int(text, _too_large)
    if _FLOAT.match(text):
        number = float(text)
        if number in _INFINITE:
            raise _OutOfRange(_too_large(text))
        return number
    return text


def _bounded_int(token: str, message: Callable[[str], str] = str) -> int:
    """The integer written ``token``; :class:`_OutOfRange` (its text ``message(token)``) when
    it has more than :data:`MAX_DIGITS` digits."""
    if len(token) - token.startswith("-") > MAX_DIGITS:
        raise _OutOfRange(message(token))
    return int(token)


def _too_large(token: str) -> str:
    """Why the number written ``token`` is refused: too many digits, or too large to be finite."""
    if _INT.match(token):
        return f"a number of {len(token) - token.startswith('-')} digits is too large"
    return f"{token} is too large for a number"


def reads_as_text(text: str) -> bool:
    """Whether ``text`` written as a plain YAML scalar reads back as that very string: a writer
    must quote it otherwise (``1e5``, ``null``)."""
    try:
        return plain_value(text) is text
    except _OutOfRange:
        return False


# --- JSON ------------------------------------------------------------------------------------


class _DuplicateKey(ValueError):
    """A key written twice in one object (raised by the hook, where the position is unknown)."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen:
                raise _DuplicateKey(k)
            seen.add(k)
    return out


class _Constant(ValueError):
    """``NaN``, ``Infinity`` or ``-Infinity``, which Python's reader takes but JSON has not: the
    message is the token, the caller adds where it is and what kind of file holds it."""


def _no_constants(token: str) -> Any:
    raise _Constant(token)


class _OutOfRange(ValueError):
    """A number written beyond what this reader takes (too many digits, or a float that would
    be infinite); the message names the number, the caller adds where it is."""


_INFINITE = (float("inf"), float("-inf"))


def _finite(token: str) -> float:
    number = float(token)
    if number in _INFINITE:
        raise _OutOfRange(token)
    return number


def _number_problem(
    name: str, text: str, wanted: Callable[[str], bool], describe: Callable[[str], str]
) -> Problem | None:
    """The problem at the first number of the JSON ``text`` whose token ``wanted`` accepts,
    ``describe(token)`` prefixed with the number's key path; ``None`` when there is none.
    Tokenizes the whole text: only for a file already refused."""
    for m in _TOKEN.finditer(text):
        tok = m.group()
        if tok[0] in "-0123456789" and wanted(tok):
            line, col = _offset_position(text, m.start())
            values, _, _ = _scan_json(text)
            path = next((p for p, pos in values.items() if pos == (line, col)), ())
            where = f"{render_path(path)}: " if path else ""
            return Problem(name, line, col, where + describe(tok))
    return None


def parse_json(name: str, text: str, *, what: str, note: str = "", depth_limit: bool = True) -> Document:
    """Parse the JSON ``text`` of the file ``name`` (a ``what``: ``Terraform plan``) as every
    JSON file this tool reads is parsed: a duplicate key, ``NaN`` or ``Infinity``, an integer
    of more than :data:`MAX_DIGITS` digits and a number too large to be finite are
    :class:`InputError`, as is a syntax error (``note`` appended to its message) and nesting
    too deep for the reader (``depth_limit``: see :func:`json_problem`). The nesting of data
    read is not checked against :data:`MAX_DEPTH`: see :meth:`Document.check_depth`."""
    try:
        data = json.loads(
            text,
            object_pairs_hook=_pairs,
            parse_constant=_no_constants,
            parse_float=_finite,
            parse_int=_bounded_int,
        )
    except (ValueError, RecursionError) as exc:
        problem = json_problem(name, text, exc, note=note, depth_limit=depth_limit, what=what)
        raise InputError([problem]) from None
    return Document(name, data, _json=_JsonPositions(text))


def json_problem(
    name: str,
    text: str,
    exc: ValueError | RecursionError,
    *,
    note: str = "",
    depth_limit: bool = True,
    what: str = "manifest file",
) -> Problem:
    """The problem of the JSON ``text`` of the file ``name`` (a ``what``: ``manifest file``)
    for which :func:`json.loads` raised ``exc``: a syntax error (``note`` appended to its
    message), nesting too deep for the reader (placed at level :data:`MAX_DEPTH` + 1 with
    ``depth_limit``, else where it is deepest), or a value refused (a duplicate key, a number
    out of range, ``NaN``).

    A hook or ``int()`` refuses a value as soon as it is read, before the rest of the text: the
    text is read again with hooks that refuse nothing, so that a syntax error anywhere wins
    and the value is only looked for in well-formed JSON, which its diagnosis needs.
    """
    if isinstance(exc, json.JSONDecodeError):
        msg = exc.msg
        if msg == "Invalid control character at":  # the decoder's own words stop there
            msg = "a control character inside a string (write a tab as \\t, a line break as \\n)"
        elif msg.endswith(" at"):  # "Unterminated string starting at": the position is ours
            msg = msg[: -len(" at")] + " here"
        return Problem(name, exc.lineno, exc.colno, f"JSON syntax: {msg}{note}")
    if isinstance(exc, ValueError):
        try:
            json.loads(text, parse_int=str, parse_float=str, parse_constant=str)
        except (json.JSONDecodeError, RecursionError) as syntax:  # with these hooks, all it raises
            return json_problem(name, text, syntax, note=note, depth_limit=depth_limit, what=what)
        return _value_problem(name, text, exc, what)
    if depth_limit:
        line, col = _first_too_deep(text)
        return Problem(name, line, col, f"nesting deeper than {MAX_DEPTH} levels")
    depth, offset = max(((d, -at) for at, d in _bracket_depths(text)), default=(0, 0))
    line, col = _offset_position(text, -offset)
    return Problem(name, line, col, f"nesting {depth} levels deep is more than the JSON reader can follow")


def _value_problem(name: str, text: str, exc: ValueError, what: str) -> Problem:
    """The problem of the value ``exc`` refused in the well-formed JSON ``text`` of a ``what``."""
    if isinstance(exc, _DuplicateKey):
        return _json_duplicate(name, text)
    if isinstance(exc, _OutOfRange):
        token = str(exc)
        found = _number_problem(name, text, lambda tok: tok == token, _too_large)
        return found or Problem(name, None, None, _too_large(token))
    message = str(exc)
    if isinstance(exc, _Constant):
        refused = f"JSON: {message} is not allowed in a {what}"
        at = re.search(re.escape(message), text)
        if at is None:
            return Problem(name, None, None, refused)
        line, col = _offset_position(text, at.start())
        return Problem(name, line, col, refused)
    if "digits" in message:
        huge = _number_problem(
            name,
            text,
            lambda tok: sum(c.isdigit() for c in tok) > MAX_DIGITS,
            lambda tok: f"a number of {sum(c.isdigit() for c in tok)} digits is too large",
        )
        if huge is not None:
            return huge
    return Problem(name, None, None, f"JSON: {message}")


def _offset_position(text: str, offset: int) -> Position:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _first_too_deep(text: str) -> Position:
    """Position of the first bracket that opens level MAX_DEPTH + 1 (strings skipped)."""
    at = next((at for at, depth in _bracket_depths(text) if depth > MAX_DEPTH), 0)
    return _offset_position(text, at)


def _bracket_depths(text: str) -> Iterator[tuple[int, int]]:
    """The offset of each opening bracket of ``text`` outside strings and the level it opens."""
    depth = 0
    for m in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[{]|[\]}]', text):
        tok = m.group()
        if tok in "[{":
            depth += 1
            yield m.start(), depth
        elif tok in "]}":
            depth -= 1


def _too_deep(data: Any) -> Path_ | None:
    """Return the path of a node nested deeper than MAX_DEPTH, else None (iterative)."""
    # Level by level without paths first: almost every document is shallow, and only a deep
    # one needs the depth-first walk below that names the node.
    level = [data]
    for _ in range(MAX_DEPTH):
        below: list[Any] = []
        for node in level:
            if isinstance(node, dict):
                below.extend(v for v in node.values() if isinstance(v, dict | list))
            elif isinstance(node, list):
                below.extend(v for v in node if isinstance(v, dict | list))
        if not below:
            return None
        level = below
    todo: list[tuple[Any, Path_]] = [(data, ())]
    while todo:
        node, path = todo.pop()
        if len(path) >= MAX_DEPTH:
            return path
        if isinstance(node, dict):
            todo.extend((v, (*path, k)) for k, v in node.items() if isinstance(v, dict | list))
        elif isinstance(node, list):
            todo.extend((v, (*path, i)) for i, v in enumerate(node) if isinstance(v, dict | list))
    return None


_TOKEN = re.compile(
    r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null|\n'
)


_WS = re.compile(r"[ \t\n\r]*")
#: What separates a value from its next sibling; no match when the container closes instead.
_COMMA = re.compile(r"[ \t\n\r]*,[ \t\n\r]*")
#: What separates an object's key from its value.
_COLON = re.compile(r"[ \t\n\r]*:[ \t\n\r]*")
# The C scanner and string reader of the json module (untyped in typeshed).
_scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]


def _skip_ws(text: str, i: int) -> int:
    m = _WS.match(text, i)
    assert m is not None  # the pattern matches the empty string
    return m.end()


#: Characters per chunk of the newline count kept for line numbers: a position counts the
#: newlines from its chunk's start, so smaller chunks make each position cheaper to find and
#: the table (built once, when the first position is asked for) longer.
_CHUNK = 1 << 10


class _JsonPositions:
    """Positions in well-formed JSON text, found on demand.

    Tabulating every node of a large file costs more than the parse itself; a finding needs a
    few. To reach a node this walks down its path, skipping siblings with the C scanner, and
    keeps each container's child offsets found so far (a container is read only as far as a
    request needs: the end of the last child found is sought only when a later request reads
    further). Line numbers come from newline counts per chunk of text.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.scan: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
        self.root = _skip_ws(text, 0)
        #: container offset -> [children found so far, where reading resumes]; an object's
        #: children map each key to (key offset, value offset), an array's list value offsets.
        #: Reading resumes after the value of the last child found, or at the first child when
        #: none is; -1 once every child is found.
        self.children: dict[int, list[Any]] = {}
        self.newlines: list[int] = []  # newlines before each chunk
        self.last_newline: list[int] = []  # offset of the last newline before each chunk, or -1

    def locate(self, node_path: Path_, *, key: bool) -> Position | None:
        """Same contract as :meth:`Document.locate`."""
        # Every finding asks for a position, so a step through children already found is
        # inline here and only reading further into a container is a call.
        at, key_at = self.root, -1
        children = self.children
        for part in node_path:
            entry = children.get(at)
            if entry is None:
                entry = self._open(at)
                if entry is None:
                    break  # a scalar: the path goes past the data
            kids = entry[0]
            if type(kids) is dict:
                if not isinstance(part, str):
                    break
                member = kids.get(part)
                if member is None:
                    if entry[1] < 0:
                        break
                    member = self._read_members(entry, part)
                    if member is None:
                        break
                key_at, at = member
            else:
                if not isinstance(part, int) or part < 0:
                    break
                if part >= len(kids):
                    if entry[1] < 0:
                        break
                    self._read_elements(entry, part)
                    if part >= len(kids):
                        break
                key_at, at = -1, kids[part]
        else:
            return self._position(key_at if key and key_at >= 0 else at)
        return self._position(at)  # the nearest ancestor

    def _open(self, at: int) -> list[Any] | None:
        """The children entry of the container at ``at`` (None for a scalar), nothing read yet."""
        text = self.text
        opener = text[at]
        if opener != "{" and opener != "[":
            return None
        first = _skip_ws(text, at + 1)
        entry = [{} if opener == "{" else [], -1 if text[first] in "}]" else first]
        self.children[at] = entry
        return entry

    def _read_members(self, entry: list[Any], name: str | None) -> tuple[int, int] | None:
        """Read an object's members up to the one called ``name`` (None: to its end)."""
        text, scan, colon, comma = self.text, self.scan, _COLON.match, _COMMA.match
        kids = entry[0]
        i = self._unread(entry)
        while i >= 0:
            found, j = _scanstring(text, i + 1)
            m = colon(text, j)
            assert m is not None  # the text is well-formed JSON
            j = m.end()
            kids[found] = (i, j)
            if found == name:
                entry[1] = j
                return i, j
            m = comma(text, scan(text, j)[1])
            i = -1 if m is None else m.end()
        entry[1] = -1
        return None

    def _read_elements(self, entry: list[Any], index: int) -> None:
        """Read an array's elements up to the one at ``index`` (or to its end)."""
        # A large array is read here element by element (100,000 flows): one C scan and one
        # separator match per element, with everything else bound to locals.
        text, scan, comma = self.text, self.scan, _COMMA.match
        kids = entry[0]
        append = kids.append
        i = self._unread(entry)
        for _ in range(index - len(kids)):
            if i < 0:
                break
            append(i)
            m = comma(text, scan(text, i)[1])
            i = -1 if m is None else m.end()
        if i >= 0:
            append(i)
        entry[1] = i

    def _unread(self, entry: list[Any]) -> int:
        """Offset of the container's first child not yet found, or -1 when there is none."""
        i: int = entry[1]
        if entry[0]:  # resume after the last child found
            m = _COMMA.match(self.text, self._end(i))
            i = -1 if m is None else m.end()
        return i

    def _end(self, at: int) -> int:
        """Offset just past the value at ``at``."""
        # A container read before is finished from its last child: scanning a large array
        # whole, allocating all its values at once, costs more than reading the rest of it.
        text, children = self.text, self.children
        closers = 0
        while (entry := children.get(at)) is not None:
            kids = entry[0]
            if entry[1] >= 0:
                if type(kids) is dict:
                    self._read_members(entry, None)
                else:
                    self._read_elements(entry, sys.maxsize)
            if not kids:
                end = _skip_ws(text, at + 1) + 1
                break
            at = kids[-1] if type(kids) is list else next(reversed(kids.values()))[1]
            closers += 1
        else:
            end = self.scan(text, at)[1]
        for _ in range(closers):
            end = _skip_ws(text, end) + 1
        return end

    def _position(self, offset: int) -> Position:
        text = self.text
        if not self.newlines:
            # One C-level pass over the chunks: with small chunks a Python loop would cost more
            # than the counting.
            starts = range(0, len(text) + 1, _CHUNK)
            ends = range(_CHUNK, len(text) + 1 + _CHUNK, _CHUNK)
            self.newlines = list(accumulate(map(text.count, repeat("\n"), starts, ends), initial=0))
            self.last_newline = list(accumulate(map(text.rfind, repeat("\n"), starts, ends), max, initial=-1))
        chunk = offset // _CHUNK
        start = chunk * _CHUNK
        line = self.newlines[chunk] + text.count("\n", start, offset) + 1
        line_start = max(self.last_newline[chunk], text.rfind("\n", start, offset)) + 1
        return line, offset - line_start + 1


def _scan_json(
    text: str,
) -> tuple[dict[Path_, Position], dict[Path_, Position], list[tuple[Path_, Position, Position]]]:
    """Tokenize JSON text; return value positions, key positions and duplicate keys found."""
    values: dict[Path_, Position] = {}
    keys: dict[Path_, Position] = {}
    duplicates: list[tuple[Path_, Position, Position]] = []
    line, line_start = 1, 0
    # frames: [path, is_object, index, pending_key, expecting_key, seen_keys]
    stack: list[list[Any]] = []

    for m in _TOKEN.finditer(text):
        tok = m.group()
        if tok == "\n":
            line += 1
            line_start = m.end()
            continue
        if tok in ",:":
            if tok == "," and stack:
                top = stack[-1]
                if top[1]:
                    top[4] = True
                else:
                    top[2] += 1
            continue
        if tok in "}]":
            stack.pop()
            continue
        pos = (line, m.start() - line_start + 1)
        if stack and stack[-1][1] and stack[-1][4]:
            top = stack[-1]
            key = json.loads(tok)
            top[3], top[4] = key, False
            path = (*top[0], key)
            if key in top[5]:
                duplicates.append((path, top[5][key], pos))
            top[5][key] = pos
            keys[path] = pos
            continue
        if not stack:
            path = ()
        else:
            top = stack[-1]
            path = (*top[0], top[3]) if top[1] else (*top[0], top[2])
        values[path] = pos
        if tok == "{":
            stack.append([path, True, 0, None, True, {}])
        elif tok == "[":
            stack.append([path, False, 0, None, False, {}])
    return values, keys, duplicates


def _json_duplicate(name: str, text: str) -> Problem:
    _, _, duplicates = _scan_json(text)
    if not duplicates:
        return Problem(name, None, None, "duplicate key")
    path, first, again = duplicates[0]
    return Problem(
        name,
        again[0],
        again[1],
        f"{render_path(path[:-1]) or 'top level'}: duplicate key {path[-1]!r} "
        f"(first at line {first[0]}, again at line {again[0]})",
    )

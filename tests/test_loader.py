"""The loader (compliance.sources.document): scalars, keys, anchors, limits, encodings, positions."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from compliance.errors import InputError
from compliance.sources.document import MAX_ALIAS_NODES, MAX_DEPTH, MAX_DIGITS, parse_bytes, read_document


def _yaml(text: str) -> object:
    return parse_bytes("m.yaml", text.encode(), json_syntax=False).data


def _error(raw: bytes, *, name: str = "m.yaml") -> list[str]:
    with pytest.raises(InputError) as exc:
        parse_bytes(name, raw, json_syntax=name.endswith(".json"))
    return [p.render() for p in exc.value.problems]


# --- YAML 1.2 JSON-schema scalars -------------------------------------------------------------


def test_only_json_schema_scalars_are_typed() -> None:
    data = _yaml(
        "no: NO\noctal: 0o17\nlead: 010\ntime: 22:30\nday: 2025-01-01\nyes: yes\noff: off\n"
        "t: true\nf: false\nn: null\nempty:\ni: 42\nneg: -7\nfl: 1.5\nquoted: '12'\nhex: 0x1F\n"
    )
    assert data == {
        "no": "NO",
        "octal": "0o17",
        "lead": "010",
        "time": "22:30",
        "day": "2025-01-01",
        "yes": "yes",
        "off": "off",
        "t": True,
        "f": False,
        "n": None,
        "empty": None,
        "i": 42,
        "neg": -7,
        "fl": 1.5,
        "quoted": "12",
        "hex": "0x1F",
    }
    assert isinstance(data, dict) and type(data["i"]) is int


def test_keys_are_always_text() -> None:
    assert _yaml("1: a\ntrue: b\nNO: c\n") == {"1": "a", "true": "b", "NO": "c"}


def test_explicit_tags_other_than_str_are_rejected() -> None:
    assert _yaml("a: !!str 12\n") == {"a": "12"}
    assert _error(b"a: !!python/object:os.system x\n") == [
        "m.yaml:1:4: explicit YAML tag 'tag:yaml.org,2002:python/object:os.system' is not supported"
    ]


# --- duplicate keys, anchors, merge keys -------------------------------------------------------


def test_duplicate_key_names_both_lines() -> None:
    assert _error(b"a:\n  x: 1\n  y: 2\n  x: 3\n") == [
        "m.yaml:4:3: a: duplicate key 'x' (first at line 2, again at line 4)"
    ]


def test_duplicate_top_level_key() -> None:
    assert _error(b"a: 1\nb: 2\na: 3\n") == [
        "m.yaml:3:1: top level: duplicate key 'a' (first at line 1, again at line 3)"
    ]


def test_two_merge_keys_are_duplicates() -> None:
    assert _error(b"base: &b {x: 1}\nother: &o {y: 2}\nc:\n  <<: *b\n  <<: *o\n") == [
        "m.yaml:5:3: c: duplicate key '<<' (first at line 4, again at line 5)"
    ]


def test_anchors_and_merge_keys_resolve() -> None:
    data = _yaml(
        "op: &op {name: Example Co, role: controller}\n"
        "defaults: &d {stores: [], location: CN}\n"
        "more: &m {location: DE, extra: 1}\n"
        "a:\n  <<: *d\n  id: a\n  operator: *op\n"
        "b:\n  <<: [*m, *d]\n  id: b\n"
    )
    assert isinstance(data, dict)
    assert data["a"] == {
        "stores": [],
        "location": "CN",
        "id": "a",
        "operator": {"name": "Example Co", "role": "controller"},
    }
    # Earlier mappings in a merge list win; the mapping's own keys win over all.
    assert data["b"] == {"location": "DE", "extra": 1, "stores": [], "id": "b"}


@pytest.mark.parametrize("key", ['"<<"', "'<<'", "!!str <<", "! <<"])
def test_only_a_plain_merge_key_merges(key: str) -> None:
    assert _yaml(f"m: {{{key}: {{x: 1}}, y: 2}}\n") == {"m": {"<<": {"x": 1}, "y": 2}}
    assert _yaml(f"m:\n  {key}: {{x: 1}}\n  y: 2\n") == {"m": {"<<": {"x": 1}, "y": 2}}
    assert _yaml("m: {<<: {x: 1}, y: 2}\n") == {"m": {"x": 1, "y": 2}}
    assert _yaml(f"m: <<\nn: {key}\n") == {"m": "<<", "n": "<<"}  # a value is text either way


def test_a_merge_key_and_a_quoted_one_in_one_mapping_are_duplicates() -> None:
    assert _error(b'm:\n  <<: {x: 1}\n  "<<": {y: 2}\n') == [
        "m.yaml:3:3: m: duplicate key '<<' (first at line 2, again at line 3)"
    ]


def test_a_merged_mappings_problem_is_named_through_the_merge_key() -> None:
    assert _error(b"m:\n  <<: {x: 1e999}\n") == ["m.yaml:2:11: m.<<.x: 1e999 is too large for a number"]


def test_merge_of_a_scalar_is_an_error() -> None:
    assert _error(b"s: &s 1\nm:\n  <<: *s\n") == [
        "m.yaml:3:7: '<<' merges only mappings (or a list of mappings)"
    ]


def test_unknown_alias_is_an_error() -> None:
    assert _error(b"a: *nope\n") == ["m.yaml:1:4: alias *nope names no anchor"]


# --- limits ------------------------------------------------------------------------------------


def _bomb() -> bytes:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return ("\n".join(lines) + "\n").encode()


def test_alias_bomb_stops_at_the_limit() -> None:
    start = time.perf_counter()
    assert _error(_bomb()) == [
        f"m.yaml:6:8: aliases expand to more than {MAX_ALIAS_NODES} nodes (an alias bomb?)"
    ]
    assert time.perf_counter() - start < 1.0


def test_deep_yaml_nesting_stops_at_the_limit() -> None:
    assert _error(b"[" * 700 + b"]" * 700 + b"\n") == [
        f"m.yaml:1:{MAX_DEPTH + 1}: nesting deeper than {MAX_DEPTH} levels"
    ]


def test_yaml_nesting_beyond_libyamls_own_limit_gets_the_same_error() -> None:
    # libyaml scans ahead through flow brackets and stops at its own limit (1,000 levels)
    # before the builder sees level 65: the error is still ours, at the 65th level.
    assert _error(b"a: 1\nx: " + b"[" * 200_000 + b"]" * 200_000 + b"\n") == [
        f"m.yaml:2:{4 + MAX_DEPTH}: nesting deeper than {MAX_DEPTH} levels"
    ]


def test_deep_json_nesting_stops_at_the_limit() -> None:
    assert _error(b"[" * 700 + b"]" * 700, name="m.json") == [
        f"m.json:1:{MAX_DEPTH + 1}: nesting deeper than {MAX_DEPTH} levels"
    ]
    # Deeper than Python's recursion limit: still an InputError, never a RecursionError.
    assert _error(b"[" * 100_000 + b"]" * 100_000, name="m.json") == [
        f"m.json:1:{MAX_DEPTH + 1}: nesting deeper than {MAX_DEPTH} levels"
    ]


def test_nesting_at_the_limit_is_accepted() -> None:
    assert parse_bytes("m.yaml", b"[" * MAX_DEPTH + b"]" * MAX_DEPTH, json_syntax=False).data is not None


# --- encodings ---------------------------------------------------------------------------------


def test_bom_is_accepted_and_lines_are_unchanged_yaml() -> None:
    text = "a: 1\nb:\n  c: x\n"
    plain = parse_bytes("m.yaml", text.encode(), json_syntax=False)
    bom = parse_bytes("m.yaml", b"\xef\xbb\xbf" + text.encode(), json_syntax=False)
    assert bom.data == plain.data == {"a": 1, "b": {"c": "x"}}
    assert bom.locate(("b", "c")) == plain.locate(("b", "c")) == (3, 6)
    assert bom.locate(("a",)) == (1, 4)


@pytest.mark.parametrize(
    ("odd", "name"),
    [("\u2028", "line separator"), ("\u2029", "paragraph separator"), ("\x85", "next line")],
    ids=["LS", "PS", "NEL"],
)
@pytest.mark.parametrize("where", ["# a comment{odd}here", "b: 'x{odd}y'", "b: [1, {odd}2]"])
def test_characters_only_yaml_breaks_lines_on_are_refused_where_they_stand(
    odd: str, name: str, where: str
) -> None:
    # libyaml (YAML 1.1) breaks lines at NEL, LS and PS; editors, grep and GitHub do not, and
    # inside a value the parser would fold them away: refused, at the position editors show.
    text = "a: 1\r\n" + where.format(odd=odd) + "\n"
    column = where.index("{odd}") + 1
    assert _error(text.encode()) == [
        f"m.yaml:2:{column}: character U+{ord(odd):04X} ({name}) is a line break to the YAML parser "
        f"but not to editors: remove it, or write it as \\u{ord(odd):04x} inside a double-quoted string"
    ]
    # written as an escape in a double-quoted string, it is an ordinary character
    assert _yaml(f'b: "x\\u{ord(odd):04x}y"\n') == {"b": f"x{odd}y"}


def test_bom_is_accepted_and_lines_are_unchanged_json() -> None:
    text = '{"a": 1,\n "b": {"c": "x"}}'
    bom = parse_bytes("m.json", b"\xef\xbb\xbf" + text.encode(), json_syntax=True)
    assert bom.data == {"a": 1, "b": {"c": "x"}}
    assert bom.locate(("b", "c")) == (2, 13)
    assert bom.locate(("b", "c"), key=True) == (2, 8)


def test_latin1_bytes_name_file_and_offset() -> None:
    assert _error(b"a: 1\nname: Caf\xe9\n") == [
        "m.yaml:2:10: not UTF-8 text: byte 0xe9 at offset 14 (save the file as UTF-8)"
    ]
    assert _error(b'{"name": "Caf\xe9"}', name="m.json") == [
        "m.json:1:14: not UTF-8 text: byte 0xe9 at offset 13 (save the file as UTF-8)"
    ]


def test_a_nul_byte_in_utf8_text_is_named_as_such() -> None:
    # one NUL is no sign of UTF-16: the file is named as holding a NUL, where it is
    assert _error(b"manifest_version: 1\x00\n") == [
        "m.yaml:1:20: NUL byte at offset 19: text holds none (is this a binary file?)"
    ]
    assert _error(b'{"a": 1,\n "b": "x\x00"}', name="m.json") == [
        "m.json:2:9: NUL byte at offset 17: text holds none (is this a binary file?)"
    ]
    # after a byte order mark, the offset counts it (the column does not: editors hide it)
    assert _error(b"\xef\xbb\xbfmanifest_version: 1\x00\n") == [
        "m.yaml:1:20: NUL byte at offset 22: text holds none (is this a binary file?)"
    ]


def test_utf16_is_not_accepted() -> None:
    assert _error("a: 1\n".encode("utf-16")) == [
        "m.yaml:1:1: not UTF-8 text: byte 0xff at offset 0; the file looks like UTF-16 or UTF-32: "
        "save it as UTF-8"
    ]


# --- documents ---------------------------------------------------------------------------------


def test_several_documents_are_an_error() -> None:
    assert _error(b"a: 1\n---\nb: 2\n") == [
        "m.yaml:2:1: a second YAML document ('---'); a manifest file holds one document only"
    ]


@pytest.mark.parametrize("what", ["baseline file", "configuration file", "rule case file"])
def test_errors_name_the_kind_of_file_read(tmp_path: Path, what: str) -> None:
    """The reader serves every kind of file: its errors call a file what the caller says it is."""
    for name, raw, message in (
        (
            "x.yaml",
            b"a: 1\n---\nb: 2\n",
            f"2:1: a second YAML document ('---'); a {what} holds one document only",
        ),
        ("x.json", b'{"a": [1,\n  -Infinity]}', f"2:3: JSON: -Infinity is not allowed in a {what}"),
        ("x.json", b'{"a": NaN}', f"1:7: JSON: NaN is not allowed in a {what}"),
    ):
        (tmp_path / name).write_bytes(raw)
        with pytest.raises(InputError) as exc:
            read_document(tmp_path / name, what=what)
        assert [p.render() for p in exc.value.problems] == [f"{tmp_path / name}:{message}"]
    with pytest.raises(InputError) as exc:
        read_document(tmp_path, what=what)
    assert [p.render() for p in exc.value.problems] == [f"{tmp_path}: is a directory, not a {what}"]


@pytest.mark.parametrize(
    ("raw", "what"),
    [(b"", "empty"), (b"  \n\n\t\n", "empty"), (b"# a comment\n  # another\n", "only comments")],
)
def test_empty_files_are_an_error(raw: bytes, what: str) -> None:
    assert _error(raw) == [f"m.yaml: file is {what}; expected one manifest"]


@pytest.mark.parametrize("raw", [b"", b" \n "])
def test_empty_json_is_an_error(raw: bytes) -> None:
    assert _error(raw, name="m.json") == ["m.json: file is empty; expected one manifest"]


# --- JSON --------------------------------------------------------------------------------------


def test_json_duplicate_key_names_both_lines() -> None:
    assert _error(b'{"a": {"x": 1,\n  "y": 2,\n  "x": 3}}', name="m.json") == [
        "m.json:3:3: a: duplicate key 'x' (first at line 1, again at line 3)"
    ]


def test_json_syntax_error_has_line_and_column() -> None:
    assert _error(b'{"a": 1,\n  "b": }', name="m.json") == ["m.json:2:8: JSON syntax: Expecting value"]


def test_json_nan_is_rejected() -> None:
    assert _error(b'{"a": NaN}', name="m.json") == ["m.json:1:7: JSON: NaN is not allowed in a manifest file"]


@pytest.mark.parametrize("sign", ["", "-"])
@pytest.mark.parametrize("name", ["m.yaml", "m.json"])
def test_integers_of_up_to_max_digits_are_read_in_yaml_and_json_alike(name: str, sign: str) -> None:
    """One limit, below Python's own 4,300 digits: a JSON integer of 4,001 to 4,300 digits was
    read while YAML refused it, and a minus sign counted as a digit."""
    fits = sign + "7" * MAX_DIGITS
    doc = parse_bytes(name, f'{{"n": {fits}}}'.encode(), json_syntax=name.endswith(".json"))
    assert doc.data == {"n": int(fits)}
    for digits in (MAX_DIGITS + 1, 4299, 4300, 4301, 5000):
        assert _error(f'{{"n": {sign}{"7" * digits}}}'.encode(), name=name) == [
            f"{name}:1:7: n: a number of {digits} digits is too large"
        ]


def test_json_positions_are_computed_for_every_node() -> None:
    doc = parse_bytes(
        "m.json",
        json.dumps({"flows": [{"id": "a", "to": "b"}, {"id": "c", "x": [1, {"y": "z"}]}]}, indent=2).encode(),
        json_syntax=True,
    )
    assert doc.locate(("flows", 1, "x", 1, "y")) == (12, 16)
    assert doc.locate(("flows", 1, "x", 1, "y"), key=True) == (12, 11)
    assert doc.locate(("flows", 0)) == (3, 5)
    # A path past the data falls back to its nearest recorded ancestor.
    assert doc.locate(("flows", 0, "missing")) == (3, 5)


def test_yaml_positions_are_one_based() -> None:
    doc = parse_bytes("m.yaml", b"flows:\n  - id: a\n    to: b\n", json_syntax=False)
    assert doc.locate(("flows", 0, "to")) == (3, 9)
    assert doc.locate(("flows", 0, "to"), key=True) == (3, 5)
    assert doc.locate(("flows", 0)) == (2, 5)


# --- files -------------------------------------------------------------------------------------


def test_missing_file_and_directory(tmp_path: object) -> None:
    with pytest.raises(InputError) as exc:
        read_document("/nonexistent/m.yaml")
    assert [p.render() for p in exc.value.problems] == ["/nonexistent/m.yaml: no such file"]
    with pytest.raises(InputError) as exc:
        read_document(str(tmp_path))
    assert [p.render() for p in exc.value.problems] == [f"{tmp_path}: is a directory, not a manifest file"]

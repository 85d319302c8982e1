"""JSON positions found on demand agree with a tokenizer that tabulates every node's position.

:class:`~compliance.sources.document._JsonPositions` walks the text down a node's path only as
far as a request needs and keeps what it found; :func:`~compliance.sources.document._scan_json`
reads every token. Both must give the same (line, column) for every path, in any order of
requests, including the fallbacks: a path past the data gives its nearest ancestor, ``key=True``
gives a mapping key's position and an array element's value position.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.sources.document import Path_, Position, _scan_json, parse_bytes

#: Whitespace JSON allows between tokens; "\r" alone moves no line, as the tokenizer counts.
BLANKS = st.sampled_from(["", " ", "  ", "\t", "\n", "\r\n", "\n\t\t", " \r\n  ", "\r"])


def reference(text: str) -> Callable[[Path_, bool], Position | None]:
    """The positions :meth:`Document.locate` promises, from the full token table."""
    values, keys, _ = _scan_json(text)

    def locate(node_path: Path_, key: bool) -> Position | None:
        for n in range(len(node_path), -1, -1):
            prefix = node_path[:n]
            if prefix in values:
                if n == len(node_path) and key and prefix in keys:
                    return keys[prefix]
                return values[prefix]
        return None

    return locate


def paths(data: Any, prefix: Path_ = ()) -> Iterator[Path_]:
    """Every node's path, then paths just past the data: missing keys and indexes, wrong types."""
    yield prefix
    yield (*prefix, "no such key")
    yield (*prefix, 0, "x")
    if isinstance(data, dict):
        yield (*prefix, 0)
        for k, v in data.items():
            yield from paths(v, (*prefix, k))
    elif isinstance(data, list):
        yield (*prefix, len(data))
        yield (*prefix, len(data) + 5)
        yield (*prefix, -1)
        for i, v in enumerate(data):
            yield from paths(v, (*prefix, i))


def assert_same_positions(text: str, order: list[Path_]) -> None:
    doc = parse_bytes("m.json", text.encode(), json_syntax=True)
    expected = reference(text)
    for node_path in order:
        for key in (False, True):
            assert doc.locate(node_path, key=key) == expected(node_path, key), (node_path, key)


def dump(data: Any, blanks: Iterator[str]) -> str:
    """``data`` as JSON text with the next of ``blanks`` around every token."""
    b = blanks.__next__
    if isinstance(data, dict):
        members = [f"{b()}{json.dumps(k)}{b()}:{b()}{dump(v, blanks)}{b()}" for k, v in data.items()]
        return "{" + (",".join(members) or b()) + "}"
    if isinstance(data, list):
        return "[" + (",".join(f"{b()}{dump(v, blanks)}{b()}" for v in data) or b()) + "]"
    return json.dumps(data, ensure_ascii=False)


SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(codec="utf-8"), max_size=8)
)
KEYS = st.text(st.characters(codec="utf-8"), max_size=6)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=30,
)

TEXTS = [
    '{"a": 1,\n "b": {"c": "x"}}',
    '{"flows": [{"id": "a", "to": "b"}, {"id": "c", "x": [1, {"y": "z"}]}]}',
    '[1, [], {}, [[]], {"": {}}, [ ], { }, null, true, false, -0.5e+3, "s"]',
    '{"esc\\"aped": "q\\"uo\\\\te\\u00e9\\n", "\\u4e2d": ["\\ud83d\\ude00", "中文 ☃ 😀"], "k": 2}',
    '\r\n\t{\r\n\t"a"\t:\r\n[\r\n1\r\n,\t2 ,\n3\n]\r\n,\r\n"b" : { "c" : [ { } , [ ] ] } }\r\n',
    '  "just a string"  ',
    "42",
    "[]",
    "{}",
    '[{"a": [{"b": [{"c": [0, 1, 2]}]}]}, [[[[["deep"]]]]]]',
    "[" + ", ".join(f'{{"id": "f{i}", "n": [{i}, {{"x": "{"é" * (i % 4)}"}}]}}' for i in range(60)) + "]",
]


@pytest.mark.parametrize("text", TEXTS)
def test_positions_match_the_tokenizer(text: str) -> None:
    assert_same_positions(text, list(paths(json.loads(text))))


@pytest.mark.parametrize("text", TEXTS)
def test_positions_do_not_depend_on_request_order(text: str) -> None:
    # Deepest and last first: a container read partway by one request is resumed by the next.
    assert_same_positions(text, list(reversed(list(paths(json.loads(text))))))


LONG = json.dumps(
    {
        "flows": [{"id": i, "tags": ["a", {"b": [i, []]}]} for i in range(500)],
        "after": {"x": [{}], "y": []},
        "last": [[1, [2, {"z": {}}]]],
    },
    indent=1,
)


@pytest.mark.parametrize(
    "order",
    [
        [("flows", 3), ("flows", 1), ("flows", 250, "tags", 1, "b", 0), ("flows", 499), ("flows", 500)],
        [("flows", 10**12), ("flows", 498, "id"), ("flows", 0, "tags"), ("after", "y"), ("last",)],
        # a later request resumes after a container read partway, fully, or down to its last child
        [("flows", 3), ("after",), ("last", 0, 1, 1, "z"), ("last", 1)],
        [("after", "x", 0), ("last", 0, 0), ("flows", 2, "tags", 1), ("after", "y")],
        [("flows", 499), ("after", "x", 0), ("after", "x", 1), ("after", "y"), ("after", "z"), ("last",)],
        [("flows", 499, "tags", 1, "b", 1), ("after", "y"), ("last", 0, 1, 1, "z", "q"), ("last", 0, 2)],
        [("flows", 499, "tags", 1, "b", 1, 0), ("flows", 499, "tags", 2), ("flows", 500), ("after",)],
        [("last", 0, 1, 1, "z"), ("after", "y"), ("flows", 499, "tags", 5), ("after", "nothing")],
        [("flows", i) for i in range(501)] + [("last",), ("after", "x")],
    ],
)
def test_a_container_read_partway_is_resumed(order: list[Path_]) -> None:
    assert_same_positions(LONG, order)


def test_lines_on_a_chunk_boundary_and_in_one_very_long_line() -> None:
    # Line numbers come from newline counts per chunk of text: put nodes on both sides of many
    # chunk boundaries, with and without a newline in the chunk.
    for width in (1, 7, 300, 5000):
        text = "[" + ",".join(("\n" if i % 3 else "") + " " * width + f'"{i}"' for i in range(80)) + "]"
        assert_same_positions(text, [(i,) for i in range(81)])


@settings(max_examples=300, deadline=None)
@given(data=VALUES, blanks=st.lists(BLANKS, min_size=1), reverse=st.booleans())
def test_positions_match_the_tokenizer_for_any_json(data: Any, blanks: list[str], reverse: bool) -> None:
    text = dump(data, itertools.cycle(blanks))
    assert json.loads(text) == data
    order = list(paths(data))
    assert_same_positions(text, order[::-1] if reverse else order)

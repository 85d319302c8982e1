"""The JSON report's encoder writes exactly what ``json.dumps(indent=2, ensure_ascii=False)`` does."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.formats.json_report import dumps_indented


class Text(str):
    pass


CASES: list[Any] = [
    {},
    [],
    (),
    "",
    None,
    True,
    0,
    -12,
    1.5,
    float("nan"),
    float("inf"),
    {"a": {}, "b": [], "c": [{}], "d": [[], [1, [2, {"x": None}]]]},
    {"é": 'ü\n\t"\\\u0000\u2028 中文 😀', "k": ("t", 1, False)},
    {1: "int key", "s": 2},
    {"sub": Text("a str subclass")},
    [1e300, 2.0, -0.0, 10**30],
]


@pytest.mark.parametrize("obj", CASES, ids=repr)
def test_same_text_as_json_dumps(obj: Any) -> None:
    assert dumps_indented(obj) == json.dumps(obj, indent=2, ensure_ascii=False)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=30,
)


@given(_json)
def test_same_text_on_any_json_value(obj: Any) -> None:
    assert dumps_indented(obj) == json.dumps(obj, indent=2, ensure_ascii=False)

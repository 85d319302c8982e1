"""The reports' JSON writer: the text of ``json.dumps(indent=2, ensure_ascii=False)`` for the
values reports hold (no floats), the same value for floats, ``json.dumps`` for what orjson refuses."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.formats.json_report import dumps_indented


class Text(str):
    pass


SAME_TEXT: list[Any] = [
    {},
    [],
    (),
    "",
    None,
    True,
    0,
    -12,
    2**63 - 1,
    -(2**63),
    {"a": {}, "b": [], "c": [{}], "d": [[], [1, [2, {"x": None}]]]},
    {"é": 'ü\n\t"\\\u0000\u001f\u007f\u2028 中文 😀/', "k": ("t", 1, False)},
    {"sub": Text("a str subclass")},
    # refused by orjson, written by json.dumps
    {1: "int key", "s": 2},
    [10**30, -(10**25)],
]


@pytest.mark.parametrize("obj", SAME_TEXT, ids=repr)
def test_same_text_as_json_dumps(obj: Any) -> None:
    assert dumps_indented(obj) == json.dumps(obj, indent=2, ensure_ascii=False)


def test_floats_keep_their_value() -> None:
    values = [1.5, 2.0, -0.0, 1e300, 1e-7, 0.1, 123456789.123]
    text = dumps_indented(values)
    assert json.loads(text) == values
    assert text == "[\n  1.5,\n  2.0,\n  -0.0,\n  1e+300,\n  1e-7,\n  0.1,\n  123456789.123\n]"


def test_non_finite_floats_become_null() -> None:
    assert dumps_indented([math.nan, math.inf]) == "[\n  null,\n  null\n]"


_plain = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=30,
)


@given(_plain)
def test_same_text_on_any_float_free_json_value(obj: Any) -> None:
    assert dumps_indented(obj) == json.dumps(obj, indent=2, ensure_ascii=False)


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=6))
def test_same_value_on_any_finite_float(values: list[float]) -> None:
    assert json.loads(dumps_indented(values)) == values

"""The JS coercions the engine relies on."""

from __future__ import annotations

import math

import pytest

from desktop.filtering.jscompat import (
    MISSING,
    JSONParseError,
    is_truthy,
    js_trim,
    json_parse,
    number_to_string,
    parse_float,
    parse_int,
    strict_equal,
    to_js_string,
    to_number,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2.0, "2"),
        (1500, "1500"),
        (0.1, "0.1"),
        (-0.0, "0"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1.5e16, "15000000000000000"),
        (1e-6, "0.000001"),
        (1e-7, "1e-7"),
        (1.5e-7, "1.5e-7"),
        (2**60, "1152921504606847000"),
        (math.inf, "Infinity"),
        (math.nan, "NaN"),
        (10**400, "Infinity"),
    ],
)
def test_number_to_string(value: float, text: str) -> None:
    assert number_to_string(value) == text


def test_to_js_string() -> None:
    assert [to_js_string(v) for v in (True, None, MISSING, [1, None, "a"], {"a": 1}, "x")] == [
        "true",
        "null",
        "undefined",
        "1,,a",
        "[object Object]",
        "x",
    ]


@pytest.mark.parametrize(
    ("text", "number"),
    [(" 2.0abc", 2.0), (".5", 0.5), ("1e3x", 1000.0), ("1e", 1.0), ("-Infinityx", -math.inf), ("0x10", 0.0)],
)
def test_parse_float(text: str, number: float) -> None:
    assert parse_float(text) == number


def test_parse_float_nan() -> None:
    for value in ("abc", "", "infinity", True, None, "\u0663"):  # no non-ASCII digits
        assert math.isnan(parse_float(value))


def test_parse_int() -> None:
    assert parse_int("7") == 7 and parse_int(" 12x") == 12 and math.isnan(parse_int("")) and math.isnan(parse_int("b"))


def test_to_number_for_relational_comparisons() -> None:
    assert to_number(None) == 0 and to_number("") == 0 and to_number([]) == 0 and to_number(True) == 1
    assert to_number(" 0x10 ") == 16 and to_number("3") == 3
    for value in (MISSING, "3a", {"a": 1}, "abc"):
        assert math.isnan(to_number(value))


def test_strict_equal() -> None:
    assert strict_equal(1, 1.0) and strict_equal(None, None) and strict_equal(MISSING, MISSING)
    assert not strict_equal(True, 1) and not strict_equal("1", 1) and not strict_equal(None, MISSING)
    assert not strict_equal(math.nan, math.nan) and not strict_equal({}, {})


def test_truthiness() -> None:
    assert [is_truthy(v) for v in (0, 0.0, math.nan, "", None, MISSING, False)] == [False] * 7
    truthy: tuple[object, ...] = ("0", [], {}, -1, True)
    assert all(is_truthy(v) for v in truthy)


def test_trim() -> None:
    assert js_trim("\ufeff\u00a0 x \u3000\n") == "x"
    assert js_trim("\x1cx\x85") == "\x1cx\x85"  # Python's strip() would remove these


def test_json_parse_is_strict() -> None:
    assert json_parse('{"a": true}') == {"a": True}
    assert json_parse(5) == 5 and json_parse(True) is True
    for bad in ("NaN", "{'a': 1}", "[1,]", "", {"a": 1}):
        with pytest.raises(JSONParseError):
            json_parse(bad)

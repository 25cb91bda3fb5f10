"""Small emulations of JavaScript semantics that Kitsu's filter code relies on.

Kitsu evaluates filters in the browser, so values coming from Zou JSON go through JS
coercions (`String(x)`, `parseFloat`, `x <= 0`, `===`, truthiness, `trim`). Python's
builtins differ in small but observable ways (e.g. `str(2.0)` is "2.0" while JS gives
"2"; `str.strip()` keeps U+FEFF), so every such coercion in the engine goes through here.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final, TypeGuard


class _Missing:
    """JS `undefined`: a key absent from a row, distinct from JSON `null` (None)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final = _Missing()

# ECMAScript WhiteSpace + LineTerminator (what String.prototype.trim strips). Python's
# str.strip() differs: it keeps U+FEFF and strips U+001C..U+001F and U+0085.
JS_WHITESPACE: Final = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)

# StrDecimalLiteral prefix as read by parseFloat (ASCII digits only, case-sensitive
# "Infinity"); JS has no underscores or non-ASCII digits here.
_FLOAT_PREFIX: Final = re.compile(r"[+-]?(?:Infinity|(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)")
_INT_PREFIX: Final = re.compile(r"[+-]?[0-9]+")
_NON_DECIMAL: Final = re.compile(r"0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+")


def js_trim(text: str) -> str:
    """`String.prototype.trim`."""
    return text.strip(JS_WHITESPACE)


def is_number(value: object) -> TypeGuard[int | float]:
    """True for JS numbers (Python bool is a separate JS type)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_double(value: int | float) -> float:
    # JS parses every JSON number into a double; huge ints overflow to +/-Infinity.
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def number_to_string(value: int | float) -> str:
    """`Number.prototype.toString()` (shortest round-trip digits, JS exponent rules)."""
    x = _as_double(value)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"  # also -0
    sign = "-" if x < 0 else ""
    # repr gives the shortest round-trip digits; re-layout them the ECMAScript way:
    # value = 0.<digits> * 10**point.
    mantissa, _, exp_text = repr(abs(x)).partition("e")
    int_part, _, frac_part = mantissa.partition(".")
    all_digits = int_part + frac_part
    stripped = all_digits.lstrip("0")
    point = len(int_part) + int(exp_text or "0") - (len(all_digits) - len(stripped))
    digits = stripped.rstrip("0")
    k, n = len(digits), point
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        body = digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-") + str(abs(e))
    return sign + body


def to_js_string(value: object) -> str:
    """`String(value)` for JSON-shaped values."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return number_to_string(value)
    if value is None:
        return "null"
    if value is MISSING:
        return "undefined"
    if isinstance(value, Sequence):
        # Array.prototype.join: null/undefined elements become "".
        return ",".join("" if item is None or item is MISSING else to_js_string(item) for item in value)
    return "[object Object]"


def is_truthy(value: object) -> bool:
    """JS truthiness (objects and arrays, even empty, are truthy)."""
    if value is None or value is MISSING or value is False:
        return False
    if isinstance(value, str):
        return value != ""
    if is_number(value):
        number = _as_double(value)
        return not (number == 0 or math.isnan(number))
    return True


def parse_float(value: object) -> float:
    """Global `parseFloat(value)`: longest numeric prefix after leading whitespace, else NaN."""
    if is_number(value):
        return _as_double(value)
    match = _FLOAT_PREFIX.match(to_js_string(value).lstrip(JS_WHITESPACE))
    if match is None:
        return math.nan
    text = match.group()
    if text.endswith("Infinity"):
        return -math.inf if text.startswith("-") else math.inf
    return float(text)


def parse_int(text: str) -> float:
    """Global `parseInt(text)` in base 10 (NaN when there is no digit prefix)."""
    match = _INT_PREFIX.match(text.lstrip(JS_WHITESPACE))
    return float(int(match.group())) if match else math.nan


def to_number(value: object) -> float:
    """ToNumber, as used by relational operators such as `x <= 0`."""
    if value is MISSING:
        return math.nan
    if value is None or value is False:
        return 0.0
    if value is True:
        return 1.0
    if is_number(value):
        return _as_double(value)
    if isinstance(value, Mapping):
        return math.nan
    text = js_trim(to_js_string(value))
    if text == "":
        return 0.0
    if _NON_DECIMAL.fullmatch(text):
        return float(int(text, 0))
    match = _FLOAT_PREFIX.fullmatch(text)
    return parse_float(text) if match else math.nan


def strict_equal(left: object, right: object) -> bool:
    """`left === right` for JSON-shaped values (MISSING plays `undefined`)."""
    if is_number(left) and is_number(right):
        return _as_double(left) == _as_double(right)
    if isinstance(left, bool) and isinstance(right, bool):
        return left is right
    if isinstance(left, str) and isinstance(right, str):
        return left == right
    if left is None or left is MISSING:
        return right is left
    if isinstance(left, Mapping | list):
        return left is right
    return False


class JSONParseError(ValueError):
    """Raised where `JSON.parse` would throw."""


def _reject_constant(name: str) -> Any:
    # Python's json accepts NaN/Infinity; JSON.parse does not.
    raise JSONParseError(name)


def json_parse(value: object) -> Any:
    """`JSON.parse(value)`: strict JSON; non-strings are stringified first, like JS."""
    try:
        return json.loads(to_js_string(value), parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise JSONParseError(str(exc)) from exc

"""Numbers in problem and answer files, read exactly as `Fraction`s.

Accepted: integers (`3`, `-2`, `+1`), decimals (`0.05` is exactly 1/20), scientific notation (`1e-3`, `2.5E2`)
and fractions written as strings (`"1/3"`, `"-2/5"`). Rejected with an error naming the key: booleans, NaN and
infinities, empty values, hexadecimal/octal/underscored forms, and anything else. Decimals are read from the
text the user wrote (never through a float), so they are exact. Exponents are limited to ±`MAX_EXPONENT` so that
`1e999999999` cannot make a gigantic integer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from fractions import Fraction

from tutor.errors import InputError, ProblemError
from tutor.files.yamlsafe import Locator, YamlNumber, dotted

MAX_EXPONENT = 100
MAX_TEXT = 100  # characters: longer "numbers" are not something a person typed

_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE]([+-]?\d+))?")
_FRACTION = re.compile(r"([+-]?\d+)\s*/\s*(\d+)")
_NON_FINITE = re.compile(r"[+-]?\.?(?:nan|inf|infinity)", re.IGNORECASE)
HINT = 'write an integer, a decimal (0.05, 1e-3) or a fraction in quotes ("1/3")'


def parse_number(
    value: object,
    *,
    file: str | None = None,
    key: str | None = None,
    line: int | None = None,
    error_cls: type[InputError] = ProblemError,
) -> Fraction:
    """`value` (from `tutor.files.yamlsafe`, or a Python int/float/Fraction/str) as an exact Fraction."""

    def fail(message: str) -> InputError:
        return error_cls(message, file=file, key=key, line=line)

    if isinstance(value, bool):  # before int: bool is an int subclass
        raise fail(f"expected a number, found {str(value).lower()}; {HINT}")
    if isinstance(value, (int, Fraction)):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise fail(f"expected a finite number, found {value}")
        return Fraction(repr(value))  # the shortest text that round-trips: 0.1 → 1/10
    if isinstance(value, (YamlNumber, str)):
        return _parse_text(str(value).strip(), fail)
    if value is None:
        raise fail(f"missing value: expected a number; {HINT}")
    found = "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) else type(value).__name__
    raise fail(f"expected a number, found {found}; {HINT}")


def _parse_text(text: str, fail: Callable[[str], InputError]) -> Fraction:
    if not text:
        raise fail(f"empty value: expected a number; {HINT}")
    if len(text) > MAX_TEXT:
        raise fail(f"number too long ({len(text)} characters)")
    if _NON_FINITE.fullmatch(text):
        raise fail(f"expected a finite number, found {text}")
    if m := _DECIMAL.fullmatch(text):
        if m.group(1) is not None and abs(int(m.group(1))) > MAX_EXPONENT:
            raise fail(f"exponent out of range in {text} (at most ±{MAX_EXPONENT})")
        return Fraction(text)
    if m := _FRACTION.fullmatch(text):
        if int(m.group(2)) == 0:
            raise fail(f"division by zero in {text}")
        return Fraction(int(m.group(1)), int(m.group(2)))
    raise fail(f"not a number: {text!r}; {HINT}")


def parse_int(
    value: object,
    *,
    file: str | None = None,
    key: str | None = None,
    line: int | None = None,
    error_cls: type[InputError] = ProblemError,
) -> int:
    """A whole number (`3`, `3.0`, `"6/2"` are all 3); anything else is an error naming the key."""
    number = parse_number(value, file=file, key=key, line=line, error_cls=error_cls)
    if number.denominator != 1:
        raise error_cls(f"expected a whole number, found {value}", file=file, key=key, line=line)
    return int(number)


def number_at(value: object, loc: Locator, *path: str | int) -> Fraction:
    """`parse_number` for the value at `path` of a loaded document (the error names its key and line)."""
    return parse_number(value, file=loc.file, key=dotted(path), line=loc.line(path), error_cls=loc.error_cls)


def int_at(value: object, loc: Locator, *path: str | int) -> int:
    """`parse_int` for the value at `path` of a loaded document."""
    return parse_int(value, file=loc.file, key=dotted(path), line=loc.line(path), error_cls=loc.error_cls)

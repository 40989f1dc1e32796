"""How numbers are written: exactly where they terminate, else to a number of significant digits.

Shared by every renderer, so a value reads the same in the terminal, in LaTeX and in answer keys.
Minus signs are ASCII here; renderers may typeset them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal, localcontext
from fractions import Fraction
from functools import cache
from typing import Any

MAX_EXACT_DIGITS = 12  # a terminating decimal longer than this is shown rounded
MAX_EXACT_INTEGER = 10**15  # larger integers are shown to `digits` significant digits: 6e+99, not 100 digits
MAX_FRACTION_DENOMINATOR = 1000  # 1/3 is shown as 1/3; 1/7919 as a decimal


def as_fraction(value: Any) -> Fraction | None:
    """The exact rational value of a SymPy Rational / int / Fraction, None for an inexact number."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if getattr(value, "is_Rational", False):
        return Fraction(int(value.p), int(value.q))
    return None


def terminates(q: int) -> bool:
    """Whether 1/q has a finite decimal expansion (q = 2^a·5^b)."""
    for p in (2, 5):
        while q % p == 0:
            q //= p
    return q == 1


FLOAT_DIGITS = 15  # beyond this many digits a float64 has none left to give: use the value's own precision


def fmt(value: Any, digits: int = 6) -> str:
    """A value as text: `5`, `-0.3125`, `1/3`, `0.593270`…"""
    if getattr(value, "is_Float", False):  # a SymPy Float (30 digits): the engines' inexact values
        x = to_float(value)
        if digits > FLOAT_DIGITS or ((x == 0 or not math.isfinite(x)) and value != 0 and value == value):
            return fmt_decimal(Decimal(str(value)), digits)  # its own digits, also past float64's range (1e-400)
        return fmt_float(x, digits)
    frac = as_fraction(value)
    if frac is not None:
        return fmt_fraction(frac, digits)
    return fmt_float(to_float(value), digits)


def to_float(value: Any) -> float:
    """float(value); a SymPy Float (or an mpmath mpf) rounded to 53 bits from its mpmath number directly — the
    same rounding `float()` does, without SymPy's ~1.5 µs of dispatch (every printed number passes here)."""
    mpf = getattr(value, "_mpf_", None)
    if type(mpf) is tuple:
        return _mpf_to_float()(mpf)
    return float(value)


@cache
def _mpf_to_float() -> Callable[[tuple[int, int, int, int]], float]:
    """mpmath's to_float at round-to-nearest (mpmath is loaded with SymPy; numfmt itself loads neither)."""
    from mpmath.libmp import round_nearest, to_float

    return lambda mpf: to_float(mpf, rnd=round_nearest)


def fmt_fraction(frac: Fraction, digits: int = 6) -> str:
    if frac.denominator == 1 and abs(frac.numerator) < MAX_EXACT_INTEGER:
        return str(frac.numerator)
    if terminates(frac.denominator):
        text = _exact_decimal(frac)
        if sum(c.isdigit() for c in text.lstrip("-0.")) <= MAX_EXACT_DIGITS:
            return text
    elif frac.denominator <= MAX_FRACTION_DENOMINATOR and abs(frac.numerator) < 10**6:
        return f"{frac.numerator}/{frac.denominator}"
    x = float(frac) if abs(frac.numerator).bit_length() - frac.denominator.bit_length() < 1000 else math.inf
    if digits > FLOAT_DIGITS or x in (0, math.inf):  # more digits than a float64's, or past its range
        with localcontext() as ctx:
            ctx.prec = digits + 10
            return fmt_decimal(Decimal(frac.numerator) / Decimal(frac.denominator), digits)
    return fmt_float(x, digits)


def exact_text(frac: Fraction) -> str:
    """The exact value as text, however long: `5`, `0.05`, `5.904325604089275`, `1/3`."""
    if frac.denominator == 1:
        return str(frac.numerator)
    if terminates(frac.denominator):
        return _exact_decimal(frac)
    return f"{frac.numerator}/{frac.denominator}"


def is_exact_text(value: Any) -> bool:
    """Whether `fmt` shows the value exactly (an integer, a terminating decimal, a small fraction)."""
    frac = as_fraction(value)
    return frac is not None and fmt_fraction(frac, 30) == fmt_fraction(frac, 1)


def _exact_decimal(frac: Fraction) -> str:
    with localcontext() as ctx:  # normalize() rounds to the context's precision too: keep it inside
        ctx.prec = len(str(abs(frac.numerator))) + frac.denominator.bit_length() + 5  # ≥ every digit it has
        d = (Decimal(frac.numerator) / Decimal(frac.denominator)).normalize()
    return format(d, "f")


def fmt_float(x: float, digits: int = 6) -> str:
    """`digits` significant digits, plain notation for ordinary magnitudes, scientific otherwise."""
    if x == 0:
        return "0"
    if not math.isfinite(x):
        return str(x)
    mag = abs(x)
    if mag < 1e-4 or mag >= 1e9:
        mant, exp = f"{x:.{digits - 1}e}".split("e")
        mant = mant.rstrip("0").rstrip(".") if "." in mant else mant
        return f"{mant}e{int(exp)}"
    text = f"{x:.{digits}g}"
    if "e" in text:  # g chose scientific for e.g. 123456.7 with few digits
        text = f"{x:.{max(digits - len(str(int(mag))), 0)}f}"
    return text


def fmt_decimal(d: Decimal, digits: int) -> str:
    """`fmt_float` for a Decimal, so more digits than a float64 holds are the value's own."""
    if d == 0:
        return "0"
    if abs(d) < Decimal("1e-4") or abs(d) >= Decimal("1e9"):
        mant, exp = format(d, f".{digits - 1}e").split("e")
        mant = mant.rstrip("0").rstrip(".") if "." in mant else mant
        return f"{mant}e{int(exp)}"
    text = format(d, f".{digits}g")
    if "e" in text.lower():  # few digits of a large number: plain notation, as fmt_float does
        text = format(d, f".{max(digits - len(str(int(abs(d)))), 0)}f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def paren(text: str) -> str:
    """Parenthesise a negative number for use inside a product: -3 → (-3)."""
    return f"({text})" if text.startswith("-") else text

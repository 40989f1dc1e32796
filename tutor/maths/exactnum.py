"""Exact numbers for the engines: SymPy Rationals where a value stays rational, 30-digit Floats elsewhere.

Owns `exact` (any number to a SymPy number), `mp` (a transcendental value evaluated with mpmath on
exact arguments) and `np`, NumPy imported on first use. SymPy, mpmath and NumPy are all imported on
first use, so importing the registries (and loading a problem) stays instant.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from functools import cache
from typing import Any

DPS = 30  # digits SymPy keeps for values that are not rational


@cache
def sympy() -> Any:
    import sympy as sp

    return sp


def exact(value: Any) -> Any:
    """A SymPy number: Rational kept exact, anything else evaluated to DPS digits."""
    sp = sympy()
    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    v = sp.sympify(value) if isinstance(value, int) else value
    if v.is_Rational or v.is_Float:
        return v
    return v.evalf(DPS)


def mp(f: Callable[..., Any], *args: Any) -> Any:
    """A transcendental value to DPS digits: `f` (of mpmath numbers) evaluated with mpmath (much faster
    than SymPy's evalf) on the exact arguments, returned as a SymPy Float."""
    import mpmath

    with mpmath.workdps(DPS + 10):
        mp_args = [mpmath.mpf(int(a.p)) / int(a.q) if a.is_Rational else mpmath.mpf(a) for a in args]
        return sympy().Float(f(*mp_args), DPS)


def mpmath() -> Any:
    """The mpmath module, for the functions handed to `mp`."""
    import mpmath as m

    return m


class _LazyNumpy:
    """`np.exp` etc., with NumPy imported at the first use rather than at import."""

    def __getattr__(self, name: str) -> Any:
        import numpy

        value = getattr(numpy, name)
        setattr(self, name, value)  # later lookups find it without this call (the float engine's hot path)
        return value


np: Any = _LazyNumpy()

"""SymPy's number arithmetic without SymPy's per-operation cost, for the exact engine's hot loops (the optimizer
rule runs five lines per parameter per step, and SymPy spends ~30 µs on each).

A value is a `fractions.Fraction` where SymPy's would be a Rational (exact) and a `Real` where it would be a
Float. A `Real` holds SymPy's own mpmath number (`_mpf_`) and precision (`_prec`), and each operation makes the
same mpmath `libmp` calls with the same precision and rounding as `sympy.Float` does (a rational operand rounded
to the Float's precision first, `a/b` of a rational by a Float as `a·(1/b)`, an exact zero result the Integer 0),
so the results are bit for bit SymPy's: `tests/test_fastreal.py` checks every operation and every optimizer rule
against SymPy. `from_sympy` and `to_sympy` convert at the edges.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from mpmath.libmp import (
    dps_to_prec,
    fone,
    from_int,
    from_rational,
    fzero,
    mpf_add,
    mpf_div,
    mpf_mul,
    mpf_neg,
    mpf_pos,
    mpf_pow_int,
    mpf_sqrt,
    mpf_sub,
    round_nearest,
)

from tutor.maths.exactnum import DPS, sympy

Number = Fraction | int
PREC = dps_to_prec(DPS)  # a Float's bits at DPS digits (SymPy's `Float(x, DPS)._prec`)
_SQRT_PREC = dps_to_prec(DPS + 10)  # `exactnum.mp` evaluates at DPS + 10 digits, then rounds to DPS
_ROUNDED: dict[tuple[int, int, int], tuple[int, int, int, int]] = {}  # the rules' few rationals recur


def _mpf_of(x: Number, prec: int) -> tuple[int, int, int, int]:
    """A rational operand as SymPy rounds it before meeting a Float of precision `prec`."""
    if type(x) is Setting:  # kept on the setting: a rule's rationals meet a Float in every parameter's step
        kept = getattr(x, "rounded", None)
        if kept is None or kept[0] != prec:
            kept = x.rounded = (prec, from_rational(x.numerator, x.denominator, prec, round_nearest))
        return kept[1]
    if isinstance(x, int):
        return from_int(x, prec, round_nearest)
    key = (x.numerator, x.denominator, prec)
    hit = _ROUNDED.get(key)
    if hit is None:
        if len(_ROUNDED) > 4096:
            _ROUNDED.clear()
        hit = _ROUNDED[key] = from_rational(x.numerator, x.denominator, prec, round_nearest)
    return hit


class Setting(Fraction):
    """An optimizer setting (β₁, ε, …) as a Fraction whose operations with a Python int are remembered: a rule
    computes 1 − β₁ and β₁ᵗ for every parameter, the same numbers every time (`setting` hands them out). It
    keeps its SymPy twin once made (`to_sympy`), as a Real does."""

    __slots__ = ("_done", "sym", "rounded")
    _done: dict[tuple[str, int], Setting]
    sym: Any
    rounded: tuple[int, tuple[int, int, int, int]]  # (precision, the value rounded to it), once asked

    def _remember(self, op: str, n: int, compute: Any) -> Setting:
        try:
            done = self._done
        except AttributeError:
            done = {}
            self._done = done
        hit = done.get((op, n))
        if hit is None:
            hit = done[(op, n)] = Setting(compute(self, n))
        return hit

    def __rsub__(self, other: Any) -> Any:
        if type(other) is int:
            return self._remember("rsub", other, Fraction.__rsub__)
        return Fraction.__rsub__(self, other)

    # with a Real: straight to the Real's reflected operator (Fraction's own would first try its isinstance
    # checks and give up, which costs more than the operation)
    def __mul__(self, other: Any) -> Any:
        return other.__rmul__(self) if type(other) is Real else Fraction.__mul__(self, other)

    def __add__(self, other: Any) -> Any:
        return other.__radd__(self) if type(other) is Real else Fraction.__add__(self, other)

    def __sub__(self, other: Any) -> Any:
        return other.__rsub__(self) if type(other) is Real else Fraction.__sub__(self, other)

    def __truediv__(self, other: Any) -> Any:
        return other.__rtruediv__(self) if type(other) is Real else Fraction.__truediv__(self, other)

    def __pow__(self, other: Any) -> Any:
        if type(other) is int:
            return self._remember("pow", other, Fraction.__pow__)
        return Fraction.__pow__(self, other)


_SETTINGS: dict[tuple[int, int], Setting] = {}


def setting(value: Fraction) -> Setting:
    """The Setting of an optimizer's value, shared by every parameter and step (a bounded cache)."""
    key = (value.numerator, value.denominator)
    hit = _SETTINGS.get(key)
    if hit is None:
        if len(_SETTINGS) > 256:
            _SETTINGS.clear()
        hit = _SETTINGS[key] = Setting(value)
    return hit


def _real(mpf: tuple[int, int, int, int], prec: int) -> Real | Fraction:
    """SymPy's `Float._new`: an exact zero is the Integer 0 (here Fraction 0)."""
    return Real(mpf, prec) if mpf[1] or mpf != fzero else Fraction(0)


def _binary(f: Any, *, swap: bool = False) -> Any:
    """The operator of Real and (Real | Fraction | int) made of the libmp function `f` (`swap`: the reflected
    one): the precision is the larger of two Floats', a rational operand rounded to the Float's first."""

    def op(self: Real, other: Any) -> Any:
        kind = type(other)
        if kind is Real:
            prec = self.prec if self.prec >= other.prec else other.prec
            b = other.mpf
        elif kind is Fraction or kind is int or kind is Setting:
            prec = self.prec
            b = _mpf_of(other, prec)
        else:
            return NotImplemented
        mpf = f(b, self.mpf, prec, round_nearest) if swap else f(self.mpf, b, prec, round_nearest)
        return Real(mpf, prec) if mpf[1] or mpf != fzero else Fraction(0)

    return op


class Real:
    """A Float of SymPy's, as its mpmath number and precision in bits."""

    __slots__ = ("mpf", "prec", "sym")

    def __init__(self, mpf: tuple[int, int, int, int], prec: int, sym: Any = None) -> None:
        self.mpf = mpf
        self.prec = prec
        self.sym = sym  # its SymPy Float, once made (or the one it was made from)

    __add__ = __radd__ = _binary(mpf_add)
    __sub__ = _binary(mpf_sub)
    __rsub__ = _binary(mpf_sub, swap=True)
    __mul__ = __rmul__ = _binary(mpf_mul)
    __truediv__ = _binary(mpf_div)  # by an exact zero: ZeroDivisionError (the rules never divide by one)

    def __rtruediv__(self, other: Any) -> Any:
        """A rational over a Float: SymPy computes it as other·(1/self)."""
        if not isinstance(other, (Fraction, int)):
            return NotImplemented
        inverse = mpf_div(fone, self.mpf, self.prec, round_nearest)
        return _real(mpf_mul(inverse, _mpf_of(other, self.prec), self.prec, round_nearest), self.prec)

    def __pow__(self, n: Any) -> Any:
        if not isinstance(n, int):
            return NotImplemented
        return _real(mpf_pow_int(self.mpf, n, self.prec, round_nearest), self.prec)

    def __neg__(self) -> Real:
        return Real(mpf_neg(self.mpf), self.prec)

    def __repr__(self) -> str:
        return f"Real({to_sympy(self)})"


def sqrt(x: Any) -> Any:
    """√x as the exact engine takes it: a Fraction where the square root is one (both parts perfect squares),
    else evaluated at DPS + 10 digits and rounded to DPS (as `exactnum.mp`, whose bits it reproduces)."""
    if isinstance(x, int):
        x = Fraction(x)
    if isinstance(x, Fraction):
        if x < 0:
            raise ValueError("the square root of a negative number")
        p, q = math.isqrt(x.numerator), math.isqrt(x.denominator)
        if p * p == x.numerator and q * q == x.denominator:
            return Fraction(p, q)
        mpf = mpf_div(
            from_int(x.numerator, _SQRT_PREC, round_nearest), from_int(x.denominator), _SQRT_PREC, round_nearest
        )
    else:
        if x.mpf[0]:
            raise ValueError("the square root of a negative number")
        mpf = x.mpf
    root = mpf_sqrt(mpf, _SQRT_PREC, round_nearest)
    return _real(mpf_pos(root, PREC, round_nearest), PREC)


def from_sympy(x: Any) -> Any:
    """A SymPy number (or a Python int) as a Fraction or a Real that remembers `x` (so `to_sympy` gives `x`
    itself back: the views' number texts are kept by object)."""
    if isinstance(x, int):
        return Fraction(x)
    if x.is_Rational:
        exact = Setting(int(x.p), int(x.q))
        exact.sym = x
        return exact
    if x.is_Float:
        return Real(x._mpf_, x._prec, x)
    raise TypeError(f"not a SymPy Rational or Float: {x!r}")


def _float(mpf: tuple[int, int, int, int], prec: int) -> Any:
    """`Float._new(mpf, prec)` without its normalising: a Real's number is libmp's result at its precision,
    normal and never zero already (the bit-for-bit tests compare `_mpf_` and `_prec`)."""
    sp = sympy()
    obj = sp.Expr.__new__(sp.Float)
    obj._mpf_, obj._prec = mpf, prec
    return obj


def to_sympy(x: Any) -> Any:
    """A Fraction or a Real as SymPy's Rational or Float; anything else unchanged (an int stays an int)."""
    kind = type(x)
    if kind is int:
        return x
    if kind is Real or kind is Setting:
        sym = getattr(x, "sym", None)
        if sym is None:
            sym = x.sym = _float(x.mpf, x.prec) if kind is Real else sympy().Rational(x.numerator, x.denominator)
        return sym
    if isinstance(x, Fraction):
        return sympy().Rational(x.numerator, x.denominator)
    return x

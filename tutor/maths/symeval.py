"""A SymPy expression evaluated at given values, exactly where it can be: the symbolic checks' calculator.

Rationals stay `Fraction`s through + − × ÷ and integer powers, Max/Min and Piecewise (so a network without
transcendental functions is evaluated exactly); exp, log, tanh, atan and fractional powers go to mpmath at
`DPS` digits. The evaluation is memoised on subexpressions: closed forms share their subtrees (each neuron's
closed form appears wherever the neuron is used), so the cost is the number of distinct subexpressions, not
the size of the written-out tree. Only the node types the symbolic engine and `sympy.diff` of its formulas
produce are known; any other is a TypeError (a bug, never a silent guess).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

import mpmath

DPS = 50  # digits of the transcendental evaluation
Value = Any  # a Fraction (exact) or an mpmath mpf (mpmath has no type hints)


def to_value(number: Any) -> Value:
    """A SymPy number (Rational, Integer, Float) or a Fraction as a Value."""
    if isinstance(number, Fraction):
        return number
    if number.is_Rational:
        return Fraction(int(number.p), int(number.q))
    with mpmath.workdps(DPS):
        return mpmath.mpf(number._mpf_) if number.is_Float else mpmath.mpf(str(number.evalf(DPS)))


def as_mpf(value: Value) -> mpmath.mpf:
    """A Fraction (at the working precision) or an mpf as an mpf."""
    return mpmath.mpf(value.numerator) / value.denominator if isinstance(value, Fraction) else value


class Evaluator:
    """Values of expressions at one point: `Evaluator({symbol: value})(expr)`. Reuse one evaluator for
    the expressions of one point: the memo is shared."""

    def __init__(self, env: Mapping[Any, Value]) -> None:
        self.memo: dict[Any, Value] = dict(env)

    def __call__(self, expr: Any) -> Value:
        with mpmath.workdps(DPS):
            return self._eval(expr)

    def _eval(self, expr: Any) -> Value:
        found = self.memo.get(expr)
        if found is not None:
            return found
        if expr.is_Number:
            value = to_value(expr)
        else:
            handler = _HANDLERS.get(type(expr).__name__)
            if handler is None:
                raise TypeError(f"cannot evaluate {type(expr).__name__}: {expr}")
            value = handler(self, expr)
        self.memo[expr] = value
        return value

    def args(self, expr: Any) -> list[Value]:
        return [self._eval(a) for a in expr.args]

    def truth(self, cond: Any) -> bool:
        """A Piecewise condition: True, or a comparison of two expressions."""
        if cond is True or type(cond).__name__ == "BooleanTrue":
            return True
        if type(cond).__name__ == "BooleanFalse":
            return False
        kind = type(cond).__name__
        if kind in ("And", "Or", "Not", "ITE"):  # SymPy folds a Piecewise inside a condition into these
            return self._logic(kind, cond.args)
        compare = _COMPARE.get(kind)
        if compare is None:
            raise TypeError(f"cannot decide {cond}")
        a, b = _same([self._eval(cond.args[0]), self._eval(cond.args[1])])
        return compare(a, b)

    def _logic(self, kind: str, args: tuple[Any, ...]) -> bool:
        if kind == "And":
            return all(self.truth(a) for a in args)
        if kind == "Or":
            return any(self.truth(a) for a in args)
        if kind == "Not":
            return not self.truth(args[0])
        return self.truth(args[1]) if self.truth(args[0]) else self.truth(args[2])


def _same(values: list[Value]) -> list[Any]:
    """All Fractions as they are; else all as mpf (Fraction and mpf do not mix)."""
    return values if all(isinstance(v, Fraction) for v in values) else [as_mpf(v) for v in values]


def _add(ev: Evaluator, expr: Any) -> Value:
    values = _same(ev.args(expr))
    return sum(values[1:], values[0])


def _mul(ev: Evaluator, expr: Any) -> Value:
    total, *rest = _same(ev.args(expr))
    for v in rest:
        total = total * v
    return total


def _pow(ev: Evaluator, expr: Any) -> Value:
    base, exponent = ev.args(expr)
    if isinstance(exponent, Fraction) and exponent.denominator == 1:
        if isinstance(base, Fraction) and base == 0 and exponent < 0:
            raise ZeroDivisionError(f"{expr} at 0")
        return base ** int(exponent) if isinstance(base, Fraction) else mpmath.power(base, int(exponent))
    return mpmath.power(as_mpf(base), as_mpf(exponent))


def _function(f: Callable[[mpmath.mpf], mpmath.mpf], zero: Value | None = None) -> Callable[[Evaluator, Any], Value]:
    def apply(ev: Evaluator, expr: Any) -> Value:
        (x,) = ev.args(expr)
        return zero if zero is not None and x == 0 else f(as_mpf(x))

    return apply


def _piecewise(ev: Evaluator, expr: Any) -> Value:
    for value, cond in expr.args:
        if ev.truth(cond):
            return ev._eval(value)
    raise ValueError(f"no piece of {expr} applies")


def _heaviside(ev: Evaluator, expr: Any) -> Value:
    x = ev._eval(expr.args[0])
    at_zero = ev._eval(expr.args[1]) if len(expr.args) > 1 else Fraction(1, 2)
    return Fraction(1) if x > 0 else Fraction(0) if x < 0 else at_zero


_HANDLERS: dict[str, Callable[[Evaluator, Any], Value]] = {
    "Add": _add,
    "Mul": _mul,
    "Pow": _pow,
    "exp": _function(mpmath.exp, Fraction(1)),
    "log": _function(mpmath.log),
    "tanh": _function(mpmath.tanh, Fraction(0)),
    "atan": _function(mpmath.atan, Fraction(0)),
    "Abs": lambda ev, e: abs(ev._eval(e.args[0])),
    "sign": lambda ev, e: Fraction((x := ev._eval(e.args[0])) > 0) - Fraction(x < 0),
    "Max": lambda ev, e: max(_same(ev.args(e))),
    "Min": lambda ev, e: min(_same(ev.args(e))),
    "Piecewise": _piecewise,
    "Heaviside": _heaviside,
    "Exp1": lambda ev, e: mpmath.e,
    "Pi": lambda ev, e: mpmath.pi,
}
_COMPARE: dict[str, Callable[[Value, Value], bool]] = {
    "StrictGreaterThan": lambda a, b: a > b,
    "GreaterThan": lambda a, b: a >= b,
    "StrictLessThan": lambda a, b: a < b,
    "LessThan": lambda a, b: a <= b,
    "Equality": lambda a, b: a == b,
    "Unequality": lambda a, b: a != b,
}


def is_real(value: Value) -> bool:
    """A finite real number (mpmath returns complex numbers outside the real domain of log and powers)."""
    return isinstance(value, Fraction) or (isinstance(value, mpmath.mpf) and bool(mpmath.isfinite(value)))


def agree(a: Value, b: Value, digits: int) -> bool:
    """Equal when both are exact; else within `digits` significant digits (relative to the larger, with
    an absolute floor of the same size for values that cancel to about 0)."""
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a == b
    with mpmath.workdps(DPS):
        x, y = as_mpf(a), as_mpf(b)
        scale = max(abs(x), abs(y), mpmath.mpf(10) ** -3)
        return bool(abs(x - y) <= scale * mpmath.mpf(10) ** -digits)

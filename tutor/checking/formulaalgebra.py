"""Whether a formula equals another by algebra, within bounds: the cheap first test of a formula answer.

The difference is written with exp (tanh and the like too) and expanded, then put over a common
denominator and its numerator expanded; 0 means equal. A difference larger than `MAX_ALGEBRA_NODES` nodes,
or with a power of a sum above `MAX_EXPANDED_POWER`, is not tried, and the rest is bounded by
`ALGEBRA_SECONDS` (`tutor.checking.timebound`): "no" only means algebra could not tell.
"""

from __future__ import annotations

from typing import Any

from tutor.checking.timebound import OutOfTime, time_bound

ALGEBRA_SECONDS = 0.25  # one equivalence test by algebra; then the numbers decide
MAX_ALGEBRA_NODES = 600  # a difference larger than this is not expanded
MAX_EXPANDED_POWER = 6  # (a + b)^n with a larger n is not expanded


def equal_by_algebra(difference: Any) -> bool:
    """Whether the difference is 0 by algebra (exp form, expanded over a common denominator), within bounds."""
    from tutor.maths.exactnum import sympy as lazy

    sympy = lazy()
    if difference == 0:
        return True
    if _too_large(difference, sympy):
        return False
    try:
        with time_bound(ALGEBRA_SECONDS):
            written = sympy.expand(difference.rewrite(sympy.exp))
            if written == 0:
                return True
            return bool(sympy.expand(sympy.numer(sympy.together(written))) == 0)
    except OutOfTime:
        return False


def _too_large(expr: Any, sympy: Any) -> bool:
    for n, sub in enumerate(sympy.preorder_traversal(expr)):
        if n > MAX_ALGEBRA_NODES:
            return True
        if sub.is_Pow and sub.exp.is_Integer and abs(sub.exp) > MAX_EXPANDED_POWER and not sub.base.is_Atom:
            return True
    return False

"""How numbers are written (`tutor.maths.numfmt`): to float as float() rounds, and values past float64's range."""

from __future__ import annotations

import math
import random
from fractions import Fraction

import pytest
import sympy as sp

from tutor.maths.numfmt import fmt, to_float


@pytest.mark.parametrize("seed", range(5))
def test_to_float_equals_float(seed: int) -> None:
    """numfmt.to_float (every printed number) rounds a Float as float() does, down to subnormals and overflow."""
    rng = random.Random(seed)
    for _ in range(500):
        x = sp.Float(rng.uniform(-1, 1), 30) * sp.Rational(rng.randint(1, 10**9), rng.randint(1, 10**9))
        x = x * sp.Float(10, 30) ** rng.choice([0, 0, -5, 17, -310, -320, 308, 400])
        assert to_float(x) == float(x) or (math.isnan(to_float(x)) and math.isnan(float(x))), x
    assert to_float(sp.Rational(1, 3)) == float(sp.Rational(1, 3)) and to_float(Fraction(2, 7)) == 2 / 7


def test_values_past_float64_range_print_as_themselves() -> None:
    """An exact value below float64's smallest (1e-400) or above its largest is not shown as 0 or inf."""
    tiny = sp.Float("1.2345678e-400", 30)
    assert fmt(tiny, 6) == "1.23457e-400" and fmt(-tiny, 4) == "-1.235e-400"
    assert fmt(sp.Float("3.5e400", 30), 6) == "3.5e400" and fmt(sp.Float(0, 30)) == "0"
    assert fmt(Fraction(1, 3 * 10**400)) == "3.33333e-401" and fmt(Fraction(-(10**400), 3)) == "-3.33333e399"
    assert fmt(Fraction(1, 3)) == "1/3" and fmt(sp.Float("0.000123456789", 30), 6) == "0.000123457"

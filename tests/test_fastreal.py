"""`tutor.maths.fastreal` must give SymPy's numbers bit for bit: every operation on every mix of operands, and
every optimizer rule (the exact engine's use of it) against the same rule run on SymPy numbers."""

from __future__ import annotations

import math
import random
from fractions import Fraction

import mpmath
import pytest
import sympy as sp

from tutor.maths import fastreal as fr
from tutor.maths.exactnum import mp
from tutor.maths.optimizers import OPTIMIZERS, run_rule, with_defaults


def exact_sqrt(x: sp.Expr) -> sp.Expr:
    """The reference on SymPy numbers (the exact engine's own square root before fastreal): a Rational where
    the root is one, else `exactnum.mp` of mpmath's sqrt (DPS + 10 digits, rounded to DPS)."""
    if x.is_Rational and x >= 0:
        p, q = math.isqrt(int(x.p)), math.isqrt(int(x.q))
        if p * p == x.p and q * q == x.q:
            return sp.Rational(p, q)
    return mp(mpmath.sqrt, x)


OPS = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
}


def same(fast: object, slow: object) -> bool:
    """Equal as SymPy numbers of the same kind, to the last bit and the same precision."""
    back = fr.to_sympy(fast)
    if type(back) is not type(slow) and not (back.is_Rational and slow.is_Rational):
        return False
    if slow.is_Float:
        return back._mpf_ == slow._mpf_ and back._prec == slow._prec
    return back == slow


def random_number(rng: random.Random) -> object:
    """A SymPy number as the exact engine makes them: a Rational, an Integer, or a 30-digit Float."""
    kind = rng.choice(["rational", "integer", "float", "float", "tiny"])
    if kind == "rational":
        return sp.Rational(rng.randint(-999, 999), rng.randint(1, 999))
    if kind == "integer":
        return sp.Integer(rng.randint(-9, 9))
    scale = 1e-12 if kind == "tiny" else 1.0
    return sp.Float(rng.uniform(-2, 2) * scale, 30) * sp.Rational(rng.randint(1, 97), rng.randint(1, 97))


@pytest.mark.parametrize("seed", range(20))
def test_every_operation_matches_sympy(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(200):
        a, b = random_number(rng), random_number(rng)
        for name, op in OPS.items():
            if name == "/" and b == 0:
                continue
            slow = op(a, b)
            fast = op(fr.from_sympy(a), fr.from_sympy(b))
            assert same(fast, slow), (a, name, b, fr.to_sympy(fast), slow)
            # a Python int meets a Float as SymPy's Integer does
            slow_int = op(3, a) if not (name == "/" and a == 0) else None
            if slow_int is not None:
                assert same(op(3, fr.from_sympy(a)), slow_int), (3, name, a)
        if a != 0:
            assert same(fr.from_sympy(a) ** 3, a**3) and same(-fr.from_sympy(a), -a)


@pytest.mark.parametrize("seed", range(5))
def test_sqrt_matches_exact_sqrt(seed: int) -> None:
    """Exact where the root is rational (perfect squares), else the same 30-digit Float as `exact_sqrt`."""
    rng = random.Random(seed)
    for _ in range(200):
        x = abs(random_number(rng))
        assert same(fr.sqrt(fr.from_sympy(x)), exact_sqrt(x)), x
    assert fr.sqrt(Fraction(9, 49)) == Fraction(3, 7) and same(fr.sqrt(Fraction(2)), exact_sqrt(sp.Integer(2)))
    with pytest.raises(ValueError):
        fr.sqrt(fr.from_sympy(sp.Float(-0.5, 30)))


def test_an_exact_zero_result_is_the_integer_zero() -> None:
    x = sp.Float("0.25", 30)
    assert (x - x) is sp.S.Zero and (x - x) + sp.Rational(1, 3) == sp.Rational(1, 3)  # SymPy's rule
    zero = fr.from_sympy(x) - fr.from_sympy(x)
    assert zero == 0 and isinstance(zero, Fraction)  # so what follows stays exact, as in SymPy
    assert fr.to_sympy(zero + Fraction(1, 3)) == sp.Rational(1, 3)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_rule_matches_the_rule_on_sympy(name: str) -> None:
    """The rule's every line, three steps in a row, on Rational and Float gradients: fastreal's run converted
    back equals the run on SymPy numbers to the last bit (so the derivations print what they printed before)."""
    rng = random.Random(name)
    optimizer = with_defaults(name, {})
    for _ in range(30):
        w = random_number(rng)
        slow_state = {k: sp.Integer(0) for k in optimizer.entry.state}
        fast_state = {k: fr.from_sympy(v) for k, v in slow_state.items()}
        fast_w, eta = fr.from_sympy(w), sp.Rational(rng.randint(1, 9), 10)
        for t in (1, 2, 3):
            g = random_number(rng)
            w, slow_state, slow_lines = run_rule(
                optimizer, w, g, slow_state, t, eta, number=lambda v: sp.Rational(v), sqrt=exact_sqrt, record=True
            )
            fast_w, fast_state, fast_lines = run_rule(
                optimizer,
                fast_w,
                fr.from_sympy(g),
                fast_state,
                t,
                Fraction(eta.p, eta.q),
                number=fr.setting,
                sqrt=fr.sqrt,
                record=True,
            )
            assert same(fast_w, w)
            assert all(same(fast_state[k], slow_state[k]) for k in slow_state)
            assert [same(f.value, s.value) for f, s in zip(fast_lines, slow_lines, strict=True)] == [True] * len(
                slow_lines
            )


def test_exact_arithmetic_stays_exact() -> None:
    """Momentum on rational gradients keeps fractions: the results are Rationals, not Floats."""
    optimizer = with_defaults("momentum", {})
    w, state, _ = run_rule(
        optimizer, Fraction(1, 3), Fraction(-2, 7), {"velocity": Fraction(1, 5)}, 2, Fraction(1, 2),
        number=lambda v: v, sqrt=None,
    )  # fmt: skip
    assert isinstance(fr.to_sympy(w), sp.Rational) and fr.to_sympy(w) == sp.Rational(1, 3) - sp.Rational(1, 2) * (
        sp.Rational(9, 10) * sp.Rational(1, 5) - sp.Rational(2, 7)
    )


def test_a_setting_remembers_its_operations_and_stays_exact() -> None:
    beta = fr.setting(Fraction(9, 10))
    assert fr.setting(Fraction(9, 10)) is beta and (1 - beta) is (1 - beta) and beta**3 is beta**3
    assert 1 - beta**3 == Fraction(271, 1000) and isinstance(1 - beta**3, Fraction)
    assert beta - 1 == Fraction(-1, 10) and beta * 2 == Fraction(9, 5)  # other operations: plain Fraction's

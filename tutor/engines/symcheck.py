"""The checks of every symbolic solve: the formulas give the exact engine's numbers, and the gradients are
the derivatives of the loss.

1. At every step, each closed form evaluated at the step's values (`tutor.maths.symeval`: exactly where
   every value is rational, else at 50 digits) equals the exact engine's value: exactly for Rationals, to
   `DIGITS` significant digits where a value is a 30-digit Float.
2. For networks of at most `MAX_DIFF_PARAMETERS` parameters and `MAX_DIFF_NEURONS` neurons, each closed-form
   gradient equals `sympy.diff` of the closed-form loss, compared at `POINTS` random rational points near
   step 1's values (every symbol moved by up to ±1/2): exactly where the network is rational, else to
   `DIFF_DIGITS` digits. Random points, since deciding the identity symbolically needs `simplify`.

A disagreement is a bug in nnstep: CrossCheckError (exit 1) naming the quantities.
"""

from __future__ import annotations

import random
from dataclasses import replace
from fractions import Fraction
from typing import Any

from tutor.errors import CrossCheckError
from tutor.maths.symeval import Evaluator, agree, is_real, to_value
from tutor.model.symbolic import SymbolicDerivation

DIGITS = 25
DIFF_DIGITS = 30
POINTS = 3
MAX_DIFF_PARAMETERS = 40
MAX_DIFF_NEURONS = 12
_SEED = 13  # the random points are the same on every run


def check_symbolic(symbolic: SymbolicDerivation, derivation: Any) -> SymbolicDerivation:
    """`symbolic` with the words of what was checked (`checks`); CrossCheckError where a check fails."""
    check_values(symbolic, [dict(s.items()) for s in derivation.steps])
    checks = [f"every closed form gives the exact engine's value at every step ({_digits_words()})"]
    if diff_checked(symbolic):
        check_gradients(symbolic)
        checks.append(f"every gradient equals sympy.diff of the closed-form loss at {POINTS} random rational points")
    return replace(symbolic, checks=tuple(checks))


def _digits_words() -> str:
    return f"exactly where rational, else to {DIGITS} digits"


def check_values(symbolic: SymbolicDerivation, numbers: list[dict[str, Any]]) -> None:
    """Each step's closed forms at its values against the exact engine's `numbers` (Step.items() per step)."""
    bad = []
    for step, values in zip(symbolic.steps, numbers, strict=True):
        if set(step.closed) != set(values):
            missing = sorted(set(values) ^ set(step.closed))
            raise CrossCheckError(f"the symbolic derivation has other quantities than the exact one: {missing[:5]}")
        ev = Evaluator({symbolic.symbols[k]: to_value(v) for k, v in step.values.items()})
        for key, form in step.closed.items():
            mine, theirs = ev(form), to_value(values[key])
            if not agree(mine, theirs, DIGITS):
                bad.append(f"step {step.index} {key}: formula {float(mine)!r} vs exact {float(theirs)!r}")
    _raise(bad, "the closed forms and the exact engine disagree")


def diff_checked(symbolic: SymbolicDerivation) -> bool:
    """Whether the network is small enough for the `sympy.diff` check."""
    params = [n for n, (kind, _) in symbolic.roles.items() if kind == "grad"]
    neurons = [n for n, (kind, _) in symbolic.roles.items() if kind == "out"]
    return len(params) <= MAX_DIFF_PARAMETERS and len(neurons) <= MAX_DIFF_NEURONS


def check_gradients(symbolic: SymbolicDerivation) -> None:
    """Every closed-form gradient against `sympy.diff` of the closed-form loss, at random points."""
    import sympy

    step = symbolic.steps[0]
    loss = step.closed["loss"]
    grads = {s: step.closed[f"{s}.grad"] for k, s in symbolic.roles.values() if k == "grad"}
    diffs = {p: sympy.diff(loss, symbolic.symbols[p]) for p in grads}
    rng = random.Random(_SEED)
    bad = []
    for ev in _points(symbolic, rng, [*grads.values(), *diffs.values()]):
        for p, form in grads.items():
            mine, theirs = ev(form), ev(diffs[p])
            if not agree(mine, theirs, DIFF_DIGITS):
                bad.append(f"{p}.grad: formula {float(mine)!r} vs diff of the loss {float(theirs)!r}")
    _raise(bad, "a closed-form gradient is not the derivative of the closed-form loss")


def check_graph(symbolic: SymbolicDerivation, derivation: Any) -> SymbolicDerivation:
    """A computation graph's: its closed forms against the graph engine's values, and each input's
    gradient against `sympy.diff` of the output's closed form at random points."""
    import sympy

    check_values(symbolic, [derivation.values()])
    step = symbolic.steps[0]
    output = step.closed[f"{derivation.problem.output}.value"]
    rng = random.Random(_SEED)
    bad = []
    diffs = {name: sympy.diff(output, symbol) for name, symbol in symbolic.symbols.items()}
    for ev in _points(symbolic, rng, [*diffs.values(), *(step.closed[f"{n}.grad"] for n in diffs)]):
        for name, diff in diffs.items():
            mine, theirs = ev(step.closed[f"{name}.grad"]), ev(diff)
            if not agree(mine, theirs, DIFF_DIGITS):
                bad.append(f"{name}.grad: formula {float(mine)!r} vs diff of the output {float(theirs)!r}")
    _raise(bad, "a closed-form gradient is not the derivative of the output")
    checks = f"every closed form gives the graph engine's value ({_digits_words()}); every input's gradient "
    return replace(symbolic, checks=(checks + f"equals sympy.diff of the output at {POINTS} random rational points",))


def _points(symbolic: SymbolicDerivation, rng: random.Random, forms: list[Any]) -> list[Evaluator]:
    """`POINTS` evaluators at random points where every one of `forms` is a finite real number (tried
    among 10·POINTS): each symbol moved from its step-1 value by a random rational within ±1/2."""
    step, found = symbolic.steps[0], []
    for _ in range(10 * POINTS):
        point = {
            symbolic.symbols[k]: to_value(v) + Fraction(rng.randint(-500, 500), 997) for k, v in step.values.items()
        }
        ev = Evaluator(point)
        try:
            if all(is_real(ev(f)) for f in forms):
                found.append(ev)
        except (ArithmeticError, ValueError):  # outside a function's domain there (log of a negative)
            continue
        if len(found) == POINTS:
            break
    return found


def _raise(bad: list[str], what: str) -> None:
    if bad:
        shown = "\n  ".join(bad[:10])
        more = f"\n  … and {len(bad) - 10} more" if len(bad) > 10 else ""
        raise CrossCheckError(
            f"{what} — this is a bug in nnstep, please report it with the problem file:\n  {shown}{more}"
        )

"""Cross-check the exact derivation against the independent float64 engine."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tutor.engines.floats import input_gradients_of, solve_numeric
from tutor.errors import CrossCheckError, ProblemError
from tutor.maths.numfmt import to_float
from tutor.maths.optimizers import STATE_WORDS
from tutor.model.derivation import Derivation
from tutor.model.keys import step_prefix
from tutor.model.problem import Problem

REL_TOL = 1e-9
ABS_TOL = 1e-12  # values that cancel to zero exactly come out of float64 as ~1e-17


def cross_check(derivation: Derivation, numeric: dict[str, float] | None = None) -> dict[str, float]:
    """Raise CrossCheckError naming every quantity where the engines disagree; return the float values."""
    problem = derivation.problem
    if numeric is None:
        try:
            with np.errstate(all="ignore"):  # an overflow shows as a value that is not finite, below
                numeric = solve_numeric(problem)
        except ArithmeticError:
            raise beyond_float64(problem) from None
    numeric = {**numeric, **input_gradients_of(problem, numeric)}
    bad = []
    for key, exact in _checkable(derivation).items():
        a, b = as_float(exact), numeric[key]
        if not (math.isfinite(a) and math.isfinite(b)):
            raise beyond_float64(problem, key)
        if not math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL):
            bad.append(f"{key}: exact {a!r} vs float64 {b!r}")
    if bad:
        shown = "\n  ".join(bad[:10])
        more = f"\n  … and {len(bad) - 10} more" if len(bad) > 10 else ""
        raise CrossCheckError(
            f"the SymPy and NumPy engines disagree beyond {REL_TOL:g} relative — this is a bug in nnstep, "
            f"please report it with the problem file:\n  {shown}{more}"
        )
    return numeric


def _checkable(derivation: Derivation) -> dict[str, Any]:
    """The values float64 can follow: all of them, but under an optimizer that divides by √s + ε, from the
    update of the first step where a gradient is 0 to within round-off (|g| ≤ ABS_TOL) on, the float64 step
    is that round-off over ε (PyTorch's too), while the exact engine has the true 0: those values are the
    exact engine's alone (the README's Optimizers section says so)."""
    values = {**derivation.values(), **derivation.input_gradient_values()}
    if not derivation.problem.optimizer.entry.divides_by_root:
        return values
    for step in derivation.steps:
        if any(
            abs(as_float(g.value)) <= ABS_TOL for g in step.gradients if g.parameter not in derivation.problem.frozen
        ):
            later = {step_prefix(k) for k in range(step.index + 1, len(derivation.steps) + 1)}
            own = step_prefix(step.index)
            return {
                k: v for k, v in values.items()
                if not (any(k.startswith(p) for p in later if p) or _is_update(k.removeprefix(own)))
            }  # fmt: skip
    return values


def _is_update(key: str) -> bool:
    """`w5.new` or a state key (`w5.m`) of a step (its prefix taken off)."""
    return key.count(".") == 1 and key.rsplit(".", 1)[1] in ("new", *STATE_WORDS)


def as_float(value: Any) -> float:
    """float(value), or ±inf when it is too large for float64 (a huge Fraction raises instead)."""
    try:
        return to_float(value)
    except OverflowError:
        return math.copysign(math.inf, value)


def beyond_float64(problem: Problem, key: str | None = None) -> ProblemError:
    """The float64 engine cannot follow the problem (an overflow, a sigmoid saturated to exactly 1): not a
    bug in either engine, but a problem past what can be cross-checked. Exit status 2."""
    where = f" ({key})" if key else ""
    return ProblemError(
        f"the values grow past what float64 can represent{where}, so they cannot be cross-checked: "
        "use smaller numbers, a smaller learning rate or fewer steps",
        file=problem.source,
    )

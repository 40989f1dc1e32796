"""An optimizer's step in the float64 engine (issue 15), keyed by answer keys (`w5.new`, `w5.m`, `w5.velocity`).

The rule is the registry's (`tutor.maths.optimizers`), evaluated on Python floats. A student's own state
value (`w5.m`) replaces the computed one before the update uses it (error carried forward)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from tutor.maths.optimizers import run_rule
from tutor.model.problem import Problem


def put_optimizer_step(
    problem: Problem,
    params: Mapping[str, float],
    grads: Mapping[str, float],
    state: Mapping[str, Mapping[str, float]],
    t: int,
    eta: float,
    bias_correction: bool,
    put: Callable[[str, float], object],
    given: Mapping[str, float],
) -> None:
    """`p.new` and each state key of every parameter through `put`; frozen parameters keep no state.
    `bias_correction`: False for the mistake model that leaves Adam's out (`Rules.bias_correction`)."""
    words = problem.optimizer.entry.state
    for p, w in params.items():
        if p in problem.frozen:
            put(f"{p}.new", w)
            continue
        before = {k: state.get(p, {}).get(k, 0.0) for k in words}
        own = {k: given[f"{p}.{k}"] for k in words if f"{p}.{k}" in given}
        new, after, _ = run_rule(
            problem.optimizer, w, grads[p], before, t, eta,
            number=float, sqrt=math.sqrt, bias_correction=bias_correction, given=own,
        )  # fmt: skip
        put(f"{p}.new", float(new))
        for k in words:
            put(f"{p}.{k}", float(after[k]))


def carried_state(
    problem: Problem, step: Mapping[str, float], given: Mapping[str, float]
) -> dict[str, dict[str, float]]:
    """The state the next step starts from: the student's own values where given, else the computed ones."""
    words = problem.optimizer.entry.state
    return {
        p: {k: given.get(f"{p}.{k}", step[f"{p}.{k}"]) for k in words}
        for p in problem.parameters
        if p not in problem.frozen and words
    }

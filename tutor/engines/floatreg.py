"""Regularization and dropout in the float64 engine (`tutor.engines.floats`), independent of the exact
engine's arithmetic (`tutor.engines.regdrop`), with the classic mistakes as settings: the L2 factor (λ
instead of λ/2 or the reverse), the penalty on the biases too, dropout's mask without the 1/(1 − p).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from tutor.engines.regdrop import dropped_neurons, penalised
from tutor.model.problem import Problem


def dropout_factors(problem: Problem, index: int, *, rescale: bool = True) -> dict[str, float]:
    """Neuron -> mask · 1/(1 − p) in step `index` (`rescale=False`: the mask alone, a mistake)."""
    dropout = problem.dropout
    if dropout is None:
        return {}
    scale = 1.0 / (1.0 - float(dropout.rate)) if rescale else 1.0
    mask = dropout.mask(index)
    return {n: scale * mask.get(n, 1) for n in dropped_neurons(problem)}


def penalty(
    problem: Problem, params: Mapping[str, float], *, l2_scale: float = 1.0, on_bias: bool = False, on: bool = True
) -> tuple[float, dict[str, float]]:
    """(the penalty, parameter -> its gradient term); (0, {}) without regularization. `l2_scale` 2: λ·Σw²
    with gradient 2λw; ½: (λ/4)·Σw² with gradient λw/2 (the factor ½ wrong in either direction)."""
    reg = problem.regularization
    if reg is None or not on:
        return 0.0, {}
    lam = float(reg.strength)
    weights = penalised(problem, on_bias=on_bias)
    if reg.kind == "l2":
        lam *= l2_scale
        return 0.5 * lam * sum(params[w] ** 2 for w in weights), {w: lam * params[w] for w in weights}
    return lam * sum(abs(params[w]) for w in weights), {w: lam * _sign(params[w]) for w in weights}


def _sign(x: float) -> float:
    return 0.0 if x == 0 else math.copysign(1.0, x)

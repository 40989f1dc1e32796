"""Regularization, dropout and input gradients in the exact engine (`tutor.engines.exact` calls these).

The penalty is added at the step, after the examples' losses are combined (a data set's batch takes it once,
as PyTorch's `loss + λ·…` does): L = data + (λ/2)·Σw² (L2) or λ·Σ|w| (L1), and each weight's gradient gets
λ·w or λ·sign(w) (0 at w = 0, the subgradient) as a term of its own. Dropout factors are the mask times
1/(1 − p) of step `index`'s mask, for the hidden neurons.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from tutor.maths import functions as fn
from tutor.model.backward import Delta, Downstream, Gradient, InputGradient, PenaltyGradient
from tutor.model.derivation import Loss, Penalty
from tutor.model.network import Network
from tutor.model.problem import Problem

Values = dict[str, Any]


def dropout_factors(problem: Problem, index: int) -> dict[str, tuple[int, Any]]:
    """Neuron -> (its mask, 1/(1 − p)) in step (iteration) `index`; empty without dropout."""
    dropout = problem.dropout
    if dropout is None:
        return {}
    mask = dropout.mask(index)
    scale = fn.exact(dropout.scale)
    return {n: (mask.get(n, 1), scale) for n in dropped_neurons(problem)}


def penalty_terms(problem: Problem, params: Mapping[str, Any]) -> tuple[Penalty | None, dict[str, PenaltyGradient]]:
    """(the penalty, parameter -> its gradient term) at these parameter values; (None, {}) without one."""
    reg = problem.regularization
    if reg is None:
        return None, {}
    lam = fn.exact(reg.strength)
    weights = tuple((w, params[w]) for w in penalised(problem))
    if reg.kind == "l2":
        total = lam / 2 * sum((v**2 for _, v in weights), fn.exact(0))
        terms = {w: fn.exact(lam * v) for w, v in weights}
    else:
        total = lam * sum((abs(v) for _, v in weights), fn.exact(0))
        terms = {w: fn.exact(lam * _sign(v)) for w, v in weights}
    grads = {w: PenaltyGradient(reg.kind, lam, v, terms[w]) for w, v in weights}
    return Penalty(reg.kind, lam, weights, fn.exact(total)), grads


def _sign(value: Any) -> Any:
    return fn.exact(1 if value > 0 else -1 if value < 0 else 0)


def regularize(
    problem: Problem, params: Mapping[str, Any], loss: Loss, gradients: tuple[Gradient, ...]
) -> tuple[Loss, tuple[Gradient, ...]]:
    """The loss and gradients with the penalty added (unchanged without regularization)."""
    penalty, terms = penalty_terms(problem, params)
    if penalty is None:
        return loss, gradients
    loss = replace(loss, value=fn.exact(loss.value + penalty.value), penalty=penalty)
    gradients = tuple(
        replace(g, value=fn.exact(g.value + terms[g.parameter].value), penalty=terms[g.parameter])
        if g.parameter in terms
        else g
        for g in gradients
    )
    return loss, gradients


def input_gradients(
    network: Network, params: Mapping[str, Any], deltas: tuple[Delta, ...]
) -> tuple[InputGradient, ...]:
    """∂L/∂x = Σ w · δ over the neurons each input feeds (answer keys `x1.grad`)."""
    delta = {d.neuron: d.value for d in deltas}
    out = []
    for x in network.problem.inputs:
        down = tuple(Downstream(k, p, params[p], delta[k]) for k, p in network.consumers[x])
        out.append(InputGradient(x, down, fn.exact(sum((d.parameter_value * d.delta for d in down), fn.exact(0)))))
    return tuple(out)


def penalised(problem: Problem, *, on_bias: bool = False) -> tuple[str, ...]:
    """The parameters the penalty is on: the weights (`on_bias`: every parameter, a classic mistake)."""
    if on_bias:
        return tuple(problem.parameters)
    biases = {n.bias for n in problem.neurons.values() if n.bias is not None}
    return tuple(p for p in problem.parameters if p not in biases)


def dropped_neurons(problem: Problem) -> tuple[str, ...]:
    """The neurons dropout applies to: every neuron without a target (the hidden ones)."""
    return tuple(n for n in problem.neurons if n not in problem.targets)

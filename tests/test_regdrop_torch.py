"""Regularization, dropout, hinge and huber against PyTorch (float64 autograd) on random networks, 2–4 steps.

PyTorch is the independent reference: the penalty is added to the loss as a tensor expression
((λ/2)·Σw² or λ·Σ|w| over the weights, the parameters that are no neuron's bias), dropout multiplies each
hidden neuron's output by its mask and 1/(1 − p), hinge is CS231n's Σ_{j≠c} max(0, s_j − s_c + 1) written
with torch.relu (whose subgradient at 0 is 0), huber is `torch.nn.functional.huber_loss` (reduction mean).
Every loss, gradient (of the parameters and of the inputs) and updated parameter agrees to 1e-9 relative.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from netgen import problems
from test_engine_torch import torch_loss

from tutor.engines.crosscheck import cross_check
from tutor.engines.exact import derive
from tutor.errors import ProblemError
from tutor.maths.activations import Activation
from tutor.model.problem import Problem
from tutor.model.regdrop import Dropout, Regularization

torch = pytest.importorskip("torch", reason="PyTorch is an optional test dependency (pip install torch)")
pytestmark = pytest.mark.torch
F = torch.nn.functional
f64 = torch.float64

ACTS = {
    "identity": lambda x, a: x,
    "sigmoid": lambda x, a: torch.sigmoid(x),
    "tanh": lambda x, a: torch.tanh(x),
    "relu": lambda x, a: torch.relu(x),
    "leaky_relu": lambda x, a: F.leaky_relu(x, a),
    "elu": lambda x, a: F.elu(x, a),
    "softplus": lambda x, a: F.softplus(x),
    "arctan": lambda x, a: torch.atan(x),
}


def _hinge(problem: Problem) -> Problem:
    """The network with identity outputs and a one-hot target, under the hinge loss."""
    neurons = {
        n: replace(v, activation=Activation("identity")) if n in problem.targets else v
        for n, v in problem.neurons.items()
    }
    hot = sorted(problem.targets)[len(problem.targets) // 2]
    return replace(
        problem, neurons=neurons, loss="hinge", targets={o: Fraction(int(o == hot)) for o in problem.targets}
    )


@st.composite
def regdrop_problems(draw: st.DrawFn) -> Problem:
    base = draw(problems())
    loss = draw(st.sampled_from(["keep", "hinge", "huber"]))
    if loss == "hinge":
        base = _hinge(base)
    elif loss == "huber":
        base = replace(
            base,
            loss="huber",
            loss_options={"delta": draw(st.sampled_from([Fraction(1, 2), Fraction(1), Fraction(2)]))},
        )
    steps = draw(st.integers(2, 4))
    kind = draw(st.sampled_from(["l2", "l1", None]))
    reg = (
        Regularization(kind, draw(st.sampled_from([Fraction(0), Fraction(1, 100), Fraction(1, 10), Fraction(1, 2)])))
        if kind
        else None
    )
    hidden = [n for n in base.neurons if n not in base.targets]
    dropout = None
    if hidden and draw(st.booleans()):
        rate = draw(st.sampled_from([Fraction(0), Fraction(1, 5), Fraction(1, 2), Fraction(3, 4)]))
        masks = tuple({n: draw(st.integers(0, 1)) for n in hidden if draw(st.booleans())} for _ in range(steps))
        dropout = Dropout(rate, masks)
    return replace(base, steps=steps, regularization=reg, dropout=dropout)


def _weights(problem: Problem) -> list[str]:
    biases = {n.bias for n in problem.neurons.values() if n.bias}
    return [p for p in problem.parameters if p not in biases]


def torch_step(
    problem: Problem, params: dict[str, float], index: int
) -> tuple[float, dict[str, float], dict[str, float]]:
    """(the loss, ∂L/∂parameter, ∂L/∂input) of step `index` at `params`, by autograd."""
    t = {k: torch.tensor(v, dtype=f64, requires_grad=True) for k, v in params.items()}
    x = {k: torch.tensor(float(v), dtype=f64, requires_grad=True) for k, v in problem.inputs.items()}
    loss = _data_loss(problem, t, x, index) + _penalty(problem, t)
    if loss.requires_grad:  # not when it is a constant (hinge over one class, no penalty): every gradient 0
        loss.backward()
    return float(loss.detach()), _grads(t), _grads(x)


def _grads(tensors: dict) -> dict[str, float]:
    return {k: float(v.grad) if v.grad is not None else 0.0 for k, v in tensors.items()}


def _data_loss(problem: Problem, t: dict, x: dict, index: int):
    """The loss of the outputs on inputs `x`, with step (iteration) `index`'s dropout mask."""
    vals, nets = dict(x), {}
    mask = problem.dropout.mask(index) if problem.dropout else {}
    while len(nets) < len(problem.neurons):
        for n, neuron in problem.neurons.items():
            if n in nets or not all(c.source in vals for c in neuron.inputs):
                continue
            net = sum((vals[c.source] * t[c.parameter] for c in neuron.inputs), torch.tensor(0.0, dtype=f64))
            nets[n] = net + t[neuron.bias] if neuron.bias else net
            if neuron.activation.name != "softmax":
                vals[n] = ACTS[neuron.activation.name](nets[n], float(neuron.activation.alpha or 0))
                if problem.dropout and n not in problem.targets:
                    vals[n] = vals[n] * mask.get(n, 1) / (1 - float(problem.dropout.rate))
    group = [n for n in problem.neurons if problem.neurons[n].activation.name == "softmax"]
    if group:
        sm = torch.softmax(torch.stack([nets[n] for n in group]), 0)
        vals.update({n: sm[i] for i, n in enumerate(group)})
    return _loss(problem, torch.stack([vals[o] for o in problem.targets]))


def _loss(problem: Problem, y):
    tg = torch.tensor([float(v) for v in problem.targets.values()], dtype=f64)
    if problem.loss == "hinge":  # CS231n's multiclass SVM loss
        c = [float(v) for v in problem.targets.values()].index(1.0)
        others = [j for j in range(len(y)) if j != c]
        return sum((torch.relu(y[j] - y[c] + 1) for j in others), torch.tensor(0.0, dtype=f64))
    if problem.loss == "huber":
        return F.huber_loss(y, tg, reduction="mean", delta=float(problem.loss_options["delta"]))
    return torch_loss(problem.loss, y, tg)


def _penalty(problem: Problem, t: dict):
    reg = problem.regularization
    zero = torch.tensor(0.0, dtype=f64)
    if reg is None:
        return zero
    lam = float(reg.strength)
    if reg.kind == "l2":
        return lam / 2 * sum((t[w] ** 2 for w in _weights(problem)), zero)
    return lam * sum((torch.abs(t[w]) for w in _weights(problem)), zero)


def close(a: float, b: float) -> bool:
    return abs(a - b) <= max(1e-9 * max(abs(a), abs(b)), 1e-12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(regdrop_problems())
def test_penalty_dropout_hinge_huber_match_pytorch(problem: Problem) -> None:
    try:
        derivation = derive(problem)
    except ProblemError:  # exact fractions past the digit limit
        assume(False)
    params = {k: float(v) for k, v in problem.parameters.items()}
    for step in derivation.steps:
        loss, grads, input_grads = torch_step(problem, params, step.index)
        assert close(float(step.loss.value), loss)
        for g in step.gradients:
            assert close(float(g.value), grads[g.parameter]), g.parameter
        for ig in step.input_gradients:
            assert close(float(ig.value), input_grads[ig.input]), ig.input
        eta = float(problem.learning_rate)
        params = {k: v if k in problem.frozen else v - eta * grads[k] for k, v in params.items()}
        assert all(close(float(u.new), params[u.parameter]) for u in step.updates)
        params = {u.parameter: float(u.new) for u in step.updates}
    cross_check(derivation)  # and the float64 engine agrees with the exact one


def test_a_data_set_with_penalty_and_dropout_matches_pytorch(tmp_path) -> None:
    """Each iteration's batch: the examples' losses summed (one mask for the batch), plus the penalty once."""
    from test_regdrop import DATA

    from tutor.engines.solver import solve_file

    path = tmp_path / "d.yaml"
    path.write_text(DATA, encoding="utf-8")
    derivation = solve_file(path, detail=4)
    problem = derivation.problem
    params = {k: float(v) for k, v in problem.parameters.items()}
    for step, batch in zip(derivation.steps, ([0, 1], [2, 3], [0, 1], [2, 3]), strict=True):
        t = {k: torch.tensor(v, dtype=f64, requires_grad=True) for k, v in params.items()}
        loss = _penalty(problem, t)
        for k in batch:  # reduction: sum
            ex = problem.data[k]
            x = {n: torch.tensor(float(v), dtype=f64) for n, v in ex.inputs.items()}
            loss = loss + _data_loss(replace(problem, targets=ex.targets), t, x, step.index)
        loss.backward()
        grads = _grads(t)
        assert close(float(step.loss.value), float(loss.detach()))
        assert all(close(float(g.value), grads[g.parameter]) for g in step.gradients)
        params = {k: v - 0.5 * grads[k] for k, v in params.items()}
        assert all(close(float(u.new), params[u.parameter]) for u in step.updates)

"""The exact engine against PyTorch (float64 autograd) on random networks, when PyTorch is installed."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from netgen import problems

from tutor.engines.exact import derive
from tutor.model.problem import Problem

torch = pytest.importorskip("torch", reason="PyTorch is an optional test dependency (pip install torch)")
pytestmark = pytest.mark.torch

F = torch.nn.functional


def _act(name: str, x, alpha: float):
    table = {
        "identity": lambda: x,
        "sigmoid": lambda: torch.sigmoid(x),
        "tanh": lambda: torch.tanh(x),
        "relu": lambda: torch.relu(x),
        "leaky_relu": lambda: F.leaky_relu(x, alpha),
        "elu": lambda: F.elu(x, alpha),
        "softplus": lambda: F.softplus(x),
        "arctan": lambda: torch.atan(x),
    }
    return table[name]()


def torch_loss(name: str, y, tg):
    """The loss `name` of outputs `y` and targets `tg` as torch computes it (the losses of netgen's networks)."""
    return {
        "half_sse": lambda: 0.5 * ((tg - y) ** 2).sum(),
        "sse": lambda: ((tg - y) ** 2).sum(),
        "mse": lambda: ((tg - y) ** 2).mean(),
        "bce": lambda: F.binary_cross_entropy(y, tg, reduction="sum"),
        "cross_entropy": lambda: -(tg * torch.log(y)).sum(),
    }[name]()


def torch_step(problem: Problem, params: dict) -> tuple[float, dict[str, float]]:
    t = {k: torch.tensor(float(v), dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    vals = {k: torch.tensor(float(v), dtype=torch.float64) for k, v in problem.inputs.items()}
    nets = {}
    done = False
    while not done:
        done = True
        for n, neuron in problem.neurons.items():
            if n in nets or not all(c.source in vals for c in neuron.inputs):
                done = done and n in nets
                continue
            net = sum(
                (vals[c.source] * t[c.parameter] for c in neuron.inputs),
                torch.tensor(0.0, dtype=torch.float64),
            )
            if neuron.bias:
                net = net + t[neuron.bias]
            nets[n] = net
            if neuron.activation.name != "softmax":
                vals[n] = _act(neuron.activation.name, net, float(neuron.activation.alpha or 0))
            done = False
    group = [n for n in problem.neurons if problem.neurons[n].activation.name == "softmax"]
    if group:
        sm = torch.softmax(torch.stack([nets[n] for n in group]), 0)
        vals.update({n: sm[i] for i, n in enumerate(group)})
    y = torch.stack([vals[o] for o in problem.targets])
    tg = torch.tensor([float(v) for v in problem.targets.values()], dtype=torch.float64)
    loss = torch_loss(problem.loss, y, tg)
    loss.backward()
    return float(loss.detach()), {k: float(v.grad) if v.grad is not None else 0.0 for k, v in t.items()}


def close(a: float, b: float) -> bool:
    return abs(a - b) <= max(1e-9 * max(abs(a), abs(b)), 1e-12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_exact_engine_matches_pytorch(problem):
    params = dict(problem.parameters)
    for step in derive(problem).steps:
        loss, grads = torch_step(problem, params)
        assert close(float(step.loss.value), loss)
        for g in step.gradients:
            assert close(float(g.value), grads[g.parameter]), (
                g.parameter,
                float(g.value),
                grads[g.parameter],
            )
        params = {u.parameter: u.new for u in step.updates}

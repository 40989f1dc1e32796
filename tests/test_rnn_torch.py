"""The recurrent layer (issue 16) against PyTorch float64: random RNNs unrolled by nnstep, backpropagation
through time by autograd.

The reference is an RNN loop written in torch (h_t = f(W_x x_t + W_h h_{t−1} + b), a dense read-out with
shared weights at each step with a target) and, where it matches, `torch.nn.RNN` itself. Sizes 1–3 inputs,
1–4 units, 0–2 read-out layers' sizes, activations tanh/relu/sigmoid, 1–5 steps, the last step's target
or one per step, losses sse/mse/half_sse, two gradient-descent steps: every loss, gradient and updated
parameter agrees to 1e-9 relative.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from tutor.engines.exact import derive
from tutor.engines.solver import load_source, solve_problem
from tutor.render.json import to_dict

torch = pytest.importorskip("torch", reason="PyTorch is an optional test dependency (pip install torch)")
pytestmark = pytest.mark.torch
f64 = torch.float64
ACTS = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid, "identity": lambda x: x}


def _num(rng: random.Random) -> float:
    return round(rng.uniform(-1, 1), 2)


def _mat(rng: random.Random, rows: int, cols: int) -> list[list[float]]:
    return [[_num(rng) for _ in range(cols)] for _ in range(rows)]


def random_rnn(seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    d, h, t = rng.randint(1, 3), rng.randint(1, 4), rng.randint(1, 5)
    rnn = {"name": "h", "type": "rnn", "activation": rng.choice(["tanh", "relu", "sigmoid"])}
    rnn |= {"input_weights": _mat(rng, h, d), "recurrent_weights": _mat(rng, h, h), "biases": _mat(rng, 1, h)[0]}
    if rng.random() < 0.5:
        rnn["initial"] = _mat(rng, 1, h)[0]
    layers: list[dict[str, Any]] = [{"name": "x", "size": d}, rnn]
    size = h
    for i in range(rng.choice([0, 1, 1, 2])):
        out = rng.randint(1, 2)
        act = rng.choice(["identity", "sigmoid", "tanh"])
        layers.append(
            {"name": f"y{i}", "activation": act, "weights": _mat(rng, out, size), "biases": _mat(rng, 1, out)[0]}
        )
        size = out
    per_step = rng.random() < 0.5
    targets = _mat(rng, t, size) if per_step else _mat(rng, 1, size)[0]
    return {
        "layers": layers,
        "sequence": _mat(rng, t, d),
        "targets": targets,
        "loss": rng.choice(["sse", "mse", "half_sse"]),
        "learning_rate": 0.1,
        "steps": 2,
    }


def reference(spec: dict[str, Any]) -> list[tuple[float, dict[str, float], dict[str, float]]]:
    """Per gradient-descent step: (loss, gradients, new parameters) by torch autograd, names as nnstep's."""
    params = _torch_params(spec)
    out = []
    for _ in range(spec["steps"]):
        loss = _loss(spec, params)
        names = list(params)
        grads = torch.autograd.grad(loss, [params[n] for n in names])
        g = dict(zip(names, grads, strict=True))
        params = {n: (params[n] - spec["learning_rate"] * g[n]).detach().requires_grad_(True) for n in names}
        out.append((loss.item(), _flat(g), _flat(params)))
    return out


def _torch_params(spec: dict[str, Any]) -> dict[str, Any]:
    def tensor(v: Any) -> Any:
        return torch.tensor(v, dtype=f64, requires_grad=True)

    rnn = spec["layers"][1]
    params = {f"h.{k}": tensor(rnn[k]) for k in ("input_weights", "recurrent_weights", "biases")}
    for layer in spec["layers"][2:]:
        params |= {f"{layer['name']}.{k}": tensor(layer[k]) for k in ("weights", "biases")}
    return params


def _loss(spec: dict[str, Any], p: dict[str, Any]) -> Any:
    layers, seq = spec["layers"], torch.tensor(spec["sequence"], dtype=f64)
    rnn = layers[1]
    act = ACTS[rnn["activation"]]
    h = torch.tensor(rnn.get("initial", [0.0] * len(rnn["recurrent_weights"])), dtype=f64)
    per_step = isinstance(spec["targets"][0], list)
    targets = spec["targets"] if per_step else [spec["targets"]]
    outs = []
    for t in range(len(seq)):
        h = act(p["h.input_weights"] @ seq[t] + p["h.recurrent_weights"] @ h + p["h.biases"])
        if per_step or t == len(seq) - 1:
            y = h
            for layer in layers[2:]:
                y = ACTS[layer["activation"]](p[f"{layer['name']}.weights"] @ y + p[f"{layer['name']}.biases"])
            outs.append(y)
    err = torch.cat(outs) - torch.tensor(targets, dtype=f64).flatten()
    total = (err**2).sum()
    return {"sse": total, "half_sse": total / 2, "mse": total / err.numel()}[spec["loss"]]


def _flat(tensors: dict[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, t in tensors.items():
        for index in torch.cartesian_prod(*(torch.arange(n) for n in t.shape)) if t.dim() > 1 else range(len(t)):
            idx = [int(i) for i in index] if t.dim() > 1 else [int(index)]
            out[name + "".join(f"[{i}]" for i in idx)] = t[tuple(idx)].item()
    return out


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


@pytest.mark.parametrize("seed", range(40))
def test_random_rnn_matches_torch(seed: int) -> None:
    spec = random_rnn(seed)
    derivation = solve_problem(load_source(json.dumps(spec) + "\n", "<text>"))  # cross-checked against float64
    for step, (loss, grads, new) in zip(derivation.steps, reference(spec), strict=True):
        assert _close(float(step.loss.value), loss), (seed, step.index)
        ours = {g.parameter: float(g.value) for g in step.gradients}
        assert ours.keys() == grads.keys()
        assert all(_close(ours[k], grads[k]) for k in grads), (seed, ours, grads)
        assert all(_close(float(u.new), new[u.parameter]) for u in step.updates)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_matches_torch_nn_rnn(nonlinearity: str) -> None:
    """`torch.nn.RNN` (b_hh = 0, batch of one) gives the same hidden states and ∂L/∂W_hh, ∂L/∂W_ih, ∂L/∂b."""
    spec = random_rnn(7)
    spec["layers"] = spec["layers"][:2]
    rnn = spec["layers"][1] | {"activation": nonlinearity, "initial": [0.0] * len(spec["layers"][1]["biases"])}
    spec["layers"][1] = rnn
    spec["targets"] = [[0.5] * len(rnn["biases"]) for _ in spec["sequence"]]
    spec["loss"] = "sse"
    units, inputs = len(rnn["biases"]), len(rnn["input_weights"][0])
    net = torch.nn.RNN(inputs, units, nonlinearity=nonlinearity, dtype=f64)
    with torch.no_grad():
        net.weight_ih_l0.copy_(torch.tensor(rnn["input_weights"], dtype=f64))
        net.weight_hh_l0.copy_(torch.tensor(rnn["recurrent_weights"], dtype=f64))
        net.bias_ih_l0.copy_(torch.tensor(rnn["biases"], dtype=f64))
        net.bias_hh_l0.zero_()
    hs, _ = net(torch.tensor(spec["sequence"], dtype=f64))
    ((hs - 0.5) ** 2).sum().backward()
    record = to_dict(derive(load_source(json.dumps(spec) + "\n", "<text>")))["steps"][0]
    assert torch.allclose(torch.tensor(record["layer_outputs"]["h"], dtype=f64), hs.detach(), rtol=1e-12, atol=0)
    grads = record["layer_gradients"]["h"]
    for ours, theirs in (("recurrent_weights", net.weight_hh_l0), ("input_weights", net.weight_ih_l0)):
        assert torch.allclose(torch.tensor(grads[ours], dtype=f64), theirs.grad, rtol=1e-9, atol=1e-12)
    assert torch.allclose(torch.tensor(grads["biases"], dtype=f64), net.bias_ih_l0.grad, rtol=1e-9, atol=1e-12)

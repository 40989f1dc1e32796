"""Convolution and max-pooling layers (issue 16) against PyTorch (float64 autograd).

Random layers of every option (conv1d/conv2d, stride, zero padding, in and out channels, with and without
biases, max pooling with its own stride, a dense output after the flattened map) are written as layer-form
files, expanded into the neuron form and derived exactly (and cross-checked in float64); PyTorch's
`conv1d`/`conv2d`/`max_pool1d`/`max_pool2d` on the same numbers give the reference outputs, loss,
gradients of every kernel, bias and weight, and the updated values, to 1e-9.
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

import pytest

from tutor.engines.convform import map_layers
from tutor.engines.crosscheck import cross_check
from tutor.engines.exact import derive
from tutor.files.loader import problem_from_data

torch = pytest.importorskip("torch", reason="PyTorch is an optional test dependency (pip install torch)")
pytestmark = pytest.mark.torch
F = torch.nn.functional
LR = Fraction(1, 10)


def rand_nested(rng: random.Random, shape: tuple[int, ...]) -> Any:
    if len(shape) == 1:
        return [Fraction(rng.randint(-20, 20), 10) for _ in range(shape[0])]
    return [rand_nested(rng, shape[1:]) for _ in range(shape[0])]


def random_case(seed: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """A layer-form file (numbers as "a/b" strings) and the same numbers for PyTorch."""
    rng = random.Random(seed)
    dims = rng.choice([1, 2])
    c_in, c_out = rng.randint(1, 2), rng.randint(1, 2)
    n = rng.randint(3, 6)
    k, stride, pad = rng.randint(1, 3), rng.randint(1, 2), rng.randint(0, 1)
    x_shape = (c_in, *([n] * dims))
    kernels = rand_nested(rng, (c_out, c_in, *([k] * dims)))
    biases = rand_nested(rng, (c_out,)) if rng.random() < 0.7 else None
    out = (n + 2 * pad - k) // stride + 1
    act = rng.choice(["relu", "identity", "tanh", "sigmoid"])
    conv: dict[str, Any] = {"name": "c", "type": f"conv{dims}d", "kernels": kernels, "stride": stride}
    conv.update({"padding": pad, "activation": act} if pad or rng.random() < 0.5 else {"activation": act})
    if biases is not None:
        conv["biases"] = biases
    layers: list[dict[str, Any]] = [{"name": "x", "shape": list(x_shape)}, conv]
    pool = None
    if out >= 2 and rng.random() < 0.7:
        size = 2
        pstride = rng.choice([1, 2])
        pool = (size, pstride)
        layers.append({"name": "p", "type": f"maxpool{dims}d", "size": size, "stride": pstride})
        out = (out - size) // pstride + 1
    flat = c_out * out**dims
    n_out = rng.randint(1, 2)
    dense = {"name": "y", "activation": "sigmoid", "weights": rand_nested(rng, (n_out, flat)), "biases": [0] * n_out}
    layers.append(dense)
    inputs = rand_nested(rng, x_shape)
    targets = [Fraction(rng.randint(0, 10), 10) for _ in range(n_out)]
    data = {"layers": layers, "inputs": inputs, "targets": targets, "loss": "half_sse", "learning_rate": "1/10"}
    spec = {"dims": dims, "stride": stride, "pad": pad, "pool": pool, "act": act, "biases": biases is not None}
    return _strings(data), spec


def _strings(value: Any) -> Any:
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, list):
        return [_strings(v) for v in value]
    if isinstance(value, dict):
        return {k: _strings(v) for k, v in value.items()}
    return value


def _tensor(value: Any) -> Any:
    def num(v: Any) -> Any:
        return [num(x) for x in v] if isinstance(v, list) else float(Fraction(v))

    return torch.tensor(num(value), dtype=torch.float64, requires_grad=True)


ACTS = {"relu": torch.relu, "identity": lambda z: z, "tanh": torch.tanh, "sigmoid": torch.sigmoid}


def torch_reference(data: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    conv, dense = data["layers"][1], data["layers"][-1]
    x = _tensor(data["inputs"])
    k, w, b_y = _tensor(conv["kernels"]), _tensor(dense["weights"]), _tensor(dense["biases"])
    b_c = _tensor(conv["biases"]) if spec["biases"] else None
    conv_fn, pool_fn = (F.conv1d, F.max_pool1d) if spec["dims"] == 1 else (F.conv2d, F.max_pool2d)
    c = ACTS[spec["act"]](conv_fn(x.unsqueeze(0), k, b_c, stride=spec["stride"], padding=spec["pad"]))[0]
    m = pool_fn(c.unsqueeze(0), spec["pool"][0], stride=spec["pool"][1])[0] if spec["pool"] else c
    y = torch.sigmoid(w @ m.flatten() + b_y)
    t = torch.tensor([float(Fraction(v)) for v in data["targets"]], dtype=torch.float64)
    loss = 0.5 * ((t - y) ** 2).sum()
    loss.backward()
    grads = {"c.kernels": k.grad, "y.weights": w.grad, "y.biases": b_y.grad}
    if b_c is not None:
        grads["c.biases"] = b_c.grad
    return {
        "loss": loss.item(),
        "c": c.detach(),
        "y": y.detach(),
        "grads": grads,
        "x_grad": x.grad,
        "values": {
            "c.kernels": k.detach(),
            "y.weights": w.detach(),
            "y.biases": b_y.detach(),
            **({"c.biases": b_c.detach()} if b_c is not None else {}),
        },
    }


def _element(tensor: Any, name: str) -> float:
    index = [int(i) for i in name[name.index("[") + 1 : -1].split("][")]
    return float(tensor[tuple(index)])


def _close(a: Any, b: float) -> bool:
    return abs(float(a) - b) <= 1e-9 * max(1.0, abs(b))


@pytest.mark.parametrize("seed", range(40))
def test_conv_pool_dense_matches_pytorch(seed: int) -> None:
    data, spec = random_case(seed)
    problem = problem_from_data(data, file=f"case{seed}.yaml")
    derivation = derive(problem)
    cross_check(derivation)  # the float64 engine agrees with the exact one
    ref = torch_reference(data, spec)
    step = derivation.steps[0]
    assert _close(step.loss.value, ref["loss"])
    out = {f.neuron: f.out for f in step.forward}
    for name in (n for n in out if n.startswith("c[")):
        assert _close(out[name], _element(ref["c"], name)), name
    for g in step.gradients:
        field = g.parameter[: g.parameter.index("[")]
        assert _close(g.value, _element(ref["grads"][field], g.parameter)), (g.parameter, spec)
    for u in step.updates:
        field = u.parameter[: u.parameter.index("[")]
        expected = _element(ref["values"][field], u.parameter) - float(LR) * _element(ref["grads"][field], u.parameter)
        assert _close(u.new, expected), u.parameter
    assert len(step.gradients) == sum(t.numel() for t in ref["grads"].values())
    check_compact_form(problem, step, ref)


def check_compact_form(problem: Any, step: Any, ref: dict[str, Any]) -> None:
    """The compact view's own matrix operations: ∂L/∂K as the correlation of the padded input with the δ map,
    ∂L/∂X as the full convolution of δ with the flipped kernel (PyTorch's x.grad), the conv's output map."""
    params = {u.parameter: u.old for u in step.updates}
    conv = map_layers(problem, params, step.forward, step.deltas, problem.inputs)[0]
    k = ref["grads"]["c.kernels"]
    dims = k.dim() - 2
    for o, per_in in enumerate(conv.grad_kernels):
        for i, grid in enumerate(per_in):
            expected = k[o, i] if dims == 2 else k[o, i].unsqueeze(0)
            assert all(_close(grid[r][q], float(expected[r, q])) for r in range(len(grid)) for q in range(len(grid[0])))
    xg = ref["x_grad"] if dims == 2 else ref["x_grad"].unsqueeze(1)
    for i, grid in enumerate(conv.grad_input):
        assert all(_close(grid[r][q], float(xg[i, r, q])) for r in range(len(grid)) for q in range(len(grid[0])))
    out = ref["c"] if dims == 2 else ref["c"].unsqueeze(1)
    assert all(
        _close(v, float(out[o, r, q]))
        for o, m in enumerate(conv.out)
        for r, row in enumerate(m)
        for q, v in enumerate(row)
    )


def test_the_trainer_pools_as_pytorch(tmp_path: Any) -> None:
    """A neuron-form data set with a max-pooling neuron, trained by the vectorised trainer (`nnstep train`),
    against the same full-batch SGD in PyTorch: max_pool1d over the two inputs, sigmoid output, mean bce."""
    import json

    from typer.testing import CliRunner

    from tutor.cli import app

    path = tmp_path / "pool-data.yaml"
    rows = [((1.0, 3.0), 1.0), ((2.0, -1.0), 0.0), ((1.0, 2.0), 1.0)]  # the last one a tie: 1·1 = 2·0.5
    data = "".join(f"  - {{inputs: {{x1: {a}, x2: {b}}}, targets: {{y: {t}}}}}\n" for (a, b), t in rows)
    path.write_text(
        "neurons:\n  h1: {inputs: {x1: u1}, activation: identity}\n  h2: {inputs: {x2: u2}, activation: identity}\n"
        "  p: {max: [h1, h2]}\n  y: {inputs: {p: w}, bias: b, activation: sigmoid}\n"
        f"parameters: {{u1: 1, u2: 0.5, w: 0.5, b: 0}}\ndata:\n{data}epochs: 4\nloss: bce\nlearning_rate: 0.5\n"
    )
    result = CliRunner().invoke(app, ["train", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    final = json.loads(result.output)["final"]
    params = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in (("u1", 1.0), ("u2", 0.5))}
    params.update({k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in (("w", 0.5), ("b", 0.0))})
    x = torch.tensor([r[0] for r in rows], dtype=torch.float64)
    t = torch.tensor([r[1] for r in rows], dtype=torch.float64)
    for _ in range(4):
        h = x * torch.stack([params["u1"], params["u2"]])  # the pooling routes δ back to u1 or u2
        p = F.max_pool1d(h.unsqueeze(1), 2).flatten()
        loss = F.binary_cross_entropy(torch.sigmoid(params["w"] * p + params["b"]), t)
        grads = torch.autograd.grad(loss, list(params.values()))
        with torch.no_grad():
            for v, g in zip(params.values(), grads, strict=True):
                v -= 0.5 * g
    assert all(_close(final[k], v.item()) for k, v in params.items()), (final, params)
    assert final["u1"] != 1.0 and final["u2"] != 0.5  # both routes were taken

"""The layer form (issue 6): expansion to the neuron graph, generated names, BP1–BP4, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import PROBLEMS
from typer.testing import CliRunner

from tutor.cli import app
from tutor.engines.matrixform import matrix_backward
from tutor.engines.solver import solve_file
from tutor.files.loader import load_problem

LAYERS = PROBLEMS / "xor-relu-layers.yaml"


def invoke(*args: str) -> object:
    return CliRunner().invoke(app, list(args), env={"NO_COLOR": "1"})


def test_layer_form_expands_to_the_seed_xor_network() -> None:
    p = load_problem(LAYERS)
    assert list(p.inputs) == ["x1", "x2"] and list(p.targets) == ["y1"]
    assert list(p.neurons) == ["h1", "h2", "y1"]
    assert p.parameters == {"wh_11": 1, "wh_12": 1, "bh_1": 0, "wh_21": 1, "wh_22": 1, "bh_2": -1,
                            "wy_11": 1, "wy_12": -2, "by_1": 0}  # fmt: skip
    assert p.neurons["h2"].net_label == "zh2"
    assert p.layer_names == (("x", ("x1", "x2")), ("h", ("h1", "h2")), ("y", ("y1",)))


@pytest.mark.parametrize("x1,x2,expected", [(0, 0, 0), (0, 1, 1), (1, 0, 1), (1, 1, 0)])
def test_layer_form_computes_xor(tmp_path: Path, x1: int, x2: int, expected: int) -> None:
    path = tmp_path / "xor.yaml"
    path.write_text(LAYERS.read_text().replace("inputs: [1, 1]", f"inputs: [{x1}, {x2}]"))
    step = json.loads(invoke("solve", str(path), "--format", "json").output)["steps"][0]
    assert step["forward"]["y1"]["out"] == expected


def test_same_numbers_as_the_neuron_form(tmp_path: Path) -> None:
    neuron_form = solve_file(PROBLEMS / "relu-exercise.yaml").values()
    path = tmp_path / "relu.yaml"
    path.write_text(
        "layers:\n  - {name: x, size: 2}\n"
        "  - {name: y, activation: relu, weights: [[2, -3], [1, 4]]}\n"
        "  - {name: o, activation: relu, weights: [[2, -1]], biases: [0]}\n"
        "inputs: [1, -1]\ntargets: [0]\nloss: half_sse\nlearning_rate: 0.1\n"
    )
    layer_form = solve_file(path).values()
    assert layer_form["o1.out"] == neuron_form["y5.out"] == 10
    assert layer_form["loss"] == neuron_form["loss"] == 50
    assert [layer_form[f"{w}.new"] for w in ("wy_11", "wy_12", "wy_21", "wy_22", "wo_11", "wo_12")] == [
        neuron_form[f"{w}.new"] for w in ("w13", "w23", "w14", "w24", "w35", "w45")
    ]


def test_bp1_to_bp4_agree_with_the_per_weight_gradients(tmp_path: Path) -> None:
    path = tmp_path / "sig.yaml"
    path.write_text(
        "layers:\n  - {name: x, size: 2}\n"
        "  - {name: h, activation: sigmoid, weights: [[0.15, 0.2], [0.25, 0.3]], biases: [0.35, 0.35]}\n"
        "  - {name: o, activation: sigmoid, weights: [[0.4, 0.45], [0.5, 0.55]], biases: [0.6, 0.6]}\n"
        "inputs: [0.05, 0.1]\ntargets: [0.01, 0.99]\nloss: half_sse\nlearning_rate: 0.5\n"
    )
    d = solve_file(path)
    step = d.steps[0]
    grads = {g.parameter: g.value for g in step.gradients}
    params = {u.parameter: u.old for u in step.updates}
    layers = matrix_backward(d.problem, params, step.forward, step.deltas, d.problem.inputs)
    assert [lb.layer for lb in layers] == ["o", "h"] and layers[0].output and not layers[1].output
    for lb in layers:
        for j, row in enumerate(lb.grad_weights, start=1):
            for k, value in enumerate(row, start=1):
                assert abs(float(value) - float(grads[f"w{lb.layer}_{j}{k}"])) < 1e-20
        assert [float(b) for b in lb.grad_biases] == pytest.approx([float(grads[f"b{lb.layer}_{j}"]) for j in (1, 2)])
    assert float(grads["wh_11"]) == pytest.approx(0.000438568, rel=1e-5)  # the classic worked example's w1


def test_terminal_shows_the_matrix_view_beside_the_chain_rule() -> None:
    result = invoke("solve", str(LAYERS))
    assert result.exit_code == 0, result.output
    assert "∂L/∂wh_11 = ∂L/∂y1 · ∂y1/∂zy1 · ∂zy1/∂h1 · ∂h1/∂zh1 · ∂zh1/∂wh_11" in result.output
    assert "BP1  δ^y = ∇ₐC ⊙ σ′(z^y)" in result.output
    assert "BP2  δ^h = ((W^y)ᵀ δ^y) ⊙ σ′(z^h) = ([[1], [−2]] · [0]ᵀ) ⊙ [1, 1]ᵀ" in result.output
    assert "BP4  ∂C/∂W^h = δ^h (a^x)ᵀ = [0, 0]ᵀ · [1, 1] = [[0, 0], [0, 0]]" in result.output
    out = result.output  # the matrix view belongs to the backward pass: after the chain rule, before the updates
    assert out.index("gradients by the chain rule") < out.index("matrix form (BP1–BP4)") < out.index("Updates:")


def test_wide_layers_get_unambiguous_weight_names(tmp_path: Path) -> None:
    path = tmp_path / "wide.yaml"
    rows = ", ".join("[1, 1]" for _ in range(10))
    path.write_text(
        f"layers:\n  - {{name: x, size: 2}}\n  - {{name: h, activation: relu, weights: [{rows}]}}\n"
        f"  - {{name: y, activation: identity, weights: [[{', '.join('1' for _ in range(10))}]]}}\n"
        "inputs: [1, 1]\ntargets: [0]\nloss: half_sse\nlearning_rate: 0.1\n"
    )
    p = load_problem(path)
    assert "wh_10_2" in p.parameters and "wy_1_10" in p.parameters


X = "layers:\n  - {name: x, size: 2}\n"
H = X + "  - {name: h, activation: relu, "
LAYERS_BAD = [
    ("layers: [{name: x, size: 2}]", "layers"),
    (H + "weights: [[1, 1], [1]]}", "layers[1].weights[1]"),
    (H + "weights: [[1, 1, 1]]}", "layers[1].weights[0]"),
    (H + "weights: [[1, 1]], biases: [0, 1]}", "layers[1].biases"),
    (H + "weights: [[1, 1]], size: 3}", "layers[1].size"),
    (X + "  - {name: h, activation: swish, weights: [[1, 1]]}", "layers[1].activation"),
    (X + "  - {name: x, activation: relu, weights: [[1, 1]]}", "layers[1].name"),
    ("layers:\n  - {name: x, size: 0}\n  - {name: h, activation: relu, weights: [[1, 1]]}", "layers[0].size"),
    ("layers:\n  - {name: x, size: 2, activation: relu}\n  - {name: h, weights: [[1]]}", "layers[0].activation"),
    (H + "weights: [[1, a]]}", "layers[1].weights[0][1]"),
]


@pytest.mark.parametrize("layers,key", LAYERS_BAD)
def test_bad_layers_are_exit_2_with_key_and_line(tmp_path: Path, layers: str, key: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(layers + "\ninputs: [1, 1]\ntargets: [0]\nloss: half_sse\nlearning_rate: 0.1\n")
    result = invoke("solve", str(path))
    assert result.exit_code == 2, result.output
    assert f"{path}:" in result.output and key in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    "tail,key",
    [
        ("inputs: [1]\ntargets: [0]\n", "inputs"),
        ("inputs: [1, 1]\ntargets: [0, 1]\n", "targets"),
        ("inputs: [1, 1]\ntargets: [0]\nneurons: {}\n", "neurons"),
    ],
)
def test_wrong_sizes_of_inputs_and_targets(tmp_path: Path, tail: str, key: str) -> None:
    path = tmp_path / "bad.yaml"
    head = LAYERS.read_text().split("inputs:")[0]
    path.write_text(head + tail + "loss: half_sse\nlearning_rate: 0.1\n")
    result = invoke("solve", str(path))
    assert result.exit_code == 2, result.output
    assert key in result.output


def test_lists_need_the_layer_form(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    text = (PROBLEMS / "relu-exercise.yaml").read_text()
    path.write_text(text.replace("inputs: {x1: 1, x2: -1}", "inputs: [1, -1]"))
    result = invoke("solve", str(path))
    assert result.exit_code == 2 and "layer form" in result.output

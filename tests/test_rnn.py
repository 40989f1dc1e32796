"""The recurrent layer (issue 16): its contract, published worked examples, answer keys by place, bad input."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from conftest import PROBLEMS
from typer.testing import CliRunner

from tutor.cli import app
from tutor.engines.solver import load_source, solve_problem
from tutor.model.keys import Key, parse_key

EXAMPLE = PROBLEMS / "rnn-bptt-two-steps.yaml"
runner = CliRunner()

# thsis/INFOSYS "Backpropagation on RNN" (a course notebook, numpy): W = [2, 1] (input → 2 units), U =
# [[1, 2], [3, 4]], w = [2, 4], x = 0.2, 0.3, 0.4, no biases, tanh; it prints h_1 = [0.37994896, 0.19737532],
# h_2 = [0.87975882, 0.97711011], h_3 = [0.9986059, 0.99999815] and ŷ = 5.99720442000804.
INFOSYS = """
layers:
  - {name: x, size: 1}
  - {name: h, type: rnn, activation: tanh, input_weights: [[2.0], [1.0]], recurrent_weights: [[1, 2], [3, 4]]}
  - {name: y, activation: identity, weights: [[2, 4]]}
sequence: [0.2, 0.3, 0.4]
targets: [7.0]
loss: half_sse
learning_rate: 0.001
"""


def invoke(*args: str) -> object:
    return runner.invoke(app, list(args))


def test_published_two_step_example() -> None:
    """PracHub's BPTT walkthrough (the shipped example; its comment names the source and its slip at tanh(1.04621))."""
    step = solve_problem(load_source(EXAMPLE.read_text(), str(EXAMPLE))).steps[0]
    out = {f.neuron: float(f.out) for f in step.forward}
    net = {f.neuron: float(f.net) for f in step.forward}
    assert round(out["h@t1"], 4) == 0.4621 and round(out["y@t1"], 4) == 0.9242
    assert round(net["h@t2"], 5) == 1.04621
    assert math.isclose(out["h@t2"], math.tanh(0.5 * 2 + 0.1 * math.tanh(0.5)), rel_tol=1e-12)
    # the loss summed over the steps: ½(y_1 − 1)² + ½(y_2 − 2)²
    assert math.isclose(float(step.loss.value), ((out["y@t1"] - 1) ** 2 + (out["y@t2"] - 2) ** 2) / 2, rel_tol=1e-12)


def test_shared_weight_gradient_is_the_sum_over_time_steps() -> None:
    """∂L/∂W_h = Σ_t δ_t · h_{t−1}, ∂L/∂W_x = Σ_t δ_t · x_t (by hand from the engine's own deltas and outputs)."""
    step = solve_problem(load_source(EXAMPLE.read_text(), str(EXAMPLE))).steps[0]
    delta = {d.neuron: float(d.value) for d in step.deltas}
    out = {f.neuron: float(f.out) for f in step.forward} | {"h@t0": 0.0}
    grads = {g.parameter: float(g.value) for g in step.gradients}
    assert math.isclose(grads["h.recurrent_weights[0][0]"], delta["h@t1"] * 0 + delta["h@t2"] * out["h@t1"])
    assert math.isclose(grads["h.input_weights[0][0]"], delta["h@t1"] * 1 + delta["h@t2"] * 2)
    # δ_1 goes back through time: (w_y δ_y1 + W_h δ_2) · (1 − h_1²)
    back = (2.0 * delta["y@t1"] + 0.1 * delta["h@t2"]) * (1 - out["h@t1"] ** 2)
    assert math.isclose(delta["h@t1"], back, rel_tol=1e-12)


def test_infosys_forward_figures() -> None:
    step = solve_problem(load_source(INFOSYS, "<text>")).steps[0]
    out = {f.neuron: float(f.out) for f in step.forward}
    published = {"h@t1[0]": 0.37994896, "h@t1[1]": 0.19737532, "h@t2[0]": 0.87975882, "h@t2[1]": 0.97711011}
    published |= {"h@t3[0]": 0.9986059, "h@t3[1]": 0.99999815, "y@t3": 5.99720442000804}
    for name, value in published.items():
        assert math.isclose(out[name], value, rel_tol=1e-7), name
    assert "y@t1" not in out  # the last step's target only: read out at the last step


def test_json_layer_fields_have_the_files_shapes() -> None:
    result = invoke("solve", str(EXAMPLE), "--format", "json")
    assert result.exit_code == 0, result.output
    step = json.loads(result.output)["steps"][0]
    assert step["layer_outputs"]["h"] == [[step["forward"]["h@t1"]["out"]], [step["forward"]["h@t2"]["out"]]]
    assert step["layer_gradients"]["h"]["recurrent_weights"] == [[step["gradients"]["h.recurrent_weights[0][0]"]]]
    assert step["layer_updated"]["y"] == {"weights": [[step["updated"]["y.weights[0][0]"]]]}
    assert set(step["layer_gradients"]["h"]) == {"input_weights", "recurrent_weights"}  # no biases in the file


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("h.recurrent_weights[0][0].grad", Key("h.recurrent_weights[0][0]", "grad")),
        ("step2.h@t2[1].delta", Key("h@t2[1]", "delta", step=2)),
        ("y@t3.out", Key("y@t3", "out")),
        ("c.kernels[0][0][1][0].new", Key("c.kernels[0][0][1][0]", "new")),
        ("ex2.h@t1.net", Key("h@t1", "net", example=2)),
    ],
)
def test_keys_by_place(text: str, key: Key) -> None:
    assert parse_key(text) == key and str(key) == text


@pytest.mark.parametrize(
    "text", ["h.biases.grad", "h@t2.local", "h.biases[0].foo", "h@t[1].out", "ex2.h.biases[0].new"]
)
def test_not_keys(text: str) -> None:
    assert parse_key(text) is None


def test_check_by_place(tmp_path: Path) -> None:
    answers = tmp_path / "a.yaml"
    answers.write_text("h.recurrent_weights[0][0].grad: -0.1588\nh@t2.out: 0.7790\n")
    result = invoke("check", str(EXAMPLE), str(answers), "--format", "json")
    items = {i["key"]: i["verdict"] for i in json.loads(result.output)["items"]}
    assert items == {"h.recurrent_weights[0][0].grad": "correct", "h@t2.out": "incorrect"}  # tanh(1.04621) = 0.7803
    key = invoke("answers", str(EXAMPLE)).output
    assert "h.recurrent_weights[0][0].grad: -0.158802" in key and "h@t2.delta:" in key


BASE = """layers:
  - {name: x, size: 2}
  - {name: h, type: rnn, activation: tanh, input_weights: [[0.5, -0.3]], recurrent_weights: [[0.8]], biases: [0]}
  - {name: y, activation: identity, weights: [[1.5]], biases: [0]}
sequence: [[1, 0], [0, 1], [1, 1]]
targets: [0.5]
loss: mse
learning_rate: 0.1
"""


@pytest.mark.parametrize(
    ("old", "new", "where", "says"),
    [
        ("[[1, 0], [0, 1], [1, 1]]", "[[1, 0], [0], [1, 1]]", ":5: sequence[1]", "expected 2 numbers"),
        ("activation: tanh", "activation: softmax", ":3: layers[1].activation", "softmax inside an rnn"),
        ("[[0.8]]", "[[0.8, 1]]", ":3: layers[1].recurrent_weights[0]", "every row needs 1"),
        ("[[0.5, -0.3]]", "[[0.5]]", ":3: layers[1].input_weights[0]", "every row needs 2"),
        ("weights: [[1.5]]", "weights: [[1.5, 2]]", ":4: layers[2].weights[0]", "every row needs 1"),
        ("targets: [0.5]", "targets: [[1], [2]]", ":6: targets", "one target list per time step (3); found 2"),
        ("targets: [0.5]", "targets: [0.5, 1]", ":6: targets", "the last step's 1 targets"),
        ("biases: [0]}\n  - {name: y", "biases: [0, 1]}\n  - {name: y", ":3: layers[1].biases", "list of 1 numbers"),
        (
            "  - {name: x, size: 2}\n",
            "  - {name: x, size: 2}\n  - {name: d, weights: [[1, 1]]}\n",
            "layers[2].type",
            "right after",
        ),
        ("sequence: [[1, 0], [0, 1], [1, 1]]\n", "inputs: [1, 0]\n", "inputs", "cannot go with an rnn layer"),
    ],
)
def test_bad_input(tmp_path: Path, old: str, new: str, where: str, says: str) -> None:
    path = tmp_path / "bad.yaml"
    assert old in BASE
    path.write_text(BASE.replace(old, new, 1))
    result = invoke("solve", str(path))
    assert result.exit_code == 2, result.output
    assert str(path) in result.output and where in result.output and says in result.output, result.output
    assert "Traceback" not in result.output


def test_softmax_read_out_at_every_step_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    text = BASE.replace("weights: [[1.5]], biases: [0]", "activation: softmax, weights: [[1.5], [1]]")
    path.write_text(
        text.replace("activation: identity, ", "").replace("targets: [0.5]", "targets: [[1, 0], [0, 1], [1, 0]]")
    )
    result = invoke("solve", str(path))
    assert (
        result.exit_code == 2
        and "layers[2].activation" in result.output
        and "softmax read out at 3 steps" in result.output
    )


def test_sequence_needs_an_rnn(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        BASE.replace(", type: rnn", "").replace("input_weights", "weights").replace(", recurrent_weights: [[0.8]]", "")
    )
    result = invoke("solve", str(path))
    assert result.exit_code == 2 and "sequence" in result.output and "type: rnn" in result.output, result.output


def _by_hand() -> dict[str, float]:
    """The shipped example by hand: h_1 = tanh(0.5), h_2 = tanh(2·0.5 + 0.1·h_1), y_t = 2·h_t, L = Σ ½(y_t − t_t)²."""
    h1 = math.tanh(0.5)
    h2 = math.tanh(1 + 0.1 * h1)
    d2 = 2 * (2 * h2 - 2) * (1 - h2**2)  # δ_2: only the read-out at step 2
    d1 = (2 * (2 * h1 - 1) + 0.1 * d2) * (1 - h1**2)  # δ_1: the read-out at step 1 and step 2 through W_h
    return {"d1": d1, "d2": d2, "w_h": d2 * h1, "w_x": d1 * 1 + d2 * 2}


def test_terminal_bptt_view() -> None:
    result = invoke("solve", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    text = result.output.replace("\u2212", "-")
    hand = _by_hand()
    view = text[text.index("Backpropagation through time") :]
    assert f"δ_2 = ([{hand['d2'] / (1 - math.tanh(1 + 0.1 * math.tanh(0.5)) ** 2):.6g}]ᵀ from the read-out)" in view
    assert f"∂L/∂W_h = Σ_t δ_t h_(t-1)ᵀ = [[0]] + [[{hand['w_h']:.6g}]] = [[{hand['w_h']:.6g}]]" in view
    assert f"∂L/∂W_x = Σ_t δ_t x_tᵀ = [[{hand['d1']:.6g}]] + [[{2 * hand['d2']:.6g}]] = [[{hand['w_x']:.6g}]]" in view


def test_latex_and_markdown_bptt_view() -> None:
    import tutor

    s = tutor.solve(EXAMPLE)
    latex = s.latex()
    assert r"\subsection*{Backpropagation through time}" in latex or "{Backpropagation through time}" in latex
    assert r"\frac{\partial L}{\partial W_h} &= \sum_{t} \delta^{(t)} \bigl(h^{(t-1)}\bigr)^{\top}" in latex
    assert f"{_by_hand()['w_h']:.6g}".replace("-", "") in latex
    assert "{W^{[h]}_{h;0,0}}" in latex  # h.recurrent_weights[0][0] as a symbol
    assert "Backpropagation through time" in s.markdown()


def test_drawing_runs_time_along_x() -> None:
    from tutor.model.network import Network
    from tutor.render.tikzcolumns import columns

    problem = load_source(EXAMPLE.read_text(), str(EXAMPLE))
    column = columns(Network(problem))
    assert (column["x@t1"], column["h@t0"], column["h@t1"], column["x@t2"], column["h@t2"], column["y@t2"]) == (
        0,
        0,
        1,
        1,
        2,
        3,
    )

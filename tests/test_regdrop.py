"""Issue 15's losses, penalty, dropout and input gradients: shipped worked examples (hand-calculated), the
registry's whole-vector loss forms, the JSON contract, mistakes, checking and bad input."""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from conftest import PROBLEMS
from typer.testing import CliRunner

from tutor.checking.check import Checker
from tutor.cli import app
from tutor.engines.solver import solve_file
from tutor.errors import ProblemError
from tutor.files.answers import answers_from_data
from tutor.files.loader import load_problem
from tutor.maths import functions as fn
from tutor.maths.losses import LOSSES

HINGE = PROBLEMS / "cs231n-svm-hinge.yaml"
L2 = PROBLEMS / "relu-exercise-l2.yaml"
DROPOUT = PROBLEMS / "sigmoid-0.05-0.10-dropout.yaml"
HUBER = PROBLEMS / "house-price-huber.yaml"


def solve_json(path: Path, *args: str) -> dict:
    result = CliRunner().invoke(app, ["solve", str(path), "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def sigma(x: float) -> float:
    return 1 / (1 + math.exp(-x))


# ── the worked examples ──


def test_cs231n_svm_example() -> None:
    step = solve_json(HINGE, "--input-gradients")["steps"][0]
    assert step["forward"]["cat"]["out"] == pytest.approx(3.2) and step["forward"]["car"]["out"] == pytest.approx(5.1)
    assert step["loss"] == pytest.approx(2.9)  # CS231n: max(0, 5.1 − 3.2 + 1) + max(0, −1.7 − 3.2 + 1)
    # one positive margin (car): ∂L/∂s_car = 1, ∂L/∂s_cat = −1, frog 0; ∂s/∂w = x = (1, 2)
    assert step["gradients"] == {"w11": -1, "w12": -2, "w21": 1, "w22": 2, "w31": 0, "w32": 0}
    assert step["input_gradients"] == pytest.approx({"x1": -1.2 + 1.1, "x2": -1 + 2})  # Σ_k w_k · ∂L/∂s_k
    assert "penalty" not in step


def test_l2_on_the_relu_exercise() -> None:
    step = solve_json(L2)["steps"][0]
    assert step["penalty"] == pytest.approx(0.1 / 2 * (4 + 9 + 1 + 16 + 4 + 1))  # 1.75
    assert step["loss"] == pytest.approx(50 + 1.75)  # the seed's data loss 50, plus the penalty
    assert step["gradients"]["w13"] == pytest.approx(20 + 0.1 * 2)  # the seed's 20, plus λ·w13
    assert step["gradients"]["w23"] == pytest.approx(-20 + 0.1 * -3)
    assert step["updated"]["w13"] == pytest.approx(2 - 0.1 * 20.2)


def test_the_terminal_shows_the_penalty_terms_apart() -> None:
    result = CliRunner().invoke(app, ["solve", str(L2)])
    assert result.exit_code == 0, result.output
    assert "penalty = (λ/2)·Σ w² = (0.1/2)·(2² + (−3)² + 1² + 4² + 2² + (−1)²) = 1.75" in result.output
    assert "L = L_data + penalty = 50 + 1.75 = 51.75" in result.output
    assert "∂L/∂w13 = data term + λ · w13 = 20 + 0.1 · 2 = 20.2" in result.output


def test_dropout_on_the_0_05_0_10_network() -> None:
    steps = solve_json(DROPOUT)["steps"]
    h1 = sigma(0.15 * 0.05 + 0.2 * 0.1 + 0.35)
    assert steps[0]["forward"]["h1"]["out"] == pytest.approx(2 * h1)  # kept: × 1/(1 − 0.5)
    assert steps[0]["forward"]["h2"]["out"] == 0  # dropped
    assert steps[0]["deltas"]["h2"] == 0  # the gradient stops at h2 …
    assert all(steps[0]["gradients"][w] == 0 for w in ("w3", "w4", "w6", "w8"))  # … and at what it feeds
    o1 = sigma(0.4 * 2 * h1 + 0.6)
    assert steps[0]["deltas"]["o1"] == pytest.approx((o1 - 0.01) * o1 * (1 - o1))
    # δ_h1 = Σ w·δ · 2 · h1(1 − h1): the scaling is a factor of ∂h1/∂net_h1
    o2 = sigma(0.5 * 2 * h1 + 0.6)
    d_o2 = (o2 - 0.99) * o2 * (1 - o2)
    expected = (0.4 * steps[0]["deltas"]["o1"] + 0.5 * d_o2) * 2 * h1 * (1 - h1)
    assert steps[0]["deltas"]["h1"] == pytest.approx(expected)
    assert steps[1]["gradients"]["w3"] != 0  # step 2's mask keeps h2


def test_dropout_text_shows_the_mask_and_where_the_gradient_stops() -> None:
    result = CliRunner().invoke(app, ["solve", str(DROPOUT), "--step", "1"])
    assert result.exit_code == 0, result.output
    assert "h2 = m_h2 · h2ʹ · 1/(1 − p) = 0 · " in result.output
    assert "(dropped by dropout: the gradient stops here)" in result.output
    assert "(dropout: kept, × 1/(1 − p))" in result.output


def test_huber_with_an_l1_penalty() -> None:
    step = solve_json(HUBER)["steps"][0]
    weights = (0.5, 1, 2, 1, 0.5, 1, 0.5, 1)  # w11 w12 w23 w33 w34 v11 v12 v13 (b1…b4 carry no penalty)
    assert step["penalty"] == pytest.approx(0.01 * sum(weights))
    assert step["loss"] == pytest.approx(0.5 * 0.5**2 + 0.075)  # |ŷ − y| = 0.5 < δ = 1: ½·d²
    assert step["gradients"]["b4"] == pytest.approx(-0.5)  # ∂L/∂ŷ = d, no penalty on a bias
    assert step["gradients"]["v11"] == pytest.approx(-0.5 * 4 + 0.01)  # d · a1 + λ·sign(v11)


def test_huber_beyond_delta_is_linear(tmp_path: Path) -> None:
    text = HUBER.read_text(encoding="utf-8").replace("delta: 1}", "delta: 0.25}")
    path = tmp_path / "h.yaml"
    path.write_text(text, encoding="utf-8")
    step = solve_json(path)["steps"][0]
    assert step["loss"] == pytest.approx(0.25 * (0.5 - 0.125) + 0.075)  # δ(|d| − δ/2) + the penalty
    assert step["gradients"]["b4"] == pytest.approx(-0.25)  # −δ


def test_input_gradients_of_the_relu_exercise() -> None:
    step = solve_json(PROBLEMS / "relu-exercise.yaml", "--input-gradients")["steps"][0]
    assert step["input_gradients"] == {"x1": 2 * 20 + 1 * 0, "x2": -3 * 20 + 4 * 0}  # Σ w · δ
    result = CliRunner().invoke(app, ["solve", str(PROBLEMS / "relu-exercise.yaml"), "--input-gradients"])
    assert "∂L/∂x1 = w13 · δ_y3 + w14 · δ_y4 = 2 · 20 + 1 · 0 = 40" in result.output
    plain = solve_json(PROBLEMS / "relu-exercise.yaml")["steps"][0]
    assert "input_gradients" not in plain and "penalty" not in plain  # opt-in: the contract unchanged


# ── the registry's whole-vector forms ──


@pytest.mark.parametrize("name", list(LOSSES))
def test_whole_loss_forms_agree_exact_float_and_finite_differences(name: str) -> None:
    y, t = [0.25, 0.75, -0.5], [0.0, 1.0, 0.0]
    if LOSSES[name].needs_outputs == "sigmoid" or LOSSES[name].targets_sum_to_one:
        y = [0.2, 0.5, 0.3]
    parts, grads = fn.exact_loss_terms(name, [fn.exact(Fraction(v)) for v in y], [fn.exact(Fraction(v)) for v in t])
    exact = sum(float(p) for p in parts if p is not None)
    loss, float_grads = fn.np_loss_terms(name, y, t)
    assert loss == pytest.approx(exact, rel=1e-12)
    assert float_grads == pytest.approx([float(g) for g in grads], rel=1e-12)
    h = 1e-6
    for i in range(len(y)):
        up, down = list(y), list(y)
        up[i] += h
        down[i] -= h
        numeric = (fn.np_loss_terms(name, up, t)[0] - fn.np_loss_terms(name, down, t)[0]) / (2 * h)
        assert float_grads[i] == pytest.approx(numeric, rel=1e-5, abs=1e-7)


def test_hinge_by_hand() -> None:
    loss, grads = fn.np_loss_terms("hinge", [3.2, 5.1, -1.7], [1, 0, 0])
    assert loss == pytest.approx(2.9) and grads == [-1.0, 1.0, 0.0]
    from tutor.engines.vectorized import loss as batch_loss

    batch = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0]])
    targets = np.array([[1, 0, 0], [0, 1, 0]])
    assert batch_loss("hinge", batch, targets) == pytest.approx([2.9, 0.0 + 0.0])  # 1.3 − 4.9 + 1 < 0, 2 − 4.9 + 1 < 0


# ── checking: keys keep their meaning, mistakes are named, credit is carried ──


def _item(path: Path, data: dict):
    report = Checker(solve_file(path)).check(answers_from_data(data))
    return {i.key: i for i in report.items}


def test_l2_factor_is_diagnosed_and_carried() -> None:
    items = _item(L2, {"w13.grad": 20 + 2 * 0.1 * 2, "w13.new": 2 - 0.1 * 20.4})
    assert items["w13.grad"].verdict == "incorrect" and "l2-factor" in items["w13.grad"].tags
    assert items["w13.new"].verdict == "carried"


def test_penalty_on_a_bias_is_diagnosed() -> None:
    items = _item(HUBER, {"b1.grad": -0.5 + 0.01 * 0})  # b1 = 0: sign 0, no difference …
    assert items["b1.grad"].verdict == "correct"
    items = _item(HUBER, {"b2.grad": -0.25 + 0.01})  # … b2 = 1: the penalty's λ·sign(b2) on it
    assert items["b2.grad"].verdict == "incorrect" and "l2-on-bias" in items["b2.grad"].tags


def test_dropout_without_rescaling_is_diagnosed() -> None:
    h1 = sigma(0.3775)
    items = _item(DROPOUT, {"h1.out": h1})
    assert items["h1.out"].verdict == "incorrect" and "dropout-no-rescale" in items["h1.out"].tags


# ── bad input: exit 2 with the file, the key and the line ──

BASE = (PROBLEMS / "relu-exercise.yaml").read_text(encoding="utf-8")
BAD = [
    ("regularization: {l2: -0.1}\n", "regularization.l2", "λ must be at least 0"),
    ("regularization: {l3: 0.1}\n", "regularization.l3", "unknown penalty 'l3'"),
    ("regularization: {l2: 0.1, l1: 0.1}\n", "regularization", "expected one penalty"),
    ("dropout: {rate: 1, masks: [{y3: 1}]}\n", "dropout.rate", "at least 0 and below 1"),
    ("dropout: {rate: -0.5, masks: [{y3: 1}]}\n", "dropout.rate", "at least 0 and below 1"),
    ("dropout: {rate: 0.5, masks: [{y9: 1}]}\n", "dropout.masks[0].y9", "which is no neuron"),
    ("dropout: {rate: 0.5, masks: [{y5: 1}]}\n", "dropout.masks[0].y5", "hidden neurons only"),
    ("dropout: {rate: 0.5, masks: [{y3: 2}]}\n", "dropout.masks[0].y3", "0 (dropped) or 1 (kept)"),
    ("dropout: {rate: 0.5, masks: [{y3: 1}]}\nsteps: 2\n", "dropout.masks", "1 masks for 2 steps"),
    ("dropout: {rate: 0.5}\n", "dropout", "missing key 'masks'"),
]


@pytest.mark.parametrize(("extra", "key", "fragment"), BAD, ids=[b[1] + ":" + b[2][:12] for b in BAD])
def test_bad_regularization_and_dropout(tmp_path: Path, extra: str, key: str, fragment: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(BASE + extra, encoding="utf-8")
    with pytest.raises(ProblemError) as err:
        load_problem(path)
    assert fragment in err.value.message and err.value.key == key, str(err.value)
    assert err.value.line == BASE.count("\n") + 1 and err.value.exit_code == 2


def test_a_mask_on_a_network_without_hidden_neurons_says_there_are_none(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "inputs: {x1: 1}\nneurons: {y3: {inputs: {x1: w1}, activation: relu}}\nparameters: {w1: 2}\n"
        "targets: {y3: 0}\nloss: half_sse\nlearning_rate: 0.1\ndropout: {rate: 0.5, masks: [{y3: 0}]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ProblemError) as err:
        load_problem(path)
    assert err.value.key == "dropout.masks[0].y3" and "hidden neurons only (none in this network)" in err.value.message


LOSS_BAD = [
    ("loss: {name: huber, delta: 0}", "loss.delta", "must be positive"),
    ("loss: {name: huber, delta: -1}", "loss.delta", "must be positive"),
    ("loss: {name: huber, width: 1}", "loss.width", "unknown key"),
    ("loss: {name: hubber}", "loss.name", "unknown loss 'hubber'"),
    ("loss: {name: mse, delta: 1}", "loss.delta", "unknown key"),
    ("loss: hinge", "neurons.y5.activation", "needs identity outputs"),
]


@pytest.mark.parametrize(("line", "key", "fragment"), LOSS_BAD, ids=[b[2] for b in LOSS_BAD])
def test_bad_losses(tmp_path: Path, line: str, key: str, fragment: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(BASE.replace("loss: half_sse", line), encoding="utf-8")
    result = CliRunner().invoke(app, ["solve", str(path)])
    assert result.exit_code == 2, result.output
    assert fragment in result.output and key in result.output and str(path) in result.output


def test_hinge_needs_one_hot_targets(tmp_path: Path) -> None:
    text = HINGE.read_text(encoding="utf-8")
    for targets, fragment in [("{cat: 0.5, car: 0.5, frog: 0}", "one-hot"), ("{cat: 1, car: 1, frog: 0}", "one-hot")]:
        path = tmp_path / "p.yaml"
        path.write_text(text.replace("{cat: 1, car: 0, frog: 0}", targets), encoding="utf-8")
        with pytest.raises(ProblemError) as err:
            load_problem(path)
        assert fragment in err.value.message and err.value.key.startswith("targets."), str(err.value)


# ── variants keep the settings; data sets ──


@pytest.mark.parametrize("path", [HINGE, L2, DROPOUT, HUBER], ids=lambda p: p.stem)
def test_written_problems_round_trip(path: Path, tmp_path: Path) -> None:
    from tutor.files.problemio import problem_yaml

    problem = load_problem(path)
    copy = tmp_path / "copy.yaml"
    copy.write_text(problem_yaml(problem), encoding="utf-8")
    again = load_problem(copy)
    assert (again.loss, again.loss_options, again.regularization, again.dropout) == (
        problem.loss,
        problem.loss_options,
        problem.regularization,
        problem.dropout,
    )


DATA = """title: XOR with huber, L2 and dropout
neurons:
  h1: {inputs: {x1: w1, x2: w2}, bias: b1, activation: sigmoid}
  h2: {inputs: {x1: w3, x2: w4}, bias: b2, activation: tanh}
  y: {inputs: {h1: w5, h2: w6}, bias: b3, activation: identity}
parameters: {w1: 0.5, w2: -0.4, w3: 0.3, w4: 0.8, w5: 0.7, w6: -0.6, b1: 0.1, b2: -0.1, b3: 0.2}
data:
  - {inputs: {x1: 0, x2: 0}, targets: {y: 0}}
  - {inputs: {x1: 0, x2: 1}, targets: {y: 1}}
  - {inputs: {x1: 1, x2: 0}, targets: {y: 1}}
  - {inputs: {x1: 1, x2: 1}, targets: {y: 0}}
epochs: 2
batch_size: 2
reduction: sum
loss: {name: huber, delta: 0.5}
learning_rate: 0.5
regularization: {l2: 0.1}
dropout: {rate: 0.5, masks: [{h1: 0}, {h2: 0}, {}, {h1: 0, h2: 1}]}
"""


def test_a_data_set_takes_the_penalty_once_per_batch_and_one_mask_per_iteration(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(DATA, encoding="utf-8")
    steps = solve_json(path, "--detail", "4")["steps"]  # exact iterations, cross-checked against the trainer
    weights = {"w1": 0.5, "w2": -0.4, "w3": 0.3, "w4": 0.8, "w5": 0.7, "w6": -0.6}
    assert steps[0]["penalty"] == pytest.approx(0.05 * sum(v * v for v in weights.values()))  # once, not per example
    # iteration 1 drops h1 for both examples: the weights into h1 get only their penalty term
    assert steps[0]["gradients"]["w1"] == pytest.approx(0.1 * 0.5)
    assert steps[0]["gradients"]["b1"] == 0  # no penalty on a bias, no gradient through a dropped neuron
    assert len(steps) == 4 and all(s["detailed"] for s in steps)
    replayed = solve_json(path, "--detail", "1")["steps"]  # iterations 2-4 from the float64 replay
    assert [r["penalty"] for r in replayed] == pytest.approx([s["penalty"] for s in steps], rel=1e-12)
    assert [r["loss"] for r in replayed] == pytest.approx([s["loss"] for s in steps], rel=1e-12)


# ── ∂L/∂x as answer keys: counted where the problem names them ──


def _hinge_with_input_keys(tmp_path: Path) -> Path:
    path = tmp_path / "hk.yaml"
    keys = "check: {keys: [loss, cat.delta, car.delta, x1.grad, x2.grad]}\n"
    path.write_text(HINGE.read_text(encoding="utf-8") + keys, encoding="utf-8")
    return path


def test_named_input_gradients_are_checked_with_carried_credit(tmp_path: Path) -> None:
    path = _hinge_with_input_keys(tmp_path)
    # x1 feeds cat, car, frog through w11 = 1.2, w21 = 1.1, w31 = 0.3: ∂L/∂x1 = 1.2·(−1) + 1.1·1 + 0.3·0
    items = _item(path, {"x1.grad": -1.2 + 1.1, "x2.grad": 1 * -1 + 2 * 1})
    assert items["x1.grad"].verdict == "correct" and items["x2.grad"].verdict == "correct"
    items = _item(path, {"car.delta": 2, "x1.grad": -1.2 + 1.1 * 2})  # built on the student's own δ_car
    assert items["car.delta"].verdict == "incorrect" and items["x1.grad"].verdict == "carried"
    from tutor.checking.hints import Hints

    assert (
        Hints(solve_file(path)).rung("x1.grad", 2)
        == "∂L/∂x1 = w11 · δ_cat + w21 · δ_car + w31 · δ_frog = 1.2 · (−1) + 1.1 · 1 + 0.3 · 0"
    )


def test_input_gradients_are_no_answer_keys_unless_named() -> None:
    result = CliRunner().invoke(app, ["answers", str(HINGE)])
    assert result.exit_code == 0 and "x1.grad" not in result.output
    items = _item(HINGE, {"x1.grad": -0.1})
    assert items["x1.grad"].verdict == "invalid"


def test_latex_input_gradients_and_penalty_rows() -> None:
    args = ["solve", str(PROBLEMS / "relu-exercise.yaml"), "--format", "latex", "--input-gradients", "--body-only"]
    tex = CliRunner().invoke(app, args).output
    assert (
        r"\frac{\partial L}{\partial x_{2}} &= w_{23}\, \delta_{y_{3}} + w_{24}\, \delta_{y_{4}} = (-3) \cdot 20" in tex
    )
    tex = CliRunner().invoke(app, ["solve", str(L2), "--format", "latex", "--body-only"]).output
    assert r"L &= L_{\text{data}} + \text{penalty} = 50 + 1.75 = 51.75" in tex
    assert r"&= \text{data term} + \lambda\, w_{13} = 20 + 0.1 \cdot 2 = 20.2" in tex
    assert "Input gradients" not in tex  # on request only

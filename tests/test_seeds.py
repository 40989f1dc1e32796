"""The course notes' own worked figures (../shared/seeds), reproduced from the shipped problems."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from conftest import PROBLEMS
from typer.testing import CliRunner

from tutor.cli import app
from tutor.engines.exact import derive
from tutor.engines.solver import solve_file
from tutor.files.loader import load_problem
from tutor.maths.numfmt import as_fraction


def solve_json(name: str) -> dict:
    result = CliRunner().invoke(app, ["solve", str(PROBLEMS / name), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_relu_exercise_seed_000() -> None:
    step = solve_json("relu-exercise.yaml")["steps"][0]
    assert step["forward"]["y3"] == {"net": 5, "out": 5}
    assert step["forward"]["y4"] == {"net": -3, "out": 0}
    assert step["forward"]["y5"] == {"net": 10, "out": 10}
    assert step["loss"] == 50
    assert step["deltas"] == {"y3": 20, "y4": 0, "y5": 10}
    assert step["gradients"] == {"w13": 20, "w23": -20, "w14": 0, "w24": 0, "w35": 50, "w45": 0}
    assert step["updated"] == {"w13": 0, "w23": -1, "w14": 1, "w24": 4, "w35": -3, "w45": -1}


def test_relu_exercise_is_exact_and_prints_the_seed_chain_rule() -> None:
    values = solve_file(PROBLEMS / "relu-exercise.yaml").values()
    assert all(as_fraction(v) is not None for v in values.values())  # ReLU networks stay rational
    result = CliRunner().invoke(app, ["solve", str(PROBLEMS / "relu-exercise.yaml")], env={"NO_COLOR": "1"})
    assert "∂L/∂w13 = ∂L/∂y5 · ∂y5/∂x5 · ∂x5/∂y3 · ∂y3/∂x3 · ∂x3/∂w13" in result.output
    assert "= 10 · 1 · 2 · 1 · 1 = 20" in result.output
    assert "w13 ← 2 − 0.1 · 20 = 0" in result.output
    assert "x3 = x1 · w13 + x2 · w23 = 1 · 2 + (−1) · (−3) = 5" in result.output


def test_sigmoid_005_010_network_seed_003() -> None:
    """The classic 2-2-2 network (E = Σ ½(target − out)²): its well-known figures."""
    step = solve_json("sigmoid-0.05-0.10.yaml")["steps"][0]
    f = step["forward"]
    assert f["h1"]["net"] == pytest.approx(0.3775)
    assert f["h1"]["out"] == pytest.approx(0.593269992, abs=1e-9)
    assert f["o1"]["out"] == pytest.approx(0.75136507, abs=1e-8)
    assert f["o2"]["out"] == pytest.approx(0.772928465, abs=1e-9)
    assert step["loss"] == pytest.approx(0.298371109, abs=1e-9)
    assert step["gradients"]["w5"] == pytest.approx(0.082167041, abs=1e-9)
    assert step["gradients"]["w1"] == pytest.approx(0.000438568, abs=1e-9)
    assert step["updated"]["w5"] == pytest.approx(0.35891648, abs=1e-8)
    assert step["updated"]["w1"] == pytest.approx(0.149780716, abs=1e-9)
    assert step["updated"]["b1"] == 0.35 and step["updated"]["b2"] == 0.6  # frozen


def test_sigmoid_005_010_network_in_layer_form_seeds_003_004() -> None:
    """The same network in the layer form (BP1–BP4 view): the classic published figures again."""
    step = solve_json("sigmoid-0.05-0.10-layers.yaml")["steps"][0]
    assert step["forward"]["o1"]["out"] == pytest.approx(0.75136507, abs=1e-8)
    assert step["loss"] == pytest.approx(0.298371109, abs=1e-9)
    assert step["updated"]["wo_11"] == pytest.approx(0.35891648, abs=1e-8)  # w5
    assert step["updated"]["wh_11"] == pytest.approx(0.149780716, abs=1e-9)  # w1
    assert step["updated"]["wo_22"] == pytest.approx(0.561370121, abs=1e-9)  # w8
    assert step["updated"]["bo_1"] == 0.6  # frozen


def test_sigmoid_005_010_network_without_half_seed_003() -> None:
    """Seed 003 with E = Σ(o − out)²: ∂E/∂out_o1 = 1.2504 (shown rounded in the notes as −2(0.01 − 0.6352)…)."""
    d = solve_file(PROBLEMS / "sigmoid-0.05-0.10-sse.yaml")
    step = d.steps[0]
    o1 = next(x for x in step.deltas if x.neuron == "o1")
    assert float(o1.loss_grad) == pytest.approx(2 * (0.75136507 - 0.01), abs=1e-7)
    # the gradient is exactly twice that of the ½-loss network
    half = solve_file(PROBLEMS / "sigmoid-0.05-0.10.yaml").steps[0]
    for g, h in zip(step.gradients, half.gradients, strict=True):
        assert float(g.value) == pytest.approx(2 * float(h.value), rel=1e-12)
    w1 = next(g for g in step.gradients if g.parameter == "w1")
    assert w1.paths is not None and len(w1.paths) == 2  # through o1 and through o2


def test_single_sigmoid_neuron_seed_001() -> None:
    step = solve_json("single-sigmoid-neuron.yaml")["steps"][0]
    (rec,) = step["forward"].values()
    assert rec["net"] == pytest.approx(13.6)
    assert round(rec["out"], 3) == 0.999 or rec["out"] == pytest.approx(0.99999876, abs=1e-8)


def test_sigmoid_unit_seed_002() -> None:
    step = solve_json("sigmoid-unit.yaml")["steps"][0]
    (rec,) = step["forward"].values()
    assert rec["net"] == pytest.approx(0.87)
    assert round(rec["out"], 2) == 0.70


@pytest.mark.parametrize(("x1", "x2", "y"), [(0, 0, 0), (0, 1, 1), (1, 0, 1), (1, 1, 0)])
def test_xor_truth_table_seed_002(x1: int, x2: int, y: int) -> None:
    problem = load_problem(PROBLEMS / "xor-relu.yaml")
    inputs = dict(problem.inputs)
    inputs.update({"x1": Fraction(x1), "x2": Fraction(x2)})
    from dataclasses import replace

    forward = {f.neuron: f.out for f in derive(replace(problem, inputs=inputs)).steps[0].forward}
    assert forward["y1"] == y
    # the notes' table of hidden values: h1 = x1 + x2, h2 = relu(x1 + x2 − 1)
    assert (forward["h1"], forward["h2"]) == (x1 + x2, max(x1 + x2 - 1, 0))


def test_softmax_example_seed_002(tmp_path: Path) -> None:
    """softmax([0.6, 1.1, −1.5, 1.2, 3.2, −1.1]) = [0.055, 0.090, 0.006, 0.099, 0.74, 0.010] as the notes
    print it (to their last digit: they round some values and cut others)."""
    z = ["0.6", "1.1", "-1.5", "1.2", "3.2", "-1.1"]
    neurons = "".join(f"  y{i}: {{inputs: {{x: w{i}}}, activation: softmax}}\n" for i in range(1, 7))
    params = ", ".join(f"w{i}: {v}" for i, v in enumerate(z, 1))
    targets = ", ".join(f"y{i}: {int(i == 5)}" for i in range(1, 7))
    path = tmp_path / "softmax.yaml"
    path.write_text(
        f"inputs: {{x: 1}}\nneurons:\n{neurons}parameters: {{{params}}}\ntargets: {{{targets}}}\n"
        "loss: cross_entropy\nlearning_rate: 0.1\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["solve", str(path), "--format", "json"])
    forward = json.loads(result.output)["steps"][0]["forward"]
    printed = [(0.055, 3), (0.090, 3), (0.006, 3), (0.099, 3), (0.74, 2), (0.010, 3)]
    for i, (value, decimals) in enumerate(printed, 1):
        assert forward[f"y{i}"]["out"] == pytest.approx(value, abs=10**-decimals)
    assert sum(r["out"] for r in forward.values()) == pytest.approx(1, abs=1e-12)


def test_house_price_chain_rule_seed_001() -> None:
    """The notes' MSE chain rule J = (ŷ − y)²: ∂J/∂w11⁽²⁾ = 2 a1⁽¹⁾ (ŷ − y) and ∂J/∂w11⁽¹⁾ = 2 w11⁽²⁾ x1 (ŷ − y)
    (ReLU active), with the shipped values a1 = 4, ŷ = 7.5, y = 8, w11⁽²⁾ = v11 = 1, x1 = 2."""
    step = solve_json("house-price.yaml")["steps"][0]
    assert step["forward"]["y"]["out"] == 7.5 and step["forward"]["a1"]["out"] == 4
    assert step["gradients"]["v11"] == 2 * 4 * (7.5 - 8)
    assert step["gradients"]["w11"] == 2 * 1 * 2 * (7.5 - 8)
    assert step["loss"] == (7.5 - 8) ** 2


def test_every_shipped_problem_solves_and_cross_checks() -> None:
    for path in sorted(PROBLEMS.glob("*.yaml")):
        result = CliRunner().invoke(app, ["solve", str(path)])
        assert result.exit_code == 0, (path, result.output)

"""Input gradients on data sets: each example's ∂L_k/∂x (`ex2.x1.grad`, of the example's own loss L_k).

The engine's values are checked against central finite differences of an independent mpmath forward pass
(`netgen.reference_loss`, 50 digits) on random networks made into data sets, and against figures worked by
hand on problems/xor-data.yaml (seed 002's XOR; every weight of h 0.5, biases 0 and −0.5, y = 0.5·h1 −
0.5·h2): example 2 (x = (0, 1), t = 1) has h1 = 0.5, h2 = relu(0) = 0, y = 0.25, δ_y = −0.75, δ_h1 =
0.5·(−0.75) = −0.375, δ_h2 = 0 (relu′(0) = 0), so ∂L_2/∂x1 = 0.5·(−0.375) + 0.5·0 = −0.1875 = ∂L_2/∂x2;
example 4 (x = (1, 1), t = 0) has δ_y = 0.25, δ_h1 = 0.125, δ_h2 = −0.125, so ∂L_4/∂x1 = 0.0625 − 0.0625 = 0.
"""

from __future__ import annotations

import json
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import mpmath
import pytest
from conftest import PROBLEMS
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from netgen import problems, reference_loss
from typer.testing import CliRunner

from tutor.checking.datacheck import DataSetModel
from tutor.cli import app
from tutor.engines.training import cross_check_training, derive_training
from tutor.errors import CrossCheckError, ProblemError
from tutor.maths.numfmt import as_fraction
from tutor.model.network import Network
from tutor.model.problem import Example, Problem

XOR = PROBLEMS / "xor-data.yaml"
KINKED = ("relu", "leaky_relu", "elu")
H = Fraction(1, 10**20)
XOR_KEYS = """title: XOR, two examples
layers:
  - {name: x, size: 2}
  - {name: h, activation: relu, weights: [[0.5, 0.5], [0.5, 0.5]], biases: [0, -0.5]}
  - {name: y, activation: identity, weights: [[0.5, -0.5]], biases: [0]}
data:
  - {inputs: [0, 0], targets: [0]}
  - {inputs: [0, 1], targets: [1]}
loss: half_sse
learning_rate: 0.1
check: {keys: [ex2.h1.delta, ex2.x1.grad, ex2.x2.grad, ex1.x1.grad]}
"""


def invoke(*args: str) -> object:
    return CliRunner().invoke(app, list(args), env={"NO_COLOR": "1"})


def _target(problem: Problem, draw: st.DrawFn) -> dict[str, Fraction]:
    outs = list(problem.targets)
    if problem.loss == "cross_entropy":
        hot = draw(st.sampled_from(outs))
        return {o: Fraction(int(o == hot)) for o in outs}
    if problem.loss == "bce":
        return {o: Fraction(draw(st.integers(0, 4)), 4) for o in outs}
    return {o: Fraction(draw(st.integers(-200, 200)), 100) + Fraction(3, 1000) for o in outs}


@st.composite
def data_sets(draw: st.DrawFn) -> Problem:
    """A random network (`netgen.problems`) with 2–4 examples, stochastic, mini-batch or batch, mean or sum."""
    base = draw(problems())
    n = draw(st.integers(2, 4))
    examples = tuple(
        Example(
            {x: Fraction(draw(st.integers(-200, 200)), 100) + Fraction(7, 1000) for x in base.inputs},
            _target(base, draw),
        )
        for _ in range(n)
    )
    return replace(
        base,
        inputs=dict(examples[0].inputs),
        targets=dict(examples[0].targets),
        data=examples,
        steps=1,
        epochs=2,
        batch_size=draw(st.sampled_from([1, 2, None])),
        reduction=draw(st.sampled_from(["mean", "sum"])),
    )


def _mp(value: object) -> mpmath.mpf:
    frac = as_fraction(value)
    return mpmath.mpf(frac.numerator) / frac.denominator if frac is not None else mpmath.mpf(str(value))


def finite_difference(problem: Problem, params: dict, ex: Example, x: str) -> mpmath.mpf:
    """∂L_k/∂x of one example's own loss, by central differences of the mpmath forward pass."""

    def loss(shift: Fraction) -> mpmath.mpf:
        inputs = {**ex.inputs, x: ex.inputs[x] + shift}
        return reference_loss(replace(problem, inputs=inputs, targets=dict(ex.targets)), params)

    return (loss(H) - loss(-H)) / (2 * H)


def _at_kink(e: object) -> bool:
    return any(f.activation.name in KINKED and f.net == 0 for f in e.forward)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data_sets())
def test_each_examples_input_gradients_match_finite_differences(problem: Problem) -> None:
    try:
        derivation = derive_training(problem, detail=2, whole_run=False)  # cross-checked against float64 too
    except ProblemError:  # past float64 or the exact digit limit
        assume(False)
    for step in derivation.steps:
        params = {u.parameter: _mp(u.old) for u in step.updates}
        for e in step.examples:
            if _at_kink(e):  # a finite difference across relu's kink is the mean of the two slopes
                continue
            example = problem.data[e.example - 1]
            assert [g.input for g in e.input_gradients] == list(problem.inputs)
            for g in e.input_gradients:
                reference = finite_difference(problem, params, example, g.input)
                assert float(g.value) == pytest.approx(float(reference), rel=1e-9, abs=1e-12), (e.example, g.input)


def test_xor_input_gradients_by_hand_and_the_keys_they_have() -> None:
    derivation = derive_training(Problem_from(XOR), detail=1, whole_run=False)
    values = derivation.input_gradient_values()
    assert values == {
        "ex1.x1.grad": 0, "ex1.x2.grad": 0, "ex2.x1.grad": Fraction(-3, 16), "ex2.x2.grad": Fraction(-3, 16),
        "ex3.x1.grad": Fraction(-3, 16), "ex3.x2.grad": Fraction(-3, 16), "ex4.x1.grad": 0, "ex4.x2.grad": 0,
    }  # fmt: skip
    assert not any(k.endswith(("x1.grad", "x2.grad")) for k in derivation.values())  # on request only


def Problem_from(path: Path) -> Problem:  # noqa: N802 - reads as the type it gives
    from tutor.files.loader import load_problem

    return load_problem(path)


def test_the_cross_check_covers_the_examples_input_gradients() -> None:
    derivation = derive_training(Problem_from(XOR), detail=1, whole_run=False)
    step = derivation.steps[0]
    e = step.examples[1]
    wrong = replace(e, input_gradients=(replace(e.input_gradients[0], value=Fraction(1)), *e.input_gradients[1:]))
    bad = replace(derivation, steps=(replace(step, examples=(step.examples[0], wrong, *step.examples[2:])),))
    with pytest.raises(CrossCheckError, match=r"step1\.ex2\.x1\.grad"):
        cross_check_training(bad, Network(derivation.problem))


# ---------------------------------------------------------------- every view


def test_terminal_shows_each_examples_input_gradients_with_the_batch_scale() -> None:
    result = invoke("solve", str(XOR), "--input-gradients")
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.count("Input gradients ∂L/∂x") == 4
    assert "Example 2: Input gradients ∂L/∂x" in out
    assert "∂L/∂x1 = wh_11 · δ_h1 + wh_21 · δ_h2 = 0.5 · (−0.375) + 0.5 · 0 = −0.1875" in out
    assert "∂L/∂x1 = wh_11 · δ_h1 + wh_21 · δ_h2 = 0.5 · 0.125 + 0.5 · (−0.125) = 0" in out  # example 4
    assert "(of the example's own loss L_2; of the batch loss L = 1/4 · (L_1 + …): 1/4 of these)" in out
    plain = invoke("solve", str(XOR))
    assert "Input gradients" not in plain.output and "∂L/∂x1 =" not in plain.output


def test_terminal_one_example_batches_have_no_scale_note() -> None:
    result = invoke("solve", str(PROBLEMS / "xor-data-sgd.yaml"), "--input-gradients", "--only", "backward")
    assert result.exit_code == 0, result.output
    assert result.output.count("Input gradients ∂L/∂x") == 1 and "batch loss L =" not in result.output


def test_json_puts_input_gradients_in_each_detailed_examples_record() -> None:
    result = invoke("solve", str(XOR), "--input-gradients", "--format", "json", "--detail", "2")
    assert result.exit_code == 0, result.output
    steps = json.loads(result.output)["steps"]
    first = steps[0]["examples"]
    assert [e["input_gradients"] for e in first] == [
        {"x1": 0, "x2": 0}, {"x1": -0.1875, "x2": -0.1875}, {"x1": -0.1875, "x2": -0.1875}, {"x1": 0, "x2": 0},
    ]  # fmt: skip
    assert all("input_gradients" in e for e in steps[1]["examples"])
    assert not any("input_gradients" in e for s in steps[2:] for e in s["examples"])  # float64 records: no
    assert "input_gradients" not in steps[0]  # the batch record's fields are unchanged
    plain = json.loads(invoke("solve", str(XOR), "--format", "json").output)
    assert not any("input_gradients" in e for e in plain["steps"][0]["examples"])
    forward_only = invoke("solve", str(XOR), "--input-gradients", "--format", "json", "--only", "forward")
    assert "input_gradients" not in json.loads(forward_only.output)["steps"][0]["examples"][0]


LATEX_X1 = (
    r"\frac{\partial L}{\partial x_{1}} &= \mathrm{wh}_{11}\, \delta_{h_{1}} + \mathrm{wh}_{21}\, \delta_{h_{2}}"
    r" = 0.5 \cdot (-0.375) + 0.5 \cdot 0 = -0.1875"
)


@pytest.mark.parametrize("fmt", ["latex", "markdown"])
def test_latex_and_markdown_have_an_input_gradient_paragraph_per_example(fmt: str) -> None:
    result = invoke("solve", str(XOR), "--input-gradients", "--format", fmt)
    assert result.exit_code == 0, result.output
    heading = r"\paragraph*{Input gradients}" if fmt == "latex" else "#### Input gradients"
    assert result.output.count(heading) == 4
    assert LATEX_X1 in result.output
    assert r"those of the batch loss $L = \tfrac{1}{4} \sum_{k} L_{k}$ are $\tfrac{1}{4}$ of them." in result.output
    assert "Input gradients" not in invoke("solve", str(XOR), "--format", fmt).output


def test_html_reads_the_input_gradients_back_from_the_latex() -> None:
    result = invoke("solve", str(XOR), "--input-gradients", "--format", "html")
    assert result.exit_code == 0, result.output
    assert result.output.count("Input gradients") == 4
    assert "<mn>0.1875</mn>" in result.output
    assert "Input gradients" not in invoke("solve", str(XOR), "--format", "html").output


# ---------------------------------------------------------------- answer keys


def _keys_problem(tmp_path: Path, keys: str | None = None) -> Path:
    path = tmp_path / "xor2.yaml"
    text = XOR_KEYS if keys is None else XOR_KEYS.replace("ex2.h1.delta, ex2.x1.grad, ex2.x2.grad, ex1.x1.grad", keys)
    path.write_text(text, encoding="utf-8")
    return path


def _check(problem: Path, tmp_path: Path, answers: str) -> tuple[int, dict]:
    sheet = tmp_path / "answers.yaml"
    sheet.write_text(answers, encoding="utf-8")
    result = invoke("check", str(problem), str(sheet), "--format", "json")
    return result.exit_code, {i["key"]: i for i in json.loads(result.output)["items"]}


def test_check_takes_ex1_x1_grad_right_and_wrong(tmp_path: Path) -> None:
    problem = _keys_problem(tmp_path)
    right = "ex2.h1.delta: -0.375\nex2.x1.grad: -0.1875\nex2.x2.grad: -3/16\nex1.x1.grad: 0\n"
    code, items = _check(problem, tmp_path, right)
    assert code == 0 and {k: i["verdict"] for k, i in items.items()} == dict.fromkeys(items, "correct")
    code, items = _check(problem, tmp_path, right.replace("ex1.x1.grad: 0", "ex1.x1.grad: 0.5"))
    assert code == 1 and items["ex1.x1.grad"]["verdict"] == "incorrect" and items["ex2.x1.grad"]["verdict"] == "correct"


def test_check_carries_an_input_gradient_built_on_the_students_own_delta(tmp_path: Path) -> None:
    # with their δ_h1 = −1: ∂L_2/∂x1 = 0.5·(−1) + 0.5·0 = −0.5, carried; 0.5 is no carried value
    code, items = _check(_keys_problem(tmp_path), tmp_path, "ex2.h1.delta: -1\nex2.x1.grad: -0.5\nex2.x2.grad: 0.5\n")
    assert code == 1
    assert items["ex2.h1.delta"]["verdict"] == "incorrect"
    assert items["ex2.x1.grad"]["verdict"] == "carried" and "ex2.h1.delta" in items["ex2.x1.grad"]["message"]
    assert items["ex2.x2.grad"]["verdict"] == "incorrect"


def test_without_check_keys_an_input_gradient_is_no_answer_key(tmp_path: Path) -> None:
    code, items = _check(XOR, tmp_path, "ex1.x1.grad: 0\n")
    assert items["ex1.x1.grad"]["verdict"] == "invalid"  # as for a one-example problem: counted when named


@pytest.mark.parametrize("key", ["x1.grad", "ex3.x1.grad", "ex2.x9.grad"])
def test_check_keys_naming_no_input_gradient_of_the_data_set_is_bad_input(tmp_path: Path, key: str) -> None:
    result = invoke("answers", str(_keys_problem(tmp_path, key)))
    assert result.exit_code == 2 and "check.keys[0]" in result.output and key in result.output


def test_answers_lists_the_keys_and_practice_hints_them(tmp_path: Path) -> None:
    problem = _keys_problem(tmp_path)
    result = invoke("answers", str(problem))
    assert result.exit_code == 0, result.output
    assert "ex2.x1.grad: -0.1875\n" in result.output and "ex1.x2.grad: 0  # not counted" in result.output
    from tutor.engines.solver import solve_any

    hints = DataSetModel(solve_any(problem)).hints(6)
    assert hints.rung("ex2.x1.grad", 1) == "∂L/∂x1 = wh_11 · δ_h1 + wh_21 · δ_h2"
    assert hints.rung("ex2.x1.grad", 2) == "∂L/∂x1 = wh_11 · δ_h1 + wh_21 · δ_h2 = 0.5 · (−0.375) + 0.5 · 0"
    assert hints.rung("ex2.x1.grad", 3).endswith("= −0.1875")


def test_practice_asks_an_input_gradient_after_its_examples_keys(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["practice", str(_keys_problem(tmp_path))], input="0\n-0.375\n5\n?\n-0.1875\nskip\n",
        env={"NO_COLOR": "1"},
    )  # fmt: skip
    out = result.output
    prompts = ["[1/4] ex1.x1.grad", "[2/4] ex2.h1.delta", "[3/4] ex2.x1.grad", "[4/4] ex2.x2.grad"]
    assert [out.index(p) for p in prompts] == sorted(out.index(p) for p in prompts)
    assert "Hint: the formula" in out and "∂L/∂x1 = wh_11 · δ_h1 + wh_21 · δ_h2 = 0.5 · (−0.375) + 0.5 · 0" in out

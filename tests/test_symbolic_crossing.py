"""`--symbolic` where it crosses the other features (optimizers, penalties, dropout, hinge, huber, HTML and
Markdown, formula answers): every shipped problem through every format, and one formula answer per new kind,
each right by a hand derivation from the problem file's own comments (seed 000, seed 003, CS231n)."""

from __future__ import annotations

import pytest
from conftest import PROBLEMS
from typer.testing import CliRunner

from tutor.checking.check import Checker
from tutor.cli import app
from tutor.engines.solver import solve_any
from tutor.files.answers import answers_from_data

SHIPPED = sorted(p for p in PROBLEMS.glob("*.yaml"))
FORMATS = ("text", "json", "latex", "html", "markdown")


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), env={"NO_COLOR": "1", "COLUMNS": "200"})


def _expected_code(path) -> int:
    text = path.read_text()
    return 2 if "data:" in text or "maxpool" in text else 0  # a data set, max pooling: refused with a message


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_problem_solves_symbolically_in_every_format(path) -> None:
    for fmt in FORMATS:
        result = invoke("solve", str(path), "--symbolic", "--format", fmt)
        assert result.exit_code == _expected_code(path), (fmt, result.output)
        assert "Traceback" not in result.output


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_problem_has_a_formula_key(path) -> None:
    result = invoke("answers", str(path), "--symbolic")
    assert result.exit_code == _expected_code(path), result.output


def test_the_optimizer_state_is_a_formula_of_the_gradient() -> None:
    result = invoke("solve", str(PROBLEMS / "relu-momentum.yaml"), "--symbolic", "--format", "json")
    step = __import__("json").loads(result.output)["steps"][0]["symbolic"]
    # torch's momentum buffer: v ← β·v + g, with v = 0 at step 1 (its Symbol) and β = 0.9
    assert step["state"]["w13"]["velocity"].startswith("9*velocity_w13/10 + ")
    assert "velocity_w13" in __import__("json").loads(result.output)["symbols"]


def _judge(path: str, key: str, text: str):
    checker = Checker(solve_any(PROBLEMS / path, whole_run=False))
    return {i.key: i for i in checker.check(answers_from_data({key: text})).items}[key]


@pytest.mark.parametrize(
    ("path", "key", "text"),
    [
        # seed 000's ReLU exercise with (λ/2)·Σw², λ = 0.1: L = ½(y5 − t5)² + 0.05·Σw² (= 50 + 1.75)
        ("relu-exercise-l2.yaml", "loss", "(y5 - t5)^2/2 + 0.05*(w13^2 + w23^2 + w14^2 + w24^2 + w35^2 + w45^2)"),
        # step 1 keeps h1 and scales it by 1/(1 − 0.5) = 2 (inverted dropout)
        ("sigmoid-0.05-0.10-dropout.yaml", "h1.out", "2/(1 + exp(-(b1 + i1*w1 + i2*w2)))"),
        # CS231n: L = Σ_{j≠cat} max(0, s_j − s_cat + 1); here car's margin is positive, frog's negative
        ("cs231n-svm-hinge.yaml", "loss", "car - cat + 1"),
        # momentum at step 1: v = 0·β + g, g = ∂L/∂w35 = (y5 − t5)·y3 (y5 > 0: relu′ = 1)
        ("relu-momentum.yaml", "w35.velocity", "(y5 - t5)*y3"),
    ],
)
def test_a_formula_answer_of_each_new_kind_is_judged(path: str, key: str, text: str) -> None:
    item = _judge(path, key, text)
    assert item.verdict == "correct", item.message


HUBER_BRANCH = (
    "(y - t_y)^2/2 + 0.01*(abs(w11) + abs(w12) + abs(w23) + abs(w33) + abs(w34) + abs(v11) + abs(v12) + abs(v13))"
)


def test_the_huber_loss_is_more_than_its_quadratic_branch() -> None:
    # δ = 1, |ŷ − y| = 0.5 < δ: L = ½·0.5² + 0.01·Σ|w| = 0.125 + 0.075 here, but Huber is linear beyond δ,
    # where the random points of the check go: the quadratic branch alone is not the loss's formula
    item = _judge("house-price-huber.yaml", "loss", HUBER_BRANCH)
    assert item.verdict == "incorrect" and "numerically" in item.message
    assert item.given == pytest.approx(0.2)


def test_a_wrong_formula_of_a_new_kind_is_incorrect() -> None:
    item = _judge("relu-exercise-l2.yaml", "loss", "(y5 - t5)^2/2")  # the penalty forgotten
    assert item.verdict == "incorrect", item.message

"""Checking, answer keys and practice on data sets: each example's keys (`ex2.y1.out`) and the batch's
(`loss`, `w.grad`, `w.new`), error carried forward from a student's own example values, mistakes.

The figures are worked by hand on problems/xor-data.yaml (seed 002's XOR, batch gradient descent, mean
½(t − y)²): every weight of h is 0.5, h's biases 0 and −0.5, y = 0.5·h1 − 0.5·h2, η = 0.1. The four
examples give y = 0, 0.25, 0.25, 0.25 (h2 = relu(0.5·1 + 0.5·1 − 0.5) = 0.5 for the last, h1 = 1), so
their losses are 0, ½·0.75² = 0.28125, 0.28125 and ½·0.25² = 0.03125, and the batch loss is their mean,
0.1484375. ∂L/∂wh_11 = mean over the examples of δ_h1 · x1 = (0 + 0 + (−0.75)(0.5)(1) + (0.25)(0.5)(1)) / 4
= −0.0625, so wh_11 ← 0.5 − 0.1·(−0.0625) = 0.50625.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import PROBLEMS
from rich.console import Console

from tutor.checking.answerkey import answer_key_text
from tutor.checking.check import Checker, CheckReport
from tutor.classroom.practice import PracticeOptions, Session
from tutor.engines.solver import solve_any
from tutor.files.answers import answers_from_data

ROOT = Path(__file__).resolve().parent.parent
BATCH = PROBLEMS / "xor-data.yaml"
SGD = PROBLEMS / "xor-data-sgd.yaml"
CHECKER = Checker(solve_any(BATCH))


def check(data: dict, checker: Checker = CHECKER) -> dict:
    report: CheckReport = checker.check(answers_from_data(data))
    return {i.key: i for i in report.items}


def test_the_batch_figures_worked_by_hand() -> None:
    by = check(
        {"ex2.loss": 0.28125, "ex4.loss": 0.03125, "loss": 0.1484375, "wh_11.grad": -0.0625, "wh_11.new": 0.50625}
    )
    assert {i.verdict for i in by.values()} == {"correct"}


@pytest.mark.parametrize("value", [0, 0.28125, 0.03125])
def test_a_wrong_batch_loss_is_wrong(value: float) -> None:
    """An example's loss (or 0) given for the batch loss is not right, however the examples were fed."""
    item = check({"loss": value})["loss"]
    assert item.verdict == "incorrect" and item.credit == 0 and "expected 0.1484375" in item.message


def test_the_batch_is_carried_forward_from_the_students_own_example_values() -> None:
    # their ex2.loss is 0.5; the mean of their own losses is (0 + 0.5 + 0.28125 + 0.03125) / 4 = 0.203125
    by = check({"ex2.loss": 0.5, "loss": 0.203125})
    assert by["ex2.loss"].verdict == "incorrect"
    assert by["loss"].verdict == "carried" and "your ex2.loss = 0.5 (expected 0.28125)" in by["loss"].message
    # their ∂L/∂wh_11 of example 3 is −1 (not −0.375): the mean is (−1 + 0.125) / 4 = −0.21875, and the
    # update from it 0.5 + 0.1·0.21875 = 0.521875
    by = check({"ex3.wh_11.grad": -1, "wh_11.grad": -0.21875, "wh_11.new": 0.521875})
    assert [by[k].verdict for k in ("ex3.wh_11.grad", "wh_11.grad", "wh_11.new")] == ["incorrect", "carried", "carried"]
    assert "ex3.wh_11.grad" in by["wh_11.grad"].message and "wh_11.grad" in by["wh_11.new"].message


def test_an_example_is_carried_forward_within_itself() -> None:
    # example 2 with their own h1 net 1 (not 0.5): y1 = 0.5·1 − 0.5·0 = 0.5, loss ½·0.5² = 0.125
    by = check({"ex2.h1.net": 1, "ex2.h1.out": 1, "ex2.y1.out": 0.5, "ex2.loss": 0.125})
    assert [by[k].verdict for k in ("ex2.h1.net", "ex2.h1.out", "ex2.y1.out", "ex2.loss")] == [
        "incorrect",
        "carried",
        "carried",
        "carried",
    ]


def test_mistakes_are_diagnosed_in_the_batch_and_in_an_example() -> None:
    assert check({"wh_11.grad": -0.0625, "wh_11.new": 0.49375})["wh_11.new"].tags == ("update-sign",)
    assert "missing-learning-rate" in check({"wh_11.new": 0.5625})["wh_11.new"].tags  # 0.5 + 0.0625
    assert "loss-factor" in check({"ex2.loss": 0.5625})["ex2.loss"].tags  # (1 − 0.25)² without the ½
    assert "target-sign" in check({"ex2.y1.delta": 0.75})["ex2.y1.delta"].tags  # (t − y) = 0.75
    # δ_h1 of example 2 with the batch's new wy_11 = 0.5 − 0.1·(0 − 0.375 − 0.375 + 0.25)/4 = 0.5125:
    # 0.5125 · (−0.75) · relu′(0.5) = −0.384375 instead of 0.5 · (−0.75) = −0.375
    assert check({"ex2.h1.delta": -0.384375})["ex2.h1.delta"].tags == ("updated-weights-in-backprop",)
    # the sum of the examples' instead of their mean: 0 + 0.28125 + 0.28125 + 0.03125, and −0.375 + 0.125
    assert check({"loss": 0.59375})["loss"].tags == ("batch-sum-or-mean",)
    assert check({"wh_11.grad": -0.25})["wh_11.grad"].tags == ("batch-sum-or-mean",)


@pytest.mark.parametrize(("path", "detail"), [(BATCH, 1), (BATCH, 2), (SGD, 3)])
def test_the_answer_key_checks_against_itself_and_rounding_to_4_decimals_is_fine(path: Path, detail: int) -> None:
    derivation = solve_any(path, detail=detail)
    checker = Checker(derivation)
    data = yaml.safe_load(answer_key_text(derivation))
    report = checker.check(answers_from_data(data))
    assert {i.verdict for i in report.items} == {"correct"} and report.max_score == len(derivation.values())
    given: dict[str, float] = {}  # every intermediate rounded to 4 decimals and carried on
    for key in checker.expected:
        given[key] = round(checker.model.recompute(given)[key], 4)
    report = checker.check(answers_from_data({k: f"{v:.4f}" for k, v in given.items()}))
    assert {(i.verdict, i.tags) for i in report.items} == {("correct", ())}


def test_the_blank_template_says_which_example() -> None:
    text = answer_key_text(solve_any(BATCH), blank=True)
    assert "ex2.y1.out:" in text and "for example 2 (x1 = 0, x2 = 1)" in text
    assert "# the batch loss: the mean of the examples' losses" in text


def test_practice_asks_each_example_then_the_batch_with_hints() -> None:
    lines = iter(["0", "0.28125", "0.28125", "0.03125", "?", "?", "0.1484375"])
    console = Console(file=io.StringIO(), width=200, color_system=None)
    session = Session(solve_any(BATCH), console, lambda _: next(lines), PracticeOptions(only=frozenset({"loss"})))
    assert session.run() == "done" and session.exit_code == 0
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert "[5/5] loss: the batch loss" in out
    assert "L = 1/4 · (L_1 + L_2 + L_3 + L_4) = 1/4 · (0 + 0.28125 + 0.28125 + 0.03125)" in out


def test_cli_answers_blank_and_practice_on_a_data_set_through_a_pipe() -> None:
    cli = [sys.executable, "-m", "tutor"]
    blank = subprocess.run([*cli, "answers", str(SGD), "--blank"], capture_output=True, text=True, cwd=ROOT)
    assert blank.returncode == 0 and "Traceback" not in blank.stderr and "ex" in blank.stdout
    done = subprocess.run(
        [*cli, "practice", str(BATCH), "--only", "loss"], input="0\n", capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr and "(end of input)" in done.stdout


def test_a_softmax_hint_uses_the_examples_own_target(tmp_path: Path) -> None:
    """Seed 002's softmax classifier on two examples: example 2 is class 1, so δ_y1 = y1 − 1 there."""
    text = (PROBLEMS / "softmax-classifier.yaml").read_text()
    text = text.replace("inputs: {x1: 1, x2: 2}\n", "").replace(
        "targets: {y1: 0, y2: 1, y3: 0}  # one-hot: class 2\n",
        "data:\n  - {inputs: {x1: 1, x2: 2}, targets: {y1: 0, y2: 1, y3: 0}}\n"
        "  - {inputs: {x1: 2, x2: 1}, targets: {y1: 1, y2: 0, y3: 0}}\n",
    )
    (tmp_path / "p.yaml").write_text(text)
    hints = Checker(solve_any(tmp_path / "p.yaml")).model.hints(6)
    assert hints.rung("ex1.y1.delta", 2).endswith("y1 − t1 = 0.212158 − 0")
    assert hints.rung("ex2.y1.delta", 2).endswith(" − 1")


def test_cli_detail_works_more_iterations_and_says_so_without_it(tmp_path: Path) -> None:
    cli = [sys.executable, "-m", "tutor"]
    key = tmp_path / "key.yaml"
    subprocess.run([*cli, "answers", str(SGD), "--detail", "2", "-o", str(key)], check=True, cwd=ROOT)
    assert "\nstep2:\n" in key.read_text()
    two = subprocess.run([*cli, "check", str(SGD), str(key), "--detail", "2"], capture_output=True, text=True, cwd=ROOT)
    assert two.returncode == 0 and "Score: 76 / 76" in two.stdout
    one = subprocess.run([*cli, "check", str(SGD), str(key), "-f", "json"], capture_output=True, text=True, cwd=ROOT)
    late = [i for i in json.loads(one.stdout)["items"] if i["key"].startswith("step2.")]
    assert one.returncode == 1 and len(late) == 38
    assert all(i["verdict"] == "invalid" and "--detail N" in i["message"] for i in late)


def test_the_hint_for_a_batch_gradient_is_the_mean_of_the_examples() -> None:
    hints = CHECKER.model.hints(6)  # the figures of the module docstring: (0 + 0 + (−0.75)(0.5) + (0.25)(0.5)) / 4
    assert hints.rung("wh_11.grad", 1) == "∂L/∂wh_11 = 1/4 · (∂L_1/∂wh_11 + ∂L_2/∂wh_11 + ∂L_3/∂wh_11 + ∂L_4/∂wh_11)"
    assert hints.rung("wh_11.grad", 3).endswith("= 1/4 · (0 + 0 + (−0.375) + 0.125) = −0.0625")
    assert hints.rung("wh_11.new", 3).endswith("0.50625")  # an update: the single-example ladder

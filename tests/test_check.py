"""Checking answers: tolerance, error carried forward, mistake diagnosis, invalid input (library level)."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from conftest import PROBLEMS

from tutor.checking.answerkey import answer_key_text
from tutor.checking.check import Checker, CheckReport, check_answers, tolerance, within_tolerance
from tutor.checking.mistakes import MISTAKES
from tutor.engines.exact import derive
from tutor.engines.floats import solve_numeric
from tutor.files.answers import answers_from_data
from tutor.files.loader import load_problem
from tutor.model.problem import CheckSettings, Problem


def relu_exercise() -> Problem:
    return load_problem(PROBLEMS / "relu-exercise.yaml")


def sigmoid_network(loss: str = "half_sse", steps: int = 1) -> Problem:
    return replace(load_problem(PROBLEMS / "sigmoid-0.05-0.10.yaml"), loss=loss, steps=steps)


def unit() -> Problem:
    return load_problem(PROBLEMS / "sigmoid-unit.yaml")


RELU = Checker(derive(relu_exercise()))
SIGMOID = Checker(derive(sigmoid_network()))


def check(checker: Checker, data: dict) -> CheckReport:
    return checker.check(answers_from_data(data))


def item(checker: Checker, key: str, value: object):
    report = check(checker, {key: value})
    assert len(report.items) == 1
    return report.items[0]


def sigma(x: float) -> float:
    return 1 / (1 + math.exp(-x))


# --- the seeds' figures --------------------------------------------------------------------------------


def test_relu_exercise_seed_answers_are_correct() -> None:
    report = check(RELU, {"y3.net": 5, "y5.out": 10, "loss": 50, "y5.delta": 10, "w13.grad": 20, "w13.new": 0})
    assert [i.verdict for i in report.items] == ["correct"] * 6
    assert report.score == 6 and report.max_score == 22 and report.ok  # the whole answer key counts
    assert len(report.unanswered) == 22 - 6 and "w35.new" in report.unanswered


def test_expressions_are_read_by_the_grammar() -> None:
    checker = Checker(derive(unit()))
    report = check(checker, {"y.net": "0.2*0.5 + 0.3*0.6 + 0.9*0.1 + 0.5", "y.out": "1/(1+e^-0.87)"})
    assert [i.verdict for i in report.items] == ["correct", "correct"]
    assert item(RELU, "w13.new", "2 - 0.1*20").verdict == "correct"
    assert item(RELU, "loss", "1/2 * 10^2").verdict == "correct"
    assert item(RELU, "w23.new", "-3 - 0.1*(-20)").verdict == "correct"
    assert item(SIGMOID, "h1.out", "sigmoid(0.3775)").verdict == "correct"


@pytest.mark.parametrize("problem", [relu_exercise(), sigmoid_network(), sigmoid_network(steps=2), unit()])
def test_the_answer_key_checked_against_itself_is_all_correct(problem) -> None:
    derivation = derive(problem)
    import yaml

    data = yaml.safe_load(answer_key_text(derivation))
    report = check_answers(derivation, answers_from_data(data))
    assert {i.verdict for i in report.items} == {"correct"}
    frozen = {k for k in derivation.values() if k.endswith(".new") and k.split(".")[-2] in problem.frozen}
    assert report.score == report.max_score == len(derivation.values()) - len(frozen)  # a frozen .new: not counted
    assert not report.unanswered


def test_blank_template_has_every_key_empty_and_checks_to_nothing() -> None:
    import yaml

    text = answer_key_text(derive(sigmoid_network(steps=2)), blank=True)
    assert "h1.net:" in text and "# net_h1, the net input of h1" in text
    data = yaml.safe_load(text)
    assert set(data) >= {"h1.net", "loss", "step2"} and data["h1.net"] is None
    assert check(SIGMOID, data).items == ()


# --- tolerance -----------------------------------------------------------------------------------------


def test_tolerance_is_relative_with_an_absolute_floor() -> None:
    s = CheckSettings()
    assert tolerance(20, s) == pytest.approx(0.02)
    assert tolerance(0.0004, s) == 1e-4
    assert within_tolerance(20.019, 20, s) and not within_tolerance(20.03, 20, s)
    assert within_tolerance(0.0004, 0.000438568, s)  # a tiny gradient rounded to 4 decimals
    assert not within_tolerance(math.nan, 1, s)


def test_sigfigs_and_settings() -> None:
    s = CheckSettings(sigfigs=3, atol=0)
    assert within_tolerance(0.593, 0.5932699, s) and not within_tolerance(0.590, 0.5932699, s)
    strict = RELU.with_settings(CheckSettings(rtol=1e-6, atol=0))
    assert item(strict, "w13.grad", 20.001).verdict == "incorrect"
    assert item(RELU, "w13.grad", 20.001).verdict == "correct"


def test_rounding_intermediates_to_4_decimals_is_never_wrong() -> None:
    """A student who rounds every intermediate to 4 decimals and carries the rounded values forward."""
    problem = sigmoid_network(steps=2)
    checker = Checker(derive(problem))
    given: dict[str, float] = {}
    for key in checker.expected:
        given[key] = round(solve_numeric(problem, given=given)[key], 4)
    report = check(checker, {k: f"{v:.4f}" for k, v in given.items()})
    assert {(i.verdict, i.tags) for i in report.items} == {("correct", ())}
    assert report.score == report.max_score == 2 * 31  # 33 keys a step, two of them frozen biases' .new


# --- error carried forward -----------------------------------------------------------------------------


def test_error_carried_forward_names_the_earlier_value() -> None:
    report = check(RELU, {"y3.net": 6, "y3.out": 6, "y5.net": 12, "loss": 72})
    verdicts = {i.key: i for i in report.items}
    assert verdicts["y3.net"].verdict == "incorrect"
    for key in ("y3.out", "y5.net", "loss"):
        assert verdicts[key].verdict == "carried", verdicts[key]
        assert verdicts[key].credit == 0.5
    assert "your y3.net = 6 (expected 5)" in verdicts["y3.out"].message
    assert "your y5.net = 12 (expected 10)" in verdicts["loss"].message
    assert report.score == 1.5 and report.max_score == 22 and not report.ok


def test_carried_through_unanswered_values_and_into_the_next_step() -> None:
    checker = Checker(derive(replace(relu_exercise(), steps=2)))
    by = {i.key: i for i in check(checker, {"y3.net": 6, "y5.net": 12}).items}
    assert by["y5.net"].verdict == "carried" and "y3.net" in by["y5.net"].message  # through y3.out
    by = {i.key: i for i in check(checker, {"w35.new": 2, "step2.y5.net": 2}).items}
    # step 2 with the student's own w35 = 2 (never updated): y5.net = y3·w35 + y4·w45 = 1·2 + 0·(−1)
    assert by["w35.new"].verdict == "incorrect"
    assert by["step2.y5.net"].verdict == "carried"
    assert "your w35.new = 2 (expected -3)" in by["step2.y5.net"].message


def test_carried_credit_is_configurable() -> None:
    full = RELU.with_settings(CheckSettings(carried_credit=1.0))
    assert check(full, {"y3.net": 6, "y3.out": 6}).score == 1.0


# --- mistake diagnosis ---------------------------------------------------------------------------------


def _mse_sum() -> float:
    out = solve_numeric(sigmoid_network("mse"))
    return (0.01 - out["o1.out"]) ** 2 + (0.99 - out["o2.out"]) ** 2


O1 = 0.75136507
CASES = [
    (RELU, "w13.new", 4, "update-sign"),  # 2 + 0.1·20
    (RELU, "w13.new", -18, "missing-learning-rate"),  # 2 − 20
    (SIGMOID, "o1.delta", O1 - 0.01, "missing-activation-derivative"),
    (RELU, "loss", 100, "loss-factor"),  # Σ(t − y)² instead of ½Σ
    (RELU, "y5.delta", -10, "target-sign"),
    (RELU, "y3.delta", -30, "updated-weights-in-backprop"),  # new w35 = −3
    (RELU, "w45.grad", -30, "net-instead-of-out"),  # δ5 · net4 = 10 · (−3)
    (SIGMOID, "o1.delta", (O1 - 0.01) * sigma(O1) * (1 - sigma(O1)), "derivative-at-output"),
    (SIGMOID, "h1.net", 0.0275, "forgot-bias"),
]


@pytest.mark.parametrize(("checker", "key", "value", "tag"), CASES, ids=[c[3] for c in CASES])
def test_each_mistake_is_diagnosed(checker: Checker, key: str, value: float, tag: str) -> None:
    it = item(checker, key, value)
    assert it.verdict == "incorrect"
    assert it.tags[0] == tag, it
    words = next(m.words for m in MISTAKES if m.tag == tag)
    assert words in it.message and f"({tag})" in it.message


def test_wrong_loss_mean() -> None:
    it = item(Checker(derive(sigmoid_network("mse"))), "loss", _mse_sum())
    assert "wrong-loss-mean" in it.tags


def test_every_matching_tag_is_listed_most_specific_first() -> None:
    it = item(RELU, "w13.new", 4)  # 2 + 0.1·20 (update sign) = 2 − 0.1·(−20) (target sign)
    assert it.tags == ("update-sign", "target-sign")


def test_diagnosis_uses_the_students_own_earlier_values() -> None:
    # their gradient is wrong (21), and the update adds it: 2 + 0.1·21 = 4.1
    report = check(RELU, {"w13.grad": 21, "w13.new": 4.1})
    assert report.items[1].tags == ("update-sign",)


def _hidden_delta(w5: float, w7: float, deriv: float) -> float:
    """δh1 = (w5·δo1 + w7·δo2)·deriv with the true output deltas of the sigmoid network."""
    out = solve_numeric(sigmoid_network())
    return (w5 * out["o1.delta"] + w7 * out["o2.delta"]) * deriv


H1 = 0.59326999
HIDDEN_CASES = [
    (_hidden_delta(0.40, 0.50, 1.0), "missing-activation-derivative"),  # no h1(1 − h1)
    (_hidden_delta(0.40, 0.50, sigma(H1) * (1 - sigma(H1))), "derivative-at-output"),  # σ′(h1.out)
    (_hidden_delta(0.35891648, 0.51130127, H1 * (1 - H1)), "updated-weights-in-backprop"),  # new w5, w7
]


@pytest.mark.parametrize(("value", "tag"), HIDDEN_CASES, ids=[c[1] for c in HIDDEN_CASES])
@pytest.mark.parametrize("outputs", [{}, {"o1.delta": "0.1385", "o2.delta": "-0.0381"}], ids=["alone", "with-outputs"])
def test_a_mistake_made_in_the_hidden_layer_only_is_diagnosed(value: float, tag: str, outputs: dict) -> None:
    """The classic slip made at the hidden layer only, the output deltas right (written down or not)."""
    report = check(SIGMOID, {**outputs, "h1.delta": f"{value:.4f}"})
    hidden = next(i for i in report.items if i.key == "h1.delta")
    assert hidden.verdict == "incorrect" and hidden.tags[:1] == (tag,), hidden
    assert all(i.verdict == "correct" for i in report.items if i.key != "h1.delta")


def test_a_mistake_contradicted_by_the_students_own_values_is_not_named() -> None:
    # ∂L/∂w13 = 20 is right, so w13 ← 4 is a sign slip in the update, not in the error (t − y)
    report = check(RELU, {"w13.grad": 20, "w13.new": 4})
    assert report.items[1].tags == ("update-sign",)
    assert "target-sign" in item(RELU, "w13.new", 4).tags  # without their gradient, both fit


def test_a_wrong_value_with_no_known_mistake() -> None:
    it = item(RELU, "w13.grad", 7)
    assert (it.verdict, it.tags, it.message, it.credit) == ("incorrect", (), "expected 20", 0.0)


# --- invalid answers -----------------------------------------------------------------------------------


def test_unknown_keys_suggest_close_matches() -> None:
    it = item(RELU, "w13.grd", 20)
    assert it.verdict == "invalid" and it.expected is None
    assert "w13.grd names nothing in this problem" in it.message and "w13.grad" in it.message


@pytest.mark.parametrize("value", ["abc", "2 +", "1/0", "[1]", True, ".nan", "__import__('os')", "9^9^9^9"])
def test_invalid_values_are_per_key_verdicts(value: object) -> None:
    report = check(RELU, {"w13.grad": value, "loss": 50})
    assert [i.verdict for i in report.items] == ["correct", "invalid"] or [i.verdict for i in report.items] == [
        "invalid",
        "correct",
    ]
    bad = next(i for i in report.items if i.key == "w13.grad")
    assert bad.given is None and bad.credit == 0 and bad.message
    assert not report.ok


def test_a_later_step_than_the_problem_has_says_so() -> None:
    it = item(RELU, "step2.loss", 12.5)
    assert it.verdict == "invalid" and it.message == "step2.loss: this problem has 1 step(s), not 2"


def test_a_decimal_comma_is_invalid_with_a_hint() -> None:
    it = item(RELU, "w13.new", "0,5")
    assert it.verdict == "invalid" and "write a decimal point, 0.5" in it.message


def test_nested_steps_flatten_and_step1_prefix_is_accepted() -> None:
    checker = Checker(derive(sigmoid_network(steps=2)))
    sheet = answers_from_data({"step1": {"h1": {"net": 0.3775}}, "step2": {"h1.net": 0.37}})
    assert set(sheet) == {"h1.net", "step2.h1.net"}
    assert [i.key for i in checker.check(sheet).items] == ["h1.net", "step2.h1.net"]


def test_json_shape() -> None:
    data = check(RELU, {"w13.grad": 20, "y3.out": 5.5, "w13.new": "1/2"}).to_json()
    assert list(data) == ["score", "max_score", "items", "unanswered"]
    assert data["score"] == 1 and isinstance(data["score"], int) and data["max_score"] == 22
    assert len(data["unanswered"]) == 22 - 3 and "y3.net" in data["unanswered"]
    first = data["items"][0]
    assert first == {
        "key": "y3.out",
        "given": 5.5,
        "expected": 5,
        "verdict": "incorrect",
        "tags": [],
        "message": "expected 5",
        "counted": True,
    }
    assert data["items"][1]["given"] == 20 and isinstance(data["items"][1]["given"], int)
    assert data["items"][2]["given"] == 0.5

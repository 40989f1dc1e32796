"""Mistake diagnosis inside a key's own chain product, and the mistakes made at one place of the network:
a path or a shared parameter's use left out, δ given as the gradient, a dropped minus sign."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import PROBLEMS, ROOT
from rich.console import Console

from tutor.checking.check import Checker, CheckItem
from tutor.checking.mistakes import BY_TAG, MISTAKES
from tutor.checking.mistakewords import mistake_words
from tutor.classroom.practice import PracticeOptions, Session
from tutor.engines.exact import derive
from tutor.engines.solver import solve_any, solve_problem
from tutor.files.answers import answers_from_data
from tutor.files.loader import load_problem

RELU = Checker(derive(load_problem(PROBLEMS / "relu-exercise.yaml")))
SIGMOID = Checker(derive(load_problem(PROBLEMS / "sigmoid-0.05-0.10.yaml")))
NEW_TAGS = ("missing-shared-use", "delta-as-gradient", "dropped-sign")
H1 = 0.5932699921  # h1.out of the sigmoid network


def verdict(checker: Checker, data: dict, key: str) -> CheckItem:
    return next(i for i in checker.check(answers_from_data(data)).items if i.key == key)


def sigmoid_truth(key: str) -> float:
    return SIGMOID.truth[key]


# --- a gradient computed as a full chain product, the student's deltas right ----------------------------

CHAIN_CASES = [
    # ∂L/∂w13 = δ5 · w35 · relu′(x3) · x1 = 10 · (−3) · 1 · 1 with the new w35, though δ3 = 20 is right
    (RELU, {"y5.delta": 10, "y3.delta": 20}, "w13.grad", -30, "updated-weights-in-backprop"),
    # ∂L/∂w35 = 2(y5 − t5) · relu′(x5) · y3 = 2 · 10 · 5: the factor 2 of Σ(t − y)², though δ5 = 10 is right
    (RELU, {"y5.delta": 10}, "w35.grad", 100, "loss-factor"),
    (SIGMOID, {"o1.delta": "0.1385"}, "w5.grad", 2 * sigmoid_truth("w5.grad"), "loss-factor"),
    # δh1 through o1 only, its own chain product with the output deltas right
    (SIGMOID, {"o1.delta": "0.1385", "o2.delta": "-0.0381"}, "h1.delta", 0.4 * 0.1385 * H1 * (1 - H1), "missing-path"),
]


@pytest.mark.parametrize(("checker", "given", "key", "value", "tag"), CHAIN_CASES, ids=[c[4] for c in CHAIN_CASES])
def test_a_mistake_inside_a_keys_own_chain_product_is_named(
    checker: Checker, given: dict, key: str, value: float, tag: str
) -> None:
    report = checker.check(answers_from_data({**given, key: f"{value:.6g}"}))
    wrong = next(i for i in report.items if i.key == key)
    assert wrong.verdict == "incorrect" and tag in wrong.tags, wrong
    assert all(i.verdict == "correct" for i in report.items if i.key != key)


def test_a_chain_product_from_the_students_own_wrong_forward_values() -> None:
    # their y3 = 6 (wrong), δ5 = 10 right; ∂L/∂w35 = 2 · 10 · 6 = 120 with the factor 2 of Σ(t − y)²
    it = verdict(RELU, {"y3.out": 6, "y5.delta": 10, "w35.grad": 120}, "w35.grad")
    assert it.verdict == "incorrect" and "loss-factor" in it.tags, it


# --- the new mistake models ------------------------------------------------------------------------------

NEW_CASES = [
    (RELU, {}, "w45.grad", 10, "delta-as-gradient"),  # δ5 = 10 instead of δ5 · y4 = 0
    (RELU, {}, "w35.grad", 10, "delta-as-gradient"),  # δ5 = 10 instead of δ5 · y3 = 50
    (RELU, {}, "y4.net", 5, "dropped-sign"),  # 1·1 + 4·1 with x2 = 1 instead of −1
    (RELU, {"y3.delta": 20}, "w23.grad", 20, "dropped-sign"),  # δ3 · |x2| = 20 · 1 instead of 20 · (−1)
    (SIGMOID, {}, "b1.grad", sigmoid_truth("h1.delta"), "missing-shared-use"),  # δh1 only, not δh1 + δh2
    (SIGMOID, {}, "b2.grad", sigmoid_truth("o2.delta"), "missing-shared-use"),
]


@pytest.mark.parametrize(("checker", "given", "key", "value", "tag"), NEW_CASES)
def test_each_new_mistake_is_diagnosed(checker: Checker, given: dict, key: str, value: float, tag: str) -> None:
    it = verdict(checker, {**given, key: f"{value:.6g}"}, key)
    assert it.verdict == "incorrect" and tag in it.tags, it
    assert f"({tag})" in it.message and BY_TAG[tag].words in it.message


def skip_connection(tmp_path: Path) -> Checker:
    """x1 → y2 → y3 → y4 and the skip y2 → y4: δ2 = w23·δ3·f′ + w24·δ4·f′ adds both paths."""
    path = tmp_path / "skip.yaml"
    path.write_text(
        "title: skip\ninputs: {x1: 1}\nneurons:\n"
        "  y2: {inputs: {x1: w12}, activation: identity}\n"
        "  y3: {inputs: {y2: w23}, activation: identity}\n"
        "  y4: {inputs: {y2: w24, y3: w34}, activation: identity}\n"
        "parameters: {w12: 1, w23: 2, w24: 3, w34: 1}\ntargets: {y4: 0}\nloss: half_sse\nlearning_rate: 0.1\n"
    )
    return Checker(derive(load_problem(path)))


def test_a_skip_connection_left_out_is_missing_path(tmp_path: Path) -> None:
    checker = skip_connection(tmp_path)  # y4 = 3 + 2 = 5, δ4 = 5, δ3 = 5, δ2 = 2·5 + 3·5 = 25
    assert checker.truth["y2.delta"] == 25
    for value in (10, 15):  # through y3 only, through the skip only
        it = verdict(checker, {"y4.delta": 5, "y3.delta": 5, "y2.delta": value}, "y2.delta")
        assert it.tags[:1] == ("missing-path",), it
    it = verdict(checker, {"y4.delta": 5, "y3.delta": 5, "y2.delta": 25, "w12.grad": 10}, "w12.grad")
    assert "missing-path" in it.tags, it  # ∂L/∂w12 = δ2 · x1 with δ2 through y3 only, though δ2 is right


def test_a_value_no_mistake_explains_stays_untagged() -> None:
    assert verdict(RELU, {"w13.grad": 7}, "w13.grad").tags == ()
    assert verdict(RELU, {"y5.delta": 10, "y3.delta": 20, "w13.grad": 7}, "w13.grad").tags == ()


def test_the_new_tags_are_in_the_readme_with_an_example() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for tag in NEW_TAGS:
        assert f"`{tag}` (" in readme, tag
    assert "`missing-path`" in readme and "skip connection" in readme


# --- practice names the mistake --------------------------------------------------------------------------


def drill(problem_file: str, lines: list[str]) -> str:
    derivation = solve_problem(load_problem(PROBLEMS / problem_file))
    out = io.StringIO()
    console = Console(file=out, width=160, color_system=None, soft_wrap=True)
    answers = iter(lines)

    def reader(prompt: str) -> str:
        try:
            return next(answers)
        except StopIteration:
            raise EOFError from None

    Session(derivation, console, reader, PracticeOptions(only=frozenset({"backward"}))).run()
    return out.getvalue()


def test_practice_names_a_mistake_inside_the_chain_product() -> None:
    out = drill("relu-exercise.yaml", ["10", "0", "20", "-30"])  # δ5, δ4, δ3 right; ∂L/∂w13 with the new w35
    assert "⚠ the chain product for ∂L/∂w13 used the updated w35" in out
    assert "[updated-weights-in-backprop]" in out


def test_practice_names_the_new_mistakes_about_the_quantity() -> None:
    keys = ["10", "0", "20", "20", "-20", "0", "0", "10"]  # … ∂L/∂w35 = δ5 = 10
    out = drill("relu-exercise.yaml", keys)
    assert "⚠ that is δ of y5; ∂L/∂w35 = δ_y5 · y3 multiplies it by y3 [delta-as-gradient]" in out
    out = drill("sigmoid-0.05-0.10.yaml", ["-0.0381", "0.1385", "0.01", f"{0.4 * 0.1385 * H1 * (1 - H1):.6f}"])
    assert "⚠ δ of h1 adds every path to the loss: o1 (via w5), o2 (via w7); yours leaves one out [missing-path]" in out


def test_dropped_sign_words_name_the_negative_numbers() -> None:
    words = mistake_words("dropped-sign", "y4.net", RELU.model)
    assert words == "a minus sign was dropped: x2 = -1, w23 = -3, w45 = -1 is negative"


# --- the table of mistakes and the words that name one ---------------------------------------------------


def test_every_tag_is_documented_with_an_example() -> None:
    import tutor.checking.mistakes

    tags = [m.tag for m in MISTAKES]
    assert len(set(tags)) == len(tags) >= 8
    for m in MISTAKES:
        assert m.example and m.words and f"| {m.tag} |" in (tutor.checking.mistakes.__doc__ or "")


@pytest.mark.parametrize(
    ("tag", "key", "words"),
    [
        ("forgot-bias", "h1.net", "net_h1 leaves out the bias b1"),
        (
            "derivative-at-output",
            "o1.delta",
            "you took sigmoid′ of the output o1 instead of sigmoid′(net_o1) at the net input",
        ),
        (
            "missing-shared-use",
            "b1.grad",
            "b1 is used in h1, h2: ∂L/∂b1 adds every use's δ · input; yours has only one",
        ),
    ],
)
def test_the_words_name_the_quantities_of_the_sigmoid_network(tag: str, key: str, words: str) -> None:
    assert mistake_words(tag, key, SIGMOID.model) == words


def test_net_instead_of_out_names_the_source_neurons_net_input() -> None:
    words = mistake_words("net-instead-of-out", "w35.grad", RELU.model)
    assert words == "you multiplied by x3, the net input of y3, where its output y3 belongs (∂net/∂w = out)"
    assert mistake_words("net-instead-of-out", "w13.grad", RELU.model) == BY_TAG["net-instead-of-out"].words


def test_a_bias_left_out_where_there_is_none_keeps_the_general_words() -> None:
    assert mistake_words("forgot-bias", "y3.net", RELU.model) == BY_TAG["forgot-bias"].words


def test_the_words_of_a_data_set_example_name_its_quantity() -> None:
    model = Checker(solve_any(PROBLEMS / "xor-data.yaml")).model
    assert mistake_words("forgot-bias", "ex2.h1.net", model) == "zh1 leaves out the bias bh_1"


def test_missing_path_names_an_outputs_own_loss_term_first(tmp_path: Path) -> None:
    path = tmp_path / "two-outputs.yaml"
    path.write_text(
        "inputs: {x1: 1}\nneurons:\n  y2: {inputs: {x1: w12}, activation: identity}\n"
        "  y3: {inputs: {y2: w23}, activation: identity}\n"
        "parameters: {w12: 1, w23: 2}\ntargets: {y2: 0, y3: 0}\nloss: half_sse\nlearning_rate: 0.1\n"
    )
    model = Checker(derive(load_problem(path))).model
    words = mistake_words("missing-path", "y2.delta", model)
    assert words == "δ of y2 adds every path to the loss: its own loss term, y3 (via w23); yours leaves one out"

"""Formula answers (issue 13): check, grade, practice and `answers --symbolic`.

The right formulas are the seeds' hand derivations on the 0.05/0.10 network (seed 003: ∂E/∂w5 =
(out_o1 − t_o1)·out_o1(1 − out_o1)·out_h1; δ_h1 = (w5·δ_o1 + w7·δ_o2)·h1(1 − h1)) and seed 000's ReLU
exercise (x3 = x1·w13 + x2·w23, y3 = relu(x3)); a wrong one is a named classic slip of the same derivation.
"""

from __future__ import annotations

import csv
import io
import math
import time
from pathlib import Path

import pytest
from conftest import PROBLEMS
from rich.console import Console
from typer.testing import CliRunner

from tutor.checking.check import Checker, CheckItem
from tutor.classroom.practice import PracticeOptions, Session
from tutor.cli import app
from tutor.engines.solver import solve_any
from tutor.files.answers import answers_from_data, parse_answer
from tutor.maths.expr import evaluate, free_names

SIGMOID = PROBLEMS / "sigmoid-0.05-0.10.yaml"
RELU3 = PROBLEMS / "relu-exercise-3-steps.yaml"
W5 = "(o1 - t_o1)*o1*(1 - o1)*h1"  # seed 003's ∂E/∂w5, factor by factor
_CHECKERS: dict[Path, Checker] = {}


def checker(path: Path = SIGMOID) -> Checker:
    if path not in _CHECKERS:
        _CHECKERS[path] = Checker(solve_any(path, whole_run=False))
    return _CHECKERS[path]


def judged(answers: dict, path: Path = SIGMOID) -> dict[str, CheckItem]:
    return {i.key: i for i in checker(path).check(answers_from_data(answers)).items}


def one(key: str, text: str, path: Path = SIGMOID) -> CheckItem:
    return judged({key: text}, path)[key]


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(app, list(args), input=input, env={"NO_COLOR": "1", "COLUMNS": "200"})


# ------------------------------------------------------------------------------- the examples


def test_the_seed_formula_is_correct_by_algebra_and_its_value_is_the_keys() -> None:
    item = one("w5.grad", W5)
    assert item.verdict == "correct" and item.credit == 1.0
    assert item.formula is not None and item.formula["decided_by"] == "algebra"
    assert "by algebra" in item.message
    assert item.given == pytest.approx(0.082167041, rel=1e-8)  # seed 003: ∂E/∂w5 = 0.082167041


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("(o1 - t_o1)*h1", "missing-activation-derivative"),  # the examples
        ("(t_o1 - o1)*o1*(1-o1)*h1", "target-sign"),
        ("(o1 - t_o1)*o1*(1 - o1)", "delta-as-gradient"),  # δ_o1 given for ∂E/∂w5
        ("(o1 - t_o1)*o1*(1 - o1)*net_h1", "net-instead-of-out"),
    ],
)
def test_a_wrong_formula_is_named_by_the_mistake_it_makes(text: str, tag: str) -> None:
    item = one("w5.grad", text)
    assert item.verdict == "incorrect" and item.credit == 0
    assert tag in item.tags, item.message
    assert "decided numerically" in item.message and item.formula["decided_by"] == "numeric"


def test_a_hidden_delta_without_its_derivative_is_named_too() -> None:
    text = "w5*(o1 - t_o1)*o1*(1 - o1) + w7*(o2 - t_o2)*o2*(1 - o2)"  # (w5·δ_o1 + w7·δ_o2), no h1(1 − h1)
    assert one("h1.delta", text).tags[:1] == ("missing-activation-derivative",)
    assert one("h1.delta", f"({text})*h1*(1 - h1)").verdict == "correct"


def test_a_wrong_formula_that_matches_no_mistake_has_no_tag() -> None:
    item = one("w5.grad", "(o1 - t_o1)*o1")
    assert item.verdict == "incorrect" and item.tags == ()


# ------------------------------------------------------------------------------- the names


def test_every_kind_of_name_is_allowed() -> None:
    items = judged(
        {
            "h1.net": "w1*i1 + w2*i2 + b1",  # inputs and parameters
            "h1.out": "sigmoid(net_h1)",  # a net label
            "o1.net": "w5*h1 + w6*h2 + b2",  # neuron names for their outputs
            "loss": "(t_o1 - o1)^2/2 + (t_o2 - o2)^2/2",  # target symbols
        }
    )
    assert {k: i.verdict for k, i in items.items()} == dict.fromkeys(items, "correct")
    assert items["loss"].given == pytest.approx(0.298371109, rel=1e-8)  # seed 003's E_total


def test_the_relu_exercise_names_its_nets_x3_and_later_steps_use_their_own_values() -> None:
    items = judged({"y3.out": "max(0, x3)", "y3.net": "x1*w13 + x2*w23", "step2.y3.net": "x1*w13 + x2*w23"}, RELU3)
    assert all(i.verdict == "correct" for i in items.values()), items
    expected = checker(RELU3).expected
    assert items["step2.y3.net"].given == pytest.approx(float(expected["step2.y3.net"]))
    assert float(expected["step2.y3.net"]) != float(expected["y3.net"])  # the parameters moved


def test_a_name_for_the_key_itself_or_a_later_quantity_is_refused() -> None:
    item = one("h1.net", "h1")
    assert item.verdict == "invalid" and "h1 stands for h1.out" in item.message
    assert one("o1.out", "o1").verdict == "invalid"


def test_unknown_names_and_functions_are_invalid_with_the_reason() -> None:
    item = one("o2.net", "q + 1")
    assert item.verdict == "invalid" and "unknown name 'q'" in item.message and "allowed: b1, b2, h1" in item.message
    assert "o2" not in item.message.split("allowed:")[1].split(", ")  # o2 is computed after o2.net
    assert "unknown function 'foo'" in one("o2.net", "foo(h1)").message


# ------------------------------------------------------------------------------- equal, written otherwise


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("w5.grad", "h1*o1*(1 - o1)*(o1 - t_o1)"),  # reordered
        ("w5.grad", "h1*(o1^2 - o1^3 - o1*t_o1 + o1^2*t_o1)"),  # expanded
        ("loss", "0.5*o1^2 - o1*t_o1 + 0.5*t_o1^2 + 0.5*(o2 - t_o2)^2"),  # expanded in part
        ("h1.out", "1/(1 + exp(-(w1*i1 + w2*i2 + b1)))"),  # sigmoid written out with exp
        ("h1.out", "exp(w1*i1 + w2*i2 + b1)/(1 + exp(w1*i1 + w2*i2 + b1))"),  # and multiplied through
        ("o1.delta", "(o1 - t_o1)*exp(-net_o1)/(1 + exp(-net_o1))^2"),  # σ′ by the quotient rule
    ],
)
def test_algebraically_equal_formulas_are_correct(key: str, text: str) -> None:
    item = one(key, text)
    assert item.verdict == "correct", item.message
    assert item.given == pytest.approx(float(checker().expected[key]), rel=1e-12)


def test_a_formula_equal_only_numerically_says_so() -> None:
    # |w1|/w1 is 1 near the problem's w1 = 0.15 but no algebra makes it 1 for every real w1
    item = one("w5.grad", f"({W5})*abs(w1)/w1")
    assert item.verdict == "correct" and item.formula["decided_by"] == "numeric"
    assert "numerically at 5 random points" in item.message and item.formula["points"] == 5


def test_numbers_are_judged_as_before() -> None:
    items = judged({"w5.grad": 0.082167, "w6.grad": "0.0826676", "h1.out": "1/(1+e^-0.3775)"})
    assert all(i.verdict == "correct" and i.formula is None for i in items.values())


# ------------------------------------------------------------------------------- hostile formulas


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("w1^100000", "exponent"),
        ("9^9^9^9*w1", "exponent"),
        ("exp(exp(exp(exp(exp(w1*100)))))", "too large"),
        ("(" * 60 + "w1" + ")" * 60, "nested too deeply"),
        ("w1 + " * 2500 + "w1", "too long"),  # 10k characters
        ("w1 +* w2", "expected"),
        ("__import__('os')", "not allowed"),
        ("zz9 * w1", "unknown name"),
        ("eval(w1)", "unknown function"),
    ],
)
def test_hostile_formulas_are_invalid_quickly_with_the_reason(text: str, reason: str) -> None:
    start = time.perf_counter()
    item = one("w5.grad", text)
    assert time.perf_counter() - start < 5
    assert item.verdict == "invalid" and reason in item.message, item.message


def test_a_huge_but_legal_power_is_decided_in_bounded_time() -> None:
    start = time.perf_counter()
    item = one("w5.grad", "(w1 + w2)^1000 * h1")
    assert item.verdict == "incorrect"
    assert time.perf_counter() - start < 5


def test_formulas_on_a_data_set_are_invalid_with_the_reason() -> None:
    item = one("loss", "wh_11 * 2", PROBLEMS / "xor-data.yaml")
    assert item.verdict == "invalid" and "one-example networks" in item.message


# ------------------------------------------------------------------------------- the command line


def test_check_json_has_the_formula_fields_and_keeps_the_others(tmp_path: Path) -> None:
    answers = tmp_path / "a.yaml"
    answers.write_text(f'w5.grad: "{W5}"\nw6.grad: "(o1 - t_o1)*h2"\nw7.grad: 0.5\n', encoding="utf-8")
    result = invoke("check", str(SIGMOID), str(answers), "--format", "json")
    assert result.exit_code == 1, result.output
    import json

    items = {i["key"]: i for i in json.loads(result.output)["items"]}
    base = {"key", "given", "expected", "verdict", "tags", "message", "counted"}
    assert set(items["w7.grad"]) == base  # a number's item is as it was
    assert set(items["w5.grad"]) == base | {"formula"}
    assert items["w5.grad"]["formula"]["decided_by"] == "algebra"
    assert "exp(" in items["w5.grad"]["formula"]["expected_formula"]  # the closed form, in the symbols only
    assert items["w6.grad"]["tags"] == ["missing-activation-derivative"]


def test_the_terminal_table_shows_the_verdicts(tmp_path: Path) -> None:
    answers = tmp_path / "a.yaml"
    answers.write_text(f'w5.grad: "{W5}"\nw6.grad: "(t_o1 - o1)*o1*(1 - o1)*h2"\n', encoding="utf-8")
    result = invoke("check", str(SIGMOID), str(answers))
    assert "by algebra" in result.output and "target-sign" in result.output


def test_answers_symbolic_reads_back_and_gives_the_keys_numbers(tmp_path: Path) -> None:
    result = invoke("answers", str(SIGMOID), "--symbolic")
    assert result.exit_code == 0, result.output
    key = tmp_path / "formulas.yaml"
    key.write_text(result.output, encoding="utf-8")
    back = invoke("check", str(SIGMOID), str(key), "--format", "json")
    assert back.exit_code == 0, back.output
    expected = {k: float(v) for k, v in checker().expected.items()}
    sheet = answers_from_data(__import__("yaml").safe_load(result.output))
    formulas = [a for a in sheet.values() if a.formula]
    assert len(formulas) >= 28  # every key but the frozen biases' new values has a formula
    for a in formulas:  # each formula, evaluated with the exact engine's numbers, gives the key's number
        env = {n: _value_of(n) for n in free_names(a.node)}
        assert evaluate(a.node, env) == pytest.approx(expected[a.key], rel=1e-9), a.key


def _value_of(name: str) -> float:
    problem = checker().problem
    values = {**problem.inputs, **problem.parameters, "t_o1": problem.targets["o1"], "t_o2": problem.targets["o2"]}
    if name in values:
        return float(values[name])
    expected = checker().expected
    return float(expected[f"{name.removeprefix('net_')}.net" if name.startswith("net_") else f"{name}.out"])


def test_answers_symbolic_of_a_relu_network_gives_numbers_where_no_formula_is_written() -> None:
    result = invoke("answers", str(RELU3), "--symbolic")
    assert result.exit_code == 0, result.output
    assert 'y3.out: "max(0, x3)"' in result.output
    assert "# a number" in result.output  # relu′ (Heaviside) has no form in the grammar
    assert invoke("answers", str(RELU3), "--symbolic", "--blank").exit_code == 2


def test_grade_a_class_with_formula_answers(tmp_path: Path) -> None:
    folder = tmp_path / "hw"
    folder.mkdir()
    (folder / "ann.yaml").write_text(f'w5.grad: "{W5}"\nloss: 0.298371109\n', encoding="utf-8")
    (folder / "bob.yaml").write_text('w5.grad: "(o1 - t_o1)*h1"\nloss: "(t_o1 - o1)^2/2 + (t_o2 - o2)^2/2"\n')
    (folder / "cat.yaml").write_text('w5.grad: "zz + 1"\n', encoding="utf-8")
    feedback = tmp_path / "fb"
    result = invoke("grade", str(SIGMOID), str(folder), "-o", str(tmp_path / "g.csv"), "--feedback-dir", str(feedback))
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO((tmp_path / "g.csv").read_text()))}
    assert (rows["ann"]["w5.grad"], rows["ann"]["loss"]) == ("1", "1")
    assert (rows["bob"]["w5.grad"], rows["bob"]["loss"]) == ("0", "1")
    assert rows["cat"]["w5.grad"] == "0"
    assert "missing-activation-derivative" in (feedback / "bob.md").read_text()
    assert "unknown name" in (feedback / "cat.md").read_text()


class _Lines:
    def __init__(self, lines: list[str]) -> None:
        self.lines = iter(lines)

    def __call__(self, prompt: str) -> str:
        try:
            return next(self.lines)
        except StopIteration:
            raise EOFError from None


def test_practice_accepts_a_formula_and_names_a_wrong_ones_mistake() -> None:
    derivation = solve_any(SIGMOID, whole_run=False)
    out = io.StringIO()
    console = Console(file=out, width=200, color_system=None, soft_wrap=True)
    answers = ["o2*(1 - o2)*(o2 - t_o2)", "(t_o1 - o1)*o1*(1 - o1)", "q*2", "o1*(1 - o1)*(o1 - t_o1)"]
    session = Session(derivation, console, _Lines(answers), PracticeOptions(only=frozenset({"backward"})))
    session.run()
    text = out.getvalue()
    assert "✓ right (the key's formula, by algebra)" in text
    assert "[target-sign]" in text and "Cannot read that: unknown name 'q'" in text
    status = {i.key: i.status for i in session.items}
    assert status["o2.delta"] == "first try" and status["o1.delta"] == "after hints"
    value = next(i.value for i in session.items if i.key == "o1.delta")
    assert math.isclose(value, 0.138498562, rel_tol=1e-8)  # seed 003's δ_o1


def test_a_formula_answer_is_read_from_a_file_as_a_formula() -> None:
    assert parse_answer("w5.grad", W5).formula
    assert not parse_answer("h1.out", "1/(1+e^-0.3775)").formula  # e is the constant: a number
    assert "expected a number" in (parse_answer("w5.grad", "h1 +").error or "")


def test_a_computation_graph_takes_formulas_in_its_node_names() -> None:
    graph = PROBLEMS / "computation-graph.yaml"  # seed 002: L = c·e, e = a + d, d = 2b
    items = judged({"d.value": "2*b", "b.grad": "2*c", "a.grad": "c*2"}, graph)
    assert [items[k].verdict for k in ("d.value", "b.grad", "a.grad")] == ["correct", "correct", "incorrect"]
    assert items["b.grad"].given == -4  # ∂L/∂b = 2c = −4


def test_answers_symbolic_of_a_data_set_is_bad_input() -> None:
    result = invoke("answers", str(PROBLEMS / "xor-data.yaml"), "--symbolic")
    assert result.exit_code == 2 and "data set" in result.output


def test_a_softmax_output_may_use_the_other_outputs_nets_but_not_what_is_computed_from_it() -> None:
    softmax = PROBLEMS / "softmax-classifier.yaml"
    assert one("y1.out", "exp(z1)/(exp(z1) + exp(z2) + exp(z3))", softmax).verdict == "correct"
    item = one("y2.net", "y1 + c2", softmax)  # y1 = softmax(z1, z2, z3) is computed from z2
    assert item.verdict == "invalid" and "is computed from y2.net" in item.message


@pytest.mark.parametrize("name", ["xor-relu", "softmax-classifier", "house-price", "sigmoid-unit"])
def test_the_formula_key_of_other_networks_reads_back_as_all_correct(tmp_path: Path, name: str) -> None:
    problem = PROBLEMS / f"{name}.yaml"
    key = tmp_path / "key.yaml"
    key.write_text(invoke("answers", str(problem), "--symbolic").output, encoding="utf-8")
    result = invoke("check", str(problem), str(key))
    assert result.exit_code == 0, result.output

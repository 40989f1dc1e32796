"""Computation graphs in `nnstep answers`, `check`, `grade` and `practice` (tutor/graphcheck.py): the key,
error carried forward, the graph mistake tags, a gradebook and a piped drill on seed 002's L = c(a + 2b)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import PROBLEMS
from typer.testing import CliRunner

from tutor.checking.check import Checker, CheckItem
from tutor.checking.mistakes import BY_TAG
from tutor.classroom.practice import PracticeOptions, select_keys
from tutor.cli import app
from tutor.engines.solver import solve_any
from tutor.files.answers import answers_from_data

GRAPH = str(PROBLEMS / "computation-graph.yaml")
SEED = Checker(solve_any(GRAPH))
# x used twice: ∂L/∂x = ∂L/∂f · ∂f/∂x + ∂L/∂g · ∂g/∂x = 3·4 + 8·1 = 20
TWICE = "graph:\n  inputs: {x: 2, y: 4}\n  nodes: {f: x*y, g: x + 1, L: f*g}\n  output: L\n"


def invoke(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(app, list(args), input=input, env={"NO_COLOR": "1", "COLUMNS": "200"})


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def check(checker: Checker, data: dict[str, Any]) -> dict[str, CheckItem]:
    return {i.key: i for i in checker.check(answers_from_data(data)).items}


def checker_of(tmp_path: Path, text: str) -> Checker:
    return Checker(solve_any(write(tmp_path, "g.yaml", text)))


# --- the answer key ------------------------------------------------------------------------------------


def test_answer_key_has_values_locals_and_gradients_in_order() -> None:
    result = invoke("answers", GRAPH)
    assert result.exit_code == 0, result.output
    key = yaml.safe_load(result.stdout)
    assert key == {
        **{"d.value": 2, "e.value": 5, "L.value": -10},
        **{"d.b.local": 2, "e.a.local": 1, "e.d.local": 1, "L.c.local": 5, "L.e.local": -2},
        **{"L.grad": 1, "e.grad": -2, "d.grad": -2, "a.grad": -2, "b.grad": -4, "c.grad": 5},
    }
    # forward in topological order, then the edges, then the gradients in reverse topological order
    assert list(key)[:3] == ["d.value", "e.value", "L.value"] and list(key)[8:11] == ["L.grad", "e.grad", "d.grad"]


def test_answer_key_checked_against_itself_is_all_correct(tmp_path: Path) -> None:
    assert invoke("answers", GRAPH, "-o", str(tmp_path / "key.yaml")).exit_code == 0
    result = invoke("check", GRAPH, str(tmp_path / "key.yaml"), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {i["verdict"] for i in data["items"]} == {"correct"} and data["score"] == data["max_score"] == 9
    # the 5 local derivatives are optional: checked, never counted
    assert [i["key"] for i in data["items"] if not i["counted"]] == [
        "d.b.local",
        "e.a.local",
        "e.d.local",
        "L.c.local",
        "L.e.local",
    ]


def test_blank_template_says_what_each_key_is_and_checks_to_nothing(tmp_path: Path) -> None:
    result = invoke("answers", GRAPH, "--blank")
    assert result.exit_code == 0, result.output
    assert "e.d.local:" in result.stdout and "# ∂e/∂d, the local derivative of e = a + d" in result.stdout
    assert "b.grad:" in result.stdout and "# ∂L/∂b, the gradient of the output L" in result.stdout
    checked = invoke("check", GRAPH, write(tmp_path, "blank.yaml", result.stdout), "-f", "json")
    data = json.loads(checked.stdout)
    assert checked.exit_code == 0 and data["items"] == [] and data["score"] == 0 and data["max_score"] == 9
    assert data["unanswered"] == [
        "d.value",
        "e.value",
        "L.value",
        "L.grad",
        "e.grad",
        "d.grad",
        "a.grad",
        "b.grad",
        "c.grad",
    ]


def test_help_documents_the_graph_keys() -> None:
    text = invoke("answers", "--help").output
    assert "<node>.value" in text and "<child>.<parent>.local" in text and "<name>.grad" in text


# --- check: verdicts, tolerance, carried forward -------------------------------------------------------


def test_a_wrong_answer_exits_1_with_the_expected_value(tmp_path: Path) -> None:
    result = invoke("check", GRAPH, write(tmp_path, "a.yaml", "a.grad: -2\nb.grad: 4\n"), "-f", "json")
    assert result.exit_code == 1, result.output
    items = {i["key"]: i for i in json.loads(result.stdout)["items"]}
    assert items["a.grad"]["verdict"] == "correct" and items["b.grad"]["expected"] == -4


def test_tolerance_and_expressions() -> None:
    items = check(SEED, {"b.grad": "-4.003", "c.grad": "2*1 + 3", "e.d.local": "1.01", "a.value": 3})
    assert items["b.grad"].verdict == items["c.grad"].verdict == "correct"
    assert items["e.d.local"].verdict == "incorrect"
    assert items["a.value"].verdict == "invalid"  # inputs are given: no key


def test_tolerance_from_the_problem_file(tmp_path: Path) -> None:
    checker = checker_of(tmp_path, Path(GRAPH).read_text() + "check: {rtol: 0.01}\n")
    assert check(checker, {"b.grad": -4.03})["b.grad"].verdict == "correct"


def test_forward_values_carry_forward() -> None:
    items = check(SEED, {"d.value": 3, "e.value": 6, "L.value": -12, "c.grad": 6})
    assert items["d.value"].verdict == "incorrect"
    assert [items[k].verdict for k in ("e.value", "L.value", "c.grad")] == ["carried"] * 3
    assert "your d.value = 3 (expected 2)" in items["e.value"].message
    assert "your e.value = 6 (expected 5)" in items["c.grad"].message  # ∂L/∂c = e, with the student's e


def test_a_gradient_right_given_the_students_own_downstream_gradient_is_carried() -> None:
    items = check(SEED, {"d.grad": -3, "b.grad": -6, "a.grad": -2})
    assert items["b.grad"].verdict == "carried" and items["b.grad"].credit == 0.5
    assert "your d.grad = -3 (expected -2)" in items["b.grad"].message
    assert items["a.grad"].verdict == "correct"


def test_a_gradient_built_on_the_students_own_local_derivative_is_carried() -> None:
    items = check(SEED, {"d.b.local": 3, "b.grad": -6})
    assert items["b.grad"].verdict == "carried" and "your d.b.local = 3" in items["b.grad"].message


def test_a_value_that_cannot_be_computed_from_the_students_values_is_just_wrong(tmp_path: Path) -> None:
    checker = checker_of(tmp_path, "graph:\n  inputs: {a: 5}\n  nodes: {u: a - 4, L: log(u)}\n  output: L\n")
    items = check(checker, {"u.value": -1, "L.value": 1, "u.grad": 2, "a.grad": 7})
    assert items["L.value"].verdict == "incorrect" and items["u.grad"].verdict == "incorrect"


# --- mistake diagnosis ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "tag"),
    [
        ("b.grad", -2, "missing-local-derivative"),  # ∂L/∂d, without ∂d/∂b = 2
        ("b.grad", 2, "local-derivative-only"),  # ∂d/∂b alone
        ("d.grad", 2, "forward-value-as-gradient"),  # d = 2
        ("L.grad", -10, "forward-value-as-gradient"),  # L = −10; ∂L/∂L is 1
    ],
)
def test_each_graph_mistake_on_the_seed(key: str, value: float, tag: str) -> None:
    item = check(SEED, {key: value})[key]
    assert (item.verdict, item.tags) == ("incorrect", (tag,)), item
    assert BY_TAG[tag].words in item.message and f"({tag})" in item.message


@pytest.mark.parametrize("value", [12, 8])
def test_missing_path_when_a_node_is_used_twice(tmp_path: Path, value: float) -> None:
    checker = checker_of(tmp_path, TWICE)
    assert checker.expected["x.grad"] == 20
    item = check(checker, {"x.grad": value})["x.grad"]
    assert item.tags == ("missing-path",), item


def test_missing_path_with_the_students_own_upstream_gradients(tmp_path: Path) -> None:
    # their ∂L/∂f = 4 is wrong (3); 4·4 = 16 is the path through f only, with their own value
    item = check(checker_of(tmp_path, TWICE), {"f.grad": 4, "x.grad": 16})["x.grad"]
    assert item.verdict == "incorrect" and item.tags == ("missing-path",)


def test_a_wrong_gradient_with_no_known_mistake() -> None:
    item = check(SEED, {"b.grad": 7})["b.grad"]
    assert (item.verdict, item.tags, item.message) == ("incorrect", (), "expected -4")


# --- grade ---------------------------------------------------------------------------------------------


def test_grade_graph_submissions(tmp_path: Path) -> None:
    folder = tmp_path / "hw"
    folder.mkdir()
    write(folder, "anna.yaml", "b.grad: -4\na.grad: -2\nc.grad: 5\n")
    write(folder, "ben.yaml", "d.grad: -3\nb.grad: -6\na.grad: 1\n")
    write(folder, "cleo.json", '{"b.grad": 2, "c.grad": "[oops"}')
    write(folder, "dan.yaml", "b.grad: [\n")
    out = tmp_path / "grades.csv"
    result = invoke("grade", GRAPH, str(folder), "-o", str(out), "--feedback-dir", str(tmp_path / "fb"))
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(out.read_text()))}
    assert list(rows["anna"])[:3] == ["id", "score", "max_score"] and rows["anna"]["max_score"] == "9"
    assert [rows[s]["score"] for s in ("anna", "ben", "cleo", "dan")] == ["3", "0.5", "0", "0"]
    assert "a.grad: incorrect (local-derivative-only)" in rows["ben"]["feedback"]
    assert "b.grad: carried" in rows["ben"]["feedback"] and "local-derivative-only" in rows["cleo"]["feedback"]
    assert rows["dan"]["feedback"].startswith("not graded:")
    assert "`d.grad`: ∂L/∂d, the gradient" in (tmp_path / "fb" / "anna.md").read_text()  # unanswered, listed


# --- practice ------------------------------------------------------------------------------------------


def test_practice_asks_forward_values_then_gradients_backwards() -> None:
    keys = select_keys(SEED.derivation, PracticeOptions())
    assert keys == ["d.value", "e.value", "L.value", "L.grad", "e.grad", "d.grad", "a.grad", "b.grad", "c.grad"]
    assert select_keys(SEED.derivation, PracticeOptions(only=frozenset({"forward"}))) == keys[:3]


def test_practice_through_a_pipe_with_hints_and_tags() -> None:
    answers = ["2", "5", "-10", "1", "-2", "-2", "-2", "2", "?", "-4", "5"]
    result = invoke("practice", GRAPH, input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "[8/9] b.grad: ∂L/∂b, the gradient of the output L with respect to b" in out
    assert "[local-derivative-only]" in out
    assert "∂L/∂b = ∂L/∂d · ∂d/∂b\n" in out  # rung 1: the formula in symbols, then the edge's local derivative
    assert "∂L/∂b = ∂L/∂d · ∂d/∂b = (−2) · 2\n" in out  # rung 2: with the numbers
    assert "Score: 9/9 right (8 on the first try, 1 after hints)" in out


def test_practice_given_up_values_are_replaced_by_the_right_ones() -> None:
    # d.value and d.grad given up on wrong values: later answers build on the right values shown (e = 3 + 2,
    # ∂L/∂b = −2 · 2), so b.grad = −6, built on the wrong d.grad = −3, is not right; c.grad given up
    answers = ["3", "3", "3", "5", "-10", "1", "-2", "-3", "-3", "-3", "-2", "-6", "-4", "0", "0", "0"]
    result = invoke("practice", GRAPH, "--max-tries", "3", input="\n".join(answers) + "\n")
    assert result.exit_code == 1, result.output
    assert "carried forward" not in result.output
    assert "Score: 6/9 right (5 on the first try, 1 after hints)" in result.output
    assert "The value (given up):" in result.output and "∂L/∂c = e = 5" in result.output


def test_practice_step_option_on_a_graph_is_bad_input() -> None:
    result = invoke("practice", GRAPH, "--step", "2", input="")
    assert result.exit_code == 2 and "1 step(s)" in result.output


def test_a_node_named_like_a_step_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "g.yaml", "graph:\n  inputs: {a: 1}\n  nodes: {step2: 2*a}\n  output: step2\n")
    result = invoke("answers", path)
    assert result.exit_code == 2 and "begin answer keys" in result.output

"""Scores count the keys that count (`tutor.model.keyset`): the same denominator in `check`, `grade` (alone or in a
class), the feedback files and `practice`; `check: {keys: [...]}` in a problem file names them instead."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import PROBLEMS
from typer.testing import CliRunner

from tutor.checking.check import Checker
from tutor.classroom.practice import PracticeOptions, select_keys
from tutor.cli import app
from tutor.engines.solver import solve_any

RELU = PROBLEMS / "relu-exercise.yaml"
SIGMOID = PROBLEMS / "sigmoid-0.05-0.10.yaml"  # biases frozen: their .new is not counted
GRAPH = PROBLEMS / "computation-graph.yaml"
XOR_SGD = PROBLEMS / "xor-data-sgd.yaml"
SIX = "y3.net: 5\ny3.out: 5\nloss: 50\ny5.delta: 10\nw13.grad: 20\nw13.new: 0\n"


def invoke(*args: str | Path):
    return CliRunner().invoke(app, [str(a) for a in args], env={"NO_COLOR": "1", "COLUMNS": "200"})


def key_of(problem: Path, *options: str) -> dict[str, str]:
    """The answer key `nnstep answers` prints, as key → the rest of its line (value and comment)."""
    key, step = {}, ""
    for line in invoke("answers", problem, *options).stdout.splitlines():
        if line.startswith("step"):
            step = line.removesuffix(":") + "."
        elif not line.startswith("#"):
            name, rest = line.split(": ", 1)
            key[step + name.strip() if name.startswith(" ") else name] = rest
    return key


def grade_rows(tmp_path: Path, problem: Path, sheets: dict[str, str]) -> tuple[dict, Path]:
    folder = tmp_path / "subs"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in sheets.items():
        (folder / name).write_text(text)
    out, fb = tmp_path / "grades.csv", tmp_path / "fb"
    result = invoke("grade", problem, folder, "-o", out, "--feedback-dir", fb)
    assert result.exit_code == 0, result.output
    return {r["id"]: r for r in csv.DictReader(io.StringIO(out.read_text()))}, fb


def test_a_partial_sheet_scores_out_of_the_whole_key_alone_and_beside_a_full_one(tmp_path: Path) -> None:
    checked = json.loads(invoke("check", RELU, _write(tmp_path, "six.yaml", SIX), "-f", "json").stdout)
    assert (checked["score"], checked["max_score"]) == (6, 22)
    alone, _ = grade_rows(tmp_path / "a", RELU, {"six.yaml": SIX})
    full = "".join(f"{k}: {v}\n" for k, v in key_of(RELU).items())
    beside, fb = grade_rows(tmp_path / "b", RELU, {"six.yaml": SIX, "full.yaml": full})
    for rows in (alone, beside):
        assert (rows["six"]["score"], rows["six"]["max_score"]) == ("6", "22")
        assert rows["six"]["w45.new"] == "0"  # unanswered: 0, not blank
    assert (beside["full"]["score"], beside["full"]["max_score"]) == ("22", "22")
    assert "**Score: 6 / 22**" in (fb / "six.md").read_text()


def test_typo_keys_are_invalid_and_the_keys_they_miss_unanswered(tmp_path: Path) -> None:
    sheet = SIX.replace("y3.net", "y3.nett").replace("loss", "los")
    checked = json.loads(invoke("check", RELU, _write(tmp_path, "typo.yaml", sheet), "-f", "json").stdout)
    verdicts = {i["key"]: i["verdict"] for i in checked["items"]}
    assert verdicts["y3.nett"] == verdicts["los"] == "invalid"
    assert "y3.net" in checked["unanswered"] and "loss" in checked["unanswered"]
    assert (checked["score"], checked["max_score"]) == (4, 22)
    rows, _ = grade_rows(tmp_path, RELU, {"typo.yaml": sheet})
    assert (rows["typo"]["score"], rows["typo"]["max_score"]) == ("4", "22")
    text = invoke("check", RELU, tmp_path / "typo.yaml").stdout
    assert "unanswered" in text and "Score: 4 / 22" in text


@pytest.mark.parametrize("problem", [RELU, SIGMOID, GRAPH, XOR_SGD])
def test_check_grade_answers_and_practice_agree_on_the_keys_that_count(problem: Path) -> None:
    checker = Checker(solve_any(problem, whole_run=False))
    printed = key_of(problem)
    optional = [k for k in printed if k not in checker.counted]
    assert list(checker.counted) == [k for k in printed if k not in optional]
    assert all(printed[k].endswith("  # not counted") == (k in optional) for k in printed)  # `answers` says so
    assert select_keys(checker.derivation, PracticeOptions(), checker.model) == list(checker.counted)
    if problem == SIGMOID:
        assert optional == ["b1.new", "b2.new"]
    if problem == GRAPH:
        assert optional and all(k.endswith(".local") for k in optional)


def test_a_data_set_counts_the_iterations_worked(tmp_path: Path) -> None:
    key = key_of(XOR_SGD, "--detail", "2")
    sheet = _write(tmp_path, "a.yaml", "ex1.loss: 0\n")
    for detail, steps in (("1", {1}), ("2", {1, 2})):
        data = json.loads(invoke("check", XOR_SGD, sheet, "-f", "json", "--detail", detail).stdout)
        expected = [k for k in key if (int(k[4:].split(".")[0]) if k.startswith("step") else 1) in steps]
        assert data["max_score"] == len(expected) and data["unanswered"] == [k for k in expected if k != "ex1.loss"]


# --- check: {keys: [...]} ---------------------------------------------------------------------------------

NAMED = RELU.read_text() + "check: {keys: [loss, w13.grad, w13.new]}\n"


def test_named_keys_are_the_ones_that_count_everywhere(tmp_path: Path) -> None:
    problem = _write(tmp_path, "p.yaml", NAMED)
    data = json.loads(invoke("check", problem, _write(tmp_path, "a.yaml", SIX), "-f", "json").stdout)
    assert (data["score"], data["max_score"], data["unanswered"]) == (3, 3, [])
    other = next(i for i in data["items"] if i["key"] == "y3.net")
    assert other["verdict"] == "correct" and not other["counted"] and "not counted" in other["message"]
    rows, _ = grade_rows(tmp_path, Path(problem), {"anna.yaml": SIX})
    assert list(rows["anna"]) == ["id", "score", "max_score", "loss", "w13.grad", "w13.new", "feedback"]
    assert (rows["anna"]["score"], rows["anna"]["max_score"]) == ("3", "3")
    derivation = solve_any(Path(problem), whole_run=False)
    assert select_keys(derivation, PracticeOptions()) == ["loss", "w13.grad", "w13.new"]
    printed = invoke("answers", problem).stdout
    assert "w13.grad: 20\n" in printed and "y3.net: 5  # not counted\n" in printed


@pytest.mark.parametrize(
    ("base", "keys", "message"),
    [
        (
            RELU,
            "[loss, w13.gard]",
            "check.keys[1]: 'w13.gard' names no answer key of this problem; did you mean w13.grad",
        ),
        (RELU, "[step2.loss]", "'step2.loss': the problem has 1 step(s), not 2"),
        (RELU, "[]", "check.keys: expected a non-empty list of answer keys"),
        (RELU, "[loss, 3]", "check.keys[1]: expected an answer key, found"),
        (
            GRAPH,
            "[b.grad, e.b.local]",
            "'e.b.local' names no answer key of this problem; did you mean e.d.local or e.a.local",
        ),
        (XOR_SGD, "[ex9.loss]", "'ex9.loss': example 9 is not in iteration 1's batch"),
        (XOR_SGD, "[step2.ex2.wh_11.new]", "'step2.ex2.wh_11.new' names no answer key"),
    ],
)
def test_a_named_key_that_names_nothing_is_bad_input(tmp_path: Path, base: Path, keys: str, message: str) -> None:
    text = base.read_text()  # (none of these has a check: section of its own)
    line = text.count("\n") + 2
    problem = _write(tmp_path, "p.yaml", text + "check:\n  keys: " + keys + "\n")
    for command in ("check", "answers", "solve"):
        args = (problem, _write(tmp_path, "a.yaml", "loss: 1\n")) if command == "check" else (problem,)
        result = invoke(command, *args)
        assert result.exit_code == 2, result.output
        assert f"p.yaml:{line}:" in result.output and message in result.output, result.output
        assert "Traceback" not in result.output


def test_named_keys_survive_a_generated_variant(tmp_path: Path) -> None:
    problem = _write(tmp_path, "p.yaml", (PROBLEMS / "relu-exercise-vary.yaml").read_text() + "check: {keys: [loss]}\n")
    assert invoke("generate", problem, "--count", "1", "--seed", "3", "-o", tmp_path / "v").exit_code == 0
    variant = next((tmp_path / "v").glob("*.yaml"))
    assert json.loads(invoke("check", variant, _write(tmp_path, "a.yaml", "{}"), "-f", "json").stdout)["max_score"] == 1


# --- grade: files it skips ---------------------------------------------------------------------------------


def test_grade_says_which_files_in_a_folder_it_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "subs"
    folder.mkdir()
    (folder / "anna.yaml").write_text(SIX)
    (folder / "ben.txt").write_text(SIX)
    one = invoke("grade", RELU, folder)
    assert one.exit_code == 0 and "skipped 1 file(s) that are not .yaml, .yml or .json: " in one.output
    assert "ben.txt" in one.output
    for name in ("c.txt", "d.md", "e.csv", "f.yaml.bak"):
        (folder / name).write_text(SIX)
    many = invoke("grade", RELU, folder)
    assert "skipped 5 file(s)" in many.output and "(2 more)" in many.output
    (folder / "anna.yaml").unlink()
    none = invoke("grade", RELU, folder)
    assert none.exit_code == 2 and "skipped 5 file(s)" in none.output


def _write(tmp_path: Path, name: str, text: str) -> str:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / name).write_text(text)
    return str(tmp_path / name)

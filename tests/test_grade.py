"""`nnstep check`, `nnstep answers` and `nnstep grade` through the CLI, and the grading library."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import PROBLEMS
from typer.testing import CliRunner

from tutor.checking.check import Checker
from tutor.classroom import grade as lib
from tutor.cli import app
from tutor.engines.exact import derive
from tutor.files.loader import load_problem

RELU = str(PROBLEMS / "relu-exercise.yaml")
SIGMOID = str(PROBLEMS / "sigmoid-0.05-0.10.yaml")
SEED_ANSWERS = "y3.net: 5\ny3.out: 5\nloss: 50\ny5.delta: 10\nw13.grad: 20\nw13.new: 0\n"


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), env={"NO_COLOR": "1", "COLUMNS": "200"})


def write(tmp_path: Path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return str(path)


# --- nnstep check -----------------------------------------------------------------------------------


def test_check_seed_answers_all_correct(tmp_path: Path) -> None:
    result = invoke("check", RELU, write(tmp_path, "a.yaml", SEED_ANSWERS))
    assert result.exit_code == 0, result.output
    assert "Score: 6 / 22" in result.output and "unanswered" in result.output  # the whole answer key counts
    assert "correct" in result.output and "incorrect" not in result.output


def test_check_json_shape_and_exit_1(tmp_path: Path) -> None:
    answers = write(tmp_path, "a.json", json.dumps({"w13.grad": 20, "w13.new": 4, "y3.net": 6, "y3.out": "6"}))
    result = invoke("check", RELU, answers, "--format", "json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["score"] == 1.5 and data["max_score"] == 22 and len(data["unanswered"]) == 22 - 4
    by = {i["key"]: i for i in data["items"]}
    assert by["w13.grad"] == {
        "key": "w13.grad", "given": 20, "expected": 20, "verdict": "correct", "tags": [], "message": "correct",
        "counted": True,
    }  # fmt: skip
    # their own w13.grad = 20 is right: the sign slip is in the update, not in the error (t − y)
    assert by["w13.new"]["tags"] == ["update-sign"] and by["w13.new"]["verdict"] == "incorrect"
    assert by["y3.out"]["verdict"] == "carried" and "y3.net" in by["y3.out"]["message"]


@pytest.mark.parametrize("command", ["check", "grade"])
def test_arguments_in_the_wrong_order_get_a_hint(tmp_path: Path, command: str) -> None:
    answers = write(tmp_path, "a.yaml", SEED_ANSWERS)
    args = [RELU] if command == "check" else [RELU, "-o", str(tmp_path / "g.csv")]
    result = invoke(command, answers, *args)
    assert result.exit_code == 2
    assert "a.yaml:1: y3.net: unknown key" in result.output
    assert "this looks like an answers file: the problem file comes first" in result.output


def test_a_blank_template_checks_as_nothing_answered_and_says_so(tmp_path: Path) -> None:
    blank = invoke("answers", RELU, "--blank").stdout
    result = invoke("check", RELU, write(tmp_path, "blank.yaml", blank))
    assert result.exit_code == 0  # no answered key is wrong
    assert "Score: 0 / 22" in result.stdout and "no key is answered" in result.output


def test_check_expressions_and_nested_steps(tmp_path: Path) -> None:
    text = 'w13.new: "2 - 0.1*20"\nloss: "1/2 * 10^2"\nh: 1\nstep2:\n  loss: 0\n'
    result = invoke("check", RELU, write(tmp_path, "a.yaml", text), "--format", "json")
    data = json.loads(result.stdout)
    verdicts = {i["key"]: i["verdict"] for i in data["items"]}
    assert verdicts == {"loss": "correct", "w13.new": "correct", "h": "invalid", "step2.loss": "invalid"}
    assert result.exit_code == 1


def test_check_tolerance_options(tmp_path: Path) -> None:
    answers = write(tmp_path, "a.yaml", "h1.out: 0.59\n")
    assert invoke("check", SIGMOID, answers).exit_code == 1
    assert invoke("check", SIGMOID, answers, "--sigfigs", "2").exit_code == 0
    assert invoke("check", SIGMOID, answers, "--rtol", "0.01").exit_code == 0
    assert invoke("check", SIGMOID, answers, "--atol", "0.01").exit_code == 0
    carried = write(tmp_path, "b.yaml", "h1.net: 0.4\nh1.out: 0.598687660112452\n")
    data = json.loads(invoke("check", SIGMOID, carried, "-f", "json", "--carried-credit", "1").stdout)
    assert data["score"] == 1


BOMB = "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\n" + "".join(
    f"{c}: &{c} [" + ", ".join([f"*{p}"] * 9) + "]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00\x01\x02binary", "NUL"),
        (BOMB.encode(), "aliases expand"),
        (b"a: " + b"[" * 300 + b"]" * 300, "nested"),
        (b"y3.net: 5\ny3.net: 6\n", "y3.net"),
        (b"- 1\n- 2\n", "mapping"),
        (b"y3.net: [1\n", "syntax"),
        (b"y3.net: !!python/object:os.system 1\n", "tag"),
        (b"", "empty"),
    ],
)
def test_check_bad_answers_file_exit_2(tmp_path: Path, content: bytes, message: str) -> None:
    result = invoke("check", RELU, write(tmp_path, "bad.yaml", content))
    assert result.exit_code == 2, result.output
    assert "bad.yaml" in result.output and message.lower() in result.output.lower()
    assert "Traceback" not in result.output


def test_check_huge_file_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    result = invoke("check", RELU, str(path))
    assert result.exit_code == 2 and "too large" in result.output


def test_check_missing_files_exit_2(tmp_path: Path) -> None:
    assert invoke("check", RELU, str(tmp_path / "nope.yaml")).exit_code == 2
    assert invoke("check", str(tmp_path / "nope.yaml"), RELU).exit_code == 2


# --- nnstep answers ---------------------------------------------------------------------------------


# every form: networks, data sets, layer form and computation graphs (tutor/graphcheck.py)
SHIPPED = sorted(PROBLEMS.glob("*.yaml"))


@pytest.mark.parametrize("problem", SHIPPED, ids=lambda p: p.stem)
def test_answer_key_checks_all_correct_for_every_shipped_problem(tmp_path: Path, problem: Path) -> None:
    key = invoke("answers", str(problem), "-o", str(tmp_path / "key.yaml"))
    assert key.exit_code == 0, key.output
    result = invoke("check", str(problem), str(tmp_path / "key.yaml"), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {i["verdict"] for i in data["items"]} == {"correct"}
    assert data["score"] == data["max_score"] > 0


def test_answers_blank_template(tmp_path: Path) -> None:
    result = invoke("answers", RELU, "--blank")
    assert result.exit_code == 0, result.output
    assert "y3.net:" in result.stdout and "# x3, the net input of y3" in result.stdout
    assert "w13.grad:" in result.stdout and "∂L/∂w13" in result.stdout
    blank = write(tmp_path, "blank.yaml", result.stdout)
    checked = invoke("check", RELU, blank, "-f", "json")
    data = json.loads(checked.stdout)
    assert checked.exit_code == 0 and data["items"] == [] and data["score"] == 0 and data["max_score"] == 22
    assert data["unanswered"][:2] == ["y3.net", "y3.out"] and len(data["unanswered"]) == 22


# --- nnstep grade -----------------------------------------------------------------------------------


def _class(tmp_path: Path) -> Path:
    folder = tmp_path / "subs"
    folder.mkdir()
    (folder / "anna.yaml").write_text(SEED_ANSWERS)
    (folder / "ben.json").write_text(json.dumps({"y3.net": 5, "w13.grad": 20, "w13.new": 4}))
    (folder / "carl.yml").write_text("y3.net: 6\ny3.out: 6\nloss: oops\n")
    (folder / "dora.yaml").write_bytes(b"\x00\xff" * 100)
    (folder / "eve.yaml").write_text(BOMB)
    (folder / "fred.yaml").write_text("a: " + "{b: " * 200 + "1" + "}" * 200 + "\n")
    (folder / "notes.txt").write_text("not a submission")
    return folder


def test_grade_a_class(tmp_path: Path) -> None:
    out = tmp_path / "grades.csv"
    fb = tmp_path / "feedback"
    result = invoke("grade", RELU, str(_class(tmp_path)), "-o", str(out), "--feedback-dir", str(fb))
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(out.read_text()))}
    assert sorted(rows) == ["anna", "ben", "carl", "dora", "eve", "fred"]
    header = out.read_text().splitlines()[0].split(",")
    assert header[:3] == ["id", "score", "max_score"] and header[-1] == "feedback"
    assert (
        header[3:-1] == list(Checker(derive(load_problem(RELU))).counted) and len(header[3:-1]) == 22
    )  # the answer key
    assert rows["anna"]["score"] == "6" and rows["anna"]["max_score"] == "22" and rows["anna"]["w35.new"] == "0"
    assert rows["anna"]["feedback"].startswith("unanswered: y4.net, y4.out, y5.net, y5.out, y4.delta")
    assert rows["ben"]["score"] == "2" and "w13.new: incorrect (update-sign);" in rows["ben"]["feedback"]
    assert rows["carl"]["score"] == "0.5" and rows["carl"]["y3.out"] == "0.5" and rows["carl"]["loss"] == "0"
    for bad, reason in [("dora", "NUL"), ("eve", "alias"), ("fred", "nested")]:
        assert rows[bad]["score"] == "0" and reason in rows[bad]["feedback"], rows[bad]
    assert sorted(p.name for p in fb.iterdir()) == [f"{s}.md" for s in sorted(rows)]
    text = (fb / "ben.md").read_text()
    assert "# Feedback for ben" in text and "**Score: 2 / 22**" in text and "update-sign" in text
    assert "could not be graded" in (fb / "eve.md").read_text()


def test_grade_to_stdout_and_no_submissions(tmp_path: Path) -> None:
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "anna.yaml").write_text(SEED_ANSWERS)
    result = invoke("grade", RELU, str(folder / "anna.yaml"))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("id,score,max_score,y3.net")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert invoke("grade", RELU, str(empty)).exit_code == 2


def test_grade_never_leaves_a_half_written_gradebook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "grades.csv"
    out.write_text("old gradebook\n")

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(lib, "gradebook_csv", boom)
    result = invoke("grade", RELU, str(_class(tmp_path)), "-o", str(out))
    assert result.exit_code != 0
    assert out.read_text() == "old gradebook\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".grades")] == []


def test_grade_library_solves_once_and_ids_are_stems(tmp_path: Path) -> None:
    checker = Checker(derive(load_problem(RELU)))
    a, b = tmp_path / "x", tmp_path / "y"
    a.mkdir(), b.mkdir()
    (a / "sam.yaml").write_text("loss: 50\n")
    (b / "sam.json").write_text('{"loss": 40}')
    paths = lib.collect_submissions([tmp_path])
    grades = lib.grade_all(checker, paths)
    assert [g.student for g in grades] == ["x/sam", "y/sam"]
    assert [lib.score_of(g, ["loss"]) for g in grades] == [1.0, 0.0]


def test_every_command_has_help_with_examples() -> None:
    for command in ("check", "answers", "grade"):
        result = invoke(command, "--help")
        assert result.exit_code == 0, result.output
        assert "Examples:" in result.output and f"nnstep {command} " in result.output


def test_check_table_prints_student_text_verbatim(tmp_path: Path) -> None:
    result = invoke("check", RELU, write(tmp_path, "a.yaml", 'w13.grad: "[red]x[/red]"\nw13.new: 4\n'))
    assert result.exit_code == 1
    assert "[red]x[/red]" in result.output and "(update-sign)" in result.output
    assert "Score: 0 / 2" in result.output


def test_problem_check_settings_apply_and_the_command_line_wins(tmp_path: Path) -> None:
    problem = write(tmp_path, "p.yaml", Path(SIGMOID).read_text() + "check: {rtol: 0.01, carried_credit: 1}\n")
    answers = write(tmp_path, "a.yaml", "h1.out: 0.59\n")
    assert invoke("check", problem, answers).exit_code == 0
    assert invoke("check", problem, answers, "--rtol", "0.001").exit_code == 1

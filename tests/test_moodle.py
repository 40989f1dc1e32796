"""`nnstep generate --format moodle`: the Moodle XML parses, has one cloze question per variant, and its
NUMERICAL subquestions hold the derivation's values with the checker's tolerance."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import PROBLEMS
from typer.testing import CliRunner

from tutor.checking.check import tolerance
from tutor.classroom.moodle import cloze_escape, decimal_text, quiz_xml
from tutor.cli import app
from tutor.engines.solver import solve_problem
from tutor.files.loader import load_problem

VARY = str(PROBLEMS / "relu-exercise-vary.yaml")
MARKER = re.compile(r"\{(\d+):NUMERICAL:=([^:}]+):([^}#]+)(?:#[^}]*)?\}")
DEFAULT_KEYS = ["y5.out", "loss", "w13.new", "w23.new", "w14.new", "w24.new", "w35.new", "w45.new"]


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), env={"NO_COLOR": "1", "COLUMNS": "200"})


def questions(path: Path) -> list[ET.Element]:
    root = ET.parse(path).getroot()
    assert root.tag == "quiz"
    return root.findall("question")


def question_text(q: ET.Element) -> str:
    text = q.find("questiontext")
    assert text is not None and text.get("format") == "html"
    return text.findtext("text") or ""


def variant_values(folder: Path, number: int) -> dict:
    return solve_problem(load_problem(folder / f"relu-exercise-vary-v{number:03d}.yaml")).values()


def test_one_cloze_question_per_variant_with_the_right_values(tmp_path: Path) -> None:
    result = invoke("generate", VARY, "-n", "5", "--seed", "2", "--format", "moodle", "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    qs = questions(tmp_path / "quiz.xml")
    assert len(qs) == 5 and len(list(tmp_path.glob("*.yaml"))) == 5
    for i, q in enumerate(qs, start=1):
        assert q.get("type") == "cloze"
        assert q.findtext("name/text") == f"ReLU network, one SGD step (v{i:03d})"
        assert q.findtext("idnumber") == f"relu-exercise-vary-s2-v{i:03d}"  # unique across problems and seeds
        markers = MARKER.findall(question_text(q))
        values = variant_values(tmp_path, i)
        assert [m[0] for m in markers] == ["1"] * len(DEFAULT_KEYS)
        for (_, given, tol), key in zip(markers, DEFAULT_KEYS, strict=True):
            expected = float(values[key])
            assert float(given) == pytest.approx(expected, abs=1e-12), key
            assert float(tol) == pytest.approx(max(1e-4, 1e-3 * abs(expected))), key


def test_ask_chooses_the_quantities_and_an_xml_file_is_the_only_output(tmp_path: Path) -> None:
    quiz = tmp_path / "q.xml"
    args = ["generate", VARY, "-n", "2", "--format", "moodle", "--ask", "y3.net", "--ask", "w13.grad", "-o", str(quiz)]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert [p.name for p in tmp_path.iterdir()] == ["q.xml"]
    assert f"2 variant(s) in {quiz}" in result.output and "to " + str(tmp_path) not in result.output
    text = question_text(questions(quiz)[0])
    assert len(MARKER.findall(text)) == 2
    assert "∂L/∂w13, the gradient of the loss with respect to w13" in text


def test_an_unknown_asked_key_is_bad_input(tmp_path: Path) -> None:
    result = invoke("generate", VARY, "-n", "1", "--format", "moodle", "--ask", "w99.new", "-o", str(tmp_path))
    assert result.exit_code == 2 and "--ask w99.new" in result.output


def test_user_text_cannot_add_subquestions_or_markup() -> None:
    problem = load_problem(PROBLEMS / "sigmoid-0.05-0.10.yaml")
    hostile = dataclasses.replace(
        problem, description="{1:SHORTANSWER:=x} <script>alert(1)</script> \ue0000\ue001 & \x01", check=problem.check
    )
    derivation = solve_problem(hostile)
    xml = quiz_xml([("v1", derivation)])
    text = question_text(ET.fromstring(xml).findall("question")[0])
    assert "SHORTANSWER" in text and "{1:SHORTANSWER" not in text  # its braces are character references
    assert "&#123;1:SHORTANSWER:=x&#125;" in text
    assert "<script>" not in text and "&lt;script&gt;" in text
    markers = MARKER.findall(text)
    assert len(markers) == 2 + 1 + 8  # two outputs, the loss, eight weights (the biases are frozen)
    o1 = float(derivation.values()["o1.out"])
    assert float(markers[0][1]) == pytest.approx(o1, rel=1e-9)
    assert float(markers[0][2]) == pytest.approx(tolerance(o1, problem.check))


def test_sigfigs_tolerance_is_used(tmp_path: Path) -> None:
    problem = load_problem(PROBLEMS / "relu-exercise.yaml")
    strict = dataclasses.replace(problem, check=dataclasses.replace(problem.check, sigfigs=2, atol=0.0))
    text = question_text(ET.fromstring(quiz_xml([("v1", solve_problem(strict))], ["loss"])).findall("question")[0])
    assert MARKER.findall(text) == [("1", "50", "1")]  # 50 to two significant digits: ±1


def test_cloze_escapes_and_number_text() -> None:
    assert cloze_escape('a}b#c~d/e"f\\g') == 'a\\}b\\#c\\~d\\/e\\"f\\\\g'
    assert [decimal_text(x) for x in (3, 0.5, 1e-7, -123456.789)] == ["3", "0.5", "0.0000001", "-123456.789"]


# Moodle's own grammar of a NUMERICAL answer (question/type/multianswer/questiontype.php: NUMBER_REGEX,
# NUMERICAL_ALTERNATIVE_REGEX): "value" or "value:tolerance", no sign but '-', no exponent sign but [-+].
MOODLE_NUMBER = r"-?(?:(?:[0-9]+[.,]?[0-9]*|[.,][0-9]+)(?:[eE][-+]?[0-9]+)?)"
MOODLE_NUMERICAL = re.compile(rf"^{MOODLE_NUMBER}(?::{MOODLE_NUMBER})?$")
MOODLE_SUBQUESTION = re.compile(r"\{([0-9]*):(NUMERICAL|NM):=(.+?)(?<!\\)(?:#(.*?))?(?<!\\)\}")


@pytest.mark.parametrize("name", ["sigmoid-0.05-0.10.yaml", "softmax-classifier.yaml", "house-price.yaml"])
def test_every_subquestion_is_read_by_moodles_numerical_grammar(name: str) -> None:
    """Irrational values, tiny gradients and tolerances too: each answer is a plain number Moodle accepts."""
    derivation = solve_problem(load_problem(PROBLEMS / name))
    keys = [k for k in derivation.values() if k.endswith((".grad", ".new", ".delta"))]
    text = question_text(ET.fromstring(quiz_xml([("v1", derivation)], keys)).findall("question")[0])
    found = MOODLE_SUBQUESTION.findall(text)
    assert len(found) == len(keys) and text.count("{") == len(keys)
    for (_, _, answer, _), key in zip(found, keys, strict=True):
        assert MOODLE_NUMERICAL.fullmatch(answer), (key, answer)
        value, tol = answer.split(":")
        expected = float(derivation.values()[key])
        assert abs(float(value) - expected) <= 1e-9 * max(1.0, abs(expected)) and float(tol) > 0, (key, answer)


@pytest.mark.parametrize(
    ("name", "said"),
    [
        (
            "sigmoid-0.05-0.10-adam.yaml",
            ["Optimizer: Adam, β₁ = 0.9, β₂ = 0.999", "m ← β₁ · m + (1 − β₁) · g", "of Adam"],
        ),
        ("relu-momentum.yaml", ["Optimizer: SGD with momentum, β = 0.9", "v ← β · v + g", "of SGD with momentum"]),
        ("relu-exercise-l2.yaml", ["Regularization: L adds (λ/2)·Σ w² over the weights", "of gradient descent"]),
        ("sigmoid-0.05-0.10-dropout.yaml", ["Dropout on the hidden neurons, p = 0.5", "step 1: h1: 1, h2: 0"]),
    ],
)
def test_the_question_states_the_optimizer_penalty_and_dropout(name: str, said: list[str]) -> None:
    """A student answering in Moodle is told what the problem sets (a question that said "gradient descent,
    w ← w − η ∂L/∂w" for an Adam problem asked for other numbers than the ones it grades)."""
    derivation = solve_problem(load_problem(PROBLEMS / name))
    keys = [k for k in derivation.values() if k.endswith(".new")]
    text = question_text(ET.fromstring(quiz_xml([("v1", derivation)], keys)).findall("question")[0])
    for words in said:
        assert words in text, words
    assert ("w ← w − η ∂L/∂w" in text) == (derivation.problem.optimizer.name == "sgd")
    assert text.count("{") == len(keys) == len(MOODLE_SUBQUESTION.findall(text))  # nothing else reads as cloze

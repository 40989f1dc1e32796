"""Nothing a student or a problem file writes reaches a terminal, a spreadsheet, a browser, TeX or XML as code:
the escapers of `tutor.escape` (and `latexfmt.line`) with hostile strings, then each command that writes them."""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import re
import shutil
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import pytest
import yaml
from conftest import PROBLEMS
from typer.testing import CliRunner

from tutor.classroom.exam import Sheet, page_head
from tutor.classroom.moodle import quiz_xml
from tutor.cli import app
from tutor.engines.solver import solve_problem
from tutor.escape import csv_cell, markdown, markdown_code, terminal, xml_text, yaml_comment
from tutor.files.loader import load_problem
from tutor.files.problemio import problem_yaml
from tutor.render import latexfmt as lf

OSC52 = "\x1b]52;c;aGVsbG8=\x07"  # writes "hello" to the clipboard of many terminals
HOSTILE = [
    "\x1b[2J\x1b[H",
    OSC52,
    "a\x00b",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "=cmd|' /C calc'!A0",
    "-2+3",
    "a\n\nb",
    "a\ufffeb\uffff",
    "\u202eevil",
    "[bold]B[/bold] *em* `code` a|b",
]
RELU = (PROBLEMS / "relu-exercise.yaml").read_text(encoding="utf-8")
# YAML double quotes: \e is ESC, \a BEL
HOSTILE_TITLE = r"Homework 3\nloss: 49 \e]52;c;aGVsbG8=\a \e[2J [bold]B[/bold]"
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), env={"NO_COLOR": "1", "COLUMNS": "200"})


def titled(tmp_path: Path, title: str, base: str = "relu-exercise.yaml") -> str:
    """`base` with its title replaced by `title` (YAML double-quoted text)."""
    text = re.sub(r"(?m)^title: .*$", lambda _: f'title: "{title}"', (PROBLEMS / base).read_text(encoding="utf-8"))
    path = tmp_path / f"hostile-{base}"
    path.write_text(text, encoding="utf-8")
    return str(path)


def unescaped(text: str) -> str:
    """The characters of Markdown text that no backslash escapes."""
    return re.sub(r"\\.", "", text)


# ── the escapers ──


@pytest.mark.parametrize("text", HOSTILE)
def test_terminal_shows_every_control_character_escaped(text: str) -> None:
    shown = terminal(text)
    assert not [c for c in shown if unicodedata.category(c) == "Cc" or c == "\u202e"]
    assert not CONTROL.search(terminal(text, multiline=True))
    if "\x1b" in text:
        assert "\\x1b" in shown
    assert terminal("a\tb\nc", multiline=True) == "a\tb\nc"


@pytest.mark.parametrize("text", ["=cmd|' /C calc'!A0", "-2+3", "+1", "@SUM(A1)", "\t=1", "\r=1"])
def test_csv_cells_that_would_be_formulas_are_text(text: str) -> None:
    cell = csv_cell(text)
    assert cell.startswith("'") and not CONTROL.search(cell)


def test_plain_csv_cells_are_kept() -> None:
    assert csv_cell("anna") == "anna" and csv_cell("y3.net: incorrect") == "y3.net: incorrect"
    assert csv_cell("a\x1bb") == "a\\x1bb"


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_text_opens_no_tag_link_emphasis_or_cell(text: str) -> None:
    md = markdown(text)
    assert "<" not in md and ">" not in md and "\n" not in md and not CONTROL.search(md)
    assert not re.search(r"[\[\]()`*_|!]", unescaped(md)), md


@pytest.mark.parametrize("text", HOSTILE)
def test_a_markdown_code_span_holds_text_literally_or_is_escaped_text(text: str) -> None:
    md = markdown_code(text)
    if md.startswith("`"):  # a code span shows all but a backtick literally: no control character may enter it
        assert md == f"`{text}`" and "`" not in text and not CONTROL.search(text) and "\n" not in text
    else:
        assert md == markdown(text)
    assert markdown_code("w13.grad") == "`w13.grad`" and markdown_code("a`b") == "a\\`b"


def test_markdown_keeps_plain_text_readable() -> None:
    assert markdown("-3") == "-3" and markdown("it's 0.5") == "it's 0.5"
    assert markdown("a & b") == "a &amp; b"


@pytest.mark.parametrize("text", [*HOSTILE, "\ud800 lone surrogate", "\x01\x0b\x0c\x1f"])
def test_xml_text_can_always_be_parsed(text: str) -> None:
    root = ET.fromstring(f"<a>{xml_escape(xml_text(text))}</a>".encode("utf-8", "surrogatepass"))
    assert root.text is None or "\ufffe" not in root.text


@pytest.mark.parametrize("text", [*HOSTILE, "Homework 3\nloss: 49", "a\u2028b\u0085c\ufeff"])
def test_a_yaml_comment_stays_one_comment(text: str) -> None:
    assert yaml.safe_load(f"# {yaml_comment(text)}\nk: 1\n") == {"k": 1}


def test_tex_line_has_no_paragraph_break() -> None:
    tex = lf.line("Homework\n\n 3\r\n\r\nend \x1b")
    assert "\n" not in tex and "Homework" in tex and "[U+001B]" in tex
    assert "\n\n" in lf.text("one\n\ntwo")  # running text keeps its paragraphs


# ── check, solve, grade: the terminal and the gradebook ──


def test_check_prints_values_keys_and_titles_escaped(tmp_path: Path) -> None:
    answers = tmp_path / "a.yaml"
    answers.write_text(r'y3.net: "\e]52;c;aGk=\a [red]x[/red]"' + "\n" + r'"\e[2J": 1' + "\n", encoding="utf-8")
    result = invoke("check", titled(tmp_path, HOSTILE_TITLE), str(answers))
    assert result.exit_code == 1, result.output
    assert not CONTROL.search(result.output), repr(result.output)
    assert "\\x1b]52;c;aGk=\\x07" in result.output and "[red]x[/red]" in result.output
    assert "\\x1b[2J" in result.output


@pytest.mark.parametrize("base", ["relu-exercise.yaml", "computation-graph.yaml", "xor-data.yaml"])
def test_solve_prints_the_title_escaped_and_markup_as_typed(tmp_path: Path, base: str) -> None:
    result = invoke("solve", titled(tmp_path, HOSTILE_TITLE, base))
    assert result.exit_code == 0, result.output
    assert not CONTROL.search(result.output), repr(result.output)
    assert "[bold]B[/bold]" in result.output and "\\x1b[2J" in result.output


def test_an_error_message_quoting_a_file_is_printed_escaped(tmp_path: Path) -> None:
    problem = tmp_path / "\x1b[2Jx\x07.yaml"  # a file name is quoted as it is in every message
    problem.write_text("inputs: {x1: 1}\n", encoding="utf-8")
    result = invoke("solve", str(problem))
    assert result.exit_code == 2, result.output
    assert not CONTROL.search(result.output) and "\\x1b[2Jx\\x07.yaml" in result.output, repr(result.output)


def write_answers(tmp_path: Path) -> str:
    path = tmp_path / "anna.yaml"
    path.write_text("y3.net: 5\n", encoding="utf-8")
    return str(path)


def hostile_class(tmp_path: Path) -> Path:
    folder = tmp_path / "hw"
    folder.mkdir()
    (folder / "-2+3.yaml").write_text("y3.net: 5\n", encoding="utf-8")
    (folder / "=cmd|' calc'!A0.yaml").write_text("y3.net: 4\n", encoding="utf-8")
    (folder / "\x1b[2Jeve.yaml").write_text(
        '"<img src=x onerror=alert(1)>": 1\n'
        'y3.net: "[x](javascript:alert(1))"\n'
        r'y3.out: "\e]52;c;aGk=\a <script>alert(1)</script> a|b"' + "\n"
        'loss: "-2+3"\n',
        encoding="utf-8",
    )
    return folder


def test_gradebook_text_cells_are_never_formulas_nor_controls(tmp_path: Path) -> None:
    result = invoke("grade", titled(tmp_path, HOSTILE_TITLE), str(hostile_class(tmp_path)))
    assert result.exit_code == 0, result.output
    csv_text = result.stdout
    assert not CONTROL.search(csv_text.replace("\n", "")), repr(csv_text)
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert len(rows) == 3
    for row in rows:
        for column in ("id", "feedback"):
            assert not row[column].startswith(("=", "+", "-", "@", "\t", "\r")), row
        float(row["score"])  # nnstep's own numbers stay numbers
    assert {r["id"] for r in rows} == {"'-2+3", "'=cmd|' calc'!A0", "\\x1b[2Jeve"}


def test_feedback_markdown_runs_nothing_an_lms_would_render(tmp_path: Path) -> None:
    feedback = tmp_path / "feedback"
    problem = titled(tmp_path, r"<script>alert(1)</script> [t](javascript:x) \e[2J")
    result = invoke("grade", problem, str(hostile_class(tmp_path)), "--feedback-dir", str(feedback))
    assert result.exit_code == 0, result.output
    pages = {p.name: p.read_text(encoding="utf-8") for p in feedback.iterdir()}
    assert len(pages) == 3
    for text in pages.values():
        assert "<" not in text and ">" not in text and not CONTROL.search(text.replace("\n", "")), text
        assert "javascript" not in re.sub(r"\\\(javascript", "", text)  # only ever inside escaped parentheses
        for line in text.splitlines():
            if not line.startswith("- `"):  # the problem's own keys not answered, as code spans
                assert not re.search(r"[\[\]`]", unescaped(line)), line
            if line.startswith("| "):  # a table row: always the five cells of the header
                assert unescaped(line).count("|") == 6, line
    eve = next(t for name, t in pages.items() if "eve" in name)
    assert "&lt;script&gt;" in eve and "\\[x\\]\\(javascript:alert\\(1\\)\\)" in eve and "a\\|b" in eve


# ── YAML written by nnstep: answers -o and problem files ──


def test_answer_key_with_a_line_break_in_the_title_round_trips(tmp_path: Path) -> None:
    problem = titled(tmp_path, r"Homework 3\nloss: 49\n\ufeff")
    key = tmp_path / "key.yaml"
    assert invoke("answers", problem, "-o", str(key)).exit_code == 0
    text = key.read_text(encoding="utf-8")
    assert text.startswith("# Answer key: Homework 3?loss: 49?")
    data = yaml.safe_load(text)
    assert data["loss"] == 50 and list(data) == [line.split(":")[0] for line in text.splitlines()[1:]]
    checked = invoke("check", problem, str(key))
    assert checked.exit_code == 0, checked.output  # every key once, every value right

    blank = yaml.safe_load(invoke("answers", problem, "--blank").stdout)
    assert set(blank.values()) == {None} and "loss" in blank


def test_problem_files_keep_hostile_text_inside_their_strings(tmp_path: Path) -> None:
    base = load_problem(PROBLEMS / "relu-exercise.yaml")
    title = 'Homework 3\nloss: 49 \x1b]52;c;aGk=\x07 \ufffe "q" \\'
    problem = dataclasses.replace(base, title=title, description="one\n\ntwo\u2028")
    path = tmp_path / "p.yaml"
    path.write_text(problem_yaml(problem, header=["seed 1\nloss: 49"]), encoding="utf-8")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["loss"] == "half_sse" and "49" not in str(data["loss"])
    again = load_problem(path)
    assert again.title == title and again.description == "one\n\ntwo\u2028"


# ── TeX and XML ──


@pytest.mark.latex
@pytest.mark.skipif(
    (shutil.which("pdflatex") is None or shutil.which("pdftotext") is None) and not os.environ.get("CI"),
    reason="pdflatex/pdftotext not installed",
)
def test_a_title_with_a_blank_line_compiles_to_pdf(tmp_path: Path) -> None:
    problem = titled(tmp_path, r"Homework\n\n 3 \e \ufffe")
    tex = tmp_path / "out.tex"
    result = invoke("solve", problem, "--format", "latex", "-o", str(tex), "--pdf")
    assert result.exit_code == 0, result.output
    text = subprocess.run(["pdftotext", str(tex.with_suffix(".pdf")), "-"], capture_output=True, text=True).stdout
    assert "Homework 3" in text


def test_exam_page_head_has_no_paragraph_break() -> None:
    head = page_head(Sheet("anna\n\nsmith", "v\n\n1", Path("x.yaml")), "v\n\n1", solution=False)
    assert "\n\n" not in head and "anna" in head and "smith" in head


def test_quiz_xml_with_characters_xml_cannot_hold_parses() -> None:
    base = load_problem(PROBLEMS / "relu-exercise.yaml")
    bad = "\ufffe\uffff\x01\x1b\ud800"
    problem = dataclasses.replace(base, title=f"Quiz {bad} end", description=f"Text {bad} end")
    xml = quiz_xml([("v1", solve_problem(problem))])
    root = ET.fromstring(xml.encode("utf-8", "surrogatepass"))
    assert root.findtext("question/name/text") == "Quiz  end (v1)"
    assert "Text  end" in (root.findtext("question/questiontext/text") or "")

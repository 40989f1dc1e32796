"""`nnstep solve --format html`: one self-contained page, math as MathML, drawings as SVG from the TikZ
layout, everything from the problem file escaped; and the drawing in each Moodle question."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import PROBLEMS
from typer.testing import CliRunner

from tutor.classroom.moodle import quiz_xml
from tutor.cli import app
from tutor.engines.solver import solve_any
from tutor.escape import html_text
from tutor.model.network import Network
from tutor.render import latexfmt as lf
from tutor.render.html import page, page_body
from tutor.render.htmldoc import split_rows, text_html
from tutor.render.mathml import to_mathml
from tutor.render.svgnet import on_paths
from tutor.render.svgtext import label
from tutor.render.tikz import arrange
from tutor.render.views import VIEWS, ViewOptions

SHIPPED = sorted(p for p in PROBLEMS.glob("*.yaml"))


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), env={"NO_COLOR": "1", "COLUMNS": "200"})


# ---------------------------------------------------------------- exact fragments (MathML Core by hand)


def test_a_partial_derivative_is_a_fraction_of_two_rows() -> None:
    assert to_mathml(r"\frac{\partial L}{\partial w_{13}}") == (
        "<math><mfrac><mrow><mi>∂</mi><mi>L</mi></mrow>"
        "<mrow><mi>∂</mi><msub><mi>w</mi><mn>13</mn></msub></mrow></mfrac></math>"
    )


def test_upright_names_minus_signs_and_one_digit_fraction_arguments() -> None:
    assert to_mathml(r"\mathrm{out}_{1} = -\tfrac12") == (
        '<math><mrow><msub><mi mathvariant="normal">out</mi><mn>1</mn></msub><mo>=</mo><mo form="prefix">−</mo>'
        "<mfrac><mn>1</mn><mn>2</mn></mfrac></mrow></math>"
    )


def test_a_matrix_and_text_with_math_inside() -> None:
    assert to_mathml(r"\begin{bmatrix} 1 \\ 0 \end{bmatrix}") == (
        "<math><mrow><mo>[</mo><mtable><mtr><mtd><mn>1</mn></mtd></mtr><mtr><mtd><mn>0</mn></mtd></mtr>"
        "</mtable><mo>]</mo></mrow></math>"
    )
    assert to_mathml(r"\text{(a $x$ b)}") == "<math><mrow><mtext>(a </mtext><mi>x</mi><mtext> b)</mtext></mrow></math>"


def test_an_unknown_command_is_an_error_not_dropped() -> None:
    with pytest.raises(ValueError, match=r"\\unheardof"):
        to_mathml(r"\unheardof{x}")


def test_rows_split_outside_matrices_only() -> None:
    assert split_rows(r"a &= \begin{pmatrix} 1 \\ 2 \end{pmatrix} \\ b &= 3") == [
        r"a &= \begin{pmatrix} 1 \\ 2 \end{pmatrix}",
        "b &= 3",
    ]


def test_tex_escaped_text_comes_back_as_its_characters_then_html_escaped() -> None:
    title = '<b>&"x"_1 {y} 50% $5 ~ #'
    assert text_html(lf.line(title)) == html_text(title)
    assert text_html(lf.line("a\x07b")) == "a<code>[U+0007]</code>b"  # shown as latexfmt shows it in the PDF


def test_svg_labels_use_shifted_subscripts() -> None:
    assert label("w_{13}=2") == 'w<tspan baseline-shift="sub" font-size="75%">13</tspan> = 2'
    assert (
        label(r"\mathrm{out}_{1} \approx 0.7514") == 'out<tspan baseline-shift="sub" font-size="75%">1</tspan> ≈ 0.7514'
    )


# ---------------------------------------------------------------- the page


@pytest.fixture(scope="module")
def relu_page() -> str:
    return page(solve_any(PROBLEMS / "relu-exercise.yaml"))


def test_the_page_has_no_url_to_anything(relu_page: str) -> None:
    assert not re.search(r"(src|href)=\"(?!#)", relu_page)  # only in-page links
    assert "http" not in relu_page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "@import" not in relu_page and "url(" not in relu_page.replace("url(#arrow)", "")
    assert relu_page.count("<svg") == 2  # before and after the step


def test_the_page_holds_every_chain_rule_product_of_the_latex_solution(relu_page: str) -> None:
    # ReLU exercise (seed 001): dL/dw13 = 20 · 1 = 20, dL/dw35 = 10 · 5 = 50; the new w13 = 2 − 0.1 · 20 = 0
    gradients = re.findall(r'<table class="align" id="grad-(p[0-9]+)"', relu_page)
    assert gradients == [f"p{i}" for i in range(6)]  # w13 w23 w14 w24 w35 w45, one block each
    assert relu_page.count("<math") > 100
    assert "<mn>50</mn>" in relu_page and "<mn>20</mn>" in relu_page


def test_a_weights_chain_rule_paths_are_its_edge_and_everything_downstream() -> None:
    network = Network(solve_any(PROBLEMS / "relu-exercise.yaml").problem)
    paths = on_paths(network)
    assert paths[("x1", "y3")] == {"w13"}  # only its own weight: nothing upstream of x1
    assert paths[("y3", "y5")] == {"w35", "w13", "w23"}  # w13, w23 feed y3
    assert paths[("y4", "y5")] == {"w45", "w14", "w24"}


def test_edge_labels_sit_where_the_tikz_layout_puts_them() -> None:
    """One layout: each SVG weight label is at the point of TikZ's `pos=` on the same Bézier (in px from
    the edge's start: 42 px per cm, y down), and the TikZ text has those very `pos=` values."""
    derivation = solve_any(PROBLEMS / "relu-exercise.yaml")
    drawing = arrange(Network(derivation.problem), derivation.problem.parameters)
    placed, _ = drawing.placed_labels()
    svg = page_body(derivation).split("<svg")[1]
    starts = [tuple(map(float, m)) for m in re.findall(r'class="edge" data-p="[^"]*" d="M([0-9.]+),([0-9.]+)', svg)]
    labels = [tuple(map(float, m)) for m in re.findall(r'<g transform="rotate\([-0-9.]+ ([0-9.]+) ([0-9.]+)\)', svg)]
    edges = drawing.connections()
    assert len(labels) == len(placed) == 6
    for (edge, _, pos), (lx, ly) in zip(placed, labels, strict=True):
        path = drawing.geometry(edge[0], edge[1])
        sx, sy = starts[edges.index(edge)]
        (x, y), (x0, y0) = path.at(pos), path.start
        assert lx - sx == pytest.approx((x - x0) * 42, abs=0.2) and ly - sy == pytest.approx((y0 - y) * 42, abs=0.2)
    tex = VIEWS["latex"].content(derivation, ViewOptions()).body
    assert [f"pos={pos:.2f}" for _, _, pos in placed] == re.findall(r"pos=[0-9.]+", tex)[: len(placed)]  # before


def test_a_hostile_title_and_description_cannot_become_markup(tmp_path: Path) -> None:
    problem = tmp_path / "évil <b>.yaml"
    problem.write_text(
        'title: "<script>alert(1)</script> \\" \' & \\a \\u202e"\n'
        'description: "<img src=x onerror=alert(2)> </details></div> $x$ \\\\input{y}"\n'
        "inputs: {x1: 1}\nneurons: {y3: {inputs: {x1: w1}, activation: relu}}\n"
        "parameters: {w1: 2}\ntargets: {y3: 0}\nloss: half_sse\nlearning_rate: 0.1\n",
        encoding="utf-8",
    )
    out = tmp_path / "page.html"
    result = invoke("solve", str(problem), "--format", "html", "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "<script" not in text and "<img" not in text and "\x07" not in text and "\u202e" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "&lt;img src=x onerror=alert(2)&gt;" in text
    assert text.count("</details>") == text.count("<details")  # the description closed nothing
    # the heading spells the title's control characters as <title> and the terminal do (not LaTeX's [U+0007])
    title = re.search(r"<title>(.*)</title>", text).group(1)
    assert f"<h1>{title}</h1>" in text and "\\x07" in title and "U+0007" not in text


def test_the_heading_shows_the_title_as_written() -> None:
    """Text the LaTeX document escapes (½, −, ², Greek, TeX specials) reads back to its characters on the page."""
    body = page_body(solve_any(PROBLEMS / "sigmoid-0.05-0.10.yaml"))
    assert "<h1>The 0.05/0.10 sigmoid network (E = ½Σ(t − out)²)</h1>" in body
    for title in ("½Σ(t − out)² ≤ α→β x′", "a\\b {x} $5 & #1 % _ ^ ~ < > | - --", "“q” … é\u00a0z"):
        assert text_html(lf.text(title)) == html_text(title)


def test_a_non_utf8_file_name_is_fine(tmp_path: Path) -> None:
    problem = tmp_path / "x\udcff.yaml"  # the byte 0xff, as Python names an undecodable file
    try:
        problem.write_bytes((PROBLEMS / "single-sigmoid-neuron.yaml").read_bytes())
    except (UnicodeEncodeError, OSError):
        pytest.skip("the file system takes no undecodable names")
    out = tmp_path / "p.html"
    result = invoke("solve", str(problem), "--format", "html", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "\udcff" not in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("problem", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_problem_gives_a_page(problem: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.html"
    result = invoke("solve", str(problem), "--format", "html", "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "<math" in text and "<svg" in text


def test_step_only_and_no_solution_work_as_for_latex(tmp_path: Path) -> None:
    steps3 = str(PROBLEMS / "relu-exercise-3-steps.yaml")
    out = tmp_path / "p.html"
    assert invoke("solve", steps3, "--format", "html", "--step", "2", "-o", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "Step 2" in text and "Step 1<" not in text and "Step 3<" not in text
    bad = invoke("solve", steps3, "--format", "html", "--step", "9")
    assert bad.exit_code == 2 and "--step 9: the problem has 3 step(s)" in bad.output
    assert invoke("solve", steps3, "--format", "html", "--only", "forward", "-o", str(out)).exit_code == 0
    assert "Forward pass" in out.read_text(encoding="utf-8") and "Deltas" not in out.read_text(encoding="utf-8")
    assert invoke("solve", steps3, "--format", "html", "--no-solution", "-o", str(out)).exit_code == 0
    assert "Forward pass" not in out.read_text(encoding="utf-8")


# ---------------------------------------------------------------- Moodle


def test_each_moodle_question_embeds_the_drawing_as_a_plugin_file() -> None:
    derivation = solve_any(PROBLEMS / "relu-exercise.yaml")
    root = ET.fromstring(quiz_xml([("v1", derivation)]))
    questiontext = root.find("question/questiontext")
    assert questiontext is not None
    file = questiontext.find("file")
    assert file is not None and file.attrib == {"name": "network.svg", "path": "/", "encoding": "base64"}
    text = questiontext.findtext("text") or ""
    assert '<img src="@@PLUGINFILE@@/network.svg"' in text
    svg = ET.fromstring(base64.b64decode(file.text or ""))  # a well-formed standalone SVG
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    labels = "".join(svg.itertext())
    for name, value in (("13", "2"), ("23", "−3"), ("45", "−1")):  # the seed's weights w13 = 2, w23 = −3, w45 = −1
        assert f"{name} = {value}" in labels

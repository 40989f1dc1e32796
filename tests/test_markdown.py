"""`nnstep solve --format markdown`: the LaTeX worked solution's content as Markdown with `$…$`/`$$…$$` math.

Goldens (`tests/golden/*.md`, refreshed as test_golden.py says) for a few problems of each form; every shipped
problem against its own LaTeX (every formula of the LaTeX is in the Markdown); numbers from the seeds by hand;
and hostile titles rendered by a CommonMark renderer (markdown-it-py, which Rich brings) into HTML with no tag,
link or emphasis of theirs.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from conftest import PROBLEMS
from markdown_it import MarkdownIt
from test_golden import SHIPPED, compare
from typer.testing import CliRunner

from tutor.cli import app
from tutor.escape import markdown_math
from tutor.render.mdlatex import inline, lift_text, markdown_body

GOLDEN_PROBLEMS = ("relu-exercise", "xor-relu", "sigmoid-0.05-0.10-layers", "xor-data", "computation-graph")


def solve(*args: str) -> str:
    result = CliRunner().invoke(app, ["solve", *args])
    assert result.exit_code == 0, result.output
    return result.output


def rendered(md: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(md)


@pytest.mark.parametrize("stem", GOLDEN_PROBLEMS)
def test_markdown_output(stem: str) -> None:
    compare(f"{stem}.md", solve(str(PROBLEMS / f"{stem}.yaml"), "--format", "markdown"))


def align_rows(tex: str) -> list[str]:
    """The rows of every align*/gather* of a LaTeX document, as the Markdown view writes math."""
    blocks = re.findall(r"\\begin\{(?:align|gather)\*\}\n(.*?)\n\\end\{(?:align|gather)\*\}", tex, re.DOTALL)
    text = "\n".join(blocks).replace("\\\\*", "\\\\")
    return [markdown_math(lift_text(row)).strip() for row in text.split("\n") if row.strip()]


@pytest.mark.parametrize("problem", SHIPPED, ids=lambda p: p.stem)
def test_every_formula_of_the_latex_solution_is_in_the_markdown(problem: Path) -> None:
    md = solve(str(problem), "--format", "markdown")
    tex = solve(str(problem), "--format", "latex")
    math_lines = {line.strip() for line in md.split("\n")}
    missing = [row for row in align_rows(tex) if row not in math_lines]
    assert not missing, missing[:5]
    assert md.count("\n$$\n") % 2 == 0 and md.startswith("# ")  # every display opened is closed
    assert "\\begin{center}" not in md and "tikzpicture" not in md and "\\textbf" not in md
    page = rendered(md)
    assert page.count("<h2>Problem</h2>") == 1 and "<script" not in page


def test_the_relu_exercise_by_hand() -> None:
    """Seed: x3 = 1·2 + (−1)(−3) = 5, y5 = relu(10) = 10, L = ½(0 − 10)² = 50, ∂L/∂w13 = δ3·x1 = 20·1,
    w13 ← 2 − 0.1·20 = 0."""
    md = solve(str(PROBLEMS / "relu-exercise.yaml"), "--format", "markdown")
    assert r"x_{3} &= x_{1} w_{13} + x_{2} w_{23} = 1 \cdot 2 + (-1) \cdot (-3) = 5" in md
    assert r"L &= \tfrac12 (t_{5} - y_{5})^2 = \tfrac12 (0 - 10)^2 = 50" in md
    assert r"&= \delta_{y_{3}} \cdot x_{1} = 20 \cdot 1 = 20" in md
    assert r"w_{13} &\leftarrow 2 - 0.1 \cdot 20 = 0" in md
    assert "| $w_{13}$ | $2$ | $20$ | $0$ |  |" in md  # the table of parameters before and after
    assert "## Forward pass" in md and "## Updates" in md


def test_a_computation_graph_by_hand() -> None:
    """L = c(a + 2b) at a = 3, b = 1, c = −2: ∂L/∂a = c = −2, ∂L/∂b = 2c = −4, ∂L/∂c = a + 2b = 5."""
    md = solve(str(PROBLEMS / "computation-graph.yaml"), "--format", "markdown")
    assert "| $a$ | $3$ | $-2$ |" in md and "| $b$ | $1$ | $-4$ |" in md and "| $c$ | $-2$ | $5$ |" in md
    assert "<table>" in rendered(md)


def test_options_and_output_file(tmp_path: Path) -> None:
    relu = str(PROBLEMS / "relu-exercise.yaml")
    backward = solve(relu, "--format", "markdown", "--only", "backward")
    assert "## Deltas" in backward and "## Forward pass" not in backward and "## Updates" not in backward
    sheet = solve(relu, "--format", "markdown", "--no-solution")
    assert "## Problem" in sheet and "## Deltas" not in sheet
    out = tmp_path / "solution.md"
    assert solve(relu, "--format", "markdown", "-o", str(out)) == ""
    assert out.read_text(encoding="utf-8") == solve(relu, "--format", "markdown")
    three = solve(str(PROBLEMS / "relu-exercise-3-steps.yaml"), "--format", "markdown")
    assert [h for h in three.split("\n") if h.startswith("## Step")] == ["## Step 1", "## Step 2", "## Step 3"]
    second = solve(str(PROBLEMS / "relu-exercise-3-steps.yaml"), "--format", "markdown", "--step", "2")
    assert "## Step 2" in second and "## Step 1" not in second and "## Step 3" not in second
    bad = CliRunner().invoke(app, ["solve", relu, "--format", "markdown", "--step", "5"])
    assert bad.exit_code == 2 and "--step 5" in bad.output


HOSTILE_TITLE = "# <script>alert(1)</script> *x* $\\input{/etc/passwd}$ [a](javascript:alert(1)) <img src=x onerror=y>"
HOSTILE_DESCRIPTION = "- item\n\n> quote\n\n1. first\n\n<b>bold</b> `code` ---\n\n    indented\n\n==="


def test_a_hostile_title_and_description_stay_text(tmp_path: Path) -> None:
    text = (PROBLEMS / "relu-exercise.yaml").read_text(encoding="utf-8")
    problem = tmp_path / "hostile.yaml"
    body = re.sub(r"^title:.*$", "", text, flags=re.MULTILINE)
    problem.write_text(
        f"title: {_quoted(HOSTILE_TITLE)}\ndescription: {_quoted(HOSTILE_DESCRIPTION)}\n{body}", encoding="utf-8"
    )
    md = solve(str(problem), "--format", "markdown")
    head = md[: md.index("## Problem")]
    page = rendered(head)
    for tag in ("<script", "<img", "<a ", "<em>", "<b>", "<code>", "<blockquote>", "<ul>", "<ol>", "<pre>", "<hr"):
        assert tag not in page, (tag, page)
    assert page.count("<h1>") == 1 and "<h2>" not in page and page.count("<p>") == 6
    h1 = re.search(r"<h1>(.*)</h1>", page)
    assert h1 is not None and html.unescape(h1.group(1)) == HOSTILE_TITLE  # shown literally
    assert "$" not in head.replace("\\$", "")  # no math can open from the title


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def test_translation_of_blocks() -> None:
    tex = "\n".join(
        [
            r"\subsection*{Forward pass}",
            r"\textbf{Data.} 2 examples, $x_{1} = 1$; BP1--BP4",
            r"\begin{align*}",
            r"a &= 1 \\*",
            r"&\quad \text{($f'(0)$ is \texttt{x\_y})}",
            r"\end{align*}",
            r"\begin{center}",
            r"\begin{tabular}{lrc}",
            r"\toprule",
            r"name & $v$ & $a & b$ \\",
            r"\midrule",
            r"$w$ & $-1$ & x \\",
            r"\bottomrule",
            r"\end{tabular}",
            r"\end{center}",
            r"\begin{center}",
            r"\begin{tikzpicture}",
            r"\end{tikzpicture}",
            r"\end{center}",
        ]
    )
    assert markdown_body(tex) == (
        "## Forward pass\n\n"
        "**Data.** 2 examples, $x_{1} = 1$; BP1–BP4\n\n"
        "$$\n\\begin{aligned}\na &= 1 \\\\\n"
        "&\\quad \\text{(}f'(0)\\text{ is }\\texttt{x\\_y}\\text{)}\n\\end{aligned}\n$$\n\n"
        "| name | $v$ | $a & b$ |\n| :--- | ---: | :---: |\n| $w$ | $-1$ | x |\n"
    )


@pytest.mark.parametrize("tex", [r"\input{x} text", r"\emph{x}", r"a {b}", "\\begin{center}\nfoo\n\\end{center}"])
def test_unknown_latex_is_an_error_never_copied(tex: str) -> None:
    with pytest.raises(ValueError, match="no Markdown"):
        markdown_body(tex)


def test_inline_math_is_escaped() -> None:
    assert inline(r"with $a<b|c$ here") == r"with $a\lt b\vert c$ here"

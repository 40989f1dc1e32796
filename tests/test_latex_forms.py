"""LaTeX for data sets, the layer form (BP1–BP4 matrices) and computation graphs.

Exact-string tests for formula fragments; tests marked `latex` compile every shipped problem with a
real pdflatex, check the log for errors and overfull boxes and read the PDF back with pdftotext.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import PROBLEMS

from tutor.engines.graph import GraphDerivation, graph_from_data, solve_graph
from tutor.engines.solver import solve_any
from tutor.files.yamlsafe import Locator
from tutor.maths import expr
from tutor.maths.numfmt import fmt
from tutor.render.exprlatex import to_latex
from tutor.render.latex import LatexOptions, document, render_latex

HAVE_TEX = shutil.which("pdflatex") is not None and shutil.which("pdftotext") is not None
needs_tex = pytest.mark.skipif(not HAVE_TEX and not os.environ.get("CI"), reason="pdflatex/pdftotext not installed")
MAX_OVERFULL_PT = 3.0


def doc(name: str, **opts: object) -> str:
    return render_latex(solve_any(PROBLEMS / name), LatexOptions(**opts))  # type: ignore[arg-type]


def graph(nodes: dict[str, str], inputs: dict[str, int], output: str, title: str = "") -> GraphDerivation:
    data = {"title": title, "graph": {"inputs": inputs, "nodes": nodes, "output": output}}
    return solve_graph(graph_from_data(data, Locator("<test>", {})))


# ---------------------------------------------------------------- computation graphs


def test_graph_backward_lines() -> None:
    text = doc("computation-graph.yaml")
    partial = r"\frac{{\partial {}}}{{\partial {}}}".format
    assert rf"{partial('L', 'a')} &= {partial('L', 'e')} \cdot {partial('e', 'a')} = (-2) \cdot 1 = -2 \\" in text
    assert rf"{partial('L', 'b')} &= {partial('L', 'd')} \cdot {partial('d', 'b')} = (-2) \cdot 2 = -4 \\" in text
    assert rf"{partial('L', 'c')} &= e = 5" + "\n" in text
    assert rf"{partial('L', 'e')} &= c = -2 \\" in text
    local = partial(r"\left(c \cdot e\right)", "c"), partial(r"\left(c \cdot e\right)", "e")
    assert rf"L = c \cdot e\colon \quad & {local[0]} = e = 5, \quad {local[1]} = c = -2" in text
    assert r"e &= a + d = 3 + 2 = 5 \\" in text and r"L &= c \cdot e = (-2) \cdot 5 = -10" in text
    edge = r"node[pos=0.50, sloped, above, font=\scriptsize, inner sep=1pt] {$1$}"
    assert rf"\draw[->] (g3) -- {edge} (g4);" in text


def test_graph_only_forward_or_backward() -> None:
    derivation = solve_any(PROBLEMS / "computation-graph.yaml")
    forward = render_latex(derivation, LatexOptions(phases=frozenset({"forward"})))
    assert r"\subsection*{Forward pass}" in forward and "{Backward pass}" not in forward
    assert "{Local derivatives}" not in forward
    backward = render_latex(derivation, LatexOptions(phases=frozenset({"backward"})))
    assert "{Forward pass}" not in backward
    assert r"\subsection*{Local derivatives}" in backward and r"\subsection*{Gradients}" in backward


def test_graph_node_used_twice_sums_both_paths() -> None:
    d = graph({"d": "a + b", "L": "d*a"}, {"a": 2, "b": 3}, "L")
    text = render_latex(d)
    assert (
        r"\frac{\partial L}{\partial a} &= \frac{\partial L}{\partial d} \cdot \frac{\partial d}{\partial a} + d"
        r" = 2 \cdot 1 + 5 = 7"
    ) in text


def test_graph_problem_sheet_and_hostile_title() -> None:
    sheet = doc("computation-graph.yaml", solution=False)
    assert r"\textbf{Task.}" in sheet and "Forward pass" not in sheet and r"\partial e/\partial d" not in sheet
    hostile = render_latex(graph({"y": "2*x"}, {"x": 1}, "y", title=r"\input{/etc/passwd}"))
    assert r"\input{" not in hostile and r"\section*{\textbackslash{}input\{/etc/passwd\}}" in hostile


@pytest.mark.parametrize(
    ("text", "latex", "with_values"),
    [
        ("2*b", "2b", r"2 \cdot 1"),
        ("c*e", r"c \cdot e", r"(-2) \cdot 5"),
        ("a/(b+1)", r"\frac{a}{b + 1}", r"\frac{3}{1 + 1}"),
        ("(a+b)*c", r"\left(a + b\right) \cdot c", r"\left(3 + 1\right) \cdot (-2)"),
        ("-a^2", "-a^{2}", "-3^{2}"),
        ("sigmoid(2*a) + sqrt(b)", r"\sigma\left(2a\right) + \sqrt{b}", r"\sigma\left(2 \cdot 3\right) + \sqrt{1}"),
        ("max(a, 0) - relu(c)", r"\max\left(a, 0\right) - \operatorname{relu}\left(c\right)", None),
        ("alpha*w13", r"\alpha \cdot w_{13}", None),
    ],
)
def test_expression_printer(text: str, latex: str, with_values: str | None) -> None:
    node = expr.parse(text, names=["a", "b", "c", "e", "alpha", "w13"])
    assert to_latex(node) == latex
    if with_values is not None:
        assert to_latex(node, {"a": 3, "b": 1, "c": -2, "e": 5}) == with_values


def test_unknown_types_are_errors() -> None:
    with pytest.raises(TypeError, match="not an expression node"):
        to_latex("x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="no LaTeX view of str"):
        document("x", LatexOptions())


# ---------------------------------------------------------------- layer form and data sets


def test_layer_form_bp1_to_bp4_matrices() -> None:
    text = doc("xor-data.yaml")
    assert (
        r"\delta^{y} &= \nabla_{a} L \odot \mathrm{id}'(z^{y}) = \begin{bmatrix}-0.75\end{bmatrix} \odot"
        r" \begin{bmatrix}1\end{bmatrix} = \begin{bmatrix}-0.75\end{bmatrix} & &\text{(BP1)} \\"
    ) in text
    assert (
        r"\frac{\partial L}{\partial W^{h}} &= \delta^{h} (a^{x})^{\top} = \begin{bmatrix}-0.375 \\ 0\end{bmatrix}"
        r" \begin{bmatrix}0 & 1\end{bmatrix} = \begin{bmatrix}0 & -0.375 \\ 0 & 0\end{bmatrix} & &\text{(BP4)}"
    ) in text
    single = doc("xor-relu-layers.yaml")
    assert r"\delta^{h} &= \bigl((W^{y})^{\top} \delta^{y}\bigr) \odot \operatorname{relu}'(z^{h})" in single
    assert "Layer by layer" not in single  # the matrix view replaces the generic vector view


def test_batch_mean_lines() -> None:
    text = doc("xor-data.yaml")
    assert r"L &= \tfrac{1}{4} \bigl(L_{1} + L_{2} + L_{3} + L_{4}\bigr)" in text
    assert (
        r"\frac{\partial L}{\partial \mathrm{by}_{1}} &= \tfrac{1}{4} \bigl(0 + (-0.75) + (-0.75) + 0.25\bigr)"
        r" = -0.3125"
    ) in text
    assert r"\mathrm{by}_{1} &\leftarrow 0 - 0.1 \cdot (-0.3125) = 0.03125" in text
    assert r"\begin{semilogyaxis}" in text and r"\usepackage{amsmath,amssymb,booktabs,tikz,pgfplots}" in text


def test_data_set_options() -> None:
    two = doc("xor-data-sgd.yaml", step=2)
    assert r"\subsection*{Iteration 2 (epoch 1)}" not in two  # --detail 1: only one iteration exists
    derivation = solve_any(PROBLEMS / "xor-data-sgd.yaml", detail=3)
    text = render_latex(derivation, LatexOptions(step=2))
    assert r"\subsection*{Iteration 2 (epoch 1)}" in text and r"\subsection*{Iteration 1 " not in text
    assert r"\frac{\partial L}{\partial \mathrm{wh}_{11}} &= \frac{\partial L_{" in text  # one example per batch
    sheet = doc("xor-data.yaml", solution=False)
    assert "Iteration 1" not in sheet and r"\textbf{Data.} 4 examples" in sheet
    assert "$x_{1}=0$" not in sheet  # the drawing names the inputs, it shows no example's values
    body = doc("xor-data.yaml", body_only=True)
    assert r"needs \usepackage{amsmath,amssymb,booktabs,tikz,pgfplots}" in body and r"\documentclass" not in body


def test_cli_latex_for_graphs_and_data_sets(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tutor.cli import app

    for name in ("computation-graph.yaml", "xor-data.yaml"):
        out = tmp_path / f"{name}.tex"
        result = CliRunner().invoke(app, ["solve", str(PROBLEMS / name), "--format", "latex", "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert out.read_text().endswith("\\end{document}\n")
    result = CliRunner().invoke(app, ["solve", str(PROBLEMS / "computation-graph.yaml"), "-f", "latex", "--step", "1"])
    assert result.exit_code == 2 and "no steps" in result.output


# ---------------------------------------------------------------- real pdflatex


def compile_and_read(text: str, tmp_path: Path) -> tuple[str, str]:
    """(pdftotext -layout output, the log) of a document compiled with pdflatex."""
    (tmp_path / "d.tex").write_text(text)
    flags = ["-halt-on-error", "-no-shell-escape", "-interaction=nonstopmode"]
    done = subprocess.run(["pdflatex", *flags, "d.tex"], cwd=tmp_path, capture_output=True, timeout=300)
    log = (tmp_path / "d.log").read_text(errors="replace")
    assert done.returncode == 0, log[-2000:]
    pdf = subprocess.run(["pdftotext", "-layout", "d.pdf", "-"], cwd=tmp_path, capture_output=True, check=True)
    return pdf.stdout.decode("utf-8"), log


def as_pdftotext(value: float) -> str:
    """How pdftotext shows a number the document writes with `latexfmt.num`: −0.5, 2.18325 × 10−6."""
    mantissa, _, exponent = fmt(value, 6).partition("e")
    shown = f"{mantissa} × 10{int(exponent)}" if exponent else mantissa
    return shown.replace("-", "−")


def overfull(log: str) -> list[float]:
    return [float(m) for m in re.findall(r"Overfull \\[hv]box \(([0-9.]+)pt too", log)]


ALL = sorted(PROBLEMS.glob("*.yaml"))


@pytest.mark.latex
@needs_tex
@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_every_problem_compiles_cleanly(path: Path, tmp_path: Path) -> None:
    result = solve_any(path)
    text, log = compile_and_read(render_latex(result), tmp_path)
    assert all(pt <= MAX_OVERFULL_PT for pt in overfull(log)), overfull(log)
    if isinstance(result, GraphDerivation):
        shown = {v: fmt(g).replace("-", "−") for v, g in result.gradients.items() if v in result.problem.inputs}
        rows = {line.split()[0]: line.split()[1:] for line in text.splitlines() if len(line.split()) == 3}
        for v, g in shown.items():
            assert rows[v][1] == g, (v, rows.get(v))
    elif result.training is not None:
        for name, value in result.training.final_parameters().items():
            assert as_pdftotext(value) in text, name


@pytest.mark.latex
@needs_tex
def test_graph_pdf_has_the_gradients(tmp_path: Path) -> None:
    text, _ = compile_and_read(doc("computation-graph.yaml"), tmp_path)
    table = text[text.index("Gradients") :]
    for row in (["a", "3", "−2"], ["b", "1", "−4"], ["c", "−2", "5"]):
        assert any(line.split() == row for line in table.splitlines()), row


def test_data_set_with_detail_0_asks_for_the_run_only() -> None:
    doc = render_latex(solve_any(PROBLEMS / "xor-data.yaml", detail=0), LatexOptions())
    assert r"\textbf{Task.} Train for all epochs" in doc and "Derive the first" not in doc
    assert "The iterations are computed in floating point." in doc and "repeat these steps" not in doc
    assert r"\subsection*{Iteration" not in doc

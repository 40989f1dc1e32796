"""The LaTeX view: exact formula fragments, name mapping, escaping, real pdflatex runs, `--pdf` without TeX.

Tests marked `latex` compile with a real pdflatex (`-halt-on-error -no-shell-escape`) and read the PDF
back with pdftotext. They are skipped only when pdflatex/pdftotext are missing and CI is not set; in
CI they always run (and fail if TeX is missing).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import seednets
from conftest import PROBLEMS

from tutor.engines.exact import derive
from tutor.engines.solver import solve_any
from tutor.errors import InputError
from tutor.maths.numfmt import fmt
from tutor.model.derivation import Derivation
from tutor.render import latexfmt as lf
from tutor.render import latexpdf
from tutor.render.latex import LatexOptions, render_latex, write_latex
from tutor.render.latexmath import rows

HOSTILE = r"\input{/etc/passwd} \write18{touch x}"
HAVE_TEX = shutil.which("pdflatex") is not None and shutil.which("pdftotext") is not None
needs_tex = pytest.mark.skipif(not HAVE_TEX and not os.environ.get("CI"), reason="pdflatex/pdftotext not installed")


def relu_doc(**opts: object) -> str:
    return render_latex(derive(seednets.relu_exercise()), LatexOptions(**opts))  # type: ignore[arg-type]


# ---------------------------------------------------------------- formula fragments


def test_relu_exercise_w13_chain_rule() -> None:
    doc = relu_doc()
    expected = "\n".join(
        [
            r"\frac{\partial L}{\partial w_{13}} &= \frac{\partial L}{\partial y_{5}} \cdot "
            r"\frac{\partial y_{5}}{\partial x_{5}} \cdot \frac{\partial x_{5}}{\partial y_{3}} \cdot "
            r"\frac{\partial y_{3}}{\partial x_{3}} \cdot \frac{\partial x_{3}}{\partial w_{13}} \\",
            r"&= (y_{5} - t_{5}) \cdot \operatorname{relu}'(x_{5}) \cdot w_{35} \cdot \operatorname{relu}'(x_{3})"
            r" \cdot x_{1} \\",
            r"&= 10 \cdot 1 \cdot 2 \cdot 1 \cdot 1 = 20 \\",
            r" &= \delta_{y_{3}} \cdot x_{1} = 20 \cdot 1 = 20",
        ]
    )
    assert expected in doc


def test_relu_exercise_forward_loss_delta_update_lines() -> None:
    doc = relu_doc()
    assert r"x_{3} &= x_{1} w_{13} + x_{2} w_{23} = 1 \cdot 2 + (-1) \cdot (-3) = 5 \\" in doc
    assert r"y_{3} &= \operatorname{relu}(x_{3}) = \operatorname{relu}(5) = 5 \\" in doc
    assert r"L &= \tfrac12 (t_{5} - y_{5})^2 = \tfrac12 (0 - 10)^2 = 50" in doc
    assert (
        r"\delta_{y_{3}} = \frac{\partial L}{\partial x_{3}} &= \bigl(w_{35} \delta_{y_{5}}\bigr) \cdot "
        r"\operatorname{relu}'(x_{3}) = \bigl(2 \cdot 10\bigr) \cdot 1 = 20"
    ) in doc
    assert r"w_{13} &\leftarrow 2 - 0.1 \cdot 20 = 0 \\" in doc
    assert r"w_{23} &\leftarrow -3 - 0.1 \cdot (-20) = -1 \\" in doc
    assert r"$w_{35}$ & $2$ & $50$ & $-3$ &  \\" in doc  # the final table


def test_vector_view_for_a_layered_network() -> None:
    doc = relu_doc()
    assert (
        r"\delta^{(1)} &= \bigl((W^{(2)})^{\top} \delta^{(2)}\bigr) \odot \operatorname{relu}'\bigl(x^{(1)}\bigr)"
        r" = \begin{pmatrix}20 \\ -10\end{pmatrix} \odot \begin{pmatrix}1 \\ 0\end{pmatrix}"
        r" = \begin{pmatrix}20 \\ 0\end{pmatrix}"
    ) in doc
    sparse = render_latex(derive(seednets.house_price()))  # x3 skips nothing, but layers are not all dense
    assert "Layer by layer" in sparse or r"\delta^{(" not in sparse


def test_shared_parameter_sums_its_paths_and_is_drawn_on_each_edge() -> None:
    doc = render_latex(derive(seednets.sigmoid_005_010()))
    w1 = doc[doc.index(r"\frac{\partial L}{\partial w_{1}} &=") :]
    w1 = w1[: w1.index(r"\end{align*}")]
    assert "\n" + r"&\quad + \frac{\partial L}{\partial o_{2}}" in w1  # the second path
    first_picture = doc[: doc.index(r"\end{tikzpicture}")]
    assert first_picture.count("{$b_{1}=0.35$}") == 2  # the shared bias, on both hidden neurons
    assert r"$b_{1} = 0.35$ (fixed)" in doc
    assert r"b_{1} &= 0.35 \quad \text{(frozen: not updated)}" in doc


def test_long_sums_and_products_break_into_rows() -> None:
    assert rows([f"a_{{{i}}}" for i in range(9)], "+") == [
        "a_{0} + a_{1} + a_{2} + a_{3} + a_{4}",
        "+ a_{5} + a_{6} + a_{7} + a_{8}",
    ]
    doc = render_latex(derive(seednets.wide(8)))
    assert r"&\quad + " in doc  # the 8-term net inputs continue on a second row
    for line in doc.splitlines():
        assert line.count(r"\cdot") <= 12, line[:80]


def test_softmax_cross_entropy_delta() -> None:
    doc = render_latex(derive(seednets.softmax_classifier()))
    assert r"\delta_{y_{2}} = \frac{\partial L}{\partial \mathrm{net}_{y2}} &= y_{2} - t_{2} = " in doc
    assert r"L &= - \bigl(t_{1} \log y_{1} + t_{2} \log y_{2} + t_{3} \log y_{3}\bigr) \\" in doc


def test_unknown_factor_kind_is_an_error() -> None:
    from tutor.model.backward import Factor
    from tutor.render.latexmath import MathWriter

    writer = MathWriter(6, {"y5": "t5"}, "half_sse", 1)
    with pytest.raises(ValueError, match="unknown factor kind"):
        writer.factor(Factor("L", "y5", "mystery", 1))


# ---------------------------------------------------------------- names and escaping


@pytest.mark.parametrize(
    ("name", "math"),
    [
        ("x", "x"),
        ("w13", "w_{13}"),
        ("b1", "b_{1}"),
        ("h_1", "h_{1}"),
        ("net_h1", r"\mathrm{net}_{h1}"),
        ("w1_2", "w_{1,2}"),
        ("w_1_2", "w_{1,2}"),
        ("alpha", r"\alpha"),
        ("delta", r"\delta"),
        ("Delta", r"\Delta"),
        ("eta2", r"\eta_{2}"),
        ("theta_k", r"\theta_{k}"),
        ("out1", r"\mathrm{out}_{1}"),
        ("price", r"\mathrm{price}"),
        ("hidden_layer_a", r"\mathrm{hidden\_layer\_a}"),
        ("a-b", r"\textnormal{a-{}b}"),
        ("x$}{", r"\textnormal{x\$\}\{}"),
        ("h\\1", r"\textnormal{h\textbackslash{}1}"),
    ],
)
def test_name_mapping(name: str, math: str) -> None:
    assert lf.name(name) == math


def test_text_escaping() -> None:
    assert lf.text(HOSTILE) == (r"\textbackslash{}input\{/etc/passwd\} \textbackslash{}write18\{touch x\}")
    assert lf.text('50% & $5 #1 a_b ^~"<|>') == (
        r"50\% \& \$5 \#1 a\_b {\ttfamily\char94}{\ttfamily\char126}{\ttfamily\char34}\textless{}\textbar{}"
        r"\textgreater{}"
    )
    assert lf.text("σ′(x) ≈ 0.5 — ok") == r"\ensuremath{\sigma}\ensuremath{'}(x) \ensuremath{\approx} 0.5 --- ok"
    assert lf.text("ümlaut ☃") == r"ümlaut \texttt{[U+2603]}"
    assert lf.text("one\n\ntwo\nthree") == "one\n\ntwo three"
    assert lf.comment("a\nb") == "a?b"


def test_numbers() -> None:
    assert lf.num(seednets.F(-5, 16)) == "-0.3125"
    assert lf.num(seednets.F(1, 3)) == r"\tfrac{1}{3}"
    assert lf.pnum(seednets.F(-1, 3)) == r"(-\tfrac{1}{3})"
    assert lf.num(1.5e-7) == r"1.5 \times 10^{-7}"
    assert lf.num(1.5e-7, 3) == lf.num(1.5e-7)  # through numfmt.fmt


def test_hostile_strings_are_escaped_everywhere() -> None:
    problem = seednets.relu_exercise(title=HOSTILE, description="100% {evil} \\def\\x{}")
    doc = render_latex(derive(problem))
    assert r"\input{" not in doc and r"\write18" not in doc and r"\def\x" not in doc
    assert r"\section*{\textbackslash{}input\{/etc/passwd\} \textbackslash{}write18\{touch x\}}" in doc
    assert doc.startswith("% nnstep: ?input?/etc/passwd? ?write18?touch x?\n")


# ---------------------------------------------------------------- variants


def test_body_only_has_no_preamble_and_names_its_packages() -> None:
    body = relu_doc(body_only=True)
    assert r"\documentclass" not in body and r"\begin{document}" not in body and r"\end{document}" not in body
    assert r"needs \usepackage{amsmath,amssymb,booktabs,tikz}" in body.splitlines()[1]


def test_no_solution_is_the_problem_sheet() -> None:
    sheet = relu_doc(solution=False)
    assert r"\begin{tikzpicture}" in sheet and r"\textbf{Task.}" in sheet
    for answer in ("Forward pass", r"\leftarrow 2 -", "Deltas", r"\partial w_{13}} &="):
        assert answer not in sheet
    # the network stated in equations (the seed's x3 = x1·w13 + x2·w23, y3 = ReLU(x3)), no numbers
    assert r"x_{3} &= x_{1} w_{13} + x_{2} w_{23}, & y_{3} &= \operatorname{relu}(x_{3}) \\" in sheet
    assert r"x_{5} &= y_{3} w_{35} + y_{4} w_{45}, & y_{5} &= \operatorname{relu}(x_{5})" in sheet


def test_problem_statement_names_activation_parameters_and_the_softmax_group(tmp_path: Path) -> None:
    problem = tmp_path / "leaky.yaml"
    problem.write_text(
        "inputs: {x1: 1}\n"
        "neurons:\n"
        "  h: {inputs: {x1: w1}, activation: {name: leaky_relu, alpha: 0.1}}\n"
        "  g: {inputs: {x1: w2}, activation: elu}\n"
        "  y: {inputs: {h: w3, g: w4}, activation: identity}\n"
        "parameters: {w1: 1, w2: 1, w3: 1, w4: 1}\ntargets: {y: 0}\nloss: half_sse\nlearning_rate: 0.1\n",
        encoding="utf-8",
    )
    from tutor.engines.solver import solve_any

    sheet = render_latex(solve_any(problem), LatexOptions(solution=False))
    assert r"$\operatorname{elu}$ with $\alpha = 1$; $\operatorname{leaky\_relu}$ with $\alpha = 0.1$" in sheet
    soft = render_latex(solve_any(PROBLEMS / "softmax-classifier.yaml"), LatexOptions(solution=False))
    assert r"y_{2} &= \frac{e^{z_{2}}}{e^{z_{1}} + e^{z_{2}} + e^{z_{3}}}" in soft


def test_step_option_and_sections_per_step() -> None:
    derivation = derive(seednets.house_price())
    doc = render_latex(derivation)
    assert r"\subsection*{Step 1}" in doc and r"\subsection*{Step 2}" in doc
    only2 = render_latex(derivation, LatexOptions(step=2))
    assert r"\subsection*{Step 1}" not in only2 and r"\subsection*{Step 2}" in only2


def test_only_keeps_the_chosen_phases() -> None:
    forward = relu_doc(phases=frozenset({"forward"}))
    assert r"\subsection*{Forward pass}" in forward and r"x_{3} &= x_{1} w_{13} + x_{2} w_{23}" in forward
    for other in ("{Loss}", "{Deltas}", "{Gradients by the chain rule}", "{Updates}", "before and after"):
        assert other not in forward
    update = relu_doc(phases=frozenset({"update", "loss"}))
    assert r"\subsection*{Updates}" in update and r"\subsection*{Loss}" in update
    assert r"\subsection*{Parameters before and after}" in update and "{Forward pass}" not in update
    data = render_latex(solve_any(PROBLEMS / "xor-data.yaml"), LatexOptions(phases=frozenset({"backward"})))
    assert r"\paragraph*{Deltas}" in data and "{Forward pass}" not in data and "{Updates}" not in data


def test_compact_drawing_beyond_six_nodes_per_layer() -> None:
    doc = render_latex(derive(seednets.wide(8)))
    picture = doc[doc.index(r"\begin{tikzpicture}") : doc.index(r"\end{tikzpicture}")]
    assert "sloped" not in picture and r"\draw[->, black!50]" in picture


# ---------------------------------------------------------------- --pdf without TeX


def test_pdf_without_tex_writes_the_tex_and_raises_the_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(latexpdf.shutil, "which", lambda name: None)
    tex = tmp_path / "out" / "solution.tex"
    with pytest.raises(InputError) as info:
        write_latex(derive(seednets.relu_exercise()), LatexOptions(), output=tex, pdf=True)
    assert info.value.exit_code == 2
    assert "sudo apt-get install texlive-latex-base texlive-latex-recommended texlive-pictures" in str(info.value)
    assert "\n" not in str(info.value)
    assert tex.read_text().startswith("% nnstep: ReLU network")
    assert not tex.with_suffix(".pdf").exists()


def test_pdf_without_output_goes_to_the_problem_stem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(latexpdf.shutil, "which", lambda name: None)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError):
        write_latex(derive(seednets.relu_exercise()), LatexOptions(), pdf=True)
    assert (tmp_path / "relu-exercise.tex").exists()


def test_pdf_with_body_only_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="body-only"):
        write_latex(derive(seednets.relu_exercise()), LatexOptions(body_only=True), output=tmp_path / "a.tex", pdf=True)
    assert not (tmp_path / "a.tex").exists()


def test_tex_command_prefers_latexmk_without_rc_files_and_shell_escape(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(latexpdf.shutil, "which", lambda name: f"/usr/bin/{name}")
    command = latexpdf.tex_command("document.tex")
    assert command[:3] == ["/usr/bin/latexmk", "-norc", "-pdf"]
    assert "-no-shell-escape" in command[3] and "-halt-on-error" in command[3]
    monkeypatch.setattr(latexpdf.shutil, "which", lambda name: "/usr/bin/pdflatex" if name == "pdflatex" else None)
    assert latexpdf.tex_command("d.tex") == ["/usr/bin/pdflatex", *latexpdf.FLAGS, "d.tex"]


def test_cli_pdf_without_tex_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("tutor.files.loader")
    from typer.testing import CliRunner

    from tutor.cli import app

    monkeypatch.setattr(latexpdf.shutil, "which", lambda name: None)
    tex = tmp_path / "s.tex"
    args = ["solve", str(PROBLEMS / "relu-exercise.yaml"), "--format", "latex", "-o", str(tex), "--pdf"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "texlive-latex-base texlive-latex-recommended texlive-pictures" in result.output
    assert tex.exists()


# ---------------------------------------------------------------- real pdflatex


def pdf_text(derivation: Derivation, tmp_path: Path, opts: LatexOptions | None = None) -> str:
    tex = tmp_path / "doc.tex"
    write_latex(derivation, opts or LatexOptions(), output=tex, pdf=True)
    done = subprocess.run(["pdftotext", "-layout", str(tex.with_suffix(".pdf")), "-"], capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def table_rows(text: str) -> dict[str, list[str]]:
    """parameter -> [before, gradient, after] from the final tables of pdftotext -layout output."""
    out: dict[str, list[str]] = {}
    reading = False
    for line in text[text.rindex("Parameters before and after") :].splitlines():
        cells = line.split()
        if cells[:1] == ["parameter"]:
            reading = True
        elif reading and len(cells) >= 4:
            out[cells[0]] = cells[1:4]
        elif reading and re.fullmatch(r"\[\w+\]", line.strip()):  # a parameter's layer superscript (issue 16)
            continue
        else:
            reading = False
    return out


@pytest.mark.latex
@needs_tex
def test_relu_exercise_pdf_has_the_new_weights(tmp_path: Path) -> None:
    text = pdf_text(derive(seednets.relu_exercise()), tmp_path)
    after = {k: v[2] for k, v in table_rows(text).items()}
    assert after == {"w13": "0", "w23": "−1", "w14": "1", "w24": "4", "w35": "−3", "w45": "−1"}


@pytest.mark.latex
@needs_tex
@pytest.mark.parametrize("build", ["sigmoid_005_010", "house_price", "softmax_classifier", "wide"])
def test_seed_networks_compile(build: str, tmp_path: Path) -> None:
    derivation = derive(getattr(seednets, build)())
    text = pdf_text(derivation, tmp_path)
    final = table_rows(text)
    for u in derivation.steps[-1].updates:
        assert fmt(u.new, 6).replace("-", "−") in " ".join(final[lf_plain(u.parameter)]), u.parameter


def lf_plain(name: str) -> str:
    """How pdftotext shows a parameter in the final table: w_{1,2} reads w1,2; wh_{11} (from wh_11) reads wh11;
    a name by place (issue 16) is written as its answer key, `h.input_weights[0][1]`."""
    if "[" in name:
        return name
    m = re.fullmatch(r"([A-Za-z]+)_?([0-9]+(?:_[0-9]+)+)", name)
    return m.group(1) + m.group(2).replace("_", ",") if m else name.replace("_", "")


@pytest.mark.latex
@needs_tex
def test_hostile_title_is_printed_literally_and_runs_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    problem = seednets.relu_exercise(title=HOSTILE, description="50% of $x & {y} ~ ^ \\relax")
    text = pdf_text(derive(problem), tmp_path)
    assert HOSTILE in text
    assert "50% of $x & {y} ~ ^ \\relax" in text
    assert "root:" not in text
    assert not list(tmp_path.rglob("x"))


@pytest.mark.latex
@needs_tex
def test_problem_sheet_and_pdf_compile(tmp_path: Path) -> None:
    text = pdf_text(derive(seednets.sigmoid_005_010()), tmp_path, LatexOptions(solution=False))
    assert "Task." in text and "Forward pass" not in text


# one-example networks: the before/after table; data sets and computation graphs have no such table, their
# trained parameters and gradients are checked in test_latex_forms.py (which compiles every problem, log included)
NETWORKS = [p for p in sorted(PROBLEMS.glob("*.yaml")) if not {"data:", "graph:"} & set(p.read_text().split())]


@pytest.mark.latex
@needs_tex
@pytest.mark.parametrize("path", NETWORKS, ids=lambda p: p.stem)
def test_every_shipped_problem_compiles(path: Path, tmp_path: Path) -> None:
    from tutor.engines.solver import solve_file

    derivation = solve_file(path)
    final = table_rows(pdf_text(derivation, tmp_path))
    for u in derivation.steps[-1].updates:
        assert fmt(u.new, 6).replace("-", "−") in " ".join(final[lf_plain(u.parameter)]), (path.name, u.parameter)


@pytest.mark.latex
@needs_tex
def test_latex_error_exits_1_with_the_log(tmp_path: Path) -> None:
    tex = tmp_path / "bad.tex"
    tex.write_text("\\documentclass{article}\\begin{document}\\undefinedcommand\\end{document}\n")
    with pytest.raises(latexpdf.LatexError) as info:
        latexpdf.compile_pdf(tex)
    assert info.value.exit_code == 1
    assert "Undefined control sequence" in str(info.value)


def test_delta_form_when_paths_are_not_written_out() -> None:
    doc = render_latex(derive(seednets.relu_exercise(), max_paths=0))
    assert r"\frac{\partial L}{\partial w_{13}} &= \delta_{y_{3}} \cdot x_{1} = 20 \cdot 1 = 20" in doc
    assert r"\partial x_{3}}{\partial w_{13}}" not in doc

"""Formula text as printed: one bracketing rule for terms and negative numbers in terminal, LaTeX and hints."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tutor.cli import app
from tutor.maths import formula as fm
from tutor.maths.activations import ACTIVATIONS

TANH = """title: tanh net
inputs: {x1: 1, x2: -1}
neurons:
  h3: {inputs: {x1: w13, x2: w23}, activation: tanh}
  o1: {inputs: {h3: v13}, activation: tanh}
  o2: {inputs: {h3: v23}, activation: identity}
parameters: {w13: 0.5, w23: 0.25, v13: 1, v23: -2}
targets: {o1: -1, o2: 1}
loss: half_sse
learning_rate: 0.1
"""
RELU0 = """inputs: {x1: 1, x2: -1}
neurons:
  y3: {inputs: {x1: w13, x2: w23}, activation: relu}
  y5: {inputs: {y3: w35}, activation: identity}
parameters: {w13: 1, w23: 1, w35: 1}
targets: {y5: 1}
loss: half_sse
learning_rate: 0.1
"""
GRAPH = """graph:
  inputs: {x: 1.5, r: 2}
  nodes: {u: exp(x)*r, L: u + x^2/2 - r*x}
  output: L
"""


def solve(tmp_path: Path, text: str, *args: str) -> str:
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["solve", str(path), *args], env={"NO_COLOR": "1", "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def test_tanh_derivative_is_bracketed_as_a_factor(tmp_path: Path) -> None:
    out = solve(tmp_path, TANH)
    assert "δ_h3 = ∂L/∂net_h3 = (v13 · δ_o1 + v23 · δ_o2) · (1 − h3²) = " in out
    assert "δ_o1 = ∂L/∂net_o1 = (o1 − t_o1) · (1 − o1²) = 1.24014 · 0.942335 = 1.16862" in out


def test_negative_numbers_after_a_minus_and_as_factors(tmp_path: Path) -> None:
    out = solve(tmp_path, TANH)
    assert "= ½·[(−1 − 0.240136)² + (1 − (−0.489837))²] = 1.87878" in out
    assert "δ_o2 = ∂L/∂net_o2 = (o2 − t_o2) · 1 = (−1.48984) · 1 = −1.48984" in out


def test_every_derivative_as_a_factor_is_bracketed_where_it_is_a_sum() -> None:
    for name, entry in ACTIVATIONS.items():
        deriv = entry.derivative_formula
        if deriv is None:
            continue
        text, latex = fm.text_factor(deriv, x="x", y="y"), fm.latex_factor(deriv, x="x", y="y")
        sums = deriv.kind in ("+", "-", "/")
        assert text.startswith("(") == sums, (name, text)
        assert latex.startswith("(") == (deriv.kind in ("+", "-")), (name, latex)
    tanh = ACTIVATIONS["tanh"].derivative_formula
    assert tanh is not None
    assert fm.text_factor(tanh, y="h3") == "(1 − h3²)"
    assert fm.latex_factor(tanh, y="h_{3}") == "(1 - h_{3}^{2})"


def test_softmax_latex_denominator_is_the_groups_net_inputs(tmp_path: Path) -> None:
    problem = Path(__file__).parent.parent / "problems" / "softmax-classifier.yaml"
    result = CliRunner().invoke(app, ["solve", str(problem), "--format", "latex"])
    assert result.exit_code == 0, result.output
    assert "x_k" not in result.output
    assert (
        r"y_{3} &= \frac{e^{z_{3}}}{e^{z_{1}} + e^{z_{2}} + e^{z_{3}}}"
        r" = \frac{e^{-1}}{e^{0.5} + e^{1.75} + e^{-1}} = 0.0473388"
    ) in result.output


def test_layer_form_deltas_paragraph_uses_z(tmp_path: Path) -> None:
    problem = Path(__file__).parent.parent / "problems" / "sigmoid-0.05-0.10-layers.yaml"
    result = CliRunner().invoke(app, ["solve", str(problem), "--format", "latex"])
    assert r"$\delta_j = \partial L / \partial z_j$ for every neuron $j$ (net input $z_j$, output $a_j$)." in (
        result.output
    )
    assert "net input $x_j$" not in result.output


def test_drawing_writes_equals_only_for_exact_values() -> None:
    problem = Path(__file__).parent.parent / "problems" / "sigmoid-0.05-0.10.yaml"
    result = CliRunner().invoke(app, ["solve", str(problem), "--format", "latex"])
    assert r"$w_{1} \approx 0.1498$" in result.output  # after the step: rounded
    assert "$w_{1}=0.15$" in result.output  # before: exact
    assert "w_{1}=0.1498" not in result.output


def test_relu_at_zero_names_the_convention(tmp_path: Path) -> None:
    out = solve(tmp_path, RELU0)
    assert (
        "δ_y3 = ∂L/∂x3 = w35 · δ_y5 · relu′(x3) = 1 · (−1) · 0 = 0"
        "  (relu′(0) is a convention: 0 here; relu_derivative_at_zero: 0 (the left slope) or 1 (the right) chooses)"
    ) in out


NOTE_RELU = "(relu′(0) is a convention: 0 here; relu_derivative_at_zero: 0 (the left slope) or 1 (the right) chooses)"


def test_relu_at_zero_convention_is_data() -> None:
    from tutor.maths.functions import kink_convention

    convention = kink_convention("leaky_relu", 0, 0.01)
    assert convention is not None and (convention.value, convention.setting) == (0.01, "relu_derivative_at_zero")
    assert (
        convention.words("f′(0)", "α", "the key")
        == "f′(0) is a convention: α here; the key: 0 (the left slope) or 1 (the right) chooses"
    )
    assert kink_convention("relu", 0.5, 1) is None  # away from the kink
    assert kink_convention("sigmoid", 0, 0.25) is None  # no kink


def test_relu_at_zero_hint_names_the_convention_with_the_numbers(tmp_path: Path) -> None:
    from tutor.checking.hints import Hints
    from tutor.engines.solver import solve_file

    path = tmp_path / "p.yaml"
    path.write_text(RELU0, encoding="utf-8")
    hints = Hints(solve_file(path))
    assert hints.rung("y3.delta", 1) == "δ_y3 = ∂L/∂x3 = w35 · δ_y5 · relu′(x3)"  # the symbols: no value yet
    assert hints.rung("y3.delta", 2) == f"δ_y3 = ∂L/∂x3 = w35 · δ_y5 · relu′(x3) = 1 · (−1) · 0  {NOTE_RELU}"
    assert hints.rung("y3.delta", 3) == f"δ_y3 = ∂L/∂x3 = w35 · δ_y5 · relu′(x3) = 1 · (−1) · 0 = 0  {NOTE_RELU}"
    assert "convention" not in hints.rung("y5.delta", 3)  # the identity has no kink


def test_relu_at_zero_latex_names_the_convention(tmp_path: Path) -> None:
    tex = solve(tmp_path, RELU0, "--format", "latex")
    assert (
        r"\delta_{y_{3}} = \frac{\partial L}{\partial x_{3}} &= \bigl(w_{35} \delta_{y_{5}}\bigr) \cdot "
        r"\operatorname{relu}'(x_{3}) = \bigl(1 \cdot (-1)\bigr) \cdot 0 = 0 \\*"
        "\n"
        r"&\quad \text{($\operatorname{relu}'(0)$ is a convention: $0$ here;} \\*"
        "\n"
        r"&\quad \text{\texttt{relu\_derivative\_at\_zero}: 0 (the left slope) or 1 (the right) chooses)}"
    ) in tex
    assert tex.count("is a convention") == 1


CHOICES = "0 (the left slope) or 1 (the right) chooses)"


def test_the_other_convention_and_leaky_relu_say_their_value(tmp_path: Path) -> None:
    out = solve(tmp_path, RELU0 + "relu_derivative_at_zero: 1\n")
    assert "= 1 · (−1) · 1 = −1  (relu′(0) is a convention: 1 here; relu_derivative_at_zero: " + CHOICES in out
    leaky = RELU0.replace("activation: relu", "activation: leaky_relu")
    out = solve(tmp_path, leaky)
    assert "(leaky_relu′(0) is a convention: 0.01 here; relu_derivative_at_zero: " + CHOICES in out
    tex = solve(tmp_path, leaky, "--format", "latex")
    assert r"\text{($\operatorname{leaky\_relu}'(0)$ is a convention: $0.01$ here;}" in tex


def test_graph_local_derivative_and_gradient_never_share_a_symbol(tmp_path: Path) -> None:
    out = solve(tmp_path, GRAPH)
    assert "∂(u + x^2/2 − r*x)/∂x = −r + x = −0.5" in out
    assert "∂L/∂x = ∂L/∂u · ∂u/∂x + (−r + x) = 1 · 8.96338 + (−0.5) = 8.46338" in out
    assert out.count("∂L/∂x =") == 1
    tex = solve(tmp_path, GRAPH, "--format", "latex")
    assert r"+ \left(- r + x\right) = 1 \cdot 8.96338 + (-0.5) = 8.46338" in tex
    assert "for every input $v$" not in tex
    assert r"the gradient $\partial L / \partial x$ and $\partial L / \partial r$ of the output" in tex


def test_practice_hint_keeps_the_brackets(tmp_path: Path) -> None:
    from tutor.checking.hints import Hints
    from tutor.engines.solver import solve_file

    path = tmp_path / "p.yaml"
    path.write_text(TANH, encoding="utf-8")
    hints = Hints(solve_file(path))
    assert hints.rung("h3.delta", 1) == "δ_h3 = ∂L/∂net_h3 = (v13 · δ_o1 + v23 · δ_o2) · (1 − h3²)"

"""The symbolic engine (`solve --symbolic`): the seeds' formulas, closed forms against an independent
high-precision reference on random networks of every activation and loss, computation graphs, the checks
catching a wrong formula, and bad input.

Independent references: the seeds' formulas typed in by hand and compared with SymPy (`expand` of the
difference, or evaluation at random points with SymPy's own `evalf`), and `netgen.reference_loss` /
`reference_gradients` (mpmath at 50 digits and central differences, sharing no code with the engines).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import mpmath
import pytest
import sympy
from conftest import PROBLEMS, ROOT
from hypothesis import HealthCheck, given, settings
from netgen import SCALAR_ACTIVATIONS, problems, reference_loss, reference_steps
from typer.testing import CliRunner

from tutor.cli import app
from tutor.engines.solver import load_any
from tutor.engines.symbolic import derive_symbolic
from tutor.errors import CrossCheckError
from tutor.maths.activations import ACTIVATIONS
from tutor.model.problem import Activation, Connection, Neuron, Problem

S = sympy.Symbol


def sym(name: str) -> sympy.Symbol:
    return S(name, real=True)


def network(name: str):
    return derive_symbolic(load_any(PROBLEMS / name))


def expands_equal(a: sympy.Expr, b: sympy.Expr) -> bool:
    return sympy.expand(a - b) == 0


def at(expr: sympy.Expr, values: dict[sympy.Symbol, object]) -> mpmath.mpf:
    """SymPy's own evaluation (not the engine's evaluator) at 40 digits."""
    exact = {k: sympy.Rational(str(v)) if not isinstance(v, sympy.Basic) else v for k, v in values.items()}
    return mpmath.mpf(str(sympy.N(expr.xreplace(exact), 40)))


# ---------------------------------------------------------------- the seeds' formulas


def test_seed_003_hidden_delta_is_the_sum_over_the_next_layer_times_sigma_prime() -> None:
    s = network("sigmoid-0.05-0.10.yaml").steps[0]
    h1, w5, w7, d1, d2 = sym("h1"), sym("w5"), sym("w7"), sym("delta_o1"), sym("delta_o2")
    assert expands_equal(s.compact["h1.delta"], (w5 * d1 + w7 * d2) * h1 * (1 - h1))


def test_seed_000_output_weight_gradient_is_error_times_f_prime_times_y_j() -> None:
    """∂Loss/∂w = (y_output − y_actual)·F′(x_output)·y_j, on seed 000's ReLU exercise (relu′(x) = [x > 0])."""
    sd = network("relu-exercise.yaml")
    s = sd.steps[0]
    y5, t5, x5, y3 = sym("y5"), sym("t5"), sym("x5"), sym("y3")
    relu_prime = sympy.Piecewise((1, x5 > 0), (0, True))
    grad = s.compact["w35.grad"].xreplace({sym("delta_y5"): s.compact["y5.delta"]})
    assert expands_equal(grad, (y5 - t5) * relu_prime * y3)
    assert sd.target_symbols == {"y5": "t5"}
    # a hidden weight: Σ_k (y_k − y_actual)·F′(x_k)·w_jk·F′(x_j)·y_i
    x3, x1, w35 = sym("x3"), sym("x1"), sym("w35")
    hidden = s.compact["w13.grad"].xreplace({sym("delta_y3"): s.compact["y3.delta"]})
    hidden = hidden.xreplace({sym("delta_y5"): s.compact["y5.delta"]})
    assert expands_equal(hidden, (y5 - t5) * relu_prime * w35 * sympy.Piecewise((1, x3 > 0), (0, True)) * x1)


def test_seed_003_w5_factor_by_factor_with_the_seeds_sigma_net_sigma_minus_net() -> None:
    """E = Σ(t − out)²: ∂E/∂w5 = −2(t_o1 − out_o1) · f(net_o1)·f(−net_o1) · out_h1, at random points."""
    sd = network("sigmoid-0.05-0.10-sse.yaml")
    closed = sd.steps[0].closed
    f = lambda z: 1 / (1 + sympy.exp(-z))  # noqa: E731
    net_o1, out_h1 = closed["o1.net"], closed["h1.out"]
    seed = -2 * (sym("t_o1") - f(net_o1)) * f(net_o1) * f(-net_o1) * out_h1
    rng = random.Random(3)
    for _ in range(3):
        point = {s: sympy.Rational(rng.randint(-900, 900), 1000) for s in sd.symbols.values()}
        assert abs(at(closed["w5.grad"], point) - at(seed, point)) < mpmath.mpf(10) ** -30
    values = {sd.symbols[k]: v for k, v in sd.values.items()}
    assert abs(at(seed, values) - mpmath.mpf("0.16433408")) < 1e-7  # 2 × the ½-loss network's 0.082167041


def test_compact_forms_name_the_neighbours_and_closed_forms_only_inputs_parameters_targets() -> None:
    sd = network("sigmoid-0.05-0.10.yaml")
    allowed = set(sd.symbols.values())
    for step in sd.steps:
        for key, form in step.closed.items():
            assert form.free_symbols <= allowed, key
    s = sd.steps[0]
    assert s.compact["o1.net"] == sym("b2") + sym("h1") * sym("w5") + sym("h2") * sym("w6")
    assert s.compact["h1.out"] == 1 / (1 + sympy.exp(-sym("net_h1")))
    assert s.compact["w5.new"] == sym("w5") - sym("grad_w5") / 2
    assert s.compact["b1.new"] == sym("b1")  # frozen
    assert set(s.closed_forms()) == set(dict(load_steps("sigmoid-0.05-0.10.yaml")[0].items()))


def load_steps(name: str):
    from tutor.engines.exact import derive

    return derive(load_any(PROBLEMS / name)).steps


def test_later_steps_have_the_same_formulas_at_their_own_parameter_values() -> None:
    sd = network("relu-exercise-3-steps.yaml")
    steps = load_steps("relu-exercise-3-steps.yaml")
    assert len(sd.steps) == 3 and sd.steps[2].closed == sd.steps[0].closed
    assert sd.closed_forms()["step3.w13.grad"] == sd.steps[0].closed["w13.grad"]
    for s, exact in zip(sd.steps, steps, strict=True):
        values = {sd.symbols[k]: v for k, v in s.values.items()}
        for key, value in exact.items():
            assert sympy.nsimplify(s.closed[key].xreplace(values)) == value, (s.index, key)


# ---------------------------------------------------------------- every activation and loss, random networks


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_closed_forms_match_a_high_precision_reference_on_random_networks(problem: Problem) -> None:
    sd = derive_symbolic(problem)  # its own checks pass (else CrossCheckError)
    for s, (loss, grads, _) in zip(sd.steps, reference_steps(problem), strict=True):
        values = {sd.symbols[k]: v for k, v in s.values.items()}
        assert abs(at(s.closed["loss"], values) - loss) <= 1e-12 * max(1, abs(loss))
        for p, g in grads.items():
            assert abs(at(s.closed[f"{p}.grad"], values) - g) <= 1e-9 * max(1, abs(g)), (s.index, p)


def two_layer(activation: str, loss: str = "half_sse", out: str = "identity", relu_at_zero: int = 0) -> Problem:
    alpha = {"leaky_relu": Fraction(1, 10), "elu": Fraction(3, 2)}.get(activation)
    neurons = {
        "h": Neuron("h", (Connection("x1", "w1"), Connection("x2", "w2")), Activation(activation, alpha), "b"),
        "g": Neuron("g", (Connection("x1", "w3"),), Activation(activation, alpha)),
        "y": Neuron("y", (Connection("h", "v1"), Connection("g", "v2")), Activation(out)),
    }
    params = {"w1": Fraction(1, 2), "w2": Fraction(-3, 4), "w3": Fraction(-2), "b": Fraction(1, 8)}
    params |= {"v1": Fraction(3, 2), "v2": Fraction(1, 3)}
    return Problem(
        inputs={"x1": Fraction(3, 5), "x2": Fraction(1, 5)},
        neurons=neurons,
        parameters=params,
        targets={"y": Fraction(1, 4)},
        loss=loss,
        learning_rate=Fraction(1, 10),
        relu_derivative_at_zero=Fraction(relu_at_zero),
    )


def reference_check(problem: Problem) -> None:
    sd = derive_symbolic(problem)
    values = {sd.symbols[k]: v for k, v in sd.values.items()}
    params = {k: mpmath.mpf(v.numerator) / v.denominator for k, v in problem.parameters.items()}
    assert abs(at(sd.steps[0].closed["loss"], values) - reference_loss(problem, params)) < 1e-30
    for p, g in reference_steps(problem)[0][1].items():
        assert abs(at(sd.steps[0].closed[f"{p}.grad"], values) - g) < 1e-15, p


@pytest.mark.parametrize("activation", SCALAR_ACTIVATIONS)
def test_every_activation_closed_forms_match_the_reference(activation: str) -> None:
    reference_check(two_layer(activation))


@pytest.mark.parametrize("loss", ["half_sse", "sse", "mse", "bce"])
def test_every_loss_closed_forms_match_the_reference(loss: str) -> None:
    reference_check(two_layer("tanh", loss, out="sigmoid"))


def test_softmax_with_cross_entropy_and_with_a_squared_error() -> None:
    for loss in ("cross_entropy", "half_sse"):
        base = two_layer("sigmoid")
        neurons = {
            **{k: v for k, v in base.neurons.items() if k != "y"},
            "y1": Neuron("y1", (Connection("h", "v1"), Connection("g", "v2")), Activation("softmax")),
            "y2": Neuron("y2", (Connection("h", "v2"), Connection("g", "w2")), Activation("softmax")),
        }
        from dataclasses import replace

        reference_check(replace(base, neurons=neurons, targets={"y1": Fraction(0), "y2": Fraction(1)}, loss=loss))


def test_every_registered_activation_has_a_symbolic_form() -> None:
    for name, entry in ACTIVATIONS.items():
        assert entry.group or (entry.symbolic is not None and entry.symbolic_derivative is not None), name


@pytest.mark.parametrize("convention", [0, 1])
def test_relu_prime_at_zero_follows_the_convention(convention: int) -> None:
    base = two_layer("relu", relu_at_zero=convention)
    from dataclasses import replace

    problem = replace(base, parameters={**base.parameters, "w1": Fraction(0), "w2": Fraction(0), "b": Fraction(0)})
    sd = derive_symbolic(problem)  # net of h is exactly 0
    values = {sd.symbols[k]: v for k, v in sd.values.items()}
    v1, y, t = Fraction(3, 2), Fraction(1, 3) * Fraction(0), Fraction(1, 4)  # g: relu(−6/5) = 0, so y = 0
    expected = (y - t) * v1 * convention * Fraction(3, 5)  # δ_y · v1 · relu′(0) · x1
    assert sympy.Rational(expected) == sd.steps[0].closed["w1.grad"].xreplace(values)


# ---------------------------------------------------------------- computation graphs


def test_graph_closed_forms_are_seed_002s_formulas() -> None:
    sd = network("computation-graph.yaml")
    a, b, c = sym("a"), sym("b"), sym("c")
    closed = sd.steps[0].closed
    assert closed["L.value"] == c * (a + 2 * b)
    assert (closed["a.grad"], closed["b.grad"], closed["c.grad"]) == (c, 2 * c, a + 2 * b)
    values = {sd.symbols[k]: v for k, v in sd.values.items()}
    assert [closed[f"{n}.grad"].xreplace(values) for n in "abc"] == [-2, -4, 5]  # the seed's ∂L/∂a, ∂L/∂b, ∂L/∂c
    assert sd.graph and sd.target_symbols == {}


def test_graph_with_transcendental_and_kinked_functions(tmp_path: Path) -> None:
    path = tmp_path / "g.yaml"
    path.write_text(
        "graph:\n  inputs: {a: 3, b: 1, c: -2}\n  nodes:\n    d: relu(2*b - a)\n    e: log(a) + sqrt(b)*d + tanh(a*b)\n"
        "    f: sigmoid(e)*max(a, b)\n    L: c*e + f^2\n  output: L\n",
        encoding="utf-8",
    )
    sd = derive_symbolic(load_any(path))
    closed = sd.steps[0].closed
    a, b, c = (sym(n) for n in "abc")
    e = sympy.log(a) + sympy.sqrt(b) * sympy.Max(0, 2 * b - a) + sympy.tanh(a * b)
    f = sympy.Max(a, b) / (1 + sympy.exp(-e))
    by_hand = c * e + f**2
    point = {a: sympy.Rational(31, 10), b: sympy.Rational(9, 10), c: sympy.Rational(-2)}
    assert abs(at(closed["L.value"], point) - at(by_hand, point)) < 1e-30
    for x in (a, b, c):
        assert abs(at(closed[f"{x}.grad"], point) - at(sympy.diff(by_hand, x), point)) < 1e-30


# ---------------------------------------------------------------- the checks catch a wrong formula


def test_a_wrong_derivative_formula_is_caught_on_every_solve(monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    wrong = replace(ACTIVATIONS["sigmoid"], symbolic_derivative=lambda x, y, a: y)  # forgot (1 − y)
    monkeypatch.setitem(ACTIVATIONS, "sigmoid", wrong)
    with pytest.raises(CrossCheckError, match="closed forms and the exact engine disagree"):
        network("sigmoid-0.05-0.10.yaml")
    result = CliRunner().invoke(app, ["solve", str(PROBLEMS / "sigmoid-0.05-0.10.yaml"), "--symbolic"])
    assert result.exit_code == 1 and "bug in nnstep" in result.output


def test_a_gradient_that_is_not_the_derivative_of_the_loss_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The exact engine and the formulas can share a mistake; sympy.diff of the loss cannot."""
    from tutor.engines import symcheck

    def values_ok(symbolic: object, numbers: object) -> None:
        return None

    monkeypatch.setattr(symcheck, "check_values", values_ok)
    from dataclasses import replace

    wrong = replace(ACTIVATIONS["sigmoid"], symbolic_derivative=lambda x, y, a: y)
    monkeypatch.setitem(ACTIVATIONS, "sigmoid", wrong)
    with pytest.raises(CrossCheckError, match="not the derivative of the closed-form loss"):
        network("sigmoid-0.05-0.10.yaml")


# ---------------------------------------------------------------- the CLI and bad input


def solve(*args: str) -> object:
    return CliRunner().invoke(app, ["solve", *args])


def test_json_contract(tmp_path: Path) -> None:
    result = solve(str(PROBLEMS / "sigmoid-0.05-0.10.yaml"), "--symbolic", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    plain = json.loads(solve(str(PROBLEMS / "sigmoid-0.05-0.10.yaml"), "--format", "json").output)
    assert {k: v for k, v in data.items() if k not in ("target_symbols", "symbols")} == {
        **plain,
        "steps": [{**s, "symbolic": d["symbolic"]} for s, d in zip(plain["steps"], data["steps"], strict=True)],
    }  # every existing field unchanged
    assert data["target_symbols"] == {"o1": "t_o1", "o2": "t_o2"}
    assert data["symbols"]["i1"] == 0.05 and data["symbols"]["t_o2"] == 0.99
    forms = data["steps"][0]["symbolic"]
    assert set(forms) >= {"forward", "loss", "deltas", "gradients"}
    names = {n: sym(n) for n in data["symbols"]}
    values = {names[n]: sympy.Rational(str(v)) for n, v in data["symbols"].items()}

    def value(text: str) -> float:  # our own output, parsed back as the contract promises it can be
        return float(sympy.parse_expr(text, local_dict=names).xreplace(values).evalf(30))

    assert value(forms["forward"]["o1"]["out"]) == pytest.approx(0.75136507, rel=1e-8)  # the classic example
    assert value(forms["loss"]) == pytest.approx(0.298371109, rel=1e-8)
    assert value(forms["gradients"]["w5"]) == pytest.approx(0.082167041, rel=1e-7)
    assert value(forms["deltas"]["h1"]) == pytest.approx(data["steps"][0]["deltas"]["h1"], rel=1e-12)


def test_graph_json_gets_its_closed_forms() -> None:
    result = solve(str(PROBLEMS / "computation-graph.yaml"), "--symbolic", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["symbolic"]["forward"]["L"] == "c*(a + 2*b)"
    assert data["symbolic"]["gradients"] == {"L": "1", "e": "c", "d": "c", "a": "c", "b": "2*c", "c": "a + 2*b"}
    assert data["symbolic"]["local"]["L"] == {"c": "a + 2*b", "e": "c"}
    assert data["target_symbols"] == {} and data["symbols"] == {"a": 3, "b": 1, "c": -2}


def test_symbolic_true_in_the_file_is_the_same_as_the_option(tmp_path: Path) -> None:
    text = (PROBLEMS / "relu-exercise.yaml").read_text(encoding="utf-8")
    path = tmp_path / "relu-exercise.yaml"
    path.write_text(text + "symbolic: true\n", encoding="utf-8")
    by_file, by_option = solve(str(path)), solve(str(PROBLEMS / "relu-exercise.yaml"), "--symbolic")
    assert by_file.exit_code == 0, by_file.output
    assert by_file.output == by_option.output and "Symbolic derivation" in by_file.output


def test_no_numbers_shows_formulas_without_values() -> None:
    result = solve(str(PROBLEMS / "sigmoid-0.05-0.10.yaml"), "--no-numbers")
    assert result.exit_code == 0, result.output
    assert "δ_h1 = h1·(1 − h1)·(δ_o1·w5 + δ_o2·w7)" in result.output
    body = result.output.split("\n", 1)[1]  # after the title (which says 0.05/0.10)
    assert "0.05" not in body and "0.59327" not in body and "0.0821" not in body
    latex = solve(str(PROBLEMS / "sigmoid-0.05-0.10.yaml"), "--no-numbers", "--format", "latex")
    formulas = latex.output.split(r"\section*{Symbolic derivation}")[1]
    assert latex.exit_code == 0 and r"\delta_{h_{1}}" in formulas and "0.05" not in formulas


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("symbolic: yes please\n", "symbolic: must be true or false"),
        ("symbolic: 1\n", "symbolic: must be true or false"),
    ],
)
def test_a_symbolic_key_that_is_not_a_bool_is_refused_with_its_line(tmp_path: Path, text: str, message: str) -> None:
    body = (PROBLEMS / "relu-exercise.yaml").read_text(encoding="utf-8")
    path = tmp_path / "p.yaml"
    path.write_text(body + text, encoding="utf-8")
    result = solve(str(path))
    assert result.exit_code == 2
    line = len(body.splitlines()) + 1
    assert f"p.yaml:{line}: {message}" in result.output


def test_bad_input_exits_2_with_a_message(tmp_path: Path) -> None:
    data = solve(str(PROBLEMS / "xor-data.yaml"), "--symbolic")
    assert data.exit_code == 2 and "not on a data set" in data.output
    json_no_numbers = solve(str(PROBLEMS / "relu-exercise.yaml"), "--no-numbers", "--format", "json")
    assert json_no_numbers.exit_code == 2 and "--no-numbers" in json_no_numbers.output
    clash = tmp_path / "clash.yaml"
    clash.write_text(
        "inputs: {x: 1}\nneurons:\n  o1: {inputs: {x: t_o1}, activation: identity}\n"
        "parameters: {t_o1: 2}\ntargets: {o1: 0}\nloss: half_sse\nlearning_rate: 0.1\n",
        encoding="utf-8",
    )
    result = solve(str(clash), "--symbolic")
    assert result.exit_code == 2 and "t_o1" in result.output and "rename" in result.output
    graph = tmp_path / "g.yaml"
    graph.write_text("graph:\n  inputs: {a: 1}\n  nodes: {L: 2*a}\n  output: L\nsymbolic: 3\n", encoding="utf-8")
    result = solve(str(graph))
    assert result.exit_code == 2 and "must be true or false" in result.output
    step = solve(str(PROBLEMS / "relu-exercise.yaml"), "--symbolic", "--step", "2")
    assert step.exit_code == 2 and "--step 2" in step.output


def test_a_plain_solve_never_imports_the_symbolic_code() -> None:
    code = (
        "import sys; from typer.testing import CliRunner; from tutor.cli import app; "
        "r = CliRunner().invoke(app, ['solve', 'problems/sigmoid-0.05-0.10.yaml']); assert r.exit_code == 0; "
        "print(sorted(m for m in sys.modules if 'sym' in m.split('.')[-1] and m.startswith('tutor')))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

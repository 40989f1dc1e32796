"""The registry of activations and losses: one entry is all an activation needs.

`softsign` (x / (1 + |x|), f′ = 1 / (1 + |x|)²) is not shipped; registered at run time as one entry, it goes
through the loader, the exact engine, the float64 cross-check, the vectorised trainer forms and the
terminal and LaTeX views, and its gradients match a finite difference.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tutor.cli import app
from tutor.engines import vectorized as vec
from tutor.engines.crosscheck import cross_check
from tutor.engines.exact import derive
from tutor.files.loader import load_problem
from tutor.maths import formula as fm
from tutor.maths import functions as fn
from tutor.maths.activations import ACTIVATIONS, Activation, ActivationEntry
from tutor.maths.losses import LOSSES

SOFTSIGN = ActivationEntry(
    "softsign",
    formula=fm.call("softsign", r"\operatorname{softsign}", fm.X),
    derivative_formula=fm.call("softsign′", r"\operatorname{softsign}'", fm.X),
    exact=lambda net, a: net / (1 + abs(net)),
    exact_derivative=lambda net, out, a: 1 / (1 + abs(net)) ** 2,
    floating=lambda net, a: net / (1.0 + abs(net)),
    floating_derivative=lambda net, a: 1.0 / (1.0 + abs(net)) ** 2,
    vectorised=lambda a: lambda z: z / (1.0 + np.abs(z)),
    vectorised_derivative=lambda a: lambda z, y: 1.0 / (1.0 + np.abs(z)) ** 2,
)

PROBLEM = """inputs: {x1: 1, x2: -2}
neurons:
  h: {inputs: {x1: w1, x2: w2}, bias: b, activation: softsign}
  y: {inputs: {h: v}, activation: identity}
parameters: {w1: 0.5, w2: 0.75, b: 0.25, v: 2}
targets: {y: 1}
loss: half_sse
learning_rate: 0.1
"""


def loss_of(p: dict[str, float]) -> float:
    """The problem's loss computed by hand, independently of the engines."""
    net = p["w1"] * 1 + p["w2"] * -2 + p["b"]
    y = p["v"] * net / (1 + abs(net))
    return 0.5 * (1 - y) ** 2


@pytest.fixture
def softsign(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    monkeypatch.setitem(ACTIVATIONS, "softsign", SOFTSIGN)
    path = tmp_path / "softsign.yaml"
    path.write_text(PROBLEM, encoding="utf-8")
    yield path


def test_an_activation_outside_the_registry_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "softsign.yaml"
    path.write_text(PROBLEM, encoding="utf-8")
    result = CliRunner().invoke(app, ["solve", str(path)])
    assert result.exit_code == 2
    assert "unknown activation 'softsign'" in result.output


def test_one_registered_entry_solves_exactly_and_matches_a_finite_difference(softsign: Path) -> None:
    problem = load_problem(softsign)
    assert problem.neurons["h"].activation == Activation("softsign")
    derivation = derive(problem)
    cross_check(derivation)  # the float64 engine agrees with the exact one
    step = derivation.steps[0]
    h = next(f for f in step.forward if f.neuron == "h")
    assert h.net == Fraction(-3, 4) and h.out == Fraction(-3, 7)  # exact: rational stays rational
    params = {k: float(v) for k, v in problem.parameters.items()}
    for g in step.gradients:
        eps = 1e-6
        up, down = dict(params), dict(params)
        up[g.parameter] += eps
        down[g.parameter] -= eps
        numeric = (loss_of(up) - loss_of(down)) / (2 * eps)
        assert float(g.value) == pytest.approx(numeric, rel=1e-6, abs=1e-9), g.parameter


def test_one_registered_entry_is_shown_in_the_terminal_and_in_latex(softsign: Path) -> None:
    text = CliRunner().invoke(app, ["solve", str(softsign)])
    assert text.exit_code == 0, text.output
    assert "h = softsign(net_h) = softsign(−0.75) = −3/7" in text.output
    assert "δ_h = ∂L/∂net_h = v · δ_y · softsign′(net_h) = 2 · (−13/7) · 16/49 = −416/343" in text.output
    latex = CliRunner().invoke(app, ["solve", str(softsign), "--format", "latex"])
    assert latex.exit_code == 0, latex.output
    assert (
        r"h &= \operatorname{softsign}(\mathrm{net}_{h}) = \operatorname{softsign}(-0.75) = -\tfrac{3}{7}"
        in latex.output
    )
    assert (
        r"\cdot \operatorname{softsign}'(\mathrm{net}_{h}) = \bigl(2 \cdot (-\tfrac{13}{7})\bigr) \cdot \tfrac{16}{49}"
        in latex.output
    )


def test_one_registered_entry_serves_the_vectorised_trainer(softsign: Path) -> None:
    act = Activation("softsign")
    z = np.array([-2.0, -0.5, 0.0, 0.5, 3.0])
    f, df = vec.activation_fn(act), vec.derivative_fn(act, 0.0)
    assert f(z) == pytest.approx([fn.np_activation(act, x) for x in z])
    assert df(z, f(z)) == pytest.approx([fn.np_derivative(act, x) for x in z])
    assert df(z, f(z)) == pytest.approx((f(z + 1e-6) - f(z - 1e-6)) / 2e-6, rel=1e-6)


@pytest.mark.parametrize("name", [n for n, e in ACTIVATIONS.items() if not e.group])
def test_every_entry_agrees_with_itself_exact_float_vectorised_and_finite_difference(name: str) -> None:
    entry = ACTIVATIONS[name]
    act = Activation(name, entry.default)
    z = np.array([-2.5, -0.75, 0.5, 1.25, 3.0])  # away from a kink
    exact = [float(fn.exact_activation(act, fn.exact(Fraction(x)))) for x in z]
    floats = [fn.np_activation(act, float(x)) for x in z]
    assert floats == pytest.approx(exact, rel=1e-12)
    assert vec.activation_fn(act)(z) == pytest.approx(floats, rel=1e-12)
    slopes = [fn.np_derivative(act, float(x)) for x in z]
    numeric = [(fn.np_activation(act, x + 1e-6) - fn.np_activation(act, x - 1e-6)) / 2e-6 for x in z]
    assert slopes == pytest.approx(numeric, rel=1e-6)
    outs = [fn.exact_activation(act, fn.exact(Fraction(x))) for x in z]
    exact_d = [float(fn.exact_derivative(act, fn.exact(Fraction(x)), y)) for x, y in zip(z, outs, strict=True)]
    assert slopes == pytest.approx(exact_d, rel=1e-12)
    assert vec.derivative_fn(act, 0.0)(z, vec.activation_fn(act)(z)) == pytest.approx(slopes, rel=1e-12)


@pytest.mark.parametrize("name", [n for n in LOSSES if LOSSES[n].separable])  # hinge, huber: test_regdrop.py
def test_every_loss_entry_agrees_exact_float_vectorised(name: str) -> None:
    entry = LOSSES[name]
    y, t = [0.25, 0.75], [0.0, 1.0]
    parts = [
        fn.exact_loss_part(name, fn.exact(Fraction(a)), fn.exact(Fraction(b)), 2) for a, b in zip(y, t, strict=True)
    ]
    exact = sum(float(part) for part in parts)
    assert fn.np_loss(name, y, t) == pytest.approx(exact, rel=1e-12)
    assert entry.vectorised(np.array([y]), np.array([t]))[0] == pytest.approx(exact, rel=1e-12)
    grads = [fn.np_loss_grad(name, a, b, 2) for a, b in zip(y, t, strict=True)]
    assert entry.vectorised_grad(np.array([y]), np.array([t]))[0] == pytest.approx(grads, rel=1e-12)

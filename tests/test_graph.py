"""Computation graphs (issue 6): seed 002's L = c(a + 2b), shared nodes, functions, bad input."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from conftest import PROBLEMS
from typer.testing import CliRunner

from tutor.cli import app
from tutor.engines.solver import load_any, solve_any
from tutor.maths import expr

GRAPH = PROBLEMS / "computation-graph.yaml"


def invoke(*args: str) -> object:
    return CliRunner().invoke(app, list(args), env={"NO_COLOR": "1"})


def write(tmp_path: Path, inputs: str, nodes: str, output: str) -> Path:
    path = tmp_path / "g.yaml"
    path.write_text(f"graph:\n  inputs: {inputs}\n  nodes: {nodes}\n  output: {output}\n")
    return path


def test_seed_graph_json() -> None:
    result = invoke("solve", str(GRAPH), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["forward"] == {"d": 2, "e": 5, "L": -10}
    assert {k: data["gradients"][k] for k in "abc"} == {"a": -2, "b": -4, "c": 5}
    assert data["local"] == {"d": {"b": 2}, "e": {"a": 1, "d": 1}, "L": {"c": 5, "e": -2}}


def test_seed_graph_terminal() -> None:
    result = invoke("solve", str(GRAPH))
    assert result.exit_code == 0, result.output
    for line in ("L = c*e = (−2)*5 = −10", "∂L/∂c = e = 5", "∂L/∂e = c = −2",
                 "∂L/∂b = ∂L/∂d · ∂d/∂b = (−2) · 2 = −4", "∂L/∂a = ∂L/∂e · ∂e/∂a = (−2) · 1 = −2"):  # fmt: skip
        assert line in result.output
    # reverse topological order: e before d before the inputs
    out = result.output
    assert out.index("∂L/∂e = c") < out.index("∂L/∂d =") < out.index("∂L/∂b =")


def test_node_used_twice_accumulates_both_paths_and_is_repeatable(tmp_path: Path) -> None:
    path = write(tmp_path, "{x: 3}", "{u: x*x, y: u + 2*x}", "y")
    first, second = solve_any(path), solve_any(path)
    assert first.gradients == second.gradients == {"x": 8, "u": 1, "y": 1}
    text = invoke("solve", str(path)).output
    # y = u + 2x uses x directly: that edge adds its local derivative 2, not a second "∂y/∂x"
    assert "∂y/∂x = ∂y/∂u · ∂u/∂x + 2 = 1 · 6 + 2 = 8" in text
    latex = invoke("solve", str(path), "--format", "latex", "--body-only").output
    assert r"\frac{\partial y}{\partial u} \cdot \frac{\partial u}{\partial x} + 2 = 1 \cdot 6 + 2 = 8" in latex


def test_functions_match_finite_differences(tmp_path: Path) -> None:
    nodes = "{u: 'sigmoid(a*b) + tanh(a)', v: 'exp(u) / sqrt(b) - log(b)', w: 'relu(v - 1) + max(u, v)^2', L: 'w*u'}"
    path = write(tmp_path, "{a: 0.3, b: 2}", nodes, "L")
    g = solve_any(path).gradients
    problem = load_any(path)

    def loss(a: float, b: float) -> float:
        env = {"a": a, "b": b}
        for name in ("u", "v", "w", "L"):
            env[name] = expr.evaluate(problem.nodes[name], env)
        return env["L"]

    h = 1e-6
    assert float(g["a"]) == pytest.approx((loss(0.3 + h, 2) - loss(0.3 - h, 2)) / (2 * h), rel=1e-6)
    assert float(g["b"]) == pytest.approx((loss(0.3, 2 + h) - loss(0.3, 2 - h)) / (2 * h), rel=1e-6)


def test_relu_kink_derivative_is_zero_as_in_pytorch(tmp_path: Path) -> None:
    assert solve_any(write(tmp_path, "{x: 0}", "{y: relu(x)}", "y")).gradients["x"] == 0


def test_the_constant_e_can_be_a_node_name() -> None:
    assert math.isclose(float(solve_any(GRAPH).gradients["e"]), -2)


BAD = [
    ("{a: 1}", "{d: 2*z}", "d", "graph.nodes.d"),  # unknown name
    ("{a: 1}", "{d: 'e +* a'}", "d", "graph.nodes.d"),  # syntax
    ("{a: 1}", "{d: 'a + f', f: 'd * 2'}", "d", "graph.nodes"),  # cycle
    ("{a: 1}", "{d: 'd + a'}", "d", "graph.nodes.d"),  # self
    ("{a: 1}", "{d: 2*a}", "a", "graph.output"),  # output is an input
    ("{a: 1}", "{d: 2*a}", "q", "graph.output"),  # output not a node
    ("{a: 1}", "{a: 2}", "a", "graph.nodes.a"),  # input and node
    ("{a: x}", "{d: 2*a}", "d", "graph.inputs.a"),  # not a number
    ("{a: 0}", "{d: log(a)}", "d", "graph.nodes.d"),  # domain
    ("{a: 1}", "{exp: 2*a}", "exp", "graph.nodes.exp"),  # function name as node
    ("{a: 1}", "{d: '__import__(a)'}", "d", "graph.nodes.d"),  # nothing is executed
]


@pytest.mark.parametrize("inputs,nodes,output,key", BAD)
def test_bad_graphs_are_exit_2_with_key_and_line(
    tmp_path: Path, inputs: str, nodes: str, output: str, key: str
) -> None:
    path = write(tmp_path, inputs, nodes, output)
    result = invoke("solve", str(path))
    assert result.exit_code == 2, result.output
    assert f"{path}:" in result.output and key in result.output and "Traceback" not in result.output


def test_graph_cannot_go_with_a_network(tmp_path: Path) -> None:
    path = tmp_path / "g.yaml"
    path.write_text(GRAPH.read_text() + "loss: half_sse\n")
    result = invoke("solve", str(path))
    assert result.exit_code == 2 and "loss" in result.output


def test_only_trims_a_graph_and_step_is_refused() -> None:
    forward = invoke("solve", str(GRAPH), "--only", "forward").output
    assert "e = a + d = 3 + 2 = 5" in forward and "∂L/∂b" not in forward
    backward = invoke("solve", str(GRAPH), "--only", "backward").output
    assert "∂L/∂b = ∂L/∂d · ∂d/∂b = (−2) · 2 = −4" in backward and "Forward pass" not in backward
    data = json.loads(invoke("solve", str(GRAPH), "--only", "forward", "--format", "json").output)
    assert data["forward"] == {"d": 2, "e": 5, "L": -10} and "gradients" not in data
    result = invoke("solve", str(GRAPH), "--step", "1")
    assert result.exit_code == 2 and "no steps" in result.output

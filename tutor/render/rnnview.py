"""The BPTT compact view of a recurrent layer (issue 16; `tutor.engines.bptt`), terminal and LaTeX.

Per step h_t = f(W_x·x_t + W_h·h_{t−1} + b) with the numbers; δ_t back through time (from the read-out at
that step and from step t + 1); each shared weight's gradient as the sum of its steps' terms.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from tutor.engines.bptt import Bptt, SharedGradient, TimeStep, bptt
from tutor.model.derivation import ExampleStep, Step
from tutor.model.problem import Problem
from tutor.render.text import Line

TITLE = "Backpropagation through time"
MAX_WRITTEN = 12  # units: wider layers get the per-weight view only
Num = Callable[[object], str]
SYMBOLS = {"input_weights": "W_x", "recurrent_weights": "W_h", "weights": "W", "biases": "b"}


def of_pass(problem: Problem, p: Step | ExampleStep, inputs: Mapping[str, Any]) -> Bptt | None:
    """The BPTT of one pass (the parameter values it used), or None without a recurrent layer."""
    if problem.rnn is None or problem.rnn.size > MAX_WRITTEN:
        return None
    params = {**problem.parameters, **{u.parameter: u.old for u in getattr(p, "updates", ())}}
    return bptt(problem, params, p.forward, p.deltas, inputs)


def rnn_sections(
    problem: Problem, step: Step, num: Num, phases: Collection[str] | None
) -> list[tuple[str, list[Line]]]:
    """The terminal section, after the per-weight chain rule; nothing without an rnn or the backward pass."""
    b = of_pass(problem, step, problem.inputs)
    if b is None or (phases and "backward" not in phases):
        return []
    return [(TITLE, list(terminal_lines(b, num)))]


def vec(values: tuple[Any, ...], num: Num) -> str:
    return "[" + ", ".join(num(v) for v in values) + "]ᵀ"


def mat(rows: Any, num: Num) -> str:
    if rows and not isinstance(rows[0], tuple):
        return vec(rows, num)
    return "[" + ", ".join("[" + ", ".join(num(v) for v in row) + "]" for row in rows) + "]"


def terminal_lines(b: Bptt, num: Num) -> list[Line]:
    h, f = b.shape.layer, b.steps[0]
    act = b.activation
    lines = [
        Line(
            f"{h}_t = {act}(W_x·x_t + W_h·{h}_(t−1) + b),  W_x = {mat(b.weights['input_weights'], num)}, "
            f"W_h = {mat(b.weights['recurrent_weights'], num)}, {h}_0 = {vec(f.h_prev, num)}"
        )
    ]
    for s in b.steps:
        lines.append(
            Line(
                f"t = {s.t}:  z_{s.t} = W_x·{vec(s.x, num)} + W_h·{vec(s.h_prev, num)} + b = "
                f"{vec(s.net, num)},  {h}_{s.t} = {act}(z_{s.t}) = {vec(s.h, num)}",
                indent=4,
            )
        )
    lines.append(Line(f"δ_t = ∂L/∂z_t back through time: δ_t = (from the read-out at t + W_hᵀ δ_(t+1)) ⊙ {act}′(z_t)"))
    for s in reversed(b.steps):
        lines.append(
            Line(
                f"t = {s.t}:  δ_{s.t} = ({_upstream(s, num)}) ⊙ {vec(s.derivative, num)} = {vec(s.delta, num)}",
                indent=4,
            )
        )
    lines.append(Line("Shared parameters: each gradient is the sum over the time steps"))
    lines += [Line(_sum_text(g, b, num), indent=4) for g in b.gradients]
    return lines


def _upstream(s: TimeStep, num: Num) -> str:
    parts = []
    if s.from_output is not None:
        parts.append(f"{vec(s.from_output, num)} from the read-out")
    if s.from_next is not None:
        parts.append(f"W_hᵀ δ_{s.t + 1} = {vec(s.from_next, num)}")
    return " + ".join(parts) or "0"


def _sum_text(g: SharedGradient, b: Bptt, num: Num) -> str:
    own = g.layer == b.shape.layer
    symbol = SYMBOLS.get(g.field, g.field) if own else f"{SYMBOLS.get(g.field, g.field)}_{g.layer}"
    delta = "δ_t" if own else f"δ^{g.layer}_t"
    factor = f" {g.factor}_(t−1)ᵀ" if g.lag else (f" {g.factor}_tᵀ" if g.factor else "")
    terms = " + ".join(mat(m, num) for _, m in g.terms)
    return f"∂L/∂{symbol} = Σ_t {delta}{factor} = {terms} = {mat(g.total, num)}"

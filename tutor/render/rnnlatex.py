"""The BPTT compact view of a recurrent layer in LaTeX (issue 16; the terminal's is `tutor.render.rnnview`).

Rows of an align*: h^{(t)} = f(W_x x^{(t)} + W_h h^{(t−1)} + b) per step with the numbers, δ^{(t)} back through
time, and each shared parameter's gradient as the sum over the steps. HTML and Markdown read it back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from tutor.engines.bptt import Bptt, SharedGradient, TimeStep
from tutor.model.derivation import ExampleStep, Step
from tutor.model.problem import Problem
from tutor.render import latexfmt as lf
from tutor.render.latexblocks import align
from tutor.render.rnnview import TITLE, of_pass

Num = Callable[[object], str]
TERMS_PER_ROW = 3
INTRO = (
    r"The recurrent layer is unrolled over the steps of the sequence and shares its parameters between them, "
    r"so each shared parameter's gradient is the sum of its terms at every step (backpropagation through time); "
    r"$\delta^{(t)} = \partial L / \partial z^{(t)}$ gets one part from the read-out at step $t$ (where there is "
    r"one) and one from step $t + 1$ through $W_h$."
)


def rnn_blocks(
    problem: Problem, p: Step | ExampleStep, inputs: Mapping[str, Any], num: Num, heading: str, explain: bool
) -> Iterator[str]:
    """The section (heading, note, align*), or nothing without a recurrent layer."""
    b = of_pass(problem, p, inputs)
    if b is None:
        return
    yield rf"{heading}{{{TITLE}}}"
    if explain:
        yield INTRO
    yield align(list(rows(b, num)))


def rows(b: Bptt, num: Num) -> Iterator[str]:
    h, x, f = lf.name(b.shape.layer), lf.name(b.shape.source), _act(b.activation)
    weights = rf"W_x = {bmat(b.weights['input_weights'], num)},\quad W_h = {bmat(b.weights['recurrent_weights'], num)}"
    yield rf"{h}^{{(t)}} &= {f}\bigl(W_x {x}^{{(t)}} + W_h {h}^{{(t-1)}} + b\bigr),"
    yield rf"&\quad {weights}"
    for s in b.steps:  # one column: two side by side overflow the page at a few units
        yield rf"z^{{({s.t})}} &= W_x {col(s.x, num)} + W_h {col(s.h_prev, num)} + b = {col(s.net, num)}"
        yield rf"{h}^{{({s.t})}} &= {f}(z^{{({s.t})}}) = {col(s.h, num)}"
    yield rf"\delta^{{(t)}} &= \bigl(\text{{read-out part}} + W_h^{{\top}} \delta^{{(t+1)}}\bigr) \odot {f}'(z^{{(t)}})"
    for s in reversed(b.steps):
        slope = col(s.derivative, num)
        yield rf"\delta^{{({s.t})}} &= \bigl({_upstream(s, num)}\bigr) \odot {slope} = {col(s.delta, num)}"
    for g in b.gradients:
        yield from _sum_rows(g, b, num)


def _upstream(s: TimeStep, num: Num) -> str:
    parts = [col(s.from_output, num)] if s.from_output is not None else []
    if s.from_next is not None:
        parts.append(col(s.from_next, num))
    return " + ".join(parts) or "0"


def _sum_rows(g: SharedGradient, b: Bptt, num: Num) -> Iterator[str]:
    own = g.layer == b.shape.layer
    symbol = {"input_weights": "W_x", "recurrent_weights": "W_h", "weights": "W", "biases": "b"}.get(g.field, "W")
    symbol = symbol if own else f"{symbol}^{{[{lf.name(g.layer)}]}}"
    delta = r"\delta^{(t)}" if own else rf"\delta_{{{lf.name(g.layer)}}}^{{(t)}}"
    lag = "t-1" if g.lag else "t"
    factor = rf" \bigl({lf.name(g.factor)}^{{({lag})}}\bigr)^{{\top}}" if g.factor else ""
    terms = [bmat(m, num) for _, m in g.terms]
    head = rf"\frac{{\partial L}}{{\partial {symbol}}} &= \sum_{{t}} {delta}{factor} = "
    first = g.total[0]
    cols = len(first) if isinstance(first, tuple) else 1
    per_row = TERMS_PER_ROW if cols == 1 else max(1, 4 // cols)  # a row of matrices fits the page
    chunks = [" + ".join(terms[i : i + per_row]) for i in range(0, len(terms), per_row)]
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        total = f" = {bmat(g.total, num)}" if last and cols == 1 else ""
        yield (head if i == 0 else r"&\quad + ") + chunk + total
    if cols > 1:  # a matrix's total on a row of its own
        yield rf"&= {bmat(g.total, num)}"


def bmat(rows: Any, num: Num) -> str:
    if rows and not isinstance(rows[0], tuple):
        return col(rows, num)
    body = r" \\ ".join(" & ".join(num(v) for v in row) for row in rows)
    return r"\begin{bmatrix}" + body + r"\end{bmatrix}"


def col(values: tuple[Any, ...], num: Num) -> str:
    return r"\begin{bmatrix}" + r" \\ ".join(num(v) for v in values) + r"\end{bmatrix}"


def _act(name: str) -> str:
    return {"sigmoid": r"\sigma"}.get(name, r"\operatorname{" + lf.line(name) + "}")

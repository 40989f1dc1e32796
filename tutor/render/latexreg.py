"""Issue 15 in LaTeX: dropout's mask and scaling in the forward pass, the penalty in the loss and in each
gradient (data term + λ·w, shown apart). Functions of `tutor.render.latexmath.MathWriter`, which calls them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from tutor.maths.regtext import masks_text
from tutor.model.backward import Gradient
from tutor.model.derivation import ExampleStep, ForwardNeuron, Loss, Step
from tutor.model.problem import Problem
from tutor.render import latexfmt as lf
from tutor.render.latexblocks import align

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence


PENALTY = {"l2": r"\tfrac{\lambda}{2} \sum w^2", "l1": r"\lambda \sum |w|"}
PENALTY_GRAD = {"l2": r"\lambda\, {w}", "l1": r"\lambda \operatorname{{sign}}({w})"}


def dropout_factor(neuron: str) -> str:
    """`\\frac{m_{h1}}{1 - p}`: the mask and the scaling, a factor of ∂y/∂net under dropout."""
    return rf"\frac{{m_{{{lf.name(neuron)}}}}}{{1 - p}}"


class MathWriter(Protocol):
    """What these functions ask of `tutor.render.latexmath.MathWriter`, which calls them (no import back)."""

    def num(self, value: object) -> str: ...

    def pnum(self, value: object) -> str: ...

    def forward(self, f: ForwardNeuron, group: Sequence[ForwardNeuron] = ()) -> list[str]: ...

    def gradient(self, g: Gradient) -> list[str]: ...


def forward(writer: MathWriter, f: ForwardNeuron, group: Sequence[ForwardNeuron]) -> list[str]:
    """f(net) as ỹ, then y = m · ỹ/(1 − p) with the mask and the scaling."""
    out = lf.name(f.neuron)
    lines = writer.forward(replace(f, mask=None, scale=None, activated=None, out=f.activated), group)
    lines[-1] = lines[-1].replace(f"{out} &=", rf"\tilde{{{out}}} &=", 1)
    kept = r"kept, $\times 1/(1 - p)$" if f.mask else "dropped"
    numbers = rf"{f.mask} \cdot {writer.pnum(f.activated)} \cdot {writer.pnum(f.scale)}"
    sym = rf"m_{{{out}}}\, \tilde{{{out}}} / (1 - p)"
    return [*lines, rf"{out} &= {sym} = {numbers} = {writer.num(f.out)} \quad \text{{(dropout: {kept})}}"]


def loss(writer: MathWriter, data_rows: list[str], value: Loss) -> list[str]:
    """The data term's rows (as L_data), the penalty and the total."""
    p = value.penalty
    assert p is not None
    rows = [data_rows[0].replace("L &", r"L_{\text{data}} &", 1), *data_rows[1:]]
    weights = [writer.pnum(v) for _, v in p.weights]
    inner = " + ".join(f"{w}^2" if p.kind == "l2" else f"|{w}|" for w in weights) or "0"
    front = rf"\tfrac{{{writer.num(p.strength)}}}{{2}}" if p.kind == "l2" else writer.num(p.strength)
    rows.append(rf"\text{{penalty}} &= {PENALTY[p.kind]} = {front} \bigl({inner}\bigr) = {writer.num(p.value)}")
    total = rf"{writer.num(value.data_value)} + {writer.pnum(p.value)}"
    rows.append(rf"L &= L_{{\text{{data}}}} + \text{{penalty}} = {total} = {writer.num(value.value)}")
    return rows


def gradient(writer: MathWriter, g: Gradient) -> list[str]:
    """The data term's chain rule, then ∂L/∂w = data term + λ·w (λ·sign(w) for L1)."""
    p = g.penalty
    assert p is not None
    w = lf.name(g.parameter)
    rows = writer.gradient(replace(g, value=g.data_value, penalty=None))
    weight = writer.pnum(p.weight) if p.kind == "l2" else rf"\operatorname{{sign}}({writer.num(p.weight)})"
    numbers = rf"{writer.num(g.data_value)} + {writer.pnum(p.strength)} \cdot {weight}"
    head = rf"\frac{{\partial L}}{{\partial {w}}}"
    term = PENALTY_GRAD[p.kind].format(w=w)
    return [*rows, rf"{head} &= \text{{data term}} + {term} = {numbers} = {writer.num(g.value)}"]


def settings(problem: Problem, writer: MathWriter) -> str:
    """The problem sheet's sentences on the loss's settings, the penalty and dropout ('' without them)."""
    out = "".join(rf" ${lf.name(k)} = {writer.num(v)}$." for k, v in problem.loss_options.items())
    reg = problem.regularization
    if reg is not None:
        lam = writer.num(reg.strength)
        out += rf" \textbf{{Regularization.}} $L$ adds ${PENALTY[reg.kind]}$ over the weights (not the biases),"
        out += rf" $\lambda = {lam}$."
    if problem.dropout is not None:
        masks = masks_text(problem.dropout, lambda n: f"${lf.name(n)}$")
        rate = writer.num(problem.dropout.rate)
        out += (
            rf" \textbf{{Dropout}} on the hidden neurons, $p = {rate}$ (inverted: a kept output is multiplied by"
            rf" $1/(1 - p)$); masks (1 kept, 0 dropped, a neuron not named is kept): {masks}."
        )
    return out


def input_gradient_section(step: Step | ExampleStep, writer: MathWriter, heading: str) -> Iterator[str]:
    """`--input-gradients`: ∂L/∂x = Σ w · δ over the neurons each input feeds (of a step, or of one example
    of a data set's batch)."""
    rows = []
    for ig in step.input_gradients:
        sym = " + ".join(rf"{lf.name(d.parameter)}\, \delta_{{{lf.name(d.neuron)}}}" for d in ig.downstream) or "0"
        nums = " + ".join(rf"{writer.pnum(d.parameter_value)} \cdot {writer.pnum(d.delta)}" for d in ig.downstream)
        head = rf"\frac{{\partial L}}{{\partial {lf.name(ig.input)}}}"
        rows.append(rf"{head} &= {sym} = {nums or '0'} = {writer.num(ig.value)}")
    yield rf"{heading}{{Input gradients}}"
    yield align(rows)

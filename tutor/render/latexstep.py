"""The sections of one forward/backward pass in LaTeX: forward, loss, deltas (with the vector or
BP1–BP4 matrix view), gradients by the chain rule; and the updates of a step.

A pass is a single-example `Step` or one `ExampleStep` of a data-set iteration: both hold forward,
loss, deltas and gradients. `params` are the parameter values the pass used, `inputs` its inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from tutor.model.derivation import ExampleStep, Step
from tutor.model.network import Network
from tutor.render import latexfmt as lf
from tutor.render.latexblocks import align
from tutor.render.latexmath import MathWriter
from tutor.render.latexmatrix import TITLE, intro, matrix_rows, optimizer_note
from tutor.render.latexvec import layer_note, vector_view
from tutor.render.optimlines import latex_numbers, latex_rule, latex_title, uses_optimizer

Pass = Step | ExampleStep


def delta_note(net: str = "x", out: str = "y") -> str:
    """What δ is, in the form's own names: x_j, y_j for neurons (the seeds' x3/y3), z_j, a_j for layers."""
    # w_{j→k}: no index convention to clash with the problem's names (w13 = 1→3, wh_12 = into 1 from 2)
    return (
        rf"$\delta_j = \partial L / \partial {net}_j$ for every neuron $j$ (net input ${net}_j$, output ${out}_j$)."
        rf" An output neuron has $\delta_j = \frac{{\partial L}}{{\partial {out}_j}} f'({net}_j)$; a hidden one"
        rf" $\delta_j = \bigl(\sum_k w_{{j \to k}}\, \delta_k\bigr) f'({net}_j)$, summed over the neurons $k$ it"
        r" feeds through the weights $w_{j \to k}$."
    )


CHAIN_NOTE = (
    r"Each product runs from the loss down to the parameter, summed over the paths through the network;"
    r" the last line is the same gradient as $\delta_j$ times the input the parameter multiplies."
)


def pass_sections(
    p: Pass,
    network: Network,
    writer: MathWriter,
    heading: str,
    params: Mapping[str, Any],
    inputs: Mapping[str, Any],
    *,
    explain: bool = True,
    shows: Callable[[str], bool] = lambda phase: True,
) -> Iterator[str]:
    """The sections of one pass; `explain`: with the notes on what δ, the chain rule and BP1–BP4 are
    (a data set gives them for its first example only); `shows(phase)`: which of forward, loss and
    backward to give (`--only`)."""
    if shows("forward"):
        yield rf"{heading}{{Forward pass}}"
        group = [f for f in p.forward if f.activation.entry.group]
        yield align([row for f in p.forward for row in writer.forward(f, group)])
    if shows("loss"):
        yield rf"{heading}{{Loss}}"
        yield align(writer.loss(p.loss))
    if not shows("backward"):
        return
    yield rf"{heading}{{Deltas}}"
    if explain:
        yield delta_note(*(("z", "a") if network.problem.layer_names else ("x", "y")))
    nets = {f.neuron: f.net for f in p.forward}  # for the convention at a kink
    yield align([row for d in p.deltas for row in writer.delta(d, nets.get(d.neuron))])
    yield from _vector_form(p, network, writer, heading, params, inputs, explain)
    yield rf"{heading}{{Gradients by the chain rule}}"
    if explain:
        yield CHAIN_NOTE
    for g in p.gradients:
        yield align(writer.gradient(g))


def _vector_form(
    p: Pass,
    network: Network,
    writer: MathWriter,
    heading: str,
    params: Mapping[str, Any],
    inputs: Mapping[str, Any],
    explain: bool,
) -> Iterator[str]:
    """BP1–BP4 with matrices for the layer form, BPTT for a recurrent layer, else the vector view of the
    deltas where layered; a file with conv or pooling layers: their compact form, map by map (issue 16)."""
    if network.problem.rnn is not None:  # issue 16: a recurrent layer
        from tutor.render.rnnlatex import rnn_blocks

        yield from rnn_blocks(network.problem, p, inputs, writer.num, heading, explain)
        return
    if network.problem.maps:
        from tutor.render.latexconv import conv_section

        yield from conv_section(network.problem, params, p.forward, p.deltas, inputs, writer, heading)
        return
    whole = isinstance(p, Step)  # a step's own pass takes the penalty; an example of a batch does not
    matrices = matrix_rows(network.problem, params, p.forward, p.deltas, inputs, writer, regularized=whole)
    if matrices:
        yield rf"{heading}{{{TITLE}}}"
        if explain:
            yield intro(network.problem, whole)
        yield align(matrices)
        if whole and optimizer_note(network.problem):
            yield optimizer_note(network.problem)
        return
    pseudo = Step(1, p.forward, p.loss, p.deltas, p.gradients, ())
    vector = vector_view(pseudo, network, writer)
    if vector:
        yield layer_note(network)
        yield align(vector)


def update_sections(step: Step, writer: MathWriter, heading: str) -> Iterator[str]:
    yield rf"{heading}{{Updates}}"
    if uses_optimizer(step):
        yield from optimizer_updates(step, writer)
        return
    eta = writer.num(step.updates[0].learning_rate) if step.updates else ""
    yield rf"$w \leftarrow w - \eta\, \partial L / \partial w$ with $\eta = {eta}$:"
    yield align([writer.update(u) for u in step.updates])


def optimizer_updates(step: Step, writer: MathWriter) -> Iterator[str]:
    """An optimizer's rule (w the parameter, g its gradient), then each parameter's step with its numbers."""
    yield latex_title(step, writer.num) + r", with $g = \partial L / \partial w$:"
    yield align(latex_rule(step))
    lines = []
    for u in step.updates:
        lines += [writer.update(u)] if u.frozen else latex_numbers(u, lf.name(u.parameter), writer.num, writer.pnum)
    yield align(lines)

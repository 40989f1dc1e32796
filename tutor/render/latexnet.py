"""The problem statement's network in equations: each neuron's net input and output, symbolically.

The drawing shows the same network, but a compact drawing (wide layers) has no edge labels and the
activations there are small captions; these equations state the whole network on a problem sheet.
"""

from __future__ import annotations

from tutor.maths import formula as fm
from tutor.maths.functions import activation_op
from tutor.model.network import Network
from tutor.render import latexfmt as lf
from tutor.render.latexblocks import align
from tutor.render.latexmath import CONT, rows


def network_block(network: Network) -> str:
    """`\\textbf{Network.}` and an align* of `net = Σ source·parameter (+ bias)`, `out = f(net)`."""
    lines = [line for n in network.order for line in definition(network, n)]
    alphas = sorted({_alpha_note(network, n) for n in network.order} - {""})
    note = f" ({'; '.join(alphas)})" if alphas else ""
    return rf"\textbf{{Network.}} Each neuron's net input and output{note}:" + "\n" + align(lines) + "\n"


def definition(network: Network, n: str) -> list[str]:
    """The rows `net &= …` (broken when long), then `out &= f(net)` beside the last."""
    neuron, labels = network.neuron(n), network.net_labels
    terms = [f"{lf.name(c.source)} {lf.name(c.parameter)}" for c in neuron.inputs]
    if neuron.bias is not None:
        terms.append(lf.name(neuron.bias))
    net, out = lf.name(labels[n]), lf.name(n)
    summed = rows(terms, "+")
    if neuron.combine == "max":  # max pooling (issue 16): the max of its window
        summed = [r"\max(" + ", ".join(lf.name(c.source) for c in neuron.inputs) + ")"]
    if neuron.activation.entry.group:
        total = " + ".join(rf"e^{{{lf.name(labels[k])}}}" for k in network.softmax_group)
        rhs = rf"\frac{{e^{{{net}}}}}{{{total}}}"
    else:
        rhs = fm.latex(activation_op(neuron.activation.name), x=net)
    lines = [f"{net} &= {summed[0]}", *(CONT + r for r in summed[1:])]
    lines[-1] += rf", & {out} &= {rhs}"
    return lines


def _alpha_note(network: Network, n: str) -> str:
    """`leaky_relu with α = 0.1` for an activation with a parameter, else ''."""
    act = network.neuron(n).activation
    alpha = act.parameter
    if alpha is None:
        return ""
    return rf"$\operatorname{{{lf.text(act.name)}}}$ with $\alpha = {lf.num(alpha)}$"

"""The vector view of the deltas (BP1/BP2) for layered networks.

δ^{(L)} = ∇_y L ⊙ f′(x^{(L)}) for the output layer and δ^{(l)} = ((W^{(l+1)})^⊤ δ^{(l+1)}) ⊙ f′(x^{(l)})
for a hidden one, with the numbers as column vectors. A network is layered when every connection
goes from one layer to the next and the outputs are exactly the last layer.
"""

from __future__ import annotations

from collections.abc import Sequence

from tutor.maths import formula as fm
from tutor.maths import functions as fn
from tutor.maths.activations import ACTIVATIONS
from tutor.model.backward import Delta
from tutor.model.derivation import Step
from tutor.model.network import Network
from tutor.render import latexfmt as lf
from tutor.render.latexmath import MathWriter

MAX_VECTOR = 12  # longest vector written out


def layered(network: Network) -> list[list[str]] | None:
    """The neuron layers (without the inputs) when the network is layered, else None."""
    depth = network.depth
    problem = network.problem
    for n in network.order:
        if any(depth[c.source] != depth[n] - 1 for c in problem.neurons[n].inputs):
            return None
    last = max((depth[n] for n in network.order), default=0)
    out: list[list[str]] = [[] for _ in range(last)]
    for n in network.order:
        out[depth[n] - 1].append(n)
    if not out or set(out[-1]) != set(problem.targets) or max(len(layer) for layer in out) > MAX_VECTOR:
        return None
    return out


def column(entries: Sequence[str]) -> str:
    return r"\begin{pmatrix}" + r" \\ ".join(entries) + r"\end{pmatrix}"


def fprime(activation: str) -> str:
    """The symbol of an activation's derivative: σ′, tanh′, relu′ …"""
    entry = ACTIVATIONS.get(activation)
    if entry is not None and entry.formula == fm.X:
        return r"\mathrm{id}'"
    if entry is not None and entry.formula.kind == "call":
        return entry.formula.latex_name + "'"
    return r"\operatorname{" + activation.replace("_", r"\_") + "}'"


def _fprime(deltas: Sequence[Delta]) -> str:
    names = {d.activation.name for d in deltas if d.activation is not None}
    return fprime(names.pop()) if len(names) == 1 else "f'"


def vector_view(step: Step, network: Network, writer: MathWriter) -> list[str]:
    """Rows of an align* with δ^{(l)} for every layer, outputs first; empty when not layered."""
    by_layer = layered(network)
    if by_layer is None:
        return []
    delta = {d.neuron: d for d in step.deltas}
    count = len(by_layer)
    lines = []
    for index in range(count, 0, -1):
        ds = [delta[n] for n in by_layer[index - 1]]
        lhs = rf"\delta^{{({index})}}"
        values = column([writer.num(d.value) for d in ds])
        if any(d.softmax for d in ds):
            lines.append(rf"{lhs} &= {values}")
            continue
        fp = rf"{_fprime(ds)}\bigl(x^{{({index})}}\bigr)"
        derivs = column([writer.num(d.derivative) for d in ds])
        if index == count:
            grads = column([writer.num(d.loss_grad) for d in ds])
            lines.append(rf"{lhs} &= \nabla_{{y}} L \odot {fp} = {grads} \odot {derivs} = {values}")
        else:
            back = column([writer.num(_upstream(d)) for d in ds])
            sym = rf"\bigl((W^{{({index + 1})}})^{{\top}} \delta^{{({index + 1})}}\bigr) \odot {fp}"
            lines.append(rf"{lhs} &= {sym} = {back} \odot {derivs} = {values}")
    return lines


def _upstream(d: Delta) -> object:
    """Σ w·δ_k of a hidden neuron, summed from a SymPy zero: from Python's 0 every sum goes through SymPy's
    cache, which deltas that underflow a float (hash 0 alike in a deep chain) slow quadratically."""
    return sum((k.parameter_value * k.delta for k in d.downstream), fn.exact(0))


def layer_note(network: Network) -> str:
    """One sentence naming the layers, e.g. layer 1 = (y_3, y_4)."""
    by_layer = layered(network) or []
    parts = [
        rf"$x^{{({i})}} = ({', '.join(lf.name(network.net_labels[n]) for n in layer)})$"
        for i, layer in enumerate(by_layer, 1)
    ]
    return "Layer by layer, with " + ", ".join(parts) + r" and $\odot$ the elementwise product:"

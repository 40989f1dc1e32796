"""The backward pass of a layer-form problem in the vector form of BP1–BP4, with the matrices written out.

    BP1  δᴸ = ∇ₐL ⊙ f′(zᴸ)             BP3  ∂L/∂bˡ = δˡ
    BP2  δˡ = ((Wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ f′(zˡ)   BP4  ∂L/∂Wˡ = δˡ (aˡ⁻¹)ᵀ

The numbers come from `tutor.engines.matrixform.matrix_backward` (one example's exact pass). Layers are named
as in the problem file (`h`, `y`), so superscripts are layer names, escaped by `latexfmt.name`. For a
layer-form problem this replaces the generic vector view of `latexvec` (which would say BP1/BP2 again).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from tutor.engines.matrixform import LayerBackward, Matrix, Vector, matrix_backward
from tutor.model.derivation import Delta, ForwardNeuron
from tutor.model.problem import Problem
from tutor.render import latexfmt as lf
from tutor.render.latexmath import ROW_WIDTH, MathWriter, width
from tutor.render.latexvec import fprime

MAX_MATRIX = 8  # widest layer written out as matrices

TITLE = "Backward pass in matrix form (BP1--BP4)"
INTRO = (
    r"The same backward pass layer by layer, with $z^{l}$ the net inputs and $a^{l}$ the outputs of layer $l$,"
    r" $W^{l}$ its weights (row $j$ holds the weights into its $j$-th neuron) and $\odot$ the elementwise product:"
    "\n\\begin{gather*}\n"
    r"\delta^{L} = \nabla_{a} L \odot f'(z^{L}) \;\text{(BP1)} \qquad"
    r" \delta^{l} = \bigl((W^{l+1})^{\top} \delta^{l+1}\bigr) \odot f'(z^{l}) \;\text{(BP2)} \\"
    "\n"
    r"\frac{\partial L}{\partial b^{l}} = \delta^{l} \;\text{(BP3)} \qquad"
    r" \frac{\partial L}{\partial W^{l}} = \delta^{l} (a^{l-1})^{\top} \;\text{(BP4)}"
    "\n\\end{gather*}"
)


def matrix_rows(
    problem: Problem,
    params: Mapping[str, Any],
    forward: tuple[ForwardNeuron, ...],
    deltas: tuple[Delta, ...],
    inputs: Mapping[str, Any],
    writer: MathWriter,
) -> list[str]:
    """Rows of an align* with BP1/BP2, BP3 and BP4 for every layer, output layer first; empty when the
    problem is not in the layer form or a layer is too wide to write out."""
    if not problem.layer_names or max(len(nodes) for _, nodes in problem.layer_names) > MAX_MATRIX:
        return []
    acts = {name: problem.neurons[nodes[0]].activation.name for name, nodes in problem.layer_names[1:]}
    layers = matrix_backward(problem, params, forward, deltas, inputs)
    return [row for lb in layers for row in layer_rows(lb, acts[lb.layer], writer)]


def bmatrix(rows: Matrix, writer: MathWriter) -> str:
    body = r" \\ ".join(" & ".join(writer.num(v) for v in row) for row in rows)
    return r"\begin{bmatrix}" + body + r"\end{bmatrix}"


def column(values: Vector, writer: MathWriter) -> str:
    return bmatrix(tuple((v,) for v in values), writer)


def row(values: Vector, writer: MathWriter) -> str:
    return bmatrix((tuple(values),), writer)


def transpose(rows: Matrix) -> Matrix:
    return tuple(zip(*rows, strict=True))


def layer_rows(lb: LayerBackward, activation: str, writer: MathWriter) -> list[str]:
    """BP1 or BP2, then BP3 (when the layer has biases) and BP4 for one layer."""
    name, prev = lf.name(lb.layer), lf.name(lb.previous)
    delta = rf"\delta^{{{name}}}"
    out = _delta_row(lb, activation, writer)
    if lb.grad_biases is not None:
        bias = rf"\frac{{\partial L}}{{\partial b^{{{name}}}}} &= {delta} = {column(lb.grad_biases, writer)}"
        out.append(bias + r" & &\text{(BP3)}")
    forms = [
        rf"{delta} (a^{{{prev}}})^{{\top}}",
        f"{column(lb.delta, writer)} {row(lb.a_prev, writer)}",
        bmatrix(lb.grad_weights, writer),
    ]
    out += _equation(rf"\frac{{\partial L}}{{\partial W^{{{name}}}}}", forms, "BP4")
    return out


def _delta_row(lb: LayerBackward, activation: str, writer: MathWriter) -> list[str]:
    name = lf.name(lb.layer)
    delta = rf"\delta^{{{name}}}"
    if lb.derivative is None:  # softmax: δ comes from the Jacobian, there is no elementwise f′
        return [
            rf"{delta} &= \frac{{\partial L}}{{\partial z^{{{name}}}}} = {column(lb.delta, writer)} & &\text{{(BP1)}}"
        ]
    fp = rf"{fprime(activation)}(z^{{{name}}})"
    tail = rf"{column(lb.upstream, writer)} \odot {column(lb.derivative, writer)}"
    if lb.output:
        forms = [rf"\nabla_{{a}} L \odot {fp}", tail, column(lb.delta, writer)]
        return _equation(delta, forms, "BP1")
    nxt = lf.name(lb.next_layer or "")
    w_t = bmatrix(transpose(lb.next_weights or ()), writer)
    forms = [
        rf"\bigl((W^{{{nxt}}})^{{\top}} \delta^{{{nxt}}}\bigr) \odot {fp}",
        rf"\Bigl({w_t} {column(lb.next_delta or (), writer)}\Bigr) \odot {column(lb.derivative, writer)}",
        tail,
        column(lb.delta, writer),
    ]
    return _equation(delta, forms, "BP2")


def _equation(lhs: str, forms: Sequence[str], tag: str) -> list[str]:
    """`lhs = f₁ = f₂ = …` on one row when it fits, else one form per row; the BP tag on the first row."""
    label = rf" & &\text{{({tag})}}"
    if _width(lhs + " = ".join(forms)) <= ROW_WIDTH:
        return [rf"{lhs} &= {' = '.join(forms)}{label}"]
    return [rf"{lhs} &= {forms[0]}{label}", *(f"&= {f}" for f in forms[1:])]


_MATRIX = re.compile(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}")


def _width(latex: str) -> int:
    """`latexmath.width`, with a matrix as wide as its widest row."""
    return width(_MATRIX.sub(lambda m: "#" * max(width(r) for r in m.group(1).split(r"\\")), latex))

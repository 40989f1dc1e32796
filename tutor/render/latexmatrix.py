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
from tutor.model.backward import Delta
from tutor.model.derivation import ForwardNeuron
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
    *,
    regularized: bool = False,
) -> list[str]:
    """Rows of an align* with BP1/BP2, BP3 and BP4 for every layer, output layer first (after dropout's
    masks, where it applies); empty when the problem is not in the layer form or a layer is too wide to write
    out. `regularized`: a step's whole pass, whose BP4 adds the penalty (not one example of a batch)."""
    if not problem.layer_names or max(len(nodes) for _, nodes in problem.layer_names) > MAX_MATRIX:
        return []
    acts = {name: problem.neurons[nodes[0]].activation.name for name, nodes in problem.layer_names[1:]}
    layers = matrix_backward(problem, params, forward, deltas, inputs, regularized=regularized)
    rows = [row for lb in reversed(layers) for row in dropout_rows(lb, acts[lb.layer], writer)]
    return rows + [row for lb in layers for row in layer_rows(lb, acts[lb.layer], writer)]


def intro(problem: Problem, regularized: bool) -> str:
    """INTRO, with what the penalty (`regularized`) and dropout change in BP4 and BP2."""
    out = INTRO
    reg = problem.regularization
    if regularized and reg is not None:
        term = PENALTY_TERM[reg.kind].format(l="l")
        out += (
            "\n"
            rf"With the penalty BP4 gains its term, $\frac{{\partial L}}{{\partial W^{{l}}}} = \delta^{{l}}"
            rf" (a^{{l-1}})^{{\top}} + {term}$ (the biases have none)."
        )
    if problem.dropout is not None:
        out += (
            "\n"
            r"Dropout multiplies a hidden layer's outputs by its mask $m^{l}$ (1 kept, 0 dropped),"
            r" $a^{l} = (m^{l} \odot f(z^{l}))/(1 - p)$, and BP2 by the same factor:"
            r" $\delta^{l} = \bigl((W^{l+1})^{\top} \delta^{l+1}\bigr) \odot f'(z^{l}) \odot m^{l}/(1 - p)$."
        )
    return out


def optimizer_note(problem: Problem) -> str:
    """Under an optimizer other than SGD: where the update is (the matrix form writes none)."""
    if problem.optimizer.name == "sgd":
        return ""
    title = lf.line(problem.optimizer.entry.title)
    return f"The update puts these gradients into {title}'s rule, weight by weight: see the updates below."


def bmatrix(rows: Matrix, writer: MathWriter) -> str:
    body = r" \\ ".join(" & ".join(writer.num(v) for v in row) for row in rows)
    return r"\begin{bmatrix}" + body + r"\end{bmatrix}"


def column(values: Vector, writer: MathWriter) -> str:
    return bmatrix(tuple((v,) for v in values), writer)


def row(values: Vector, writer: MathWriter) -> str:
    return bmatrix((tuple(values),), writer)


def transpose(rows: Matrix) -> Matrix:
    return tuple(zip(*rows, strict=True))


def dropout_rows(lb: LayerBackward, activation: str, writer: MathWriter) -> list[str]:
    """aˡ = (mˡ ⊙ f(zˡ))/(1 − p) with the numbers: the forward pass's mask, which BP2 and BP4 use."""
    d = lb.dropout
    if d is None:
        return []
    name = lf.name(lb.layer)
    f = fprime(activation).removesuffix("'")
    forms = [
        rf"\bigl(m^{{{name}}} \odot {f}(z^{{{name}}})\bigr) / (1 - p)",
        rf"\Bigl({column(d.mask, writer)} \odot {column(d.activated, writer)}\Bigr) / (1 - {writer.num(d.rate)})",
        column(d.out, writer),
    ]
    return _equation(f"a^{{{name}}}", forms, "dropout")


PENALTY_TERM = {"l2": r"\lambda W^{{{l}}}", "l1": r"\lambda \operatorname{{sign}}(W^{{{l}}})"}


def layer_rows(lb: LayerBackward, activation: str, writer: MathWriter) -> list[str]:
    """BP1 or BP2, then BP3 (when the layer has biases) and BP4 for one layer."""
    name = lf.name(lb.layer)
    delta = rf"\delta^{{{name}}}"
    out = _delta_row(lb, activation, writer)
    if lb.grad_biases is not None:
        bias = rf"\frac{{\partial L}}{{\partial b^{{{name}}}}} &= {delta} = {column(lb.grad_biases, writer)}"
        out.append(bias + r" & &\text{(BP3)}")
    return out + _equation(rf"\frac{{\partial L}}{{\partial W^{{{name}}}}}", _bp4_forms(lb, writer), "BP4")


def _bp4_forms(lb: LayerBackward, writer: MathWriter) -> list[str]:
    """δˡ (aˡ⁻¹)ᵀ, and under a penalty + λWˡ or + λ sign(Wˡ) as a matrix of its own, then the sum."""
    name, prev, pen = lf.name(lb.layer), lf.name(lb.previous), lb.penalty
    sym = rf"\delta^{{{name}}} (a^{{{prev}}})^{{\top}}"
    outer = f"{column(lb.delta, writer)} {row(lb.a_prev, writer)}"
    if pen is None:
        return [sym, outer, bmatrix(lb.grad_weights, writer)]
    w = bmatrix(lb.weights, writer)
    lam = writer.num(pen.strength)
    term = rf"{lam} {w}" if pen.kind == "l2" else rf"{lam} \operatorname{{sign}}\Bigl({w}\Bigr)"
    return [
        f"{sym} + {PENALTY_TERM[pen.kind].format(l=name)}",
        f"{outer} + {term}",
        f"{bmatrix(lb.grad_weights, writer)} + {bmatrix(pen.term, writer)}",
        bmatrix(pen.total, writer),
    ]


def _delta_row(lb: LayerBackward, activation: str, writer: MathWriter) -> list[str]:
    name = lf.name(lb.layer)
    delta = rf"\delta^{{{name}}}"
    if lb.derivative is None:  # softmax: δ comes from the Jacobian, there is no elementwise f′
        return [
            rf"{delta} &= \frac{{\partial L}}{{\partial z^{{{name}}}}} = {column(lb.delta, writer)} & &\text{{(BP1)}}"
        ]
    fp = rf"{fprime(activation)}(z^{{{name}}})"
    mask, factor = "", ""
    if lb.dropout is not None:
        mask = rf" \odot \frac{{m^{{{name}}}}}{{1 - p}}"
        factor = rf" \odot {column(lb.dropout.factor, writer)}"
    tail = rf"{column(lb.upstream, writer)} \odot {column(lb.derivative, writer)}{factor}"
    if lb.output:
        forms = [rf"\nabla_{{a}} L \odot {fp}", tail, column(lb.delta, writer)]
        return _equation(delta, forms, "BP1")
    nxt = lf.name(lb.next_layer or "")
    w_t = bmatrix(transpose(lb.next_weights or ()), writer)
    forms = [
        rf"\bigl((W^{{{nxt}}})^{{\top}} \delta^{{{nxt}}}\bigr) \odot {fp}{mask}",
        rf"\Bigl({w_t} {column(lb.next_delta or (), writer)}\Bigr) \odot {column(lb.derivative, writer)}{factor}",
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

"""Lines of the BP1–BP4 matrix view of a layer-form problem (`tutor.engines.matrixform`), for the terminal.

Vectors are written as columns `[a, b]ᵀ`, matrices row by row `[[a, b], [c, d]]` as in the problem file.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from tutor.engines.matrixform import LayerBackward, Matrix, Vector, matrix_backward
from tutor.model.backward import Delta
from tutor.model.derivation import ForwardNeuron
from tutor.model.problem import Problem
from tutor.render.text import Line, Writer

TITLE = "Backward pass in matrix form (BP1–BP4)"


def layer_sections(
    problem: Problem,
    params: Mapping[str, Any],
    forward: tuple[ForwardNeuron, ...],
    deltas: tuple[Delta, ...],
    inputs: Mapping[str, Any],
    writer: Writer,
    phases: Collection[str] | None = None,
    *,
    regularized: bool = False,
) -> list[tuple[str, list[Line]]]:
    """The matrix section of one example's pass, or nothing (not the layer form, or backward not shown);
    `regularized`: a step's whole pass, whose BP4 adds the penalty (not one example of a batch)."""
    if not problem.layer_names or (phases and "backward" not in phases):
        return []
    if problem.maps:  # issue 16: convolution and pooling have their own compact view
        from tutor.render.convview import conv_sections

        return conv_sections(problem, params, forward, deltas, inputs, writer)
    layers = matrix_backward(problem, params, forward, deltas, inputs, regularized=regularized)
    lines = [line for lb in reversed(layers) for line in dropout_lines(lb, writer)]
    lines += [line for lb in layers for line in layer_lines(lb, writer)]
    if regularized and problem.optimizer.name != "sgd":
        title = problem.optimizer.entry.title
        note = f"(the update puts these gradients into {title}'s rule, weight by weight: see Updates)"
        lines.append(Line(note, style="dim"))
    return [(TITLE, lines)]


def vec(values: Vector, writer: Writer) -> str:
    return "[" + ", ".join(writer.num(v) for v in values) + "]ᵀ"


def mat(rows: Matrix, writer: Writer) -> str:
    return "[" + ", ".join("[" + ", ".join(writer.num(v) for v in row) + "]" for row in rows) + "]"


def transpose(rows: Matrix) -> Matrix:
    return tuple(zip(*rows, strict=True))


def dropout_lines(lb: LayerBackward, writer: Writer) -> list[Line]:
    """`a^h = (m^h ⊙ σ(z^h))/(1 − p) = …`: the forward pass's mask, which BP2 and the next layer's BP4 use."""
    d, L = lb.dropout, lb.layer
    if d is None:
        return []
    numbers = f"({vec(d.mask, writer)} ⊙ {vec(d.activated, writer)})/(1 − {writer.num(d.rate)})"
    return [Line(f"dropout  a^{L} = (m^{L} ⊙ σ(z^{L}))/(1 − p) = {numbers} = {vec(d.out, writer)}")]


def layer_lines(lb: LayerBackward, writer: Writer) -> list[Line]:
    """BP1 or BP2, then BP3 and BP4, for one layer."""
    L = lb.layer
    mask, factor = (f" ⊙ m^{L}/(1 − p)", f" ⊙ {vec(lb.dropout.factor, writer)}") if lb.dropout else ("", "")
    lines = []
    if lb.derivative is None:  # softmax: δ from the Jacobian, no elementwise σ′
        lines.append(Line(f"BP1  δ^{L} = ∂C/∂z^{L} (softmax) = {vec(lb.delta, writer)}"))
    elif lb.output:
        lines.append(
            Line(
                f"BP1  δ^{L} = ∇ₐC ⊙ σ′(z^{L}) = {vec(lb.upstream, writer)} ⊙ {vec(lb.derivative, writer)} "
                f"= {vec(lb.delta, writer)}"
            )
        )
    else:
        n = lb.next_layer
        lines.append(
            Line(
                f"BP2  δ^{L} = ((W^{n})ᵀ δ^{n}) ⊙ σ′(z^{L}){mask} "
                f"= ({mat(transpose(lb.next_weights or ()), writer)} · {vec(lb.next_delta or (), writer)}) "
                f"⊙ {vec(lb.derivative, writer)}{factor}"
            )
        )
        tail = f"{vec(lb.derivative, writer)}{factor} = {vec(lb.delta, writer)}"
        lines.append(Line(f"= {vec(lb.upstream, writer)} ⊙ {tail}", indent=7))
    if lb.grad_biases is not None:
        lines.append(Line(f"BP3  ∂C/∂b^{L} = δ^{L} = {vec(lb.grad_biases, writer)}"))
    lines += bp4_lines(lb, writer)
    lines.append(Line(f"(W^{L} = {mat(lb.weights, writer)})", style="dim", indent=7))
    return lines


PENALTY_TERM = {"l2": ("λ W^{L}", "{lam} · {w}"), "l1": ("λ sign(W^{L})", "{lam} · sign({w})")}


def bp4_lines(lb: LayerBackward, writer: Writer) -> list[Line]:
    """BP4: δˡ (aˡ⁻¹)ᵀ, and under a penalty + λWˡ (L2) or + λ sign(Wˡ) (L1) as a matrix of its own."""
    L, p, pen = lb.layer, lb.previous, lb.penalty
    outer = f"{vec(lb.delta, writer)} · {vec(lb.a_prev, writer)[:-1]}"
    if pen is None:
        return [Line(f"BP4  ∂C/∂W^{L} = δ^{L} (a^{p})ᵀ = {outer} = {mat(lb.grad_weights, writer)}")]
    sym, nums = PENALTY_TERM[pen.kind]
    term = nums.format(lam=writer.num(pen.strength), w=mat(lb.weights, writer))
    sums = f"{mat(lb.grad_weights, writer)} + {mat(pen.term, writer)} = {mat(pen.total, writer)}"
    return [
        Line(f"BP4  ∂C/∂W^{L} = δ^{L} (a^{p})ᵀ + {sym.format(L=L)} = {outer} + {term}"),
        Line(f"= {sums}", indent=7),
    ]

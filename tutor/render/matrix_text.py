"""Lines of the BP1–BP4 matrix view of a layer-form problem (`tutor.engines.matrixform`), for the terminal.

Vectors are written as columns `[a, b]ᵀ`, matrices row by row `[[a, b], [c, d]]` as in the problem file.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from tutor.engines.matrixform import LayerBackward, Matrix, Vector, matrix_backward
from tutor.model.derivation import Delta, ForwardNeuron
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
) -> list[tuple[str, list[Line]]]:
    """The matrix section of one example's pass, or nothing (not the layer form, or backward not shown)."""
    if not problem.layer_names or (phases and "backward" not in phases):
        return []
    if problem.maps:  # issue 16: convolution and pooling have their own compact view
        from tutor.render.convview import conv_sections

        return conv_sections(problem, params, forward, deltas, inputs, writer)
    layers = matrix_backward(problem, params, forward, deltas, inputs)
    return [(TITLE, [line for lb in layers for line in layer_lines(lb, writer)])]


def vec(values: Vector, writer: Writer) -> str:
    return "[" + ", ".join(writer.num(v) for v in values) + "]ᵀ"


def mat(rows: Matrix, writer: Writer) -> str:
    return "[" + ", ".join("[" + ", ".join(writer.num(v) for v in row) + "]" for row in rows) + "]"


def transpose(rows: Matrix) -> Matrix:
    return tuple(zip(*rows, strict=True))


def layer_lines(lb: LayerBackward, writer: Writer) -> list[Line]:
    """BP1 or BP2, then BP3 and BP4, for one layer."""
    L, p = lb.layer, lb.previous
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
                f"BP2  δ^{L} = ((W^{n})ᵀ δ^{n}) ⊙ σ′(z^{L}) "
                f"= ({mat(transpose(lb.next_weights or ()), writer)} · {vec(lb.next_delta or (), writer)}) "
                f"⊙ {vec(lb.derivative, writer)}"
            )
        )
        lines.append(
            Line(f"= {vec(lb.upstream, writer)} ⊙ {vec(lb.derivative, writer)} = {vec(lb.delta, writer)}", indent=7)
        )
    if lb.grad_biases is not None:
        lines.append(Line(f"BP3  ∂C/∂b^{L} = δ^{L} = {vec(lb.grad_biases, writer)}"))
    lines.append(
        Line(
            f"BP4  ∂C/∂W^{L} = δ^{L} (a^{p})ᵀ = {vec(lb.delta, writer)} · {vec(lb.a_prev, writer)[:-1]}"
            f" = {mat(lb.grad_weights, writer)}"
        )
    )
    lines.append(Line(f"(W^{L} = {mat(lb.weights, writer)})", style="dim", indent=7))
    return lines

"""The compact view of convolution and max-pooling layers in the terminal (`tutor.engines.convform`).

Maps are written as grids, one per channel, rows under each other: the padded input (the zero padding as
`·`), the kernels, the net map with one window worked out, the δ map, ∂L/∂K as the correlation of the
padded input with δ, ∂L/∂b, ∂L/∂X as the full convolution of δ with the flipped kernels; for pooling the
input with each window's winner in brackets `[6]` and δ routed back to the winners.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tutor.engines.convform import ConvLayer, Grid, Maps, PoolLayer, map_layers
from tutor.model.backward import Delta
from tutor.model.derivation import ForwardNeuron
from tutor.model.problem import Problem
from tutor.render.text import Line, Writer

TITLE = "Convolution and pooling layers, map by map"
MAX_GRID = 24  # rows or columns beyond which a grid is left to the neuron form above


def conv_sections(
    problem: Problem,
    params: Mapping[str, Any],
    forward: Sequence[ForwardNeuron],
    deltas: Sequence[Delta],
    inputs: Mapping[str, Any],
    writer: Writer,
) -> list[tuple[str, list[Line]]]:
    layers = map_layers(problem, params, forward, deltas, inputs)
    lines: list[Line] = []
    for layer in layers:
        lines += conv_lines(layer, writer) if isinstance(layer, ConvLayer) else pool_lines(layer, writer)
    return [(TITLE, lines)] if lines else []


def grid_lines(grid: Grid, cell: Callable[[int, int, Any], str], indent: int = 6) -> list[Line]:
    """A grid's rows, columns right-aligned."""
    if len(grid) > MAX_GRID or len(grid[0]) > MAX_GRID:
        return [Line(f"({len(grid)}×{len(grid[0])}: see the neurons above)", indent=indent)]
    texts = [[cell(i, j, v) for j, v in enumerate(row)] for i, row in enumerate(grid)]
    width = max(len(t) for row in texts for t in row)
    return [Line("  ".join(t.rjust(width) for t in row), indent=indent) for row in texts]


def maps_lines(
    title: str, maps: Maps, writer: Writer, cell: Callable[[int, int, int, Any], str] | None = None
) -> list[Line]:
    out = [Line(title, indent=4)]
    for c, grid in enumerate(maps):
        if len(maps) > 1:
            out.append(Line(f"channel {c}:", indent=6))

        def fmt(i: int, j: int, v: Any, c: int = c) -> str:
            return cell(c, i, j, v) if cell else writer.num(v)

        out += grid_lines(grid, fmt, 8 if len(maps) > 1 else 6)
    return out


def conv_lines(c: ConvLayer, writer: Writer) -> list[Line]:
    L, X, s, pad = c.layer.name, c.source.name, c.layer.stride, c.layer.padding
    one_d = len(c.source.shape) == 2
    kshape = "×".join(str(n) for n in c.layer.window)
    lines = [Line(f"{L} = {c.layer.kind}({X}), kernels {kshape}, stride {s}, zero padding {pad}", style="bold")]
    rows_pad = 0 if one_d else pad

    def padded(ch: int, i: int, j: int, v: Any) -> str:
        inside = rows_pad <= i < len(c.padded[0]) - rows_pad and pad <= j < len(c.padded[0][0]) - pad
        return writer.num(v) if inside else "·"

    lines += maps_lines(f"X̃ = {X} with its zero padding (·):", c.padded, writer, padded)
    for o, kernel in enumerate(c.kernels):
        lines += maps_lines(f"K[{o}] (one grid per input channel):", kernel, writer)
    if c.biases is not None:
        lines.append(Line(f"b = [{', '.join(writer.num(b) for b in c.biases)}]", indent=4))
    rule = (
        f"Z[o][j] = Σ_c Σ_q X̃[c][j·{s} + q] · K[o][c][q]"
        if one_d
        else f"Z[o][i][j] = Σ_c Σ_r Σ_q X̃[c][i·{s} + r][j·{s} + q] · K[o][c][r][q]"
    )
    bias = " + b[o]" if c.biases is not None else ""
    lines.append(Line(f"{rule}{bias}, the window sliding by {s}; the first window:", indent=4))
    lines.append(Line(_first_window(c, writer), indent=6))
    lines += maps_lines("Z (net):", c.net, writer)
    lines += maps_lines(f"{L} = f(Z):", c.out, writer)
    return lines + _conv_backward(c, writer)


def _conv_backward(c: ConvLayer, writer: Writer) -> list[Line]:
    X, s, pad = c.source.name, c.layer.stride, c.layer.padding
    lines = maps_lines("δ map D = ∂L/∂Z (from the neurons' deltas):", c.delta, writer)
    for o, grad in enumerate(c.grad_kernels):
        lines += maps_lines(
            f"∂L/∂K[{o}] = X̃ ⋆ D[{o}]: the correlation of the padded input with the δ map (stride {s}):", grad, writer
        )
    if c.grad_biases is not None:
        lines.append(Line(f"∂L/∂b = Σ D per channel = [{', '.join(writer.num(b) for b in c.grad_biases)}]", indent=4))
    full = f"∂L/∂{X} = Σ_o D[o] ∗ rot180(K[o]): the full convolution of δ with the flipped kernels"
    lines += maps_lines(
        full + (f", spread by the stride {s}" if s > 1 else "") + (f", padding {pad} cropped:" if pad else ":"),
        c.grad_input,
        writer,
    )
    return lines


def _first_window(c: ConvLayer, writer: Writer) -> str:
    pairs, bias = c.first_window()
    terms = [f"{writer.pnum(x)} · {writer.pnum(k)}" for x, k in pairs]
    if bias is not None:
        terms.append(writer.pnum(bias))
    return f"Z[0] at the first place = {' + '.join(terms)} = {writer.num(c.net[0][0][0])}"


def pool_lines(p: PoolLayer, writer: Writer) -> list[Line]:
    L, X = p.layer.name, p.source.name
    size = "×".join(str(n) for n in p.layer.window)
    lines = [Line(f"{L} = {p.layer.kind}({X}), window {size}, stride {p.layer.stride}", style="bold")]
    won = [{cell for row in chan for cell in row} for chan in p.winners]

    def mark(ch: int, i: int, j: int, v: Any) -> str:
        return f"[{writer.num(v)}]" if (i, j) in won[ch] else writer.num(v)

    lines += maps_lines(
        f"{X}, each window's winner in brackets (ties: the first maximum, row by row):", p.input, writer, mark
    )
    lines += maps_lines(f"{L} = the max of each window:", p.out, writer)
    lines += maps_lines(f"δ of {L} = ∂L/∂{L}:", p.delta, writer)
    lines += maps_lines(
        f"routed back to {X}: each δ to its window's winner (∂{L}/∂{X} = 1 there, 0 elsewhere):", p.routed, writer
    )
    return lines

"""The compact form of convolution and max-pooling layers (issue 16), from one example's exact pass.

For a convolution layer with input X (zero-padded: X̃), kernels K, stride s, net Z, output A and δ map D
(δ = ∂L/∂Z, from the neuron form's deltas):
- forward: Z[o][p] = Σ_i Σ_r X̃[i][p·s + r] · K[o][i][r] + b[o] (a sliding window; p, r run over the rows and
  columns), A = f(Z);
- ∂L/∂K[o][i] = the correlation of X̃[i] with D[o] (stride s): Σ_p D[o][p] · X̃[i][p·s + r];
- ∂L/∂b[o] = Σ_p D[o][p];
- ∂L/∂X[i] = Σ_o the full convolution of D[o] (spread out by the stride) with the flipped kernel K[o][i],
  cropped by the padding: ∂L/∂X̃[i][u] = Σ_o Σ_p D[o][p] · K[o][i][u − p·s].
For a max-pooling layer: each window's winner (the first maximum, row-major) and δ routed to it (a cell
that wins several windows gets their sum). Maps are (channels, rows, columns): a 1-D map has one row.
These are computed from the maps and kernels here, not read off the neuron form, so the views show the
textbook's matrix operations and the tests can hold the two to agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import product
from typing import Any

from tutor.maths import functions as fn
from tutor.model.places import MapLayer, place
from tutor.model.problem import Problem

Grid = tuple[tuple[Any, ...], ...]  # rows of numbers
Maps = tuple[Grid, ...]  # one grid per channel


@dataclass(frozen=True)
class ConvLayer:
    layer: MapLayer
    source: MapLayer
    padded: Maps  # X̃: the input with its zero padding, per input channel
    kernels: tuple[Maps, ...]  # K[o]: per output channel, per input channel
    biases: tuple[Any, ...] | None
    net: Maps  # Z per output channel
    out: Maps  # A = f(Z)
    delta: Maps  # D = ∂L/∂Z
    grad_kernels: tuple[Maps, ...]  # the correlation of X̃ with D
    grad_biases: tuple[Any, ...] | None
    grad_input: Maps  # the full convolution of D with the flipped kernels, cropped

    def first_window(self) -> tuple[list[tuple[Any, Any]], Any | None]:
        """Z[0] at the first place, worked out: its (input, kernel) products over every input channel,
        kernel row and column, and the bias (None without one)."""
        kh, kw = len(self.kernels[0][0]), len(self.kernels[0][0][0])
        pairs = [
            (self.padded[i][r][q], self.kernels[0][i][r][q])
            for i in range(len(self.padded))
            for r in range(kh)
            for q in range(kw)
        ]
        return pairs, None if self.biases is None else self.biases[0]


@dataclass(frozen=True)
class PoolLayer:
    layer: MapLayer
    source: MapLayer
    input: Maps
    out: Maps
    winners: tuple[tuple[tuple[tuple[int, int], ...], ...], ...]  # per channel, row, column: the winner's (row, col)
    delta: Maps  # ∂L/∂(pooled output)
    routed: Maps  # δ routed back to the input: the winner's sum, 0 elsewhere


def map_layers(
    problem: Problem, params: Mapping[str, Any], forward: Any, deltas: Any, inputs: Mapping[str, Any]
) -> tuple[ConvLayer | PoolLayer, ...]:
    """The compact form of every conv and pooling layer, first layer first (one example's pass, with the
    parameter values `params` that pass used)."""
    out = {**inputs, **{f.neuron: f.out for f in forward}}
    net = {f.neuron: f.net for f in forward}
    delta = {d.neuron: d.value for d in deltas}
    result: list[ConvLayer | PoolLayer] = []
    for source, layer in zip(problem.maps, problem.maps[1:], strict=False):
        if layer.kind.startswith("conv"):
            result.append(_conv(layer, source, params, out, net, delta))
        elif layer.kind.startswith("maxpool"):
            result.append(_pool(layer, source, out, delta))
    return tuple(result)


def grids(name: str, shape: tuple[int, ...], values: Mapping[str, Any]) -> Maps:
    """A layer's values as (channels, rows, columns) grids; a 1-D map has one row."""
    channels, *spatial = shape
    rows, cols = (1, spatial[0]) if len(spatial) == 1 else spatial

    def at(c: int, i: int, j: int) -> Any:
        return values[place(name, (c, j) if len(spatial) == 1 else (c, i, j))]

    return tuple(tuple(tuple(at(c, i, j) for j in range(cols)) for i in range(rows)) for c in range(channels))


def _dims(layer: MapLayer) -> tuple[int, int]:
    """A window's (rows, columns)."""
    window = layer.window[2:] if layer.kind.startswith("conv") else layer.window
    return (1, window[0]) if len(window) == 1 else (window[0], window[1])


def _conv(layer: MapLayer, source: MapLayer, params: Mapping[str, Any], out: Any, net: Any, delta: Any) -> ConvLayer:
    zero, s, pad = fn.exact(0), layer.stride, layer.padding
    one_d = len(source.shape) == 2
    x = grids(source.name, source.shape, out)
    padded = tuple(_pad(g, 0 if one_d else pad, pad, zero) for g in x)
    c_out, c_in = layer.window[:2]
    kh, kw = _dims(layer)

    def k(o: int, i: int, r: int, c: int) -> Any:
        return params[place(f"{layer.name}.kernels", (o, i, c) if one_d else (o, i, r, c))]

    kernels = tuple(
        tuple(tuple(tuple(k(o, i, r, c) for c in range(kw)) for r in range(kh)) for i in range(c_in))
        for o in range(c_out)
    )
    bias_names = [place(f"{layer.name}.biases", (o,)) for o in range(c_out)]
    biases = tuple(params[b] for b in bias_names) if bias_names[0] in params else None
    d = grids(layer.name, layer.shape, delta)
    grad_k = tuple(tuple(_correlate(padded[i], d[o], s, kh, kw, zero) for i in range(c_in)) for o in range(c_out))
    grad_b = tuple(fn.exact(sum((v for row in d[o] for v in row), zero)) for o in range(c_out)) if biases else None
    grad_x = _grad_input(d, kernels, padded, s, (0 if one_d else pad, pad), zero)
    z, a = grids(layer.name, layer.shape, net), grids(layer.name, layer.shape, out)
    return ConvLayer(layer, source, padded, kernels, biases, z, a, d, grad_k, grad_b, grad_x)


def _correlate(x: Grid, d: Grid, s: int, kh: int, kw: int, zero: Any) -> Grid:
    """∂L/∂K[o][i][r][q] = Σ_{p,t} D[o][p][t] · X̃[i][p·s + r][t·s + q]: the padded input correlated with δ."""
    places = list(product(range(len(d)), range(len(d[0]))))

    def entry(r: int, q: int) -> Any:
        return fn.exact(sum((d[p][t] * x[p * s + r][t * s + q] for p, t in places), zero))

    return tuple(tuple(entry(r, q) for q in range(kw)) for r in range(kh))


def _pad(grid: Grid, pad_rows: int, pad_cols: int, zero: Any) -> Grid:
    width = len(grid[0]) + 2 * pad_cols
    blank = tuple(zero for _ in range(width))
    body = tuple((zero,) * pad_cols + tuple(row) + (zero,) * pad_cols for row in grid)
    return (blank,) * pad_rows + body + (blank,) * pad_rows


def _grad_input(d: Maps, kernels: tuple[Maps, ...], padded: Maps, s: int, pad: tuple[int, int], zero: Any) -> Maps:
    """∂L/∂X̃[i][u][v] = Σ_o Σ_{p,q} D[o][p][q] · K[o][i][u − p·s][v − q·s], then the padding cropped."""
    rows, cols = len(padded[0]), len(padded[0][0])
    kh, kw = len(kernels[0][0]), len(kernels[0][0][0])
    out = []
    for i in range(len(padded)):
        grid = [[zero] * cols for _ in range(rows)]
        for o, dmap in enumerate(d):
            for (p, q), (r, c) in product(
                product(range(len(dmap)), range(len(dmap[0]))), product(range(kh), range(kw))
            ):
                grid[p * s + r][q * s + c] += dmap[p][q] * kernels[o][i][r][c]
        cropped = [row[pad[1] : cols - pad[1]] for row in grid[pad[0] : rows - pad[0]]]
        out.append(tuple(tuple(fn.exact(v) for v in row) for row in cropped))
    return tuple(out)


def _pool(layer: MapLayer, source: MapLayer, out: Any, delta: Any) -> PoolLayer:
    zero, s = fn.exact(0), layer.stride
    x = grids(source.name, source.shape, out)
    d = grids(layer.name, layer.shape, delta)
    kh, kw = _dims(layer)
    winners = []
    routed = []
    for xmap, dmap in zip(x, d, strict=True):
        grid = [[zero] * len(xmap[0]) for _ in xmap]
        chan = []
        for p, drow in enumerate(dmap):
            row = []
            for q, dv in enumerate(drow):
                cells = [(p * s + r, q * s + cc) for r in range(kh) for cc in range(kw)]
                best = max(range(len(cells)), key=lambda j: (xmap[cells[j][0]][cells[j][1]], -j))
                row.append(cells[best])
                grid[cells[best][0]][cells[best][1]] += dv
            chan.append(tuple(row))
        winners.append(tuple(chan))
        routed.append(tuple(tuple(fn.exact(v) for v in row) for row in grid))
    return PoolLayer(layer, source, x, grids(layer.name, layer.shape, out), tuple(winners), d, tuple(routed))

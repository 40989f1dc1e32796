r"""The compact form of convolution and max-pooling layers in LaTeX (`tutor.engines.convform`).

Each map is a `bmatrix` per channel: the padded input with its padding zeros as $\bar{0}$, the kernels,
the net map with its first window worked out, the δ map, $\partial L/\partial K = \tilde{X} \star \delta$
(correlation), $\partial L/\partial b$, $\partial L/\partial X$ as the full convolution of δ with the
flipped kernels; for pooling each window's winner as $\hat{6}$ and δ routed back to it. Only the
vocabulary `tutor.render.mathml` reads is used, so the HTML page shows the same formulas.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from tutor.engines.convform import ConvLayer, Grid, Maps, PoolLayer, map_layers
from tutor.model.backward import Delta
from tutor.model.derivation import ForwardNeuron
from tutor.model.problem import Problem
from tutor.render import latexfmt as lf
from tutor.render.latexblocks import align
from tutor.render.latexmath import MathWriter

TITLE = "Convolution and pooling, map by map"
MAX_GRID = 12  # rows or columns beyond which a map is left to the neuron form
INTRO = (
    r"Each map is written per channel (rows and columns). $\tilde{X}$ is a layer's input with its zero padding"
    r" ($\bar{0}$), $Z$ its net map, $\delta = \partial L / \partial Z$ its $\delta$ map; $\star$ is the correlation"
    r" (the kernel slides over the input, as PyTorch's conv2d) and $\ast$ the full convolution (with the kernel"
    r" flipped). A pooling window's winner is marked $\hat{v}$; $\delta$ goes back to it alone."
)


def conv_section(
    problem: Problem,
    params: Mapping[str, Any],
    forward: Sequence[ForwardNeuron],
    deltas: Sequence[Delta],
    inputs: Mapping[str, Any],
    writer: MathWriter,
    heading: str,
) -> Iterator[str]:
    layers = map_layers(problem, params, forward, deltas, inputs)
    if not layers:
        return
    yield rf"{heading}{{{TITLE}}}"
    yield INTRO + "\n"
    for layer in layers:
        yield _layer_note(layer)
        yield align(conv_rows(layer, writer) if isinstance(layer, ConvLayer) else pool_rows(layer, writer))


def _layer_note(layer: ConvLayer | PoolLayer) -> str:
    spec = layer.layer
    size = r" \times ".join(str(n) for n in spec.window)
    what = "kernels" if isinstance(layer, ConvLayer) else "window"
    pad = f", zero padding {spec.padding}" if isinstance(layer, ConvLayer) else ""
    head = f"{lf.line(spec.name)} = {spec.kind}({lf.line(layer.source.name)})"
    return rf"\textbf{{{head}}}: {what} ${size}$, stride {spec.stride}{pad}." + "\n"


def bmatrix(grid: Grid, cell: Callable[[int, int, Any], str]) -> str:
    if len(grid) > MAX_GRID or len(grid[0]) > MAX_GRID:
        return rf"\text{{(a {len(grid)} by {len(grid[0])} map: see the neurons)}}"
    body = r" \\ ".join(" & ".join(cell(i, j, v) for j, v in enumerate(row)) for i, row in enumerate(grid))
    return r"\begin{bmatrix}" + body + r"\end{bmatrix}"


def maps(values: Maps, writer: MathWriter, cell: Callable[[int, int, int, Any], str] | None = None) -> str:
    """The channels side by side, separated by commas."""
    parts = []
    for c, grid in enumerate(values):

        def fmt(i: int, j: int, v: Any, c: int = c) -> str:
            return cell(c, i, j, v) if cell else writer.num(v)

        parts.append(bmatrix(grid, fmt))
    return r",\; ".join(parts)


def conv_rows(c: ConvLayer, writer: MathWriter) -> list[str]:
    L, X = lf.name(c.layer.name), lf.name(c.source.name)
    s, pad = c.layer.stride, c.layer.padding
    rows_pad = 0 if len(c.source.shape) == 2 else pad

    def padded(ch: int, i: int, j: int, v: Any) -> str:
        inside = rows_pad <= i < len(c.padded[0]) - rows_pad and pad <= j < len(c.padded[0][0]) - pad
        return writer.num(v) if inside else r"\bar{0}"

    out = [rf"\tilde{{X}}^{{{L}}} &= {maps(c.padded, writer, padded)}"]
    for o, kernel in enumerate(c.kernels):
        out.append(rf"K^{{{L}}}_{{{o}}} &= {maps(kernel, writer)}")
    if c.biases is not None:
        out.append(rf"b^{{{L}}} &= {bmatrix((c.biases,), lambda i, j, v: writer.num(v))}")
    out.append(rf"Z^{{{L}}}_{{0}}(\text{{first window}}) &= {_first_window(c, writer)}")
    out.append(rf"Z^{{{L}}} &= \tilde{{X}}^{{{L}}} \star K^{{{L}}} = {maps(c.net, writer)}")
    out.append(rf"{L} &= f(Z^{{{L}}}) = {maps(c.out, writer)}")
    out.append(rf"\delta^{{{L}}} &= \frac{{\partial L}}{{\partial Z^{{{L}}}}} = {maps(c.delta, writer)}")
    for o, grad in enumerate(c.grad_kernels):
        k = rf"\frac{{\partial L}}{{\partial K^{{{L}}}_{{{o}}}}}"
        out.append(rf"{k} &= \tilde{{X}}^{{{L}}} \star \delta^{{{L}}}_{{{o}}} = {maps(grad, writer)}")
    if c.grad_biases is not None:
        grad_b = bmatrix((c.grad_biases,), lambda i, j, v: writer.num(v))
        out.append(rf"\frac{{\partial L}}{{\partial b^{{{L}}}}} &= \sum \delta^{{{L}}} = {grad_b}")
    spread = rf" \text{{ (spread by the stride {s})}}" if s > 1 else ""
    crop = rf" \text{{, padding {pad} cropped}}" if pad else ""
    rule = rf"\sum_{{o}} \delta^{{{L}}}_{{o}} \ast K^{{{L}}}_{{o}}{spread}{crop}"
    out.append(rf"\frac{{\partial L}}{{\partial {X}}} &= {rule} = {maps(c.grad_input, writer)}")
    return out


def _first_window(c: ConvLayer, writer: MathWriter) -> str:
    pairs, bias = c.first_window()
    terms = [rf"{writer.pnum(x)} \cdot {writer.pnum(k)}" for x, k in pairs]
    if bias is not None:
        terms.append(writer.pnum(bias))
    if len(terms) > 12:
        terms = [*terms[:5], r"\dots", *terms[-2:]]
    return " + ".join(terms) + f" = {writer.num(c.net[0][0][0])}"


def pool_rows(p: PoolLayer, writer: MathWriter) -> list[str]:
    L, X = lf.name(p.layer.name), lf.name(p.source.name)
    won = [{cell for row in chan for cell in row} for chan in p.winners]

    def mark(ch: int, i: int, j: int, v: Any) -> str:
        return rf"\hat{{{writer.num(v)}}}" if (i, j) in won[ch] else writer.num(v)

    return [
        rf"{X} &= {maps(p.input, writer, mark)}",
        rf"{L} &= \max \text{{ of each window}} = {maps(p.out, writer)}",
        rf"\delta^{{{L}}} &= {maps(p.delta, writer)}",
        rf"\frac{{\partial L}}{{\partial {X}}} &= \delta^{{{L}}} \text{{ routed to the winners}}"
        + f" = {maps(p.routed, writer)}",
    ]

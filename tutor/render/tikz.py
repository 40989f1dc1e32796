"""The network as a TikZ picture: nodes by layer, edges labelled with their parameters.

Layers are `Network.depth` (inputs 0, then each neuron one more than its deepest source); nodes keep
the problem's order within a layer. Every connection is an edge, so sparse networks are drawn as they
are, and a shared parameter is labelled on each of its edges. A bias is a short arrow from above with
its label. Up to `MAX_LABELLED` nodes per layer the edges carry `$w_{13}=2$`; beyond that the drawing
is compact: smaller, and without edge or bias labels.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from tutor.network import Network
from tutor.render import latexfmt as lf

MAX_LABELLED = 6  # nodes per layer up to which edges carry labels
MAX_HEIGHT = 18.0  # cm a compact drawing may take
MAX_WIDTH = 12.5  # cm from the input layer to the output layer
EDGE_DIGITS = 4  # significant digits of values on edges


def short(name: str, value: object) -> str:
    """`w_{13}=2` for a label: exact when short, else rounded to EDGE_DIGITS with ≈."""
    text = lf.num(value, EDGE_DIGITS)
    if len(text) <= EDGE_DIGITS + 3:
        return f"{lf.name(name)}={text}"
    return rf"{lf.name(name)} \approx {lf.rounded(value, EDGE_DIGITS)}"


@dataclass(frozen=True)
class Layout:
    layer_sep: float  # cm between layers
    node_sep: float  # cm between nodes of a layer
    labelled: bool
    node_size: float  # mm


def layout(network: Network) -> Layout:
    counts: dict[int, int] = {}
    for d in network.depth.values():
        counts[d] = counts.get(d, 0) + 1
    widest = max(counts.values(), default=1)
    gaps = max(len(counts) - 1, 1)
    if widest <= MAX_LABELLED:
        return Layout(min(4.5, MAX_WIDTH / gaps), 2.4, True, 9.0)
    sep = min(0.9, MAX_HEIGHT / max(widest - 1, 1))
    return Layout(min(3.0, MAX_WIDTH / gaps), sep, False, max(2.0, min(7.0, sep * 8)))


def layers(network: Network) -> list[list[str]]:
    """Node names by layer, inputs first, in the problem's order within a layer."""
    out: list[list[str]] = [[] for _ in range(max(network.depth.values(), default=0) + 1)]
    for n in (*network.problem.inputs, *network.order):
        out[network.depth[n]].append(n)
    return out


def node_id(name: str, index: dict[str, int]) -> str:
    """A TikZ node name that is safe whatever the user called the node."""
    return f"n{index[name]}"


Point = tuple[float, float]
Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in cm
# positions along an edge, tried in this order: level edges in the middle, slanted ones off the middle,
# where dense layers cross
LEVEL = (0.5, 0.4, 0.6, 0.3, 0.7, 0.25, 0.75)
SLANTED = (0.3, 0.7, 0.4, 0.6, 0.25, 0.75, 0.5)
CHAR_CM, LABEL_HEIGHT_CM = 0.17, 0.36  # a \scriptsize label, roughly


def picture(network: Network, params: Mapping[str, object], *, caption: str = "", example: bool = True) -> str:
    """A `tikzpicture` of the network with `params` (name → value) on the edges, centred; `example`:
    the inputs and targets are labelled with their values (False for a data set: names only)."""
    lay = layout(network)
    by_layer = layers(network)
    index = {n: i for i, n in enumerate(n for layer in by_layer for n in layer)}
    at = _coordinates(by_layer, lay)
    lines = [
        r"\begin{center}",
        r"\begin{tikzpicture}[x=1cm, y=1cm, >=stealth, every node/.style={font=\small}]",
        *(_nodes(network, at, index, lay, example)),
        *(_edges(network, at, index, lay, params)),
        r"\end{tikzpicture}",
    ]
    if caption:
        lines.append(rf"\\[2pt] {{\small {caption}}}")
    lines.append(r"\end{center}")
    return "\n".join(lines)


def _coordinates(by_layer: list[list[str]], lay: Layout) -> dict[str, Point]:
    at = {}
    for d, layer in enumerate(by_layer):
        top = (len(layer) - 1) / 2 * lay.node_sep
        for i, n in enumerate(layer):
            at[n] = (d * lay.layer_sep, top - i * lay.node_sep)
    return at


def _nodes(network: Network, at: dict[str, Point], index: dict[str, int], lay: Layout, example: bool) -> list[str]:
    p = network.problem
    out = []
    style = rf"draw, circle, minimum size={lay.node_size:.1f}mm, inner sep=1pt"
    font = "" if lay.labelled else r", font=\tiny"
    for n, (x, y) in at.items():
        labels = []
        if n in p.inputs and lay.labelled and example:
            labels.append(rf"left:{{${short(n, p.inputs[n])}$}}")
        if n in p.neurons and lay.labelled:
            act = p.neurons[n].activation.name.replace("_", r"\_")
            labels.append(rf"[font=\scriptsize, text=black!60]below:{act}")
        if n in p.targets and lay.labelled:
            target = short(network.target_labels[n], p.targets[n]) if example else lf.name(network.target_labels[n])
            labels.append(rf"right:{{${target}$}}")
        fill = ", fill=black!8" if n in p.inputs else ""
        label = "".join(f", label={{{lab}}}" for lab in labels)
        text = f"${lf.name(n)}$" if lay.labelled or lay.node_sep >= 0.6 else ""
        out.append(rf"\node[{style}{fill}{font}{label}] ({node_id(n, index)}) at ({x:.2f},{y:.2f}) {{{text}}};")
    return out


def _edges(
    network: Network, at: dict[str, Point], index: dict[str, int], lay: Layout, params: Mapping[str, object]
) -> list[str]:
    """Every connection as an arrow, then every bias; labels placed where they collide with nothing yet."""
    radius = lay.node_size / 20
    taken: list[Box] = [(x - radius, y - radius, x + radius, y + radius) for x, y in at.values()]
    for n in network.order:  # bias labels sit above their neuron
        x, y = at[n]
        if network.problem.neurons[n].bias is not None:
            taken.append((x - 0.6, y + radius, x + 0.6, y + radius + 0.85))
    out = []
    for n in network.order:
        neuron = network.problem.neurons[n]
        for c in neuron.inputs:
            a, b = node_id(c.source, index), node_id(n, index)
            path = "to[bend left=18]" if network.depth[c.source] < network.depth[n] - 1 else "--"
            if not lay.labelled:
                out.append(rf"\draw[->, black!50] ({a}) {path} ({b});")
                continue
            label = short(c.parameter, params[c.parameter])
            pos = _place(at[c.source], at[n], _label_width(label), taken)
            node = rf"node[pos={pos:.2f}, sloped, fill=white, font=\scriptsize, inner sep=1pt] {{${label}$}}"
            out.append(rf"\draw[->] ({a}) {path} {node} ({b});")
        if neuron.bias is not None and lay.labelled:
            out.append(
                rf"\draw[<-] ({node_id(n, index)}.north) -- ++(0,0.45) node[above, font=\scriptsize, inner sep=1pt]"
                rf" {{${short(neuron.bias, params[neuron.bias])}$}};"
            )
    return out


def _label_width(label: str) -> float:
    return CHAR_CM * (len(label) - label.count("{") * 2 - label.count("_")) + 0.1


def _place(src: Point, dst: Point, width: float, taken: list[Box]) -> float:
    """The first of the positions along src→dst where the (sloped) label's box overlaps no box taken."""
    dx, dy = dst[0] - src[0], dst[1] - src[1]
    length = math.hypot(dx, dy) or 1.0
    cos, sin = abs(dx) / length, abs(dy) / length
    half_w = (width * cos + LABEL_HEIGHT_CM * sin) / 2
    half_h = (width * sin + LABEL_HEIGHT_CM * cos) / 2
    boxes = []
    for pos in LEVEL if abs(dy) < 1e-9 else SLANTED:
        x, y = src[0] + pos * dx, src[1] + pos * dy
        box = (x - half_w, y - half_h, x + half_w, y + half_h)
        if not any(_overlap(box, other) for other in taken):
            taken.append(box)
            return pos
        boxes.append((pos, box))
    pos, box = min(boxes, key=lambda pb: sum(_overlap_area(pb[1], o) for o in taken))
    taken.append(box)
    return pos


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _overlap_area(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0

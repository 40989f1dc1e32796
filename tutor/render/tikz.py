"""The network as a TikZ picture: nodes by layer, edges labelled with their parameters.

Layers are `Network.depth` (inputs 0, then each neuron one more than its deepest source); nodes keep
the problem's order within a layer. Every connection is an edge, so sparse networks are drawn as they
are, and a shared parameter is labelled on each of its edges. A bias is a short arrow from above with
its label. Up to `MAX_LABELLED` nodes per layer the edges carry `$w_{13}=2$`; beyond that the drawing
is compact: smaller, and without edge or bias labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tutor.network import Network
from tutor.render import latexfmt as lf
from tutor.render.tikzgeom import Point, Poly, box, disc, math_width
from tutor.render.tikzplace import LABEL_HALF_HEIGHT, EdgePath, bent, place, straight

MAX_LABELLED = 6  # nodes per layer up to which edges carry labels
MAX_HEIGHT = 18.0  # cm a compact drawing may take
MAX_WIDTH = 12.5  # cm from the input layer to the output layer
EDGE_DIGITS = 4  # significant digits of values on edges
BIAS_ARROW = 0.45  # cm: length of the arrow that brings a bias in from above
INNER_SEP = 1 / 28.45  # cm: the 1pt inner sep of a label
NODE_CLEARANCE = 0.15  # cm between a node and an edge label: room for the arrow head


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


def layout(network: Network, label_width: float = 0.0) -> Layout:
    """Spacing for the drawing; with edge labels up to `label_width` cm wide, layers are far enough apart
    for two crossing edges to carry theirs on either side of the crossing (as far as MAX_WIDTH allows)."""
    counts: dict[int, int] = {}
    for d in network.depth.values():
        counts[d] = counts.get(d, 0) + 1
    widest = max(counts.values(), default=1)
    gaps = max(len(counts) - 1, 1)
    if widest <= MAX_LABELLED:
        return Layout(min(max(4.5, 2 * label_width + 3.2), MAX_WIDTH / gaps), 2.4, True, 9.0)
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


def picture(network: Network, params: Mapping[str, object], *, caption: str = "", example: bool = True) -> str:
    """A `tikzpicture` of the network with `params` (name → value) on the edges, centred; `example`:
    the inputs and targets are labelled with their values (False for a data set: names only)."""
    lay = layout(network, max((_label_width(short(p, params[p])) for p in _edge_parameters(network)), default=0.0))
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


def _side_labels(network: Network, n: str, lay: Layout, example: bool) -> list[tuple[str, str]]:
    """The labels around node n as (side, math): the input's value left, the target right."""
    p = network.problem
    if not lay.labelled:
        return []
    out = []
    if n in p.inputs and example:
        out.append(("left", short(n, p.inputs[n])))
    if n in p.targets:
        target = short(network.target_labels[n], p.targets[n]) if example else lf.name(network.target_labels[n])
        out.append(("right", target))
    return out


def _activation(network: Network, n: str) -> str:
    return network.problem.neurons[n].activation.name.replace("_", r"\_")


def _nodes(network: Network, at: dict[str, Point], index: dict[str, int], lay: Layout, example: bool) -> list[str]:
    p = network.problem
    out = []
    style = rf"draw, circle, minimum size={lay.node_size:.1f}mm, inner sep=1pt"
    font = "" if lay.labelled else r", font=\tiny"
    for n, (x, y) in at.items():
        labels = [rf"{side}:{{${math}$}}" for side, math in _side_labels(network, n, lay, example)]
        if n in p.neurons and lay.labelled:
            labels.insert(0, rf"[font=\scriptsize, text=black!60]below:{_activation(network, n)}")
        fill = ", fill=black!8" if n in p.inputs else ""
        label = "".join(f", label={{{lab}}}" for lab in labels)
        text = f"${lf.name(n)}$" if lay.labelled or lay.node_sep >= 0.6 else ""
        out.append(rf"\node[{style}{fill}{font}{label}] ({node_id(n, index)}) at ({x:.2f},{y:.2f}) {{{text}}};")
    return out


def _edges(
    network: Network, at: dict[str, Point], index: dict[str, int], lay: Layout, params: Mapping[str, object]
) -> list[str]:
    """Every connection as an arrow, every bias as a short arrow from above; then the edge labels, on top
    of all arrows, each where `tikzplace.place` finds room for it."""
    edges = [(c.source, n, c.parameter) for n in network.order for c in network.problem.neurons[n].inputs]
    out = []
    for src, dst, _ in edges:
        style = "->" if lay.labelled else "->, black!50"
        out.append(rf"\draw[{style}] ({node_id(src, index)}) {_path(network, src, dst)} ({node_id(dst, index)});")
    if not lay.labelled:
        return out
    for n in network.order:
        bias = network.problem.neurons[n].bias
        if bias is not None:
            out.append(
                rf"\draw[<-] ({node_id(n, index)}.north) -- ++(0,{BIAS_ARROW}) node[above, font=\scriptsize,"
                rf" inner sep=1pt] {{${short(bias, params[bias])}$}};"
            )
    labels = [short(p, params[p]) for _, _, p in edges]
    paths = [_geometry(network, at, lay, src, dst) for src, dst, _ in edges]
    solids, lines = _obstacles(network, at, lay, params)
    widths = [_label_width(label) for label in labels]
    for (src, dst, _), label, pos in zip(edges, labels, place(paths, widths, solids, lines), strict=True):
        node = rf"node[pos={pos:.2f}, sloped, fill=white, font=\scriptsize, inner sep=1pt] {{${label}$}}"
        out.append(rf"\path ({node_id(src, index)}) {_path(network, src, dst)} {node} ({node_id(dst, index)});")
    return out


def _edge_parameters(network: Network) -> list[str]:
    return [c.parameter for n in network.order for c in network.problem.neurons[n].inputs]


def _skips(network: Network, src: str, dst: str) -> bool:
    return network.depth[src] < network.depth[dst] - 1


def _path(network: Network, src: str, dst: str) -> str:
    return "to[bend left=18]" if _skips(network, src, dst) else "--"


def _geometry(network: Network, at: dict[str, Point], lay: Layout, src: str, dst: str) -> EdgePath:
    radius = lay.node_size / 20
    return (bent if _skips(network, src, dst) else straight)(at[src], at[dst], radius)


def _label_width(label: str, size_pt: float = 8.0) -> float:
    return math_width(label, size_pt) + 2 * INNER_SEP


def _obstacles(
    network: Network, at: dict[str, Point], lay: Layout, params: Mapping[str, object]
) -> tuple[list[Poly], list[list[Point]]]:
    """What edge labels must keep off (nodes, the labels around them, bias labels) and the bias arrows."""
    radius = lay.node_size / 20
    solids: list[Poly] = []
    lines: list[list[Point]] = []
    for n, (x, y) in at.items():
        solids.append(disc((x, y), radius + NODE_CLEARANCE))
        for side, math in _side_labels(network, n, lay, True):
            w = _label_width(math, 10.0) + 0.2
            x0 = x - radius - w if side == "left" else x + radius
            solids.append(box(x0, y - 0.25, x0 + w, y + 0.25))
        if n in network.problem.neurons:
            w = 0.15 * len(_activation(network, n)) + 0.2
            solids.append(box(x - w / 2, y - radius - 0.4, x + w / 2, y - radius))
            bias = network.problem.neurons[n].bias
            if bias is not None:
                top = y + radius + BIAS_ARROW
                w = _label_width(short(bias, params[bias]))
                lines.append([(x, y + radius), (x, top)])
                solids.append(box(x - w / 2, top, x + w / 2, top + 2 * LABEL_HALF_HEIGHT))
    return solids, lines

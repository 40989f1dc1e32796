"""The network as a TikZ picture: nodes by layer, edges labelled with their parameters.

Layers are `Network.depth` (inputs 0, then each neuron one more than its deepest source); nodes keep
the problem's order within a layer. Every connection is an edge, so sparse networks are drawn as they
are, and a shared parameter is labelled on each of its edges; an edge that skips a layer is an arc bowing
away from the middle. A bias is a short arrow from above with its label. Up to `MAX_LABELLED` nodes per
layer the edges carry `$w_{13}=2$`, set along the edge where `tikzplace` finds room (drawn over all the
arrows), with the layers spread apart for long labels as far as the page allows; where the edges into a
layer leave no readable room, they go unlabelled and a note under the drawing says so. Beyond
`MAX_LABELLED` nodes in a layer or `MAX_LABELLED_LAYERS` layers (a long chain) the drawing is compact:
smaller, without edge or bias labels, and drawn in time linear in its size (no label to place).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tutor.model.network import Network
from tutor.model.pooling import is_route
from tutor.render import latexfmt as lf
from tutor.render.figures import figure
from tutor.render.tikzcolumns import columns, drawing_order
from tutor.render.tikzgeom import Point, Poly, box, disc, math_width
from tutor.render.tikzplace import LABEL_HALF_HEIGHT, EdgePath, bent, place, straight

MAX_LABELLED = 6  # nodes per layer up to which edges carry labels
MAX_LABELLED_LAYERS = 7  # layers (the inputs' included) up to which edges carry labels: a long chain is compact
MAX_HEIGHT = 18.0  # cm a compact drawing may take
MAX_WIDTH = 14.0  # cm from the input layer to the output layer, if the page has room
TEXT_WIDTH = 16.6  # cm: an A4 page with the 2.2 cm margins of the document
EDGE_DIGITS = 4  # significant digits of values on edges
BIAS_ARROW = 0.45  # cm: length of the arrow that brings a bias in from above
INNER_SEP = 1 / 28.45  # cm: the 1pt inner sep of a label
SKIP_BEND = 18.0  # degrees a connection that skips a layer bends by
NODE_CLEARANCE = 0.15  # cm between a node and an edge label: room for the arrow head


def short(name: str, value: object) -> str:
    """`w_{13}=2` for a label: `=` only where the number shown is the value exactly and short, else
    rounded to EDGE_DIGITS with ≈ (one rule for every drawing: before and after the step alike)."""
    return lf.labelled(lf.name(name), value, EDGE_DIGITS).replace(" = ", "=")


def edge_label(parameter: str, params: Mapping[str, object]) -> str:
    """An edge's label: its parameter and value; a max-pooling neuron's edge (a route, no parameter) `max`."""
    return r"\max" if is_route(parameter) else short(parameter, params[parameter])


@dataclass(frozen=True)
class Layout:
    layer_sep: float  # cm between layers
    node_sep: float  # cm between nodes of a layer
    labelled: bool
    node_size: float  # mm


def layout(network: Network, label_width: float = 0.0, side_width: float = 0.0) -> Layout:
    """Spacing for the drawing; with edge labels up to `label_width` cm wide, layers are far enough apart
    for two crossing edges to carry theirs on either side of the crossing, as far as the page allows
    next to `side_width` cm of labels left of the inputs and right of the outputs."""
    counts: dict[int, int] = {}
    for d in columns(network).values():
        counts[d] = counts.get(d, 0) + 1
    widest = max(counts.values(), default=1)
    gaps = max(len(counts) - 1, 1)
    if widest <= MAX_LABELLED and len(counts) <= MAX_LABELLED_LAYERS:
        span = min(MAX_WIDTH, TEXT_WIDTH - side_width - 1.2)  # 1.2: a node's width and a margin
        return Layout(min(max(4.5, 2 * label_width + 3.2), span / gaps), 2.4, True, 9.0)
    sep = min(0.9, MAX_HEIGHT / max(widest - 1, 1))
    layer_sep = min(3.0, MAX_WIDTH / gaps)
    return Layout(layer_sep, sep, False, min(max(2.0, min(7.0, sep * 8)), 8 * layer_sep))  # nodes never overlap


def layers(network: Network) -> list[list[str]]:
    """Node names by layer, inputs first, in the problem's order within a layer."""
    column = columns(network)
    out: list[list[str]] = [[] for _ in range(max(column.values(), default=0) + 1)]
    for n in drawing_order(network):
        out[column[n]].append(n)
    return out


def node_id(name: str, index: dict[str, int]) -> str:
    """A TikZ node name that is safe whatever the user called the node."""
    return f"n{index[name]}"


def picture(network: Network, params: Mapping[str, object], *, caption: str = "", example: bool = True) -> str:
    """A `tikzpicture` of the network with `params` (name → value) on the edges, centred; `example`:
    the inputs and targets are labelled with their values (False for a data set: names only). A figure
    of kind "network" (`tutor.render.figures`): the HTML page draws it as SVG from the same layout. A network
    with feature maps (issue 16) is a table of its layers instead (`tutor.render.convdraw`)."""
    if network.problem.maps:
        from tutor.render.convdraw import map_picture

        return map_picture(network.problem, caption)
    return figure("network", _picture, network, params, caption=caption, example=example)


def _picture(network: Network, params: Mapping[str, object], *, caption: str = "", example: bool = True) -> str:
    drawing = arrange(network, params, example)
    by_layer = layers(network)
    edges, crowded = drawing.edges()
    lines = [
        r"\begin{center}",
        r"\begin{tikzpicture}[x=1cm, y=1cm, >=stealth, every node/.style={font=\small}]",
        *drawing.nodes(),
        *edges,
        r"\end{tikzpicture}",
    ]
    notes = [caption] if caption else []
    for d in crowded:
        names = ", ".join(f"${lf.name(n)}$" for n in by_layer[d])
        notes.append(f"The edges into {names} are too many to label: their weights are listed with the parameters.")
    if notes:
        lines.append(rf"\\[2pt] {{\small {' '.join(notes)}}}")
    lines.append(r"\end{center}")
    return "\n".join(lines)


def arrange(network: Network, params: Mapping[str, object], example: bool = True) -> Drawing:
    """The drawing's geometry, for every back end: spacing, node centres, edge paths, label places."""
    widest = max((_label_width(edge_label(p, params)) for p in _edge_parameters(network)), default=0.0)
    lay = layout(network, widest, _side_width(network, example))
    by_layer = layers(network)
    index = {n: i for i, n in enumerate(n for layer in by_layer for n in layer)}
    return _Drawing(network, params, example, lay, _coordinates(by_layer, lay), index)


def _coordinates(by_layer: list[list[str]], lay: Layout) -> dict[str, Point]:
    at = {}
    for d, layer in enumerate(by_layer):
        top = (len(layer) - 1) / 2 * lay.node_sep
        for i, n in enumerate(layer):
            at[n] = (d * lay.layer_sep, top - i * lay.node_sep)
    return at


def _side_width(network: Network, example: bool) -> float:
    """cm taken by the widest label left of a node plus the widest right of one."""
    widths = {"left": 0.0, "right": 0.0}
    for n in network.depth:
        for side, math in _side_labels(network, n, example):
            widths[side] = max(widths[side], _side_label_width(math))
    return widths["left"] + widths["right"]


def _side_label_width(math: str) -> float:
    return math_width(math, 10.0) + 0.24  # \small, and the label's inner sep of 1/3 em each side


def _side_labels(network: Network, n: str, example: bool) -> list[tuple[str, str]]:
    """The labels around node n as (side, math): the input's value left, the target right."""
    p = network.problem
    out = []
    if n in p.inputs and example:
        out.append(("left", short(n, p.inputs[n])))
    if n in p.targets:
        target = short(network.target_labels[n], p.targets[n]) if example else lf.name(network.target_labels[n])
        out.append(("right", target))
    return out


def _edge_parameters(network: Network) -> list[str]:
    return [c.parameter for n in network.order for c in network.problem.neurons[n].inputs]


def _label_width(label: str) -> float:
    return math_width(label) + 2 * INNER_SEP


@dataclass(frozen=True)
class _Drawing:
    network: Network
    params: Mapping[str, object]
    example: bool
    lay: Layout
    at: dict[str, Point]  # node → centre, cm
    index: dict[str, int]  # node → number in its TikZ name

    @property
    def radius(self) -> float:
        return self.lay.node_size / 20

    def id(self, n: str) -> str:
        return node_id(n, self.index)

    def nodes(self) -> list[str]:
        p, lay = self.network.problem, self.lay
        out = []
        style = rf"draw, circle, minimum size={lay.node_size:.1f}mm, inner sep=1pt"
        font = "" if lay.labelled else r", font=\tiny"
        for n, (x, y) in self.at.items():
            sides = _side_labels(self.network, n, self.example) if lay.labelled else []
            labels = [rf"{side}:{{${math}$}}" for side, math in sides]
            if n in p.neurons and lay.labelled:  # a neuron has no label on the left: this one goes first
                labels.insert(0, rf"[font=\scriptsize, text=black!60]below:{self._activation(n)}")
            fill = ", fill=black!8" if n in p.inputs else ""
            label = "".join(f", label={{{lab}}}" for lab in labels)
            text = f"${lf.name(n)}$" if lay.labelled or min(lay.node_sep, lay.layer_sep) >= 0.6 else ""
            out.append(rf"\node[{style}{fill}{font}{label}] ({self.id(n)}) at ({x:.2f},{y:.2f}) {{{text}}};")
        return out

    def _activation(self, n: str) -> str:
        return self.network.problem.neurons[n].activation.name.replace("_", r"\_")

    def edges(self) -> tuple[list[str], list[int]]:
        """Every connection as an arrow, every bias as a short arrow from above; then the edge labels, on
        top of all arrows, each where `tikzplace.place` finds room for it. Where even the best room is
        crowded, the edges into that layer go without labels: those layers are returned too."""
        edges = self.connections()
        style = "->" if self.lay.labelled else "->, black!50"
        out = [rf"\draw[{style}] ({self.id(a)}) {self._path(a, b)} ({self.id(b)});" for a, b, _ in edges]
        if not self.lay.labelled:
            return out, []
        for n, bias in self._biases():
            out.append(
                rf"\draw[<-] ({self.id(n)}.north) -- ++(0,{BIAS_ARROW}) node[above, font=\scriptsize,"
                rf" inner sep=1pt] {{${short(bias, self.params[bias])}$}};"
            )
        placed, crowded = self.placed_labels()
        for (a, b, _), label, pos in placed:
            node = rf"node[pos={pos:.2f}, sloped, fill=white, font=\scriptsize, inner sep=1pt] {{${label}$}}"
            out.append(rf"\path ({self.id(a)}) {self._path(a, b)} {node} ({self.id(b)});")
        return out, crowded

    def connections(self) -> list[tuple[str, str, str]]:
        """Every edge as (source, target, parameter), in drawing order."""
        return [(c.source, n, c.parameter) for n in self.network.order for c in self.network.problem.neurons[n].inputs]

    def placed_labels(self) -> tuple[list[tuple[tuple[str, str, str], str, float]], list[int]]:
        """The edge labels `tikzplace.place` finds room for, as (edge, label, pos), and the crowded layers
        (whose edges go without)."""
        edges = self.connections()
        labels = [edge_label(p, self.params) for _, _, p in edges]
        paths = [self.geometry(a, b) for a, b, _ in edges]
        solids, lines = self._obstacles()
        places = place(paths, [_label_width(label) for label in labels], solids, lines)
        crowded = {columns(self.network)[b] for (_, b, _), (_, bad) in zip(edges, places, strict=True) if bad}
        placed = [
            (e, label, pos)
            for e, label, (pos, _) in zip(edges, labels, places, strict=True)
            if columns(self.network)[e[1]] not in crowded
        ]
        return placed, sorted(crowded)

    def biases(self) -> list[tuple[str, str]]:
        """(neuron, bias parameter) of every neuron with a bias."""
        return self._biases()

    def side_labels(self, n: str) -> list[tuple[str, str]]:
        """The labels around node n as (side, math), where the drawing has labels."""
        return _side_labels(self.network, n, self.example) if self.lay.labelled else []

    def activation(self, n: str) -> str:
        return self.network.problem.neurons[n].activation.name

    def _biases(self) -> list[tuple[str, str]]:
        neurons = self.network.problem.neurons
        return [(n, bias) for n in self.network.order if (bias := neurons[n].bias) is not None]

    def _skips(self, a: str, b: str) -> bool:
        return columns(self.network)[a] < columns(self.network)[b] - 1

    def _path(self, a: str, b: str) -> str:
        if not self._skips(a, b):
            return "--"
        return f"to[bend {'left' if self._bend(a, b) > 0 else 'right'}={SKIP_BEND:g}]"

    def _bend(self, a: str, b: str) -> float:
        """A skip connection bows outwards: up from a source above its target (or level), else down."""
        return SKIP_BEND if self.at[a][1] >= self.at[b][1] else -SKIP_BEND

    def geometry(self, a: str, b: str) -> EdgePath:
        if self._skips(a, b):
            return bent(self.at[a], self.at[b], self.radius, self._bend(a, b))
        return straight(self.at[a], self.at[b], self.radius)

    def _obstacles(self) -> tuple[list[Poly], list[list[Point]]]:
        """What edge labels must keep off (nodes, the labels around them, bias labels) and the bias arrows."""
        r = self.radius
        solids: list[Poly] = [disc(c, r + NODE_CLEARANCE) for c in self.at.values()]
        for n, (x, y) in self.at.items():
            for side, math in _side_labels(self.network, n, self.example):
                w = _side_label_width(math)
                x0 = x - r - w if side == "left" else x + r
                solids.append(box(x0, y - 0.25, x0 + w, y + 0.25))
            if n in self.network.problem.neurons:  # the activation's name below
                w = 0.15 * len(self._activation(n)) + 0.2
                solids.append(box(x - w / 2, y - r - 0.4, x + w / 2, y - r))
        lines: list[list[Point]] = []
        for n, bias in self._biases():
            (x, y), w = self.at[n], _label_width(short(bias, self.params[bias]))
            lines.append([(x, y + r), (x, y + r + BIAS_ARROW)])
            solids.append(box(x - w / 2, y + r + BIAS_ARROW, x + w / 2, y + r + BIAS_ARROW + 2 * LABEL_HALF_HEIGHT))
        return solids, lines


Drawing = _Drawing  # what `arrange` gives every back end (`svgnet` draws it as SVG)

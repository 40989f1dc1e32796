"""The network drawing as SVG, from the TikZ drawing's own geometry (`tikz.arrange`): one layout, two back ends.

Node centres, the edges' Bézier paths (border to border, bent for a skip connection), where each weight
label sits along its edge and which layers are too crowded for labels all come from `tikz` and
`tikzplace`; this module only writes them as SVG (y up in cm there, y down in px here). Labels are the
same LaTeX as the TikZ labels, written as SVG text (`svgtext.label`). Every edge carries the ids of the
parameters whose chain-rule paths run through it (`data-p`), and a weight label links to its gradient
(`#grad-…`), for the page's highlighting; the drawing is also a standalone image (Moodle).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from tutor.escape import html_text
from tutor.model.network import Network
from tutor.render import latexfmt as lf
from tutor.render.mathml import inner
from tutor.render.svgtext import label
from tutor.render.tikz import BIAS_ARROW, Drawing, arrange, layers, short
from tutor.render.tikzgeom import math_width
from tutor.render.tikzplace import LABEL_HALF_HEIGHT, EdgePath

PX = 42.0  # px per cm
MARGIN = 0.5  # cm around everything
STYLE = (
    "<style>.nn{color:#1a1a1a;font:14px 'DejaVu Serif',Georgia,serif}.nn .edge{stroke:currentColor;fill:none;"
    "stroke-width:1.2}.nn .node{stroke:currentColor;fill:var(--bg,#fff);stroke-width:1.2}.nn .input{fill:var("
    "--input,#ececec)}.nn text{fill:currentColor}.nn .lab{font-size:12px;paint-order:stroke;stroke:var(--bg,#fff)"
    ";stroke-width:3px;stroke-linejoin:round}.nn .act{font-size:11px;opacity:.65}.nn .faint{opacity:.5}"
    ".nn .bg{fill:var(--bg,#fff)}</style>"
)


def ids_of(network: Network) -> dict[str, str]:
    """Each parameter's id in the page (`p0`, `p1`, …, in the problem's order): safe whatever its name."""
    return {p: f"p{i}" for i, p in enumerate(network.problem.parameters)}


def downstream(network: Network) -> dict[str, set[str]]:
    """Each node and the neurons it feeds, directly or not (itself included)."""
    feeds: dict[str, set[str]] = {n: {n} for n in network.depth}
    for n in reversed(network.order):
        for c in network.problem.neurons[n].inputs:
            feeds[c.source] |= feeds[n]
    return feeds


def on_paths(network: Network) -> dict[tuple[str, str], set[str]]:
    """For each edge (source, target), the parameters whose chain-rule paths run through it: its own, and
    every weight or bias into a neuron that feeds the edge's source."""
    feeds, neurons = downstream(network), network.problem.neurons
    into: dict[str, set[str]] = {n: set() for n in network.depth}
    for n in network.order:
        bias = neurons[n].bias
        into[n] |= {c.parameter for c in neurons[n].inputs} | ({bias} if bias is not None else set())
    out: dict[tuple[str, str], set[str]] = {}
    for n in network.order:
        for c in neurons[n].inputs:
            out[(c.source, n)] = {c.parameter} | {p for m, ps in into.items() if c.source in feeds[m] for p in ps}
    params = network.problem.parameters  # a max-pooling neuron's edges carry routes, no parameter
    return {edge: {p for p in ps if p in params} for edge, ps in out.items()}


class _Canvas:
    def __init__(self, at: Mapping[str, tuple[float, float]], pad: tuple[float, float, float, float]) -> None:
        xs, ys = [p[0] for p in at.values()], [p[1] for p in at.values()]
        left, right, top, bottom = pad
        self.x0, self.y1 = min(xs) - left - MARGIN, max(ys) + top + MARGIN
        self.width = (max(xs) + right + MARGIN - self.x0) * PX
        self.height = (self.y1 - (min(ys) - bottom - MARGIN)) * PX

    def xy(self, p: tuple[float, float]) -> tuple[float, float]:
        return ((p[0] - self.x0) * PX, (self.y1 - p[1]) * PX)

    def path(self, e: EdgePath) -> str:
        pts = [self.xy(p) for p in (e.start, e.c1, e.c2, e.end)]
        return "M{:.1f},{:.1f} C{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}".format(*(c for p in pts for c in p))


def network_svg(network: Network, params: Mapping[str, object], *, caption: str = "", example: bool = True) -> str:
    """The drawing as a `<figure>` holding an `<svg>`; `caption` and the crowded layers' note below it."""
    svg, crowded = drawing_svg(network, params, example)
    by_layer = layers(network)
    notes = [html_text(caption)] if caption else []
    for d in crowded:
        names = ", ".join(f"<math>{_mi(n)}</math>" for n in by_layer[d])
        notes.append(f"The edges into {names} are too many to label: their weights are listed with the parameters.")
    below = f"<figcaption>{' '.join(notes)}</figcaption>" if notes else ""
    return f'<figure class="net">{svg}{below}</figure>'


def _mi(name: str) -> str:
    return inner(lf.name(name))


def drawing_svg(network: Network, params: Mapping[str, object], example: bool = True) -> tuple[str, list[int]]:
    """The `<svg>` element of the drawing and the crowded layers (whose edges go without labels)."""
    d = arrange(network, params, example)
    r, ids = d.radius, ids_of(network)
    side = max((math_width(m, 10.0) + 0.3 for n in d.at for _, m in d.side_labels(n)), default=0.0)
    canvas = _Canvas(d.at, (side + r, side + r, r + (BIAS_ARROW + 0.5 if d.biases() else 0.2), r + 0.5))
    paths = on_paths(network)
    parts = [
        f'<svg class="nn" xmlns="http://www.w3.org/2000/svg" width="{canvas.width:.0f}" height="{canvas.height:.0f}"'
        f' viewBox="0 0 {canvas.width:.0f} {canvas.height:.0f}" role="img">{STYLE}'
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7"'
        ' orient="auto-start-reverse"><path d="M0,1 L10,5 L0,9 z" fill="currentColor"/></marker></defs>'
    ]
    faint = "" if d.lay.labelled else " faint"
    for a, b, _ in d.connections():
        marks = " ".join(ids[q] for q in sorted(paths[(a, b)], key=list(ids).index))
        parts.append(
            f'<path class="edge{faint}" data-p="{marks}" d="{canvas.path(d.geometry(a, b))}" marker-end="url(#arrow)"/>'
        )
    parts += _nodes(d, canvas)
    if d.lay.labelled:
        parts += _biases(d, canvas, ids)
    placed, crowded = d.placed_labels() if d.lay.labelled else ([], [])
    for (a, b, p), text, pos in placed:
        parts.append(_edge_label(canvas, d.geometry(a, b), pos, text, ids.get(p)))  # None: a pooling route
    parts.append("</svg>")
    return "".join(parts), crowded


def _nodes(d: Drawing, canvas: _Canvas) -> list[str]:
    out, r, inputs = [], d.radius, d.network.problem.inputs
    for n, centre in d.at.items():
        x, y = canvas.xy(centre)
        kind = "node input" if n in inputs else "node"
        out.append(f'<circle class="{kind}" cx="{x:.1f}" cy="{y:.1f}" r="{r * PX:.1f}"/>')
        if d.lay.labelled or min(d.lay.node_sep, d.lay.layer_sep) >= 0.6:
            size = "" if d.lay.labelled else ' font-size="9"'
            out.append(
                f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" dy="0.35em"{size}>{label(lf.name(n))}</text>'
            )
        if n in d.network.problem.neurons and d.lay.labelled:
            out.append(
                f'<text class="act" x="{x:.1f}" y="{y + r * PX + 12:.1f}" text-anchor="middle">'
                f"{html_text(d.activation(n))}</text>"
            )
        for where, text in d.side_labels(n):
            dx = -(r * PX + 4) if where == "left" else r * PX + 4
            anchor = "end" if where == "left" else "start"
            out.append(f'<text x="{x + dx:.1f}" y="{y:.1f}" dy="0.35em" text-anchor="{anchor}">{label(text)}</text>')
    return out


def _biases(d: Drawing, canvas: _Canvas, ids: Mapping[str, str]) -> list[str]:
    out = []
    for n, bias in d.biases():
        cx, cy = d.at[n]
        x, y0 = canvas.xy((cx, cy + d.radius))
        _, y1 = canvas.xy((cx, cy + d.radius + BIAS_ARROW))
        out.append(
            f'<path class="edge" data-p="{ids[bias]}" d="M{x:.1f},{y1:.1f} L{x:.1f},{y0:.1f}"'
            ' marker-end="url(#arrow)"/>'
        )
        text = short(bias, d.params[bias])
        out.append(
            f'<a href="#grad-{ids[bias]}" class="param" data-param="{ids[bias]}"><text class="lab" x="{x:.1f}"'
            f' y="{y1 - 4:.1f}" text-anchor="middle">{label(text)}</text></a>'
        )
    return out


def _edge_label(canvas: _Canvas, path: EdgePath, pos: float, text: str, pid: str | None) -> str:
    x, y = canvas.xy(path.at(pos))
    dx, dy = path.direction(pos)
    angle = -math.degrees(math.atan2(dy, dx))
    if angle > 90:
        angle -= 180
    elif angle < -90:
        angle += 180
    w, h = (math_width(text) + 0.1) * PX, 2 * LABEL_HALF_HEIGHT * PX
    body = (
        f'<g transform="rotate({angle:.1f} {x:.1f} {y:.1f})">'
        f'<rect class="bg" x="{x - w / 2:.1f}" y="{y - h / 2:.1f}" width="{w:.1f}" height="{h:.1f}"/>'
        f'<text class="lab" x="{x:.1f}" y="{y:.1f}" dy="0.35em" text-anchor="middle">{label(text)}</text></g>'
    )
    return body if pid is None else f'<a href="#grad-{pid}" class="param" data-param="{pid}">{body}</a>'

"""A computation graph and a loss curve as SVG: the drawings of the LaTeX view (`latexgraph.picture`, the
pgfplots curve of `curve`) at the same positions and with the same labels, for the HTML page."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from tutor.engines.graph import GraphDerivation, parents
from tutor.escape import html_text
from tutor.render import latexfmt as lf
from tutor.render.exprlatex import to_latex
from tutor.render.latexgraph import EDGE_DIGITS, depths, positions
from tutor.render.svgnet import STYLE
from tutor.render.svgtext import label
from tutor.render.tikzgeom import math_width

PX = 42.0  # px per cm
BOX_HEIGHT = 0.7  # cm
ARROW = (
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7"'
    ' orient="auto-start-reverse"><path d="M0,1 L10,5 L0,9 z" fill="currentColor"/></marker></defs>'
)
GRAPH_NOTE = (
    "Above each node its value (forward pass), below it the gradient (backward pass),"
    " on each edge the local derivative."
)


def graph_svg(d: GraphDerivation, values: Mapping[str, Any] | None, digits: int) -> str:
    """The graph drawn by depth: boxes at `latexgraph.positions`; with `values`, values above, gradients
    below and local derivatives on the edges."""
    p = d.problem
    at, depth = positions(p, d.order), depths(p, d.order)
    texts = {n: lf.name(n) if n in p.inputs else f"{lf.name(n)} = {to_latex(p.nodes[n], digits=digits)}" for n in at}
    half = {n: (math_width(t, 10.0) + 0.3) / 2 for n, t in texts.items()}
    xs = [x for x, _ in at.values()]
    ys = [y for _, y in at.values()]
    x0 = min(x - half[n] for n, (x, _) in at.items()) - 0.6
    x1 = max(x + half[n] for n, (x, _) in at.items()) + 0.6
    y1, y0 = max(ys) + 1.1, min(ys) - 1.1
    del xs

    def xy(x: float, y: float) -> tuple[float, float]:
        return ((x - x0) * PX, (y1 - y) * PX)

    w, h = (x1 - x0) * PX, (y1 - y0) * PX
    out = [f'<svg class="nn" xmlns="http://www.w3.org/2000/svg" width="{w:.0f}" height="{h:.0f}"'
           f' viewBox="0 0 {w:.0f} {h:.0f}" role="img">{STYLE}{ARROW}']  # fmt: skip
    edges = [(e.parent, e.child, e.value) for e in d.local] if values is not None else [
        (src, n, None) for n in d.order for src in parents(p, n)
    ]  # fmt: skip
    for a, b, value in edges:
        (ax, ay), (bx, by) = xy(at[a][0] + half[a], at[a][1]), xy(at[b][0] - half[b], at[b][1])
        out.append(f'<path class="edge" d="M{ax:.1f},{ay:.1f} L{bx:.1f},{by:.1f}" marker-end="url(#arrow)"/>')
        if value is not None:
            t = 0.5 / max(depth[b] - depth[a], 1)
            lx, ly = ax + t * (bx - ax), ay + t * (by - ay)
            angle = math.degrees(math.atan2(by - ay, bx - ax))
            out.append(
                f'<text class="lab" x="{lx:.1f}" y="{ly - 4:.1f}" text-anchor="middle" transform="rotate({angle:.1f}'
                f' {lx:.1f} {ly:.1f})">{label(lf.labelled("", value, EDGE_DIGITS))}</text>'
            )
    for n, (x, y) in at.items():
        cx, cy = xy(x, y)
        kind = "node input" if n in p.inputs else "node"
        bw, bh = 2 * half[n] * PX, BOX_HEIGHT * PX
        out.append(f'<rect class="{kind}" x="{cx - bw / 2:.1f}" y="{cy - bh / 2:.1f}" width="{bw:.1f}"'
                   f' height="{bh:.1f}" rx="5"/>')  # fmt: skip
        out.append(f'<text x="{cx:.1f}" y="{cy:.1f}" dy="0.35em" text-anchor="middle">{label(texts[n])}</text>')
        if values is not None:
            grad = lf.labelled(rf"\partial {lf.name(p.output)}/\partial {lf.name(n)}", d.gradients[n], EDGE_DIGITS)
            value_text = label(lf.labelled("", values[n], EDGE_DIGITS))
            out.append(
                f'<text class="val" x="{cx:.1f}" y="{cy - bh / 2 - 6:.1f}" text-anchor="middle">{value_text}</text>'
            )
            out.append(
                f'<text class="grad" x="{cx:.1f}" y="{cy + bh / 2 + 16:.1f}" text-anchor="middle">{label(grad)}</text>'
            )
    out.append("</svg>")
    note = f"<figcaption>{html_text(GRAPH_NOTE)}</figcaption>" if values is not None else ""
    return f'<figure class="graph">{"".join(out)}{note}</figure>'


def curve_svg(values: Sequence[float], max_points: int = 200) -> str:
    """The loss by epoch as a line, on a log scale where the loss spans more than two decades (as pgfplots)."""
    n = len(values)
    picks = sorted({1, n, *(round(1 + i * (n - 1) / (max_points - 1)) for i in range(max_points))}) if n > 1 else [1]
    log = min(values) > 0 and max(values) / min(values) > 100
    ys = [math.log10(values[e - 1]) if log else values[e - 1] for e in picks]
    lo, hi = min(ys), max(ys)
    span = (hi - lo) or 1.0
    W, H, L, B = 560.0, 240.0, 70.0, 40.0  # noqa: N806 - plot size and left/bottom margins, px
    pts = " ".join(
        f"{L + (e - 1) / max(n - 1, 1) * (W - L - 10):.1f},{10 + (1 - (y - lo) / span) * (H - B - 10):.1f}"
        for e, y in zip(picks, ys, strict=True)
    )

    def tick(y: float) -> str:
        return f"{10**y:.3g}" if log else f"{y:.3g}"

    return (
        f'<figure class="curve"><svg class="nn" xmlns="http://www.w3.org/2000/svg" width="{W:.0f}" height="{H:.0f}"'
        f' viewBox="0 0 {W:.0f} {H:.0f}" role="img">{STYLE}'
        f'<path class="edge" d="M{L},10 L{L},{H - B} L{W - 10},{H - B}"/>'
        f'<polyline class="edge" style="stroke:#1c7ed6;stroke-width:2" points="{pts}"/>'
        f'<text x="{L - 6}" y="14" text-anchor="end" font-size="12">{tick(hi)}</text>'
        f'<text x="{L - 6}" y="{H - B}" text-anchor="end" font-size="12">{tick(lo)}</text>'
        f'<text x="{L}" y="{H - B + 16}" text-anchor="middle" font-size="12">1</text>'
        f'<text x="{W - 10}" y="{H - B + 16}" text-anchor="end" font-size="12">{n}</text>'
        f'<text x="{(L + W) / 2}" y="{H - 6}" text-anchor="middle">epoch</text>'
        f'<text x="16" y="{(H - B) / 2}" text-anchor="middle" transform="rotate(-90 16 {(H - B) / 2})">'
        f"loss{' (log scale)' if log else ''}</text></svg></figure>"
    )

"""The drawing of a network with feature maps (issue 16): a block per layer instead of every neuron.

A conv net has hundreds of neurons and edges, too many to draw one by one (the layout would be unreadable
and slow). `map_picture` draws each layer as a box (its name, kind, window or kernels, stride and padding,
and the shape of its map) with arrows between them, left to right, `PER_ROW` to a row, as a course's
figure of a CNN does. One layout, two back ends: TikZ (`map_picture`, a
figure of kind "maps") and SVG (`map_svg`, the HTML page's drawing of that figure).
"""

from __future__ import annotations

from tutor.escape import html_text
from tutor.model.places import MapLayer
from tutor.model.problem import Problem
from tutor.render import latexfmt as lf
from tutor.render.figures import figure

PER_ROW = 5  # 5 boxes and gaps fill the text width (16.5 cm)
BOX_W, BOX_H, GAP, ROW_GAP = 2.9, 1.7, 0.5, 0.6  # cm
PX = 42.0  # px per cm, as the network drawing


def _times(shape: tuple[int, ...]) -> str:
    return "×".join(str(n) for n in shape)


def _lines(layer: MapLayer) -> tuple[str, ...]:
    """The box's lines, plain text: name and kind, the settings, the map's shape."""
    if layer.kind.startswith("conv"):
        mid: tuple[str, ...] = (f"kernels {_times(layer.window)}", f"stride {layer.stride}, pad {layer.padding}")
    elif layer.kind.startswith("maxpool"):
        mid = (f"window {_times(layer.window)}", f"stride {layer.stride}")
    else:
        mid = (f"weights {_times(layer.window)}",) if layer.kind == "dense" else ()
    return (f"{layer.name}: {layer.kind}", *mid, f"map {_times(layer.shape)}")


def _at(i: int) -> tuple[float, float]:
    """A box's centre in cm (y up), row by row."""
    return (i % PER_ROW) * (BOX_W + GAP), -(i // PER_ROW) * (BOX_H + ROW_GAP)


def map_picture(problem: Problem, caption: str = "") -> str:
    """The boxes: a figure of kind "maps"."""
    return figure("maps", _tikz, problem, caption=caption)


def _tikz(problem: Problem, caption: str = "") -> str:
    lines = [r"\begin{center}", r"\begin{tikzpicture}[x=1cm, y=1cm, >=stealth, every node/.style={font=\small}]"]
    for i, layer in enumerate(problem.maps):
        x, y = _at(i)
        box = rf"draw, rounded corners, align=center, minimum width={BOX_W}cm, minimum height={BOX_H}cm"
        text = r"\\ ".join(lf.line(t) for t in _lines(layer))
        lines.append(rf"\node[{box}, font=\footnotesize] (L{i}) at ({x:.2f},{y:.2f}) {{{text}}};")
        if i:
            lines.append(
                rf"\draw[->] (L{i - 1}) -- (L{i});" if i % PER_ROW else rf"\draw[->] (L{i - 1}.south) -- (L{i}.north);"
            )
    lines += [r"\end{tikzpicture}", r"\end{center}"]
    if caption:
        lines.append(lf.text(caption))
    return "\n".join(lines)


def map_svg(problem: Problem, caption: str = "") -> str:
    """The same boxes as an `<svg>` in a `<figure>`."""
    n = len(problem.maps)
    cols, rows = min(n, PER_ROW), (n + PER_ROW - 1) // PER_ROW
    width = (cols * (BOX_W + GAP) - GAP + 1.0) * PX
    height = (rows * (BOX_H + ROW_GAP) - ROW_GAP + 1.0) * PX

    def xy(x: float, y: float) -> tuple[float, float]:
        return (x + BOX_W / 2 + 0.5) * PX, (-y + BOX_H / 2 + 0.5) * PX

    parts = [
        f'<svg class="nn" xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}"'
        f' viewBox="0 0 {width:.0f} {height:.0f}" role="img"><style>.nn{{font:12px \'DejaVu Serif\',Georgia,serif}}'
        ".nn rect,.nn line{stroke:currentColor;fill:none;stroke-width:1.2}.nn text{fill:currentColor}</style>"
        '<defs><marker id="maparrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7"'
        ' orient="auto-start-reverse"><path d="M0,1 L10,5 L0,9 z" fill="currentColor"/></marker></defs>'
    ]
    for i, layer in enumerate(problem.maps):
        cx, cy = xy(*_at(i))
        w, h = BOX_W * PX, BOX_H * PX
        parts.append(f'<rect x="{cx - w / 2:.1f}" y="{cy - h / 2:.1f}" width="{w:.1f}" height="{h:.1f}" rx="6"/>')
        texts = [html_text(t) for t in _lines(layer)]
        for k, text in enumerate(texts):
            y = cy + (k - (len(texts) - 1) / 2) * 15
            parts.append(f'<text x="{cx:.1f}" y="{y:.1f}" dy="0.35em" text-anchor="middle">{text}</text>')
        if i:
            parts.append(_arrow(xy(*_at(i - 1)), (cx, cy), same_row=bool(i % PER_ROW)))
    parts.append("</svg>")
    below = f"<figcaption>{html_text(caption)}</figcaption>" if caption else ""
    return f'<figure class="net">{"".join(parts)}{below}</figure>'


def _arrow(a: tuple[float, float], b: tuple[float, float], same_row: bool) -> str:
    if same_row:
        x1, y1, x2, y2 = a[0] + BOX_W * PX / 2, a[1], b[0] - BOX_W * PX / 2, b[1]
    else:
        x1, y1, x2, y2 = a[0], a[1] + BOX_H * PX / 2, b[0], b[1] - BOX_H * PX / 2
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" marker-end="url(#maparrow)"/>'

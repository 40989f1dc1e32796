"""Plane geometry for laying out a TikZ drawing: convex polygons in cm, their overlap, and how wide a
piece of math typesets, so that edge labels can be kept off nodes, other labels and other edges.

Everything here is an estimate of what TeX will do, good to a millimetre or two; `PAD` covers the rest.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

Point = tuple[float, float]

PT = 2.54 / 72.27  # cm per TeX point
# widths in pt of math at 8pt (\scriptsize in an 11pt document), by kind of character
SCRIPT = 0.85  # sub- and superscripts: 6pt fonts are drawn relatively wider than 8pt ones
_REL = 10.7  # `=` or `\approx` with the thick spaces around it
_WIDTHS = {
    "digit": 4.25,
    "lower": 5.0,
    "wide": 6.6,
    "upper": 6.2,
    "punct": 2.4,
    "sign": 6.2,
    "command": 5.0,
    "other": 4.5,
}
_NO_WIDTH = frozenset({r"\mathrm", r"\textnormal", r"\texttt", r"\tfrac", r"\ensuremath", r"\,", r"\;"})
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[_^]\{|[_^]\\?.|\{|\}|.")


def math_width(latex: str, size_pt: float = 8.0) -> float:
    """Roughly how wide (cm) the math `latex` typesets at a font size of `size_pt`; sub- and superscripts
    count at SCRIPT, fractions as both their parts side by side (an overestimate, which is the safe side)."""
    scales = [1.0]
    total = 0.0
    for tok in _TOKEN.findall(latex):
        if tok[0] in "_^":
            if tok.endswith("{"):
                scales.append(scales[-1] * SCRIPT)
            else:
                total += SCRIPT * scales[-1] * _char_width(tok[1:])
        elif tok == "{":
            scales.append(scales[-1])
        elif tok == "}":
            scales.pop() if len(scales) > 1 else None
        else:
            total += scales[-1] * _char_width(tok)
    return total * size_pt / 8.0 * PT


def _char_width(tok: str) -> float:
    if tok in ("=", r"\approx"):
        return _REL
    if tok in _NO_WIDTH or tok == " ":
        return 0.0
    if tok.startswith("\\"):
        return _WIDTHS["command"]
    if tok.isdigit():
        return _WIDTHS["digit"]
    if tok in ".,":
        return _WIDTHS["punct"]
    if tok in "+-":
        return _WIDTHS["sign"]
    if tok in "wm":
        return _WIDTHS["wide"]
    if tok.isalpha():
        return _WIDTHS["upper" if tok.isupper() else "lower"]
    return _WIDTHS["other"]


class Poly:
    """A convex polygon (or a segment: two points), corners in order, with its bounding box and edge
    normals worked out once: overlap tests are the inner loop of label placement."""

    __slots__ = ("bounds", "normals", "points")

    def __init__(self, points: Sequence[Point]) -> None:
        self.points = tuple(points)
        xs, ys = [p[0] for p in self.points], [p[1] for p in self.points]
        self.bounds = (min(xs), min(ys), max(xs), max(ys))
        pts = self.points
        pairs = [(pts[0], pts[1])] if len(pts) == 2 else list(zip(pts, (*pts[1:], pts[0]), strict=True))
        self.normals = [(q[1] - p[1], p[0] - q[0]) for p, q in pairs]


def rectangle(centre: Point, direction: Point, half_length: float, half_height: float) -> Poly:
    """The rectangle around `centre` with its long side along the unit vector `direction`."""
    (cx, cy), (dx, dy) = centre, direction
    nx, ny = -dy, dx
    return Poly(
        [
            (cx + sl * half_length * dx + sh * half_height * nx, cy + sl * half_length * dy + sh * half_height * ny)
            for sl, sh in ((-1, -1), (1, -1), (1, 1), (-1, 1))
        ]
    )


def box(x0: float, y0: float, x1: float, y1: float) -> Poly:
    return Poly([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])


def disc(centre: Point, radius: float) -> Poly:
    """An octagon just outside the circle."""
    r = radius / math.cos(math.pi / 8)
    angles = [math.pi / 8 + k * math.pi / 4 for k in range(8)]
    return Poly([(centre[0] + r * math.cos(a), centre[1] + r * math.sin(a)) for a in angles])


def segments(polyline: Sequence[Point]) -> list[Poly]:
    return [Poly([p, q]) for p, q in zip(polyline, polyline[1:], strict=False)]


def overlap(a: Poly, b: Poly) -> bool:
    """Whether two convex polygons (or segments) share a point: no separating axis among their edge normals."""
    (a0, a1, a2, a3), (b0, b1, b2, b3) = a.bounds, b.bounds
    if a0 > b2 or b0 > a2 or a1 > b3 or b1 > a3:
        return False
    return not any(_separates(axis, a.points, b.points) for axis in (*a.normals, *b.normals))


def crosses(shape: Poly, line: Sequence[Poly]) -> bool:
    """Whether a line, as its segments, runs through the convex shape."""
    return any(overlap(shape, s) for s in line)


def _separates(axis: Point, a: Sequence[Point], b: Sequence[Point]) -> bool:
    pa = [axis[0] * x + axis[1] * y for x, y in a]
    pb = [axis[0] * x + axis[1] * y for x, y in b]
    return max(pa) < min(pb) or max(pb) < min(pa)

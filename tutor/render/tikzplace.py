"""Where along its edge each weight label goes (TikZ `pos=`), so that labels stay readable.

An edge is the cubic Bézier TikZ draws between the borders of two nodes (a straight line, or a
`bend left`/`bend right` arc for an edge that skips a layer). A label is set `sloped` on its edge, so its
box is a rectangle along the edge's direction. Each label takes one of a few positions along its edge;
a layout costs most for a label overlapping a node or another label, less for one that an edge runs
through (that edge would seem to own it) or that comes near an edge it shares no node with, and a little
for straying from the middle of its edge. Labels are placed greedily in a few orders, each layout then
improved one label at a time, and the cheapest kept. Two edges that cross in the middle therefore get
their labels away from the crossing: both near their sources, or one near its source and the other near
its target when those would touch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from tutor.render.tikzgeom import Point, Poly, crosses, overlap, rectangle, segments

LABEL_HALF_HEIGHT = 0.18  # cm: half the height of a \scriptsize label with its inner sep
PAD = 0.09  # cm of white kept around every label
# cm kept between a label and any edge but its own, so that it clearly belongs to its own; farther is better
LINE_PADS = (0.25, 0.5, 0.8)
# positions along an edge, middle first; at equal cost the one nearer the source wins
CANDIDATES = tuple(sorted((round(0.2 + 0.05 * k, 2) for k in range(13)), key=lambda t: (abs(t - 0.5), t)))
COST_SOLID, COST_LINES, COST_OFF_MIDDLE = 100.0, (10.0, 3.0, 1.5, 1.0), 1.0
CROWDED = 3  # edges running through a label that make it unreadable


@dataclass(frozen=True)
class EdgePath:
    """A cubic Bézier from `start` to `end` with controls `c1`, `c2`; TikZ's `pos=t` is its parameter t."""

    start: Point
    c1: Point
    c2: Point
    end: Point
    pieces: int = 12  # straight segments that follow it closely enough (1 for a straight line)
    nodes: tuple[Point, ...] = ()  # the centres of the nodes it joins

    def at(self, t: float) -> Point:
        u = 1 - t
        w = (u**3, 3 * u * u * t, 3 * u * t * t, t**3)
        pts = (self.start, self.c1, self.c2, self.end)
        return (sum(k * p[0] for k, p in zip(w, pts, strict=True)), sum(k * p[1] for k, p in zip(w, pts, strict=True)))

    def direction(self, t: float) -> Point:
        u = 1 - t
        w = (-3 * u * u, 3 * u * u - 6 * u * t, 6 * u * t - 3 * t * t, 3 * t * t)
        pts = (self.start, self.c1, self.c2, self.end)
        dx = sum(k * p[0] for k, p in zip(w, pts, strict=True))
        dy = sum(k * p[1] for k, p in zip(w, pts, strict=True))
        length = math.hypot(dx, dy) or 1.0
        return (dx / length, dy / length)

    def polyline(self) -> list[Point]:
        return [self.at(k / self.pieces) for k in range(self.pieces + 1)]


def straight(a: Point, b: Point, radius: float) -> EdgePath:
    """The line between two circular nodes of `radius` centred at a and b, from border to border."""
    angle = math.atan2(b[1] - a[1], b[0] - a[0])
    start, end = _rim(a, radius, angle), _rim(b, radius, angle + math.pi)
    third = ((end[0] - start[0]) / 3, (end[1] - start[1]) / 3)
    return EdgePath(start, _add(start, third, 1), _add(start, third, 2), end, pieces=1, nodes=(a, b))


def bent(a: Point, b: Point, radius: float, bend_deg: float = 18.0) -> EdgePath:
    """TikZ's `to[bend left=bend_deg]` between two circular nodes (control distance 0.3915 × chord);
    a negative `bend_deg` is `bend right`."""
    angle = math.atan2(b[1] - a[1], b[0] - a[0])
    out, into = angle + math.radians(bend_deg), angle + math.pi - math.radians(bend_deg)
    start, end = _rim(a, radius, out), _rim(b, radius, into)
    k = 0.3915 * math.dist(start, end)
    return EdgePath(start, _rim(start, k, out), _rim(end, k, into), end, nodes=(a, b))


def _rim(centre: Point, radius: float, angle: float) -> Point:
    return (centre[0] + radius * math.cos(angle), centre[1] + radius * math.sin(angle))


def _add(p: Point, v: Point, times: float) -> Point:
    return (p[0] + times * v[0], p[1] + times * v[1])


def label_box(path: EdgePath, t: float, width: float, pad: float = PAD) -> Poly:
    """The rectangle a sloped label of `width` cm takes at `pos=t`, with `pad` cm around it."""
    return rectangle(path.at(t), path.direction(t), width / 2 + pad, LABEL_HALF_HEIGHT + pad)


def place(
    paths: Sequence[EdgePath], widths: Sequence[float], solids: Sequence[Poly], lines: Sequence[Sequence[Point]]
) -> list[tuple[float, bool]]:
    """`pos=` for the label of each edge, and whether it is crowded even there: covers a node, a label, or
    has three other edges running through it. `solids`: what no label may cover (nodes, the labels around them);
    `lines`: strokes besides the edges that a label should not sit on (bias arrows)."""
    scene = _Scene(paths, widths, solids, lines)
    best: tuple[float, list[int]] | None = None
    for order in _orders(paths):
        chosen = scene.improve(scene.greedy(order))
        total = scene.total(chosen)
        if best is None or total < best[0]:
            best = (total, chosen)
    if best is None:
        return []
    placed = dict(enumerate(best[1]))
    return [(CANDIDATES[k], scene.crowded(i, k, placed)) for i, k in placed.items()]


class _Scene:
    """Each label's cost at each candidate position against the fixed drawing, worked out once; what
    labels cost each other is added as they are placed."""

    def __init__(
        self,
        paths: Sequence[EdgePath],
        widths: Sequence[float],
        solids: Sequence[Poly],
        lines: Sequence[Sequence[Point]],
    ) -> None:
        polylines = [segments(p.polyline()) for p in paths]
        others = [segments(line) for line in lines]
        self.boxes = [[label_box(p, t, w) for t in CANDIDATES] for p, w in zip(paths, widths, strict=True)]
        self.fixed = []
        for i, (p, w) in enumerate(zip(paths, widths, strict=True)):
            near = [line for j, line in enumerate(polylines) if j != i]
            far = [line for q, line in zip(paths, polylines, strict=True) if not set(q.nodes) & set(p.nodes)]
            self.fixed.append([_fixed_cost(p, w, t, solids, [*near, *others], [*far, *others]) for t in CANDIDATES])
        self._clash: dict[tuple[int, int, int, int], bool] = {}
        self.lines = [*polylines, *others]
        self.solids = solids

    def clash(self, i: int, k: int, j: int, m: int) -> bool:
        key = (i, k, j, m) if i < j else (j, m, i, k)
        if key not in self._clash:
            self._clash[key] = overlap(self.boxes[i][k], self.boxes[j][m])
        return self._clash[key]

    def cost(self, i: int, k: int, chosen: dict[int, int]) -> float:
        return self.fixed[i][k] + COST_SOLID * sum(self.clash(i, k, j, m) for j, m in chosen.items() if j != i)

    def crowded(self, i: int, k: int, chosen: dict[int, int]) -> bool:
        """Whether label i at candidate k covers a node, a label, or has CROWDED edges through it."""
        shape = self.boxes[i][k]
        if any(overlap(shape, s) for s in self.solids) or any(
            self.clash(i, k, j, m) for j, m in chosen.items() if j != i
        ):
            return True
        return sum(crosses(shape, line) for j, line in enumerate(self.lines) if j != i) >= CROWDED

    def greedy(self, order: list[int]) -> dict[int, int]:
        chosen: dict[int, int] = {}
        for i in order:
            chosen[i] = min(range(len(CANDIDATES)), key=lambda k: self.cost(i, k, chosen))
        return chosen

    def improve(self, chosen: dict[int, int], rounds: int = 3) -> list[int]:
        """Move one label at a time to its best position given all the others, until none moves."""
        for _ in range(rounds):
            moved = False
            for i in sorted(chosen):
                k = min(range(len(CANDIDATES)), key=lambda k: self.cost(i, k, chosen))
                if self.cost(i, k, chosen) < self.cost(i, chosen[i], chosen):
                    chosen[i], moved = k, True
            if not moved:
                break
        return [chosen[i] for i in sorted(chosen)]

    def total(self, chosen: list[int]) -> float:
        placed = dict(enumerate(chosen))
        return sum(self.cost(i, k, placed) for i, k in placed.items())


def _fixed_cost(
    path: EdgePath, width: float, t: float, solids: Sequence[Poly], lines: list[list[Poly]], far: list[list[Poly]]
) -> float:
    """What a label costs at `pos=t` against the nodes, the labels around them and the other lines; the
    margin kept around it only counts lines of `far` edges: those that share a node with this one are
    bound to come close near that node."""
    shape = label_box(path, t, width)
    cost = COST_SOLID * sum(overlap(shape, s) for s in solids) + COST_OFF_MIDDLE * abs(t - 0.5)
    cost += COST_LINES[0] * sum(crosses(shape, p) for p in lines)
    for weight, pad in zip(COST_LINES[1:], LINE_PADS, strict=True):
        halo = label_box(path, t, width, pad)
        cost += weight * sum(crosses(halo, p) for p in far)
    return cost


def _orders(paths: Sequence[EdgePath]) -> list[list[int]]:
    """Orders to place labels in: the edges crossing most others first, the problem's order, and both
    reversed; the best of the layouts they lead to is kept."""
    polylines = [segments(p.polyline()) for p in paths]
    given = list(range(len(paths)))
    crossing = sorted(given, key=lambda i: -_crossings(paths[i], polylines, i))
    return [crossing, given, crossing[::-1], given[::-1]]


def _crossings(path: EdgePath, polylines: list[list[Poly]], own: int) -> int:
    # edges that merely share a node touch at their ends, which is no crossing: leave the ends out
    inner = segments([path.at(0.02 + 0.96 * k / path.pieces) for k in range(path.pieces + 1)])
    return sum(crosses(s, p) for j, p in enumerate(polylines) if j != own for s in inner)

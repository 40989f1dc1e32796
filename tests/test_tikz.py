"""The TikZ drawing of a network: where edge labels go, exact TikZ lines, and the geometry behind them.

Distances here are worked out in the test from the node coordinates TikZ is given (straight lines
between node centres), not with the renderer's own geometry code.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction as F

import pytest
import seednets
from conftest import PROBLEMS

from tutor.files.loader import load_problem
from tutor.model.network import Network
from tutor.model.problem import Problem
from tutor.render import latexfmt as lf
from tutor.render.tikz import picture
from tutor.render.tikzgeom import box, crosses, math_width, overlap, rectangle, segments
from tutor.render.tikzplace import bent, straight

NODE = re.compile(r"\\node\[[^\n]*\] \((n\d+)\) at \((-?[\d.]+),(-?[\d.]+)\)")
STYLE = r"sloped, fill=white, font=\scriptsize, inner sep=1pt"
LABEL = re.compile(
    r"\\path \((n\d+)\) (--|to\[bend (?:left|right)=18\]) node\[pos=([\d.]+), [^\]]*\] \{\$(.*?)\$\} \((n\d+)\);"
)


def drawing(problem: Problem, params: dict[str, object] | None = None) -> str:
    return picture(Network(problem), params if params is not None else dict(problem.parameters))


def labels(tikz: str) -> dict[str, tuple[float, float, str]]:
    """label text → (x, y) of its centre, as TikZ places it on the line between the node centres."""
    at = {m[1]: (float(m[2]), float(m[3])) for m in NODE.finditer(tikz)}
    out = {}
    for a, _, pos, text, b in LABEL.findall(tikz):
        (xa, ya), (xb, yb), t = at[a], at[b], float(pos)
        out[text] = (xa + t * (xb - xa), ya + t * (yb - ya), pos)
    return out


# ---------------------------------------------------------------- exact TikZ lines


def test_crossing_edges_of_a_2_2_network_get_labels_away_from_the_crossing() -> None:
    tikz = drawing(load_problem(PROBLEMS / "xor-relu.yaml"))
    # x1 → h2 (w21) and x2 → h1 (w12) cross half-way: their labels keep clear of the crossing, near the inputs
    assert rf"\path (n0) -- node[pos=0.25, {STYLE}] {{$w_{{21}}=1$}} (n3);" in tikz
    assert rf"\path (n1) -- node[pos=0.25, {STYLE}] {{$w_{{12}}=1$}} (n2);" in tikz
    where = labels(tikz)
    assert math.dist(where["w_{12}=1"][:2], where["w_{21}=1"][:2]) > 1.0
    # the level edges keep theirs in the middle
    assert rf"\path (n0) -- node[pos=0.50, {STYLE}] {{$w_{{11}}=1$}} (n2);" in tikz
    assert r"\draw[<-] (n3.north) -- ++(0,0.45) node[above, font=\scriptsize, inner sep=1pt] {$b_{2}=-1$};" in tikz


def test_long_labels_on_crossing_edges_go_one_near_its_source_the_other_near_its_target() -> None:
    problem = seednets.sigmoid_005_010()
    tikz = drawing(problem, {k: v + F(1, 7777) for k, v in problem.parameters.items()})
    where = labels(tikz)
    # i2 → h1 and i1 → h2 cross; 1/7777 does not terminate: ≈
    w2, w3 = float(where[r"w_{2} \approx 0.2001"][2]), float(where[r"w_{3} \approx 0.2501"][2])
    assert sorted([w2, w3]) == [0.25, 0.75], where


@pytest.mark.parametrize("stem", ["xor-relu", "sigmoid-0.05-0.10", "softmax-classifier", "xor-relu-layers"])
def test_labels_of_crossing_edges_are_well_apart(stem: str) -> None:
    problem = load_problem(PROBLEMS / f"{stem}.yaml")
    for params in (dict(problem.parameters), {k: F(1, 7) + v for k, v in problem.parameters.items()}):
        where = labels(drawing(problem, params))  # type: ignore[arg-type]
        assert where
        centres = list(where.values())
        for i, (xa, ya, _) in enumerate(centres):
            for xb, yb, _ in centres[i + 1 :]:
                assert math.dist((xa, ya), (xb, yb)) > 0.6, where  # a label is 0.36 cm high, 1-1.6 cm long


def test_labels_are_drawn_over_every_arrow() -> None:
    tikz = drawing(seednets.sigmoid_005_010())
    last_arrow = max(tikz.rindex(r"\draw[->]"), tikz.rindex(r"\draw[<-]"))
    assert last_arrow < tikz.index(r"\path (")
    assert tikz.count(r"\path (") == 8 and tikz.count(r"\draw[->]") == 8


def test_sparse_network_labels_each_connection_once() -> None:
    problem = seednets.house_price()
    tikz = drawing(problem)
    drawn = sorted(text.split("=")[0] for text in labels(tikz))
    assert drawn == sorted(lf.name(c.parameter) for n in problem.neurons.values() for c in n.inputs)
    assert tikz.count(r"\draw[->]") == len(drawn)


def test_skip_connections_bow_outwards_and_are_labelled_on_their_arcs() -> None:
    problem = Problem(
        inputs={"x1": F(1), "x2": F(2)},
        neurons={
            "h1": seednets.neuron("h1", {"x1": "w1", "x2": "w2"}, "relu"),
            "y1": seednets.neuron("y1", {"h1": "v", "x1": "s1", "x2": "s2"}, "identity"),
        },
        parameters={"w1": F(1), "w2": F(2), "v": F(1), "s1": F(3), "s2": F(4)},
        targets={"y1": F(0)},
        loss="half_sse",
        learning_rate=F(1, 10),
    )
    tikz = drawing(problem)
    assert r"\draw[->] (n0) to[bend left=18] (n3);" in tikz  # x1 (above y1): up and over
    assert r"\draw[->] (n1) to[bend right=18] (n3);" in tikz  # x2 (below): down and under
    assert re.search(r"\\path \(n0\) to\[bend left=18\] node\[pos=0\.\d\d, [^\]]*\] \{\$s_\{1\}=3\$\} \(n3\);", tikz)
    assert re.search(r"\\path \(n1\) to\[bend right=18\] node\[pos=0\.\d\d, [^\]]*\] \{\$s_\{2\}=4\$\} \(n3\);", tikz)


def test_layers_too_crowded_to_label_are_drawn_without_labels_and_say_so() -> None:
    tikz = drawing(seednets.wide(4))
    assert "{$w_{1,1}=" not in tikz and "{$v_{1}=-0.1$}" in tikz  # the 4-4 layer unlabelled, the 4-1 layer labelled
    assert tikz.count(r"\draw[->] (") == 20
    assert r"The edges into $h_{1}$, $h_{2}$, $h_{3}$, $h_{4}$ are too many to label" in tikz
    sparse = drawing(seednets.wide(3))  # 3-3 still fits
    assert "{$w_{1,1}=-0.3$}" in sparse and "too many to label" not in sparse


def test_long_labels_spread_the_layers_but_stay_on_the_page() -> None:
    problem = seednets.sigmoid_005_010()
    short = drawing(problem, {k: F(1) for k in problem.parameters})
    long = drawing(problem, {k: v + F(1, 7777) for k, v in problem.parameters.items()})
    xs = [float(m[2]) for m in NODE.finditer(short)]
    xl = [float(m[2]) for m in NODE.finditer(long)]
    assert 9.0 <= max(xs) < max(xl) <= 12.5  # at least 4.5 cm between layers, at most 12.5 cm in all


# ---------------------------------------------------------------- geometry


def test_overlap_of_shapes() -> None:
    square = box(0, 0, 1, 1)
    assert overlap(square, box(0.9, 0.9, 2, 2)) and not overlap(square, box(1.1, 0, 2, 1))
    diamond = rectangle((1.6, 0.5), (math.sqrt(0.5), math.sqrt(0.5)), 0.5, 0.5)  # tilted 45°, reaches x = 0.89
    assert overlap(square, diamond)
    assert not overlap(square, rectangle((1.8, 0.5), (math.sqrt(0.5), math.sqrt(0.5)), 0.5, 0.5))
    assert crosses(square, segments([(-1, 0.5), (2, 0.5)]))
    assert not crosses(square, segments([(-1, 2), (0.5, 1.2), (2, 2)]))


def test_edge_paths_run_from_rim_to_rim() -> None:
    line = straight((0, 0), (4, 0), 0.5)
    assert line.at(0) == pytest.approx((0.5, 0)) and line.at(1) == pytest.approx((3.5, 0))
    assert line.at(0.5) == pytest.approx((2, 0))
    arc = bent((0, 0), (4, 0), 0.5)
    assert arc.at(0.5)[1] > 0.4  # bends to the left of the direction of travel: upwards here
    assert bent((0, 0), (4, 0), 0.5, -18).at(0.5)[1] < -0.4  # bend right: downwards
    assert math.dist(arc.at(0), (0, 0)) == pytest.approx(0.5)


def test_math_width_grows_with_the_text() -> None:
    assert math_width("w_{1}=1") < math_width("w_{1}=0.25") < math_width(r"w_{1} \approx 0.2498")
    assert math_width("w_{13}=2") == pytest.approx(math_width("w_{31}=2"))
    assert 0.6 < math_width("w_{11}=1") < 1.2  # measured in a PDF: 1.0 cm with the 1pt inner sep

"""The drawing of a network with feature maps (issue 16): a table of its layers instead of every neuron.

A conv net has hundreds of neurons and edges, too many to draw one by one (the layout would be unreadable
and slow); `map_table` lists each layer with its kind, window, stride, padding and map shape, which is what
a course's figure of a CNN shows. It is plain LaTeX (a booktabs table), so the HTML page shows it too.
"""

from __future__ import annotations

from tutor.model.places import MapLayer
from tutor.model.problem import Problem
from tutor.render import latexfmt as lf
from tutor.render.latexblocks import table


def _times(shape: tuple[int, ...]) -> str:
    return r"$" + r" \times ".join(str(n) for n in shape) + "$"


def _settings(layer: MapLayer) -> str:
    if layer.kind.startswith("conv"):
        return f"kernels {_times(layer.window)}, stride {layer.stride}, padding {layer.padding}"
    if layer.kind.startswith("maxpool"):
        return f"window {_times(layer.window)}, stride {layer.stride}"
    if layer.kind == "dense":
        return f"weights {_times(layer.window)}"
    return "the input"


def map_table(problem: Problem, caption: str = "") -> str:
    """The layers, first to last: name, kind, settings and the shape of the map (channels × rows × columns)."""
    rows = [" & ".join((f"${lf.name(m.name)}$", m.kind, _settings(m), _times(m.shape))) for m in problem.maps]
    note = f"\n{lf.text(caption)}\n" if caption else ""
    return table(("layer", "kind", "settings", "map"), rows, "llll") + note

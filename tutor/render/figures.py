"""The drawings of a document, for views that draw them themselves: one layout, several back ends.

A LaTeX view writes each drawing by calling `figure(kind, tikz, *args)`: normally that is `tikz(*args)`,
the TikZ (or pgfplots) text. Inside `collecting()`, the HTML view's way of reading the LaTeX document,
the drawing is recorded instead (its kind and arguments, from which the view draws an SVG with the same
layout) and a placeholder `\\nnstepfigure{N}` stands in the text. So the page holds exactly the drawings
the LaTeX document holds, in its order, drawn from the same data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Figure:
    """One drawing: `kind` ("network", "graph", "curve") and the arguments its TikZ function took."""

    kind: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


_SINK: ContextVar[list[Figure] | None] = ContextVar("nnstep_figures", default=None)
PLACEHOLDER = "\\nnstepfigure{{{}}}"


def figure(kind: str, tikz: Callable[..., str], *args: Any, **kwargs: Any) -> str:
    """The drawing as TikZ text, or while collecting its placeholder (the figure recorded)."""
    sink = _SINK.get()
    if sink is None:
        return tikz(*args, **kwargs)
    sink.append(Figure(kind, args, kwargs))
    return PLACEHOLDER.format(len(sink) - 1)


@contextmanager
def collecting() -> Iterator[list[Figure]]:
    """Within: drawings are recorded in the list given, placeholders written in their place."""
    sink: list[Figure] = []
    token = _SINK.set(sink)
    try:
        yield sink
    finally:
        _SINK.reset(token)

"""The `html` format: the LaTeX worked solution as one self-contained page, math in MathML, drawings in SVG.

One mechanism for every kind of derivation: the LaTeX view writes its document (the same content: problem,
drawing, forward pass, loss, deltas, chain-rule products, updates, steps, data sets, graphs) with its
drawings collected (`figures`), `htmldoc.convert` reads the document back as HTML, and each drawing is
drawn as SVG from the same layout (`svgnet`, `svgplots`). The page has no URL in it: style inline, no
script needed (sections fold with `<details>`; hovering or clicking a weight highlights its chain-rule
paths in the drawing and its rows in the derivation, by CSS `:has()` and `:target`).

    page_body(result, options)  # <main>…</main>: MathML + SVG, for Jupyter's _repr_html_
    page(result, options)       # the whole <!DOCTYPE html> page
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from tutor.engines.graph import GraphDerivation
from tutor.escape import html_text
from tutor.fileio import write_atomic
from tutor.model.derivation import DataSetDerivation, Derivation
from tutor.model.network import Network
from tutor.model.symbolic import SymbolicSolution
from tutor.render import latexfmt as lf
from tutor.render.figures import Figure, collecting
from tutor.render.htmldoc import Marks, convert
from tutor.render.htmlstyle import CSS, highlight_css
from tutor.render.latex import DETAILED
from tutor.render.latexparts import from_problem_heading, title
from tutor.render.symtext import symbolic_steps
from tutor.render.views import GRAPH_STEPS, STEPS, VIEWS, ViewOptions

HTML = VIEWS["html"]


def page_body(result: object, options: ViewOptions | None = None) -> str:
    """The page's content without `<html>`: a `<div class="nnstep">` with its style, MathML and SVG."""
    return HTML.content(result, options or ViewOptions())[1]


def page(result: object, options: ViewOptions | None = None) -> str:
    """The whole self-contained page."""
    return whole(HTML.content(result, options or ViewOptions()))


def whole(content: tuple[str, str]) -> str:
    """The page around a (title, body) content."""
    heading, body = content
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light dark">\n'
        f"<title>{html_text(heading)}</title>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _content(result: Any, options: ViewOptions, params: Mapping[str, str]) -> tuple[str, str]:
    """(title, body) of any derivation: its LaTeX document read back as HTML, drawings as SVG."""
    latex = VIEWS["latex"]
    with collecting() as figures:
        doc = latex.content(result, options)
    marks = Marks(params)
    problem = result.derivation.problem if isinstance(result, SymbolicSolution) else result.problem
    head = [f"<h1>{html_text(title(problem))}</h1>"]  # the problem's own text, as <title> (not LaTeX's read back)
    head += [f"<p>{html_text(p.strip())}</p>" for p in (problem.description or "").split("\n\n") if p.strip()]
    body = "\n".join([*head, convert(from_problem_heading(doc.body), [draw(f) for f in figures], marks)])
    style = f"<style>{CSS}{highlight_css(sorted(set(params.values()), key=lambda p: int(p[1:])))}</style>"
    return title(problem), f'<div class="nnstep">{style}\n{body}\n</div>'


def _network_marks(derivation: Derivation) -> dict[str, str]:
    from tutor.render.svgnet import ids_of

    ids = ids_of(Network(derivation.problem))
    return {lf.name(p): i for p, i in ids.items()}


@HTML.register(Derivation, STEPS)
def _network_page(derivation: Derivation, options: ViewOptions) -> tuple[str, str]:
    return _content(derivation, options, _network_marks(derivation))


@HTML.register(DataSetDerivation, DETAILED)
def _data_set_page(derivation: DataSetDerivation, options: ViewOptions) -> tuple[str, str]:
    return _content(derivation, options, _network_marks(derivation))


@HTML.register(GraphDerivation, GRAPH_STEPS)
def _graph_page(derivation: GraphDerivation, options: ViewOptions) -> tuple[str, str]:
    return _content(derivation, options, {})


@HTML.register(SymbolicSolution, symbolic_steps)
def _symbolic_page(solution: SymbolicSolution, options: ViewOptions) -> tuple[str, str]:
    derivation = solution.derivation
    marks = _network_marks(derivation) if isinstance(derivation, Derivation) else {}
    return _content(solution, options, marks)


def draw(figure: Figure) -> str:
    """A collected drawing as SVG, by its kind; an unknown kind is an error."""
    drawers: dict[str, Callable[..., str]] = _drawers()
    if figure.kind not in drawers:
        raise ValueError(f"no SVG drawing of a {figure.kind} figure")
    return drawers[figure.kind](*figure.args, **figure.kwargs)


def _drawers() -> dict[str, Callable[..., str]]:
    from tutor.render.convdraw import map_svg
    from tutor.render.svgnet import network_svg
    from tutor.render.svgplots import curve_svg, graph_svg

    return {"network": network_svg, "graph": graph_svg, "curve": curve_svg, "maps": map_svg}


@HTML.writes
def write_page(content: tuple[str, str], options: ViewOptions, output: Path | None = None) -> None:
    """The whole page to `output` (atomically), or to stdout."""
    text = whole(content)
    if output is None:
        sys.stdout.write(text)
    else:
        write_atomic(output, text)

"""Derivations as Markdown with `$…$`/`$$…$$` math, which GitHub and Jupyter (MathJax) render: `--format markdown`.

The `markdown` format of `tutor.render.views`: the LaTeX view's content of the same result and options (every
kind of derivation: one example, a data set, a computation graph; `--step`, `--only`, `--no-solution`), its
body translated block by block (`tutor.render.mdlatex`), under a title and description of this view's own,
escaped for Markdown (`tutor.escape.markdown_block`). Drawings are the LaTeX and HTML views'.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tutor.engines.graph import GraphDerivation
from tutor.escape import markdown_block
from tutor.fileio import write_atomic
from tutor.model.derivation import DataSetDerivation, Derivation
from tutor.model.symbolic import SymbolicSolution
from tutor.render.latex import DETAILED, Document, document
from tutor.render.latexparts import from_problem_heading
from tutor.render.mdlatex import markdown_body
from tutor.render.symtext import symbolic_steps
from tutor.render.views import GRAPH_STEPS, STEPS, VIEWS, ViewOptions

MARKDOWN = VIEWS["markdown"]


def markdown_text(result: object, options: ViewOptions | None = None) -> str:
    """The Markdown of any derivation (what `--format markdown` writes)."""
    return str(MARKDOWN.content(result, options or ViewOptions()))


def page(doc: Document, description: str | None) -> str:
    """The Markdown page of a LaTeX document: its own title and description, then the body from `Problem` on."""
    rest = from_problem_heading(doc.body)
    head = [f"# {markdown_block(' '.join(doc.title.split())) or 'nnstep'}"]
    if description:
        head.append(markdown_block(description))
    return "\n\n".join(head) + "\n\n" + markdown_body(rest)


@MARKDOWN.register(Derivation, STEPS)
def _network(derivation: Derivation, options: ViewOptions) -> str:
    return page(document(derivation, options), derivation.problem.description)


@MARKDOWN.register(DataSetDerivation, DETAILED)
def _data_set(derivation: DataSetDerivation, options: ViewOptions) -> str:
    return page(document(derivation, options), derivation.problem.description)


@MARKDOWN.register(GraphDerivation, GRAPH_STEPS)
def _graph(derivation: GraphDerivation, options: ViewOptions) -> str:
    return page(document(derivation, options), derivation.problem.description)


@MARKDOWN.register(SymbolicSolution, symbolic_steps)
def _symbolic(solution: SymbolicSolution, options: ViewOptions) -> str:
    return page(document(solution, options), solution.derivation.problem.description)


@MARKDOWN.writes
def write_markdown(text: str, options: ViewOptions, output: Path | None = None) -> None:
    """The page on stdout, or written atomically to `output`."""
    if output is None:
        sys.stdout.write(text)
    else:
        write_atomic(output, text)

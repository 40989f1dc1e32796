"""What the LaTeX views of every form share: the options, the number writer, the heading, the parameter
listing and the loss line (`tutor.render.latex` dispatches on the form; `latextrain` is the data sets')."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tutor.maths.losses import LOSSES
from tutor.model.derivation import Derivation
from tutor.model.network import Network
from tutor.render import latexfmt as lf
from tutor.render import latexreg
from tutor.render.latexblocks import listing
from tutor.render.latexmath import MathWriter
from tutor.render.views import ViewOptions

LatexOptions = ViewOptions  # the LaTeX view's options: digits, body_only, solution, step, phases (and pdf)


def writer_for(derivation: Derivation, network: Network, opts: LatexOptions) -> MathWriter:
    p = derivation.problem
    return MathWriter(opts.digits, network.target_labels, p.loss, len(p.targets))


def title(problem: Any) -> str:
    """The problem's title, else its file name without the extension."""
    source = problem.source
    return problem.title or (Path(source).stem if source and not source.startswith("<") else "nnstep")


PROBLEM_HEADING = r"\subsection*{Problem}"  # every LaTeX document's first heading after the title and description


def heading_lines(problem: Any) -> Iterator[str]:
    """The title, the description and the Problem heading."""
    yield rf"\section*{{{lf.line(title(problem))}}}"
    if problem.description:
        yield lf.text(problem.description) + "\n"
    yield PROBLEM_HEADING


def from_problem_heading(body: str) -> str:
    """A LaTeX body from its Problem heading on: what the HTML and Markdown views read back, under a title and
    description of their own (escaped for them from the problem's text, not read back from LaTeX's escapes)."""
    lines = body.split("\n")
    if PROBLEM_HEADING not in lines:
        raise ValueError("a LaTeX body without its Problem heading")
    return "\n".join(lines[lines.index(PROBLEM_HEADING) :])


def parameter_listing(derivation: Derivation, writer: MathWriter) -> str:
    p = derivation.problem
    fixed = {k: " (fixed)" if k in p.frozen else "" for k in p.parameters}
    return listing("Parameters", [f"${lf.name(k)} = {writer.num(v)}${fixed[k]}" for k, v in p.parameters.items()])


def loss_line(derivation: Derivation, writer: MathWriter) -> str:
    p = derivation.problem
    return (
        rf"\textbf{{Loss.}} $L = {LOSSES[p.loss].latex}$ ({LOSSES[p.loss].title})."
        rf" \textbf{{Learning rate.}} $\eta = {writer.num(p.learning_rate)}$." + latexreg.settings(p, writer) + "\n"
    )

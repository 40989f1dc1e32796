"""Derivations as LaTeX documents, typeset like lecture notes; `--pdf` compiles them.

The `latex` format of `tutor.render.views`, like the terminal and JSON views: one function per type
of derivation (`document`; a type without a view is an error), then one writer (`write_document`).
A one-example network here — the statement (network drawing, inputs, targets, loss, learning rate),
then per step the passes of `latexstep` (forward, loss, deltas with the vector or BP1–BP4 matrix view,
every gradient as a chain-rule product, updates), then a table of old and new parameters and the
network drawn with the new values; a data set in `latextrain`; a computation graph in `latexgraph`.

Packages: amsmath, amssymb, booktabs, tikz (pgfplots for a data set's loss curve; geometry for the
page) — all in Debian's texlive-latex-base, texlive-latex-recommended and texlive-pictures. User text
and names are escaped by `tutor.render.latexfmt`, whose docstring lists how names become math symbols.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from tutor.engines.graph import GraphDerivation
from tutor.errors import InputError
from tutor.fileio import write_atomic
from tutor.model.derivation import DataSetDerivation, Derivation, Step
from tutor.model.network import Network
from tutor.model.places import split_place
from tutor.render import latexfmt as lf
from tutor.render import latexreg
from tutor.render.latexblocks import BASE_PACKAGES, body_note, listing, preamble, tables
from tutor.render.latexmath import MathWriter
from tutor.render.latexnet import network_block
from tutor.render.latexparts import LatexOptions, heading_lines, loss_line, parameter_listing, title, writer_for
from tutor.render.latexstep import pass_sections, update_sections
from tutor.render.optimlines import statement_latex, task_words
from tutor.render.tikz import picture
from tutor.render.views import GRAPH_STEPS, STEPS, VIEWS, step_count

PACKAGES = BASE_PACKAGES
LATEX = VIEWS["latex"]


@dataclass(frozen=True)
class Document:
    """What a view of one kind of derivation gives: a title for the comment line, the body, its packages,
    and the stem of the .tex file `--pdf` writes when given no `--output`."""

    title: str
    body: str
    packages: tuple[str, ...] = BASE_PACKAGES
    stem: str = "nnstep"


def render_latex(derivation: Derivation | GraphDerivation, opts: LatexOptions | None = None) -> str:
    """The whole document (or its body) as a string, for any kind of derivation."""
    opts = opts or LatexOptions()
    return document_text(document(derivation, opts), opts)


def document_text(doc: Document, opts: LatexOptions) -> str:
    head = f"% nnstep: {lf.comment(doc.title)}\n"
    if opts.body_only:
        return head + body_note(doc.packages) + doc.body + "\n"
    return head + preamble(doc.packages) + doc.body + "\n\\end{document}\n"


def document(derivation: object, opts: LatexOptions) -> Document:
    """The LaTeX view of a derivation, by its type (`VIEWS["latex"]`); a type without a view is an error."""
    return LATEX.content(derivation, opts)


@LATEX.register(Derivation, STEPS)
def _network_document(derivation: Derivation, opts: LatexOptions) -> Document:
    network = Network(derivation.problem)
    writer = writer_for(derivation, network, opts)
    body = "\n".join(_body(derivation, network, writer, opts))
    return Document(title(derivation.problem), body, stem=_stem(derivation))


DETAILED = step_count(lambda d: len(d.steps), "the problem has {n} step(s) derived in full (see --detail)")


@LATEX.register(DataSetDerivation, DETAILED)
def _data_set_document(derivation: DataSetDerivation, opts: LatexOptions) -> Document:
    from tutor.render.latextrain import training_body

    body, packages = training_body(derivation, opts)
    return Document(title(derivation.problem), body, packages, _stem(derivation))


@LATEX.register(GraphDerivation, GRAPH_STEPS)
def _graph_document(derivation: GraphDerivation, opts: LatexOptions) -> Document:
    from tutor.render.latexgraph import graph_body

    body = graph_body(derivation, opts.digits, opts.solution, opts.shows)
    return Document(title(derivation.problem), body, stem=_stem(derivation))


def _stem(derivation: Derivation | GraphDerivation) -> str:
    source = derivation.problem.source
    return Path(source).stem if source and not source.startswith("<") else "nnstep"


def _body(derivation: Derivation, network: Network, writer: MathWriter, opts: LatexOptions) -> Iterator[str]:
    yield from _statement(derivation, network, writer)
    if not opts.solution:
        return
    steps = [s for s in derivation.steps if opts.step is None or s.index == opts.step]
    many = len(derivation.steps) > 1
    heading = r"\subsubsection*" if many else r"\subsection*"
    for step in steps:
        if many:
            yield rf"\subsection*{{Step {step.index}}}"
        params = {u.parameter: u.old for u in step.updates}
        yield from pass_sections(step, network, writer, heading, params, derivation.problem.inputs, shows=opts.shows)
        if opts.input_gradients and opts.shows("backward"):
            yield from latexreg.input_gradient_section(step, writer, heading)
        if opts.shows("update"):
            yield from update_sections(step, writer, heading)
    if opts.shows("update"):
        yield from _results(derivation, steps, network, writer)


def _statement(derivation: Derivation, network: Network, writer: MathWriter) -> Iterator[str]:
    p = derivation.problem
    yield from heading_lines(p)
    yield picture(network, p.parameters)
    yield network_block(network)
    yield listing("Inputs", [f"${lf.name(k)} = {writer.num(v)}$" for k, v in p.inputs.items()])
    yield parameter_listing(derivation, writer)
    labels = network.target_labels
    yield listing(
        "Targets", [f"${lf.name(labels[o])} = {writer.num(t)}$ for ${lf.name(o)}$" for o, t in p.targets.items()]
    )
    yield loss_line(derivation, writer)
    yield from statement_latex(p, writer.num)
    count = "one step" if p.steps == 1 else f"{p.steps} steps"
    step, result = task_words(p)
    yield (
        rf"\textbf{{Task.}} Do {count} of {step}: the forward pass, the loss, "
        rf"the gradient of the loss with respect to every parameter by the chain rule, and {result}." + "\n"
    )


TT_UNDERSCORE = r"{\ttfamily\char95}"  # the typewriter font's own _ (`\_` is a rule, which pdftotext cannot read)


def _parameter_cell(name: str) -> str:
    """A parameter in the final table: its symbol; a place name (issue 16) as its answer key,
    `c.kernels[0][0][1][0]`, which says where it sits in the file better than K^c_{0,0,1,0}."""
    if split_place(name) is None:
        return f"${lf.name(name)}$"
    return rf"\texttt{{{lf.line(name).replace(chr(92) + '_', TT_UNDERSCORE)}}}"


def _results(derivation: Derivation, steps: Sequence[Step], network: Network, writer: MathWriter) -> Iterator[str]:
    if not steps:
        return
    first, last = steps[0], steps[-1]
    yield r"\subsection*{Parameters before and after}"
    words = derivation.problem.optimizer.entry.state  # an optimizer's state after the last step, by word
    rows = [
        _parameter_cell(u0.parameter)
        + rf" & ${writer.num(u0.old)}$ & ${writer.num(u.gradient)}$ & ${writer.num(u.new)}$"
        + "".join(f" & ${writer.num(u.state[w])}$" if w in u.state else " & " for w in words)
        + (r" & fixed" if u.frozen else " & ")
        for u0, u in zip(first.updates, last.updates, strict=True)
    ]
    grad = "gradient" if first is last else "last gradient"
    yield from tables(["parameter", "before", grad, "after", *(f"{w} after" for w in words), ""], rows)
    if len(steps) > 1:
        outs = list(derivation.problem.targets)
        summary = [
            f"{s.index} & ${writer.num(s.loss.value)}$ & "
            + " & ".join(f"${writer.num(f.out)}$" for f in s.forward if f.neuron in outs)
            for s in steps
        ]
        yield from tables(["step", "loss", *(f"${lf.name(o)}$" for o in outs)], summary)
    new = {u.parameter: u.new for u in last.updates}
    yield picture(network, new, caption=f"The network after step {last.index}, with the new parameter values.")


@LATEX.writes
def write_document(doc: Document, opts: LatexOptions, output: Path | None = None) -> None:
    """Write the document to `output` (stdout when None); with `opts.pdf`, compile it next to the .tex.

    With `pdf` and no `output`, the .tex goes to `<problem-stem>.tex` in the current folder.
    """
    if opts.pdf and opts.body_only:
        raise InputError("--pdf needs a whole document: leave out --body-only")
    text = document_text(doc, opts)
    if output is None and not opts.pdf:
        sys.stdout.write(text)
        return
    tex = output if output is not None else Path(f"{doc.stem}.tex")
    write_atomic(tex, text)
    if output is None:
        sys.stderr.write(f"nnstep: wrote {tex}\n")
    if opts.pdf:
        from tutor.render.latexpdf import compile_pdf

        made = compile_pdf(tex)
        sys.stderr.write(f"nnstep: wrote {made}\n")


def write_latex(
    derivation: Derivation | GraphDerivation, opts: LatexOptions, output: Path | None = None, pdf: bool = False
) -> None:
    """The LaTeX view of any derivation, written (`write_document`)."""
    LATEX(derivation, replace(opts, pdf=pdf or opts.pdf), output)

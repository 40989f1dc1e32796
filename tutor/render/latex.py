"""The derivation as a LaTeX document, typeset like lecture notes; `--pdf` compiles it.

One function of a Derivation, like the terminal and JSON views: the statement (network drawing,
inputs, targets, loss, learning rate), then per step the forward pass, the loss, the deltas (with the
vector view where the network is layered), every gradient as a chain-rule product with its numbers,
the updates; then a table of old and new parameters and the network drawn with the new values.

Packages: amsmath, amssymb, booktabs, tikz (and geometry for the page) — all in Debian's
texlive-latex-base, texlive-latex-recommended and texlive-pictures. User text and names are escaped
by `tutor.render.latexfmt`, whose docstring lists how names become math symbols.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from tutor.derivation import Derivation, Step
from tutor.errors import InputError
from tutor.fileio import write_atomic
from tutor.network import Network
from tutor.render import latexfmt as lf
from tutor.render.latexmath import LOSS_FORMULA, MathWriter
from tutor.render.latexvec import layer_note, vector_view
from tutor.render.tikz import picture

PACKAGES = ("amsmath", "amssymb", "booktabs", "tikz")
TABLE_ROWS = 40  # rows per parameter table (a tabular never breaks across pages)
LOSS_NAMES = {
    "half_sse": "half the sum of squared errors",
    "sse": "sum of squared errors",
    "mse": "mean squared error",
    "bce": "binary cross-entropy",
    "cross_entropy": "cross-entropy",
}


@dataclass(frozen=True)
class LatexOptions:
    digits: int = 6  # significant digits of inexact values
    body_only: bool = False  # no preamble: for \input into a document
    solution: bool = True  # False: the problem sheet only
    step: int | None = None  # only this step


def render_latex(derivation: Derivation, opts: LatexOptions | None = None) -> str:
    """The whole document (or its body) as a string."""
    opts = opts or LatexOptions()
    network = Network(derivation.problem)
    writer = MathWriter(opts.digits, network.target_labels, derivation.problem.loss, len(derivation.problem.targets))
    body = "\n".join(_body(derivation, network, writer, opts))
    head = f"% nnstep: {lf.comment(derivation.problem.title or _stem(derivation))}\n"
    if opts.body_only:
        return head + BODY_NOTE + body + "\n"
    return head + _PREAMBLE + body + "\n\\end{document}\n"


BODY_NOTE = (
    f"% body only, for \\input: needs \\usepackage{{{','.join(PACKAGES)}}} and \\allowdisplaybreaks;\n"
    "% laid out for a text width of about 16.5 cm, e.g. \\usepackage[a4paper,margin=2.2cm]{geometry}\n"
)
_PREAMBLE = (
    "\\documentclass[11pt]{article}\n"
    "\\usepackage[a4paper,margin=2.2cm]{geometry}\n"
    f"\\usepackage{{{','.join(PACKAGES)}}}\n"
    "\\allowdisplaybreaks\n"
    "\\setlength{\\parindent}{0pt}\n"
    "\\setlength{\\parskip}{4pt plus 1pt}\n"
    "\\begin{document}\n"
)


def _stem(derivation: Derivation) -> str:
    source = derivation.problem.source
    return Path(source).stem if source and not source.startswith("<") else "nnstep"


def _body(derivation: Derivation, network: Network, writer: MathWriter, opts: LatexOptions) -> Iterator[str]:
    yield from _statement(derivation, network, writer, opts)
    if not opts.solution:
        return
    steps = [s for s in derivation.steps if opts.step is None or s.index == opts.step]
    many = len(derivation.steps) > 1
    for step in steps:
        if many:
            yield rf"\subsection*{{Step {step.index}}}"
        yield from _step(step, network, writer, r"\subsubsection*" if many else r"\subsection*")
    yield from _results(derivation, steps, network, writer)


def _statement(derivation: Derivation, network: Network, writer: MathWriter, opts: LatexOptions) -> Iterator[str]:
    p = derivation.problem
    yield rf"\section*{{{lf.text(p.title or _stem(derivation))}}}"
    if p.description:
        yield lf.text(p.description) + "\n"
    yield r"\subsection*{Problem}"
    yield picture(network, p.parameters)
    yield r"Each neuron computes its net input $x_j = \sum_i y_i w_{ij} + b_j$ and its output $y_j = f(x_j)$." + "\n"
    yield _listing("Inputs", [f"${lf.name(k)} = {writer.num(v)}$" for k, v in p.inputs.items()])
    fixed = {k: " (fixed)" if k in p.frozen else "" for k in p.parameters}
    yield _listing("Parameters", [f"${lf.name(k)} = {writer.num(v)}${fixed[k]}" for k, v in p.parameters.items()])
    labels = network.target_labels
    yield _listing(
        "Targets", [f"${lf.name(labels[o])} = {writer.num(t)}$ for ${lf.name(o)}$" for o, t in p.targets.items()]
    )
    yield (
        rf"\textbf{{Loss.}} $L = {LOSS_FORMULA[p.loss]}$ ({LOSS_NAMES[p.loss]})."
        rf" \textbf{{Learning rate.}} $\eta = {writer.num(p.learning_rate)}$." + "\n"
    )
    count = "one step" if p.steps == 1 else f"{p.steps} steps"
    yield (
        rf"\textbf{{Task.}} Do {count} of gradient descent on this example, "
        r"$w \leftarrow w - \eta\, \partial L / \partial w$: the forward pass, the loss, "
        r"the gradient of the loss with respect to every parameter by the chain rule, and the new parameters." + "\n"
    )


def _listing(head: str, items: Sequence[str]) -> str:
    return rf"\textbf{{{head}.}} " + ", ".join(items) + ".\n"


def _align(rows: Sequence[str]) -> str:
    return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"


def _step(step: Step, network: Network, writer: MathWriter, heading: str) -> Iterator[str]:
    yield rf"{heading}{{Forward pass}}"
    yield _align([row for f in step.forward for row in writer.forward(f)])
    yield rf"{heading}{{Loss}}"
    yield _align(writer.loss(step.loss))
    yield rf"{heading}{{Deltas}}"
    yield (
        r"$\delta_j = \partial L / \partial x_j$ for every neuron $j$. An output neuron has "
        r"$\delta_j = \frac{\partial L}{\partial y_j} f'(x_j)$; a hidden one "
        r"$\delta_j = \bigl(\sum_k w_{jk} \delta_k\bigr) f'(x_j)$, summed over the neurons $k$ it feeds."
    )
    yield _align([row for d in step.deltas for row in writer.delta(d)])
    vector = vector_view(step, network, writer)
    if vector:
        yield layer_note(network)
        yield _align(vector)
    yield rf"{heading}{{Gradients by the chain rule}}"
    yield (
        r"Each product runs from the loss down to the parameter, summed over the paths through the network;"
        r" the last line is the same gradient as $\delta_j$ times the input the parameter multiplies."
    )
    for g in step.gradients:
        yield _align(writer.gradient(g))
    yield rf"{heading}{{Updates}}"
    eta = writer.num(step.updates[0].learning_rate) if step.updates else ""
    yield rf"$w \leftarrow w - \eta\, \partial L / \partial w$ with $\eta = {eta}$:"
    yield _align([writer.update(u) for u in step.updates])


def _results(derivation: Derivation, steps: Sequence[Step], network: Network, writer: MathWriter) -> Iterator[str]:
    if not steps:
        return
    first, last = steps[0], steps[-1]
    yield r"\subsection*{Parameters before and after}"
    rows = [
        rf"${lf.name(u0.parameter)}$ & ${writer.num(u0.old)}$ & ${writer.num(u.gradient)}$ & ${writer.num(u.new)}$"
        + (r" & fixed" if u.frozen else " & ")
        for u0, u in zip(first.updates, last.updates, strict=True)
    ]
    grad = "gradient" if first is last else "last gradient"
    for i in range(0, len(rows), TABLE_ROWS):
        yield _table(["parameter", "before", grad, "after", ""], rows[i : i + TABLE_ROWS])
    if len(steps) > 1:
        outs = list(derivation.problem.targets)
        summary = [
            f"{s.index} & ${writer.num(s.loss.value)}$ & "
            + " & ".join(f"${writer.num(f.out)}$" for f in s.forward if f.neuron in outs)
            for s in steps
        ]
        yield _table(["step", "loss", *(f"${lf.name(o)}$" for o in outs)], summary)
    new = {u.parameter: u.new for u in last.updates}
    yield picture(network, new, caption=f"The network after step {last.index}, with the new parameter values.")


def _table(header: Sequence[str], rows: Sequence[str]) -> str:
    spec = "l" + "r" * (len(header) - 1)
    lines = [
        r"\begin{center}",
        rf"\begin{{tabular}}{{{spec}}}",
        r"\toprule",
        " & ".join(header) + r" \\",
        r"\midrule",
        *(r + r" \\" for r in rows),
        r"\bottomrule",
        r"\end{tabular}",
        r"\end{center}",
    ]
    return "\n".join(lines)


def write_latex(derivation: Derivation, opts: LatexOptions, output: Path | None = None, pdf: bool = False) -> None:
    """Write the document to `output` (stdout when None); with `pdf`, compile it next to the .tex.

    With `pdf` and no `output`, the .tex goes to `<problem-stem>.tex` in the current folder.
    """
    if pdf and opts.body_only:
        raise InputError("--pdf needs a whole document: leave out --body-only")
    text = render_latex(derivation, opts)
    if output is None and not pdf:
        sys.stdout.write(text)
        return
    tex = output if output is not None else Path(f"{_stem(derivation)}.tex")
    write_atomic(tex, text)
    if output is None:
        sys.stderr.write(f"nnstep: wrote {tex}\n")
    if pdf:
        from tutor.render.latexpdf import compile_pdf

        made = compile_pdf(tex)
        sys.stderr.write(f"nnstep: wrote {made}\n")

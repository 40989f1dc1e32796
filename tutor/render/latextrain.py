"""A data-set derivation (`tutor.engines.training`) in LaTeX.

The statement (network drawing, the data as a table, loss, learning rate, the schedule), then each
iteration derived in full: every example of the batch as a one-example pass (`latexstep`), the batch
loss and gradients as the mean (or sum) of the examples' with their numbers, the updates. Then the
whole run: the loss curve (pgfplots, from `tutor.render.curve`), the loss by epoch (thinned), the
trained parameters and the network drawn with them. The run's numbers are float64 (the NumPy
trainer); the detailed iterations are exact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from tutor.model.derivation import DataSetDerivation, Derivation, ExampleStep, Step
from tutor.model.network import Network
from tutor.model.schedule import batch_size, descent_kind, iterations_per_epoch
from tutor.render import latexfmt as lf
from tutor.render import latexreg
from tutor.render.curve import pgfplots, thin
from tutor.render.latexblocks import BASE_PACKAGES, align, tables
from tutor.render.latexmath import MathWriter, partial, rows
from tutor.render.latexnet import network_block
from tutor.render.latexparts import heading_lines, loss_line, parameter_listing, writer_for
from tutor.render.latexstep import pass_sections, update_sections
from tutor.render.optimlines import statement_latex, task_words
from tutor.render.tikz import picture

if TYPE_CHECKING:
    from tutor.render.latexparts import LatexOptions

PACKAGES = (*BASE_PACKAGES, "pgfplots")
FLOAT_DIGITS = 6  # digits of the run's float64 numbers


def training_body(derivation: DataSetDerivation, opts: LatexOptions) -> tuple[str, tuple[str, ...]]:
    """The body of a data set's document and the packages it needs."""
    network = Network(derivation.problem)
    writer = writer_for(derivation, network, opts)
    parts = list(_statement(derivation, network, writer))
    if opts.solution:
        for step in derivation.steps:
            if opts.step is None or step.index == opts.step:
                parts += iteration(derivation, step, network, writer, opts.shows, opts.input_gradients)
        parts += run_summary(derivation, network)
    return "\n".join(parts), PACKAGES


def _statement(derivation: Derivation, network: Network, writer: MathWriter) -> Iterator[str]:
    p = derivation.problem
    yield from heading_lines(p)
    yield picture(network, p.parameters, example=False)
    yield network_block(network)
    yield parameter_listing(derivation, writer)
    yield rf"\textbf{{Data.}} {len(p.data)} examples:"
    yield from data_table(derivation, network, writer)
    yield loss_line(derivation, writer)
    yield from statement_latex(p, writer.num)
    yield schedule_line(derivation)
    n = len(derivation.steps)
    if n == 0:  # --detail 0: the run alone
        yield r"\textbf{Task.} Train for all epochs and report the loss curve and the trained parameters." + "\n"
        return
    count = "the first iteration" if n == 1 else f"the first {n} iterations"
    update = task_words(p, "the updated parameters")[1]
    yield (
        rf"\textbf{{Task.}} Derive {count} in full: for each example of the batch the forward pass, the loss"
        rf" and its gradients by the chain rule; then the batch loss and gradients, and {update}."
        r" Then train for all epochs and report the loss curve and the trained parameters." + "\n"
    )


def data_table(derivation: Derivation, network: Network, writer: MathWriter) -> list[str]:
    p = derivation.problem
    labels = network.target_labels
    header = ["example", *(f"${lf.name(i)}$" for i in p.inputs), *(f"${lf.name(labels[o])}$" for o in p.outputs)]
    body = [
        " & ".join(
            [
                str(k),
                *(f"${writer.num(e.inputs[i])}$" for i in p.inputs),
                *(f"${writer.num(e.targets[o])}$" for o in p.outputs),
            ]
        )
        for k, e in enumerate(p.data, 1)
    ]
    return tables(header, body, "c" * len(header))


def schedule_line(derivation: Derivation) -> str:
    p = derivation.problem
    size = batch_size(p)
    kind = descent_kind(p)
    batches = "one example at a time" if size == 1 else f"batches of {size} examples"
    order = "in file order" if p.shuffle is None else f"shuffled every epoch (seed {p.shuffle})"
    per = iterations_per_epoch(p)
    updates = "one update" if per == 1 else f"{per} updates"
    how = "mean" if p.reduction == "mean" else "sum"
    return (
        rf"\textbf{{Training.}} {p.epochs} epochs of {kind} gradient descent, {batches}, {order}:"
        rf" {updates} per epoch. The loss of a batch is the {how} of its examples' losses, and its gradient"
        rf" the {how} of their gradients." + "\n"
    )


def iteration(
    derivation: Derivation,
    step: Step,
    network: Network,
    writer: MathWriter,
    shows: Callable[[str], bool] = lambda phase: True,
    input_gradients: bool = False,
) -> list[str]:
    """One iteration: each example's pass (`input_gradients`: with its ∂L_k/∂x), the batch loss and
    gradients, the updates."""
    p = derivation.problem
    params = {u.parameter: u.old for u in step.updates}
    start = "the parameters of the problem" if step.index == 1 else f"the parameters after iteration {step.index - 1}"
    ks = ", ".join(str(e.example) for e in step.examples)
    out = [
        rf"\subsection*{{Iteration {step.index} (epoch {step.epoch})}}",
        f"The batch: example{'s' if len(step.examples) > 1 else ''} {ks}, with {start}.",
    ]
    for e in step.examples:
        out.append(rf"\subsubsection*{{Example {e.example}: {_example_title(e, network)}}}")
        first = step.index == derivation.steps[0].index and e is step.examples[0]
        out += pass_sections(e, network, writer, r"\paragraph*", params, e.inputs, explain=first, shows=shows)
        if input_gradients and shows("backward"):
            out += latexreg.input_gradient_section(e, writer, r"\paragraph*")
            out += _input_gradient_note(p.reduction, len(step.examples), e.example)
    if shows("loss") or shows("backward"):
        out += batch_section(step, p.reduction, writer)
    if shows("update"):
        out += update_sections(step, writer, r"\subsubsection*")
    return out


def _input_gradient_note(reduction: str, n: int, k: int) -> list[str]:
    """What example k's ∂L_k/∂x is to the batch loss: 1/n of it for a mean (nothing for a batch of one)."""
    if n == 1:
        return []
    own = rf"These are the gradients of the example's own loss $L_{{{k}}}$; "
    if reduction == "mean":
        scale = rf"\tfrac{{1}}{{{n}}}"
        return [own + rf"those of the batch loss $L = {scale} \sum_{{k}} L_{{k}}$ are ${scale}$ of them."]
    return [own + r"the batch loss $L = \sum_{k} L_{k}$ has the same."]


def _example_title(e: ExampleStep, network: Network) -> str:
    labels = network.target_labels
    ins = ", ".join(f"${lf.name(k)} = {lf.num(v)}$" for k, v in e.inputs.items())
    outs = ", ".join(f"${lf.name(labels[k])} = {lf.num(v)}$" for k, v in e.targets.items())
    return f"{ins}; {outs}"


def batch_section(step: Step, reduction: str, writer: MathWriter) -> list[str]:
    """L = 1/n (L₁ + … + Lₙ) and ∂L/∂w = 1/n (∂L₁/∂w + …) with the numbers (`sum`: no 1/n)."""
    n = len(step.examples)
    factor = rf"\tfrac{{1}}{{{n}}}" if reduction == "mean" and n > 1 else ""
    ks = [e.example for e in step.examples]
    sym = "L_{k}" if n > 1 else f"L_{{{ks[0]}}}"
    note = (
        rf"With $L_{{k}}$ the loss of example $k$: $L = {factor} \sum_{{k}} L_{{k}}$ and"
        rf" ${partial('L', 'w')} = {factor} \sum_{{k}} {partial('L_{k}', 'w')}$ over the examples $k$ of the batch."
        if n > 1
        else rf"The batch is example {ks[0]} alone: $L = {sym}$ and its gradients are the batch gradients."
    )
    lines = combine(
        "L", [f"L_{{{k}}}" for k in ks], [e.loss.value for e in step.examples], step.loss.value, factor, writer
    )
    for i, g in enumerate(step.gradients):
        parts = [e.gradients[i].value for e in step.examples]
        symbols = [partial(f"L_{{{ks[0]}}}", lf.name(g.parameter))] if n == 1 else []
        lines += combine(partial("L", lf.name(g.parameter)), symbols, parts, g.value, factor, writer)
    return [r"\subsubsection*{Batch loss and gradients}", note, align(lines)]


def combine(
    lhs: str, symbols: Sequence[str], parts: Sequence[Any], total: Any, factor: str, writer: MathWriter
) -> list[str]:
    """`lhs = factor (s₁ + …) = factor (v₁ + …) = total`, broken into rows when long."""
    forms = []
    if symbols:
        forms.append(_scaled(rows(list(symbols), "+"), factor))
    if len(parts) > 1:
        forms.append(_scaled(rows([writer.pnum(v) for v in parts], "+"), factor))
    return writer.equation(lhs, forms, writer.num(total)) if forms else [f"{lhs} &= {writer.num(total)}"]


def _scaled(summed: list[str], factor: str) -> list[str]:
    if not factor:
        return summed
    if len(summed) == 1:
        return [rf"{factor} \bigl({summed[0]}\bigr)"]
    return [rf"{factor} \Bigl(" + summed[0], *summed[1:-1], summed[-1] + r"\Bigr)"]


def run_summary(derivation: DataSetDerivation, network: Network) -> list[str]:
    """The loss curve, the loss by epoch, the trained parameters and the network with them."""
    run = derivation.training
    losses = [float(v) for v in run.epoch_loss]
    epoch_rows = [f"{e} & ${lf.num(losses[e - 1], FLOAT_DIGITS)}$" for e in thin(len(losses))]
    final = run.final_parameters()
    param_rows = [f"${lf.name(k)}$ & ${lf.num(v, FLOAT_DIGITS)}$" for k, v in final.items()]
    return [
        r"\subsection*{The whole training run}",
        (
            ("The other iterations repeat these steps; here they" if derivation.steps else "The iterations")
            + " are computed in floating point. An epoch's"
            f" loss is the mean of the losses of its iterations (each before its update). After"
            f" {derivation.problem.epochs} epochs the loss over the data set is"
            f" ${lf.num(run.final_loss, FLOAT_DIGITS)}$."
        ),
        r"\begin{center}",
        pgfplots(losses).rstrip("\n"),
        r"\end{center}",
        *_side_by_side(
            tables(["epoch", "loss"], epoch_rows, "rr"), tables(["parameter", "trained value"], param_rows, "lr")
        ),
        picture(network, final, caption="The network after training, with the trained parameters.", example=False),
    ]


def _side_by_side(left: list[str], right: list[str]) -> list[str]:
    return [
        r"\begin{minipage}[t]{0.48\textwidth}\vspace{0pt}",
        *left,
        r"\end{minipage}\hfill\begin{minipage}[t]{0.48\textwidth}\vspace{0pt}",
        *right,
        r"\end{minipage}",
        "",
    ]

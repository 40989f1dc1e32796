"""A data-set derivation (`tutor.engines.training`): the detailed iterations, then the run summarised.

Terminal: per iteration, each example's forward pass, loss and backward pass (the same lines as a
single-example solve), then the batch loss and gradients as the mean (or sum) of the examples', then the
updates; after the detailed iterations a loss table by epoch (thinned), a loss curve and the trained
parameters. JSON: `tutor.render.trainjson`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from tutor.model.derivation import DataSetDerivation, Step
from tutor.model.network import Network
from tutor.model.problem import Problem
from tutor.model.schedule import batch_size, descent_kind
from tutor.model.training import TrainResult
from tutor.render.console import TextBlock, rows_table, user_text
from tutor.render.curve import text_plot, thin
from tutor.render.matrix_text import layer_sections
from tutor.render.optimlines import uses_optimizer
from tutor.render.text import MINUS, Line, Writer, optimizer_section, settings_lines, step_lines
from tutor.render.views import VIEWS, ViewOptions, drawing, step_count

DETAILED = step_count(lambda d: len(d.steps), "only {n} iteration(s) are derived in full (see --detail)")


@VIEWS["text"].register(DataSetDerivation, DETAILED)  # the terminal shows the detailed iterations only
def _text_view(derivation: DataSetDerivation, options: ViewOptions) -> Callable[[Console], None]:
    if options.input_gradients:
        return lambda console: render_training(
            derivation, console, digits=options.digits, step=options.step, phases=options.phases, input_gradients=True
        )
    return drawing(render_training, derivation, options)


def render_training(
    derivation: DataSetDerivation,
    console: Console,
    *,
    digits: int = 6,
    step: int | None = None,
    phases: Collection[str] | None = None,
    input_gradients: bool = False,
) -> None:
    """The detailed iterations, then the run; `input_gradients`: each example's ∂L_k/∂x too."""
    writer = Writer(digits, Network(derivation.problem).target_labels)
    header(derivation.problem, console, writer)
    for s in derivation.steps:
        if step is None or s.index == step:
            console.print(Rule(f"Iteration {s.index} (epoch {s.epoch})", style="bold magenta"))
            for title, lines in iteration_sections(derivation, s, writer, phases, input_gradients):
                _section(console, title, lines)
    if step is None and not phases:
        summary(derivation.training, console, digits)


def header(p: Problem, console: Console, writer: Writer) -> None:
    """The title, the description and the schedule (also `nnstep train`'s first lines)."""
    console.print(user_text(p.title or Path(p.source).name, "bold"))
    if p.description:
        console.print(user_text(p.description, "italic", multiline=True))
    size, kind = batch_size(p), descent_kind(p)
    shuffle = f"   shuffle: seed {p.shuffle}" if p.shuffle is not None else "   in file order"
    console.print(
        Text(
            f"{len(p.data)} examples   epochs: {p.epochs}   batch size: {size} ({kind} gradient descent)"
            f"   reduction: {p.reduction}{shuffle}\nloss: {p.loss}   learning rate η = {writer.num(p.learning_rate)}"
        )
    )
    for line in settings_lines(p, writer.num):
        console.print(Text(line))


def iteration_sections(
    derivation: DataSetDerivation,
    s: Step,
    writer: Writer,
    phases: Collection[str] | None,
    input_gradients: bool = False,
) -> list[tuple[str, list[Line]]]:
    p = derivation.problem
    params = {u.parameter: u.old for u in s.updates}
    want = set(phases) if phases else {"forward", "loss", "backward", "update"}
    out: list[tuple[str, list[Line]]] = []
    note = input_gradient_note(p.reduction, len(s.examples)) if input_gradients else None
    for e in s.examples:
        pseudo = Step(s.index, e.forward, e.loss, e.deltas, e.gradients, (), input_gradients=e.input_gradients)
        shown = [ph for ph in ("forward", "loss", "backward") if ph in want]
        for title, lines in step_lines(pseudo, writer, p.loss, shown or ["loss"], input_gradients):
            extra = [Line(note.format(k=e.example))] if note and title.startswith("Input gradients") else []
            out.append((f"Example {e.example}: {title}", lines + extra))
        out += [
            (f"Example {e.example}: {t}", ls)
            for t, ls in layer_sections(p, params, e.forward, e.deltas, e.inputs, writer, phases)
        ]
    if "loss" in want or "backward" in want:
        out.append(_batch_section(s, p.reduction, writer, want))
    if "update" in want and uses_optimizer(s):
        out.append(optimizer_section(s, writer))
    elif "update" in want:
        eta = writer.num(p.learning_rate)
        out.append((f"Updates: w ← w {MINUS} η · ∂L/∂w with η = {eta}", [writer.update(u) for u in s.updates]))
    return out


def input_gradient_note(reduction: str, n: int) -> str | None:
    """What ∂L_k/∂x of example k is to the batch loss (`{k}` the example): 1/n of it for a mean."""
    if n == 1:
        return None
    if reduction == "mean":
        return f"(of the example's own loss L_{{k}}; of the batch loss L = 1/{n} · (L_1 + …): 1/{n} of these)"
    return "(of the example's own loss L_{k}; the batch loss L = L_1 + … has the same ∂L/∂x)"


def _batch_section(s: Step, reduction: str, writer: Writer, want: Collection[str]) -> tuple[str, list[Line]]:
    """The batch loss (phase `loss`) and gradients (phase `backward`) as sums or means of the examples'."""
    lines = batch_lines(s, reduction, writer)  # the loss, then one line per gradient
    parts = (("loss", lines[:1], "loss"), ("gradients", lines[1:], "backward"))
    kept = [(name, ls) for name, ls, phase in parts if phase in want]
    return f"Batch: {' and '.join(name for name, _ in kept)} over the examples", [ln for _, ls in kept for ln in ls]


def batch_lines(s: Step, reduction: str, writer: Writer) -> list[Line]:
    """L = 1/n · (L_1 + … + L_n) and ∂L/∂w = 1/n · (∂L_1/∂w + …), with the numbers (`sum`: no 1/n)."""
    ks = [e.example for e in s.examples]
    lines = [_combine("L", [f"L_{k}" for k in ks], [e.loss.value for e in s.examples], s.loss.value, reduction, writer)]
    for i, g in enumerate(s.gradients):
        symbols = [f"∂L_{k}/∂{g.parameter}" for k in ks]
        parts = [e.gradients[i].value for e in s.examples]
        lines.append(_combine(f"∂L/∂{g.parameter}", symbols, parts, g.value, reduction, writer))
    return lines


def _combine(head: str, symbols: list[str], parts: list[Any], total: Any, reduction: str, writer: Writer) -> Line:
    if len(parts) == 1:
        return Line(f"{head} = {symbols[0]} = {writer.num(total)}")
    nums = " + ".join(writer.pnum(v) for v in parts)
    if reduction != "mean":
        return Line(f"{head} = {' + '.join(symbols)} = {nums} = {writer.num(total)}")
    factor = f"1/{len(parts)} · "
    return Line(f"{head} = {factor}({' + '.join(symbols)}) = {factor}({nums}) = {writer.num(total)}")


def _section(console: Console, title: str, lines: list[Line]) -> None:
    console.print()
    console.print(Text(title, style="bold cyan"))
    console.print(TextBlock([(" " * ln.indent + ln.text, "") for ln in lines]))


def summary(run: TrainResult, console: Console, digits: int = 6) -> None:
    """The loss by epoch (thinned), the curve and the trained parameters (float64: 17 digits at most)."""
    digits = min(digits, 17)
    table = Table(title="Loss by epoch (mean of the epoch's iterations)", title_style="bold cyan", title_justify="left")
    table.add_column("epoch", justify="right")
    table.add_column("loss", justify="right")
    for e in thin(len(run.epoch_loss)):
        table.add_row(str(e), f"{run.epoch_loss[e - 1]:.{digits}g}")
    console.print()
    console.print(table)
    console.print(Text(f"after training: loss {run.final_loss:.{digits}g}", style="bold"))
    console.print(
        Text("(the trained network on the whole data set; an epoch's loss above is taken before its updates)")
    )
    console.print()
    console.print(Text("Loss curve", style="bold cyan"))
    console.print(Text("\n".join(text_plot(list(run.epoch_loss)))))
    rows = [(name, f"{value:.{digits}g}".replace("-", MINUS)) for name, value in run.final_parameters().items()]
    columns = [("parameter", "left"), ("value", "right")]
    console.print()
    console.print(rows_table("Trained parameters", columns, rows, console.options.max_width))

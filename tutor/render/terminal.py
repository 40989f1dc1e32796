"""The derivation on a Rich console: headings, the lines of `tutor.render.text`, summary tables.

Piped or under NO_COLOR, Rich writes plain text with no ANSI codes; lines are never hard-wrapped so a
chain-rule product stays on one line in a file.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from pathlib import Path

from rich.console import Console
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from tutor.model.derivation import Derivation, Step
from tutor.model.network import Network
from tutor.model.problem import Problem
from tutor.render.console import TextBlock, rows_table, user_text
from tutor.render.text import Line, Writer, settings_lines, step_lines
from tutor.render.views import STEPS, VIEWS, ViewOptions, drawing


@VIEWS["text"].register(Derivation, STEPS)
def _text_view(derivation: Derivation, options: ViewOptions) -> Callable[[Console], None]:
    if options.input_gradients:
        return lambda console: render(
            derivation, console, digits=options.digits, step=options.step, phases=options.phases, input_gradients=True
        )
    return drawing(render, derivation, options)


def render(
    derivation: Derivation,
    console: Console,
    *,
    digits: int = 6,
    step: int | None = None,
    phases: Collection[str] | None = None,
    input_gradients: bool = False,
) -> None:
    """Draw the derivation on `console` (the text view: `tutor.render.views`); `input_gradients`: ∂L/∂x too."""
    problem = derivation.problem
    network = Network(problem)
    writer = Writer(digits, network.target_labels)
    _header(derivation, console, writer)
    steps = [s for s in derivation.steps if step is None or s.index == step]
    for s in steps:
        if len(derivation.steps) > 1:
            console.print(Rule(f"Step {s.index}", style="bold magenta"))
        _sections(_step_sections(problem, s, writer, phases, input_gradients), console)
    if step is None and not phases:
        _final_table(derivation, console, writer)
        if len(derivation.steps) > 1:
            _summary(derivation, console, writer)


def _header(derivation: Derivation, console: Console, writer: Writer) -> None:
    p = derivation.problem
    console.print(user_text(p.title or Path(p.source).name, "bold"))
    if p.description:
        console.print(user_text(p.description, "italic", multiline=True))
    inputs = ", ".join(f"{k} = {writer.num(v)}" for k, v in p.inputs.items())
    targets = ", ".join(f"{k} → {writer.num(v)}" for k, v in p.targets.items())
    console.print(Text(f"inputs: {inputs}   targets: {targets}"))
    frozen = f"   frozen: {', '.join(sorted(p.frozen))}" if p.frozen else ""
    console.print(Text(f"loss: {p.loss}   learning rate η = {writer.num(p.learning_rate)}   steps: {p.steps}{frozen}"))
    for line in settings_lines(p, writer.num):
        console.print(Text(line))


def _step_sections(
    problem: Problem, step: Step, writer: Writer, phases: Collection[str] | None, input_gradients: bool = False
) -> list[tuple[str, list[Line]]]:
    """The phases of one step; the layer form's matrix view joins the backward pass, before the updates."""
    sections = list(step_lines(step, writer, problem.loss, list(phases) if phases else None, input_gradients))
    at = next((i for i, (title, _) in enumerate(sections) if title.startswith("Updates")), len(sections))
    return [*sections[:at], *_layer_sections(problem, step, writer, phases), *sections[at:]]


def _layer_sections(
    problem: Problem, step: Step, writer: Writer, phases: Collection[str] | None
) -> list[tuple[str, list[Line]]]:
    """The layer form's BP1–BP4 matrix view (issue 6), after the per-weight chain rule."""
    from tutor.render.matrix_text import layer_sections
    from tutor.render.rnnview import rnn_sections  # issue 16: backpropagation through time

    params = {u.parameter: u.old for u in step.updates}
    matrix = layer_sections(
        problem, params, step.forward, step.deltas, problem.inputs, writer, phases, regularized=True
    )
    return matrix + rnn_sections(problem, step, writer.num, phases)


def _sections(sections: Iterable[tuple[str, list[Line]]], console: Console) -> None:
    for title, lines in sections:
        console.print()
        console.print(Text(title, style="bold cyan"))
        console.print(TextBlock([(" " * line.indent + line.text, line.style) for line in lines]))


def _final_table(derivation: Derivation, console: Console, writer: Writer) -> None:
    first, last = derivation.steps[0], derivation.steps[-1]
    gradient = "gradient" if len(derivation.steps) == 1 else "last ∂L/∂w"
    words = derivation.problem.optimizer.entry.state  # an optimizer's state after the last step, by word
    columns = [("parameter", "left"), ("before", "right"), (gradient, "right"), ("after", "right")]
    columns += [(f"{w} after", "right") for w in words]
    rows = [
        (u.parameter + (" (frozen)" if u.frozen else ""), writer.num(u0.old), writer.num(u.gradient), writer.num(u.new))
        + tuple(writer.num(u.state[w]) if w in u.state else "" for w in words)
        for u0, u in zip(first.updates, last.updates, strict=True)
    ]
    console.print()
    console.print(rows_table("Parameters", columns, rows, console.options.max_width))


def _summary(derivation: Derivation, console: Console, writer: Writer) -> None:
    table = Table(title="Steps", title_style="bold cyan", title_justify="left")
    table.add_column("step", justify="right")
    table.add_column("loss", justify="right")
    for o in derivation.problem.targets:
        table.add_column(o, justify="right")
    for s in derivation.steps:
        outs = {f.neuron: f.out for f in s.forward}
        table.add_row(
            str(s.index), writer.num(s.loss.value), *(writer.num(outs[o]) for o in derivation.problem.targets)
        )
    console.print()
    console.print(table)

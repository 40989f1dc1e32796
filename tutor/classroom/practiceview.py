"""The end of a practice session on a Rich console: a table of every quantity, the score, recurring mistakes."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

from tutor.checking.mistakes import BY_TAG
from tutor.classroom.practice import PHASES, STATUSES, Session, given_keys, phase_of
from tutor.maths.numfmt import fmt
from tutor.render.console import user_text
from tutor.render.text import settings_lines

MAX_EXAMPLES = 10  # examples of a data set listed in the intro
VALUES_PER_LINE = 6  # values of the phases not asked, per line of the intro
MAX_UNREACHED_ROWS = 50  # more quantities left unanswered than this are one row of the summary
STYLE = {
    **{"first try": "green", "after hints": "yellow", "given up": "red", "skipped": "red"},
    **{"incorrect": "red", "unanswered": "dim"},
}


def print_summary(session: Session) -> None:
    console = session.console
    console.print()
    console.print(summary_table(session))
    for line in summary_lines(session):
        console.print(Text(line))


def summary_table(session: Session) -> Table:
    digits = session.options.digits
    table = Table(title="Summary", title_style="bold cyan", title_justify="left")
    table.add_column("quantity")
    table.add_column("your answer", justify="right")
    table.add_column("expected", justify="right")
    table.add_column("result")
    items = session.items
    reached = next((i for i in range(len(items), 0, -1) if items[i - 1].status != "unanswered"), 0)
    if len(items) - reached > MAX_UNREACHED_ROWS:  # quit early in a long session: not 20,000 rows
        items = items[: reached + 1]
    for item in items:
        result = item.status + (" (carried)" if item.carried else "")
        if item.tags:
            result += " [" + ", ".join(dict.fromkeys(item.tags)) + "]"
        last = item.attempts[-1] if item.attempts else ""
        table.add_row(
            user_text(item.key), user_text(last), fmt(item.expected, digits), Text(result, style=STYLE[item.status])
        )
    if len(items) < len(session.items):
        more = Text(f"{len(session.items) - len(items)} more unanswered", style=STYLE["unanswered"])
        table.add_row("…", "", "", more)
    return table


def summary_lines(session: Session) -> list[str]:
    items = session.items
    counts = {s: sum(1 for i in items if i.status == s) for s in STATUSES}
    carried = sum(1 for i in session.right if i.carried)
    score = f"Score: {len(session.right)}/{len(items)} right ({counts['first try']} on the first try"
    score += f", {counts['after hints']} after hints" + (f", {carried} carried forward" if carried else "") + ")"
    lines = [score]
    missed = [f"{counts[s]} {s}" for s in ("given up", "skipped", "incorrect", "unanswered") if counts[s]]
    if missed:
        lines.append("Not right: " + ", ".join(missed))
    recurring = session.recurring()
    if recurring:
        lines.append("Mistakes that recurred:")
        lines += [f"  {tag} ×{n}: {BY_TAG[tag].words}" for tag, n in recurring]
    return lines


def print_intro(session: Session) -> None:
    problem = session.derivation.problem
    phases = sorted({phase_of(i.key) for i in session.items}, key=PHASES.index)
    console = session.console
    console.print(user_text(problem.title or str(problem.source), "bold"))
    for line in given_lines(problem) + given_values(session):
        console.print(Text(line, style="dim" if line.startswith("Given") else ""))
    tries = session.options.max_tries
    console.print(
        Text(
            f"{len(session.items)} quantities to work out ({', '.join(phases)}), one at a time. "
            "Answer with a number, a fraction (1/2) or an expression (2 - 0.1*20); "
            f"? for a hint, skip, quit. After {tries} wrong {'answer' if tries == 1 else 'answers'} the value is shown."
        )
    )
    if session.options.ask is not None and session.options.seed is not None:
        console.print(Text(f"(a random choice: --seed {session.options.seed} repeats it)", style="dim"))


def given_values(session: Session) -> list[str]:
    """The values of the phases not asked (`--only backward`: the forward pass and the loss), as given."""
    keys = given_keys(session.derivation, session.options, [i.key for i in session.items], session.checker.model)
    expected, digits = session.checker.expected, session.options.digits
    lines = []
    for start in range(0, len(keys), VALUES_PER_LINE):
        chunk = keys[start : start + VALUES_PER_LINE]
        lines.append("  " + ", ".join(f"{k} = {fmt(expected[k], digits)}" for k in chunk))
    return ["  values of the phases not asked:", *lines] if lines else []


def given_lines(problem: Any) -> list[str]:
    """What the student works from: the inputs (or the data), the network and its parameters, the
    targets, the loss and η — or a computation graph's inputs and nodes."""
    from tutor.engines.graph import GraphProblem

    if isinstance(problem, GraphProblem):
        from tutor.maths.expr import to_text

        inputs = ", ".join(f"{k} = {fmt(v)}" for k, v in problem.inputs.items())
        nodes = [f"  {name} = {to_text(node)}" for name, node in problem.nodes.items()]
        return ["Given:", f"  inputs: {inputs}", *nodes, f"  output: {problem.output}"]
    from tutor.maths.losses import loss_text
    from tutor.model.network import Network

    network = Network(problem)
    lines = ["Given:"]
    if problem.data:
        for k, e in enumerate(problem.data[:MAX_EXAMPLES], 1):
            lines.append(f"  example {k}: {_values(e.inputs)} → targets {_values(e.targets)}")
        if len(problem.data) > MAX_EXAMPLES:
            lines.append(f"  … and {len(problem.data) - MAX_EXAMPLES} more examples (see the problem file)")
    else:
        lines.append(f"  inputs: {_values(problem.inputs)}   targets: {_values(problem.targets)}")
    for name in network.order:
        neuron = problem.neurons[name]
        terms = [f"{c.source}·{c.parameter}" for c in neuron.inputs] + ([neuron.bias] if neuron.bias else [])
        net = network.net_labels.get(name, f"net_{name}")
        summed = " + ".join(terms)
        if neuron.combine == "max":  # max pooling (issue 16): the max of its window
            summed = f"max({', '.join(c.source for c in neuron.inputs)})"
        lines.append(f"  {name} = {neuron.activation}({net}),  {net} = {summed}")
    frozen = f"   (frozen: {', '.join(sorted(problem.frozen))})" if problem.frozen else ""
    lines.append(f"  {_values(problem.parameters)}{frozen}")
    rate = f"η = {fmt(problem.learning_rate)}"
    lines.append(f"  loss: L = {loss_text(problem.loss)}   learning rate {rate}")
    lines += [f"  {line}" for line in settings_lines(problem, fmt)]  # a penalty, dropout, an optimizer
    return lines


def _values(values: Any) -> str:
    return ", ".join(f"{k} = {fmt(v)}" for k, v in values.items())

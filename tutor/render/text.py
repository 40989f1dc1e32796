"""The derivation as lines of plain text, phase by phase — the words of the terminal view.

Each `lines_<phase>` turns derivation data into (style, text) lines; `tutor.render.terminal` only puts
them on a Rich console. Symbolic forms are written from the data (which factor, which activation),
numbers and the formula text the hints share through `tutor.maths.termtext`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from tutor.maths.regtext import RegDropText, masks_text
from tutor.maths.termtext import MINUS, TermText
from tutor.model.backward import Delta, Gradient
from tutor.model.derivation import ForwardNeuron, Loss, Step, Update
from tutor.model.problem import Problem
from tutor.render.optimlines import numbers_text, rule_text, statement_text, title_text, uses_optimizer


@dataclass(frozen=True)
class Line:
    text: str
    style: str = ""  # a Rich style name; empty for plain
    indent: int = 2


class Writer(TermText, RegDropText):
    """The lines of one derivation; numbers and formula text from `TermText`, shared with the hints."""

    # ---------------------------------------------------------------- forward
    def forward(self, f: ForwardNeuron, group: Sequence[ForwardNeuron] = ()) -> Iterator[Line]:
        """net = Σ … = value, then out = f(net) = value. `group`: the softmax group, for its denominator."""
        yield Line(self.net_chain(f).text)
        if f.activated is None:
            yield Line(self.out_chain(f, group).text, indent=4)
            return
        yield Line(self.out_chain(replace(f, neuron=f"{f.neuron}ʹ", out=f.activated), group).text, indent=4)
        yield Line(self.dropout_chain(f).text, indent=4)  # inverted dropout: the mask, then × 1/(1 − p)

    # ---------------------------------------------------------------- loss
    def loss(self, loss: Loss) -> Iterator[Line]:
        chain = self.loss_chain(loss)
        head = chain.head if loss.penalty is None else "L_data"
        yield Line(f"{head} = {chain.symbols[0]}")
        yield Line(f"  = {chain.numbers[0]} = {chain.value}", style="" if loss.penalty else "bold")
        if loss.penalty is not None:
            yield Line(self.penalty_chain(loss).text)
            yield Line(self.total_loss_chain(loss).text, style="bold")

    # ---------------------------------------------------------------- deltas
    def delta(self, d: Delta, loss: str, n_outputs: int, net: object = None) -> Iterator[Line]:
        """The δ line; `net` (the neuron's net input) adds the convention used where f′ has a kink at it."""
        if d.softmax:
            yield Line(f"{self.softmax_delta_chain(d, loss).text}  (softmax output)")
            return
        yield Line(self.delta_chain(d, loss, n_outputs, net).text)

    # ---------------------------------------------------------------- gradients
    def gradient(self, g: Gradient, loss: str, n_outputs: int) -> Iterator[Line]:
        """The chain rule and the delta form of the data term; then, under a penalty, the whole gradient."""
        if g.penalty is not None:
            yield from self.gradient(replace(g, value=g.data_value, penalty=None), loss, n_outputs)
            yield Line(self.penalty_gradient_chain(g).text, style="bold")
            return
        head = f"∂L/∂{g.parameter}"
        pad = " " * len(head)
        if g.paths is not None and g.paths:
            yield Line(f"{head} = " + " + ".join(self.path_symbols(p) for p in g.paths))
            yield Line(f"{pad} = " + " + ".join(self.path_formula(p, loss, n_outputs) for p in g.paths))
            yield Line(
                f"{pad} = " + " + ".join(self.path_numbers(p) for p in g.paths) + f" = {self.num(g.value)}",
                style="bold",
            )
        lead = pad if g.paths else head
        style = "dim" if g.paths else "bold"
        uses = self.uses_chain(g)
        yield Line(f"{lead} = {uses.symbols[0]} = {uses.numbers[0]} = {uses.value}", style=style)

    # ---------------------------------------------------------------- updates
    def update(self, u: Update) -> Line:
        if u.frozen:
            return Line(f"{u.parameter} = {self.num(u.old)}  (frozen: not updated)", style="dim")
        return Line(
            f"{u.parameter} ← {self.num(u.old)} {MINUS} {self.num(u.learning_rate)} · "
            f"{self.pnum(u.gradient)} = {self.num(u.new)}"
        )


def step_lines(
    step: Step, writer: Writer, loss_name: str, phases: Sequence[str] | None, input_gradients: bool = False
) -> Iterator[tuple[str, list[Line]]]:
    """(section title, lines) for each phase of one step; `input_gradients`: ∂L/∂x too (after the gradients)."""
    n_out = len(step.loss.parts)
    want = set(phases) if phases else {"forward", "loss", "backward", "update"}
    if "forward" in want:
        group = [f for f in step.forward if f.activation.entry.group]
        yield "Forward pass", [line for f in step.forward for line in writer.forward(f, group)]
    if "loss" in want:
        yield "Loss", list(writer.loss(step.loss))
    if "backward" in want:
        nets = {f.neuron: f.net for f in step.forward}
        yield (
            "Backward pass: deltas δ = ∂L/∂net",
            [ln for d in step.deltas for ln in writer.delta(d, loss_name, n_out, nets.get(d.neuron))],
        )
        yield (
            "Backward pass: gradients by the chain rule",
            [ln for g in step.gradients for ln in writer.gradient(g, loss_name, n_out)],
        )
        if input_gradients and step.input_gradients:
            yield "Input gradients ∂L/∂x", [Line(writer.input_gradient_chain(ig).text) for ig in step.input_gradients]
    if "update" in want and uses_optimizer(step):
        yield optimizer_section(step, writer)
    elif "update" in want:
        eta = step.updates[0].learning_rate if step.updates else 0
        yield (
            f"Updates: w ← w {MINUS} η · ∂L/∂w with η = {writer.num(eta)}",
            [writer.update(u) for u in step.updates],
        )


def optimizer_section(step: Step, writer: Writer) -> tuple[str, list[Line]]:
    """An optimizer's updates (issue 15): the rule, then each parameter's state and step with numbers."""
    rule, note = rule_text(step)
    lines = [Line(text, style="dim") for text in rule] + ([Line(f"({note})", style="dim")] if note else [])
    for u in step.updates:
        if u.frozen:
            lines.append(writer.update(u))
            continue
        lines += [Line(text, indent=indent) for indent, text in numbers_text(u, writer.num, writer.pnum)]
    return title_text(step, writer.num), lines


def settings_lines(problem: Problem, num: Callable[[Any], str]) -> list[str]:
    """The header's lines on what else the problem sets: the loss's settings, a penalty and dropout; an optimizer
    (a one-example problem's header and a data set's alike)."""
    out = []
    if problem.regularization is not None or problem.dropout is not None or problem.loss_options:
        out.append(_regdrop_settings(problem, num))
    if optimizer := statement_text(problem, num):
        out.append(optimizer)
    return out


def _regdrop_settings(problem: Problem, num: Callable[[Any], str]) -> str:
    """One line of the settings issue 15 adds: `regularization: l2, λ = 0.01   dropout: p = 0.5   loss: delta = 1`."""
    parts = []
    if problem.regularization is not None:
        parts.append(f"regularization: {problem.regularization.kind}, λ = {num(problem.regularization.strength)}")
    parts += [f"{problem.loss} {k} = {num(v)}" for k, v in problem.loss_options.items()]
    if problem.dropout is not None:  # last: its masks make it the longest
        masks = masks_text(problem.dropout)
        rate = num(problem.dropout.rate)
        parts.append(f"dropout: p = {rate} (inverted: kept outputs × 1/(1 − p)); masks (1 kept, 0 dropped): {masks}")
    return "   ".join(parts)

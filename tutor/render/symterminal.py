"""A symbolic solution on a Rich console: the plain derivation (unchanged), then its formulas.

The formulas of a step: each quantity as its compact form, its closed form (when it differs; cut past
`symtext.MAX_CLOSED` characters) and, with numbers, its value. Every step has the same formulas (the
parameter symbols stand for the values at the start of the step), so a later step lists only the values
its parameters have and the quantities' values. `--no-numbers` (`SymbolicSolution.numbers` False): the
title, the symbols and the formulas alone, an exercise in deriving them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from tutor.maths.numfmt import fmt
from tutor.maths.termtext import MINUS
from tutor.model.symbolic import SymbolicSolution, SymbolicStep
from tutor.render import symtext as st
from tutor.render.console import user_text
from tutor.render.views import VIEWS, ViewOptions

TEXT = VIEWS["text"]


@dataclass(frozen=True)
class _Printing:
    """One solution's printer and σ rewrites, memoised across its formulas."""

    printer: Any
    sigma: dict[Any, Any]


_PHASE_TITLES = {"forward": "Forward pass", "loss": "Loss", "backward": "Backward pass", "update": "Updates"}


@TEXT.register(SymbolicSolution, st.symbolic_steps)
def _text_view(solution: SymbolicSolution, options: ViewOptions) -> Callable[[Console], None]:
    def draw(console: Console) -> None:
        if solution.numbers:
            TEXT.content(solution.derivation, options)(console)
            console.print()
        else:
            _header(solution, console)
        render_formulas(solution, console, digits=options.digits, step=options.step, phases=options.phases)

    return draw


def _header(solution: SymbolicSolution, console: Console) -> None:
    p = solution.derivation.problem
    console.print(user_text(p.title or Path(p.source).name, "bold"))
    if p.description:
        console.print(user_text(p.description, "italic", multiline=True))
    alone = "the inputs" if solution.symbolic.graph else "the inputs, parameters and targets"
    console.print(Text(f"Task: derive every quantity as a formula, in its neighbours' symbols, then in {alone} alone."))


def render_formulas(
    solution: SymbolicSolution,
    console: Console,
    *,
    digits: int = 6,
    step: int | None = None,
    phases: Collection[str] | None = None,
) -> None:
    sym = solution.symbolic
    console.print(Rule("Symbolic derivation (SymPy)", style="bold magenta"))
    for line in _symbol_lines(solution, digits):
        console.print(Text(line))
    output = solution.derivation.problem.output if sym.graph else "L"
    names = _Printing(st.term_printer(st.term_names(sym, output)), {})
    steps = [s for s in sym.steps if step is None or s.index == step]
    for i, s in enumerate(steps):
        if len(sym.steps) > 1:
            console.print(Rule(f"Formulas, step {s.index}", style="magenta"))
        if i > 0:
            console.print(Text(_later_step(solution, s, digits)))
        _step(solution, s, console, names, output, digits, phases, formulas=i == 0)
    if solution.numbers:
        console.print()
        console.print(Text("Checked: " + "; ".join(sym.checks) + ".", style="dim"))


def _symbol_lines(solution: SymbolicSolution, digits: int) -> list[str]:
    sym, p = solution.symbolic, solution.derivation.problem
    shown = (lambda n: f"{n} = {_num(sym.values[n], digits)}") if solution.numbers else (lambda n: n)
    lines = [f"inputs: {', '.join(shown(n) for n in p.inputs)}"]
    if not sym.graph:
        lines.append(f"parameters: {', '.join(shown(n) for n in p.parameters)}")
        targets = ", ".join(f"{shown(t)} (target of {o})" for o, t in sym.target_symbols.items())
        lines.append(f"targets: {targets}")
        if extra := st.extra_symbols(solution):
            lines.append(f"optimizer state, step and dropout factors: {', '.join(shown(n) for n in extra)}")
    closed = "the inputs" if sym.graph else "the inputs, parameters and targets"
    lines.append(f"Compact forms in the neighbours' symbols, closed forms in {closed}")
    lines.append("(SymPy's automatic canonical form: nothing simplified, expanded or factored).")
    return lines


def _later_step(solution: SymbolicSolution, s: SymbolicStep, digits: int) -> str:
    params = [*solution.derivation.problem.parameters, *st.extra_symbols(solution)]
    values = ", ".join(f"{n} = {_num(s.values[n], digits)}" for n in params)
    return f"The formulas of the first step shown, with the parameters at the start of step {s.index}: {values}"


def _step(
    solution: SymbolicSolution,
    s: SymbolicStep,
    console: Console,
    names: _Printing,
    output: str,
    digits: int,
    phases: Collection[str] | None,
    *,
    formulas: bool,
) -> None:
    phase = ""
    for row in st.rows(solution, s, phases):
        title = "Local derivatives on each edge" if row.kind == "local" else _PHASE_TITLES[row.phase]
        if title != phase:
            phase = title
            console.print()
            console.print(Text(title, style="bold cyan"))
        console.print(
            Text("\n".join("  " + line for line in _row_lines(solution, row, names, output, digits, formulas)))
        )


def _row_lines(
    solution: SymbolicSolution, row: st.Row, names: _Printing, output: str, digits: int, formulas: bool
) -> list[str]:
    label = st.term_label(solution.symbolic, row, output)
    sep = " " if label.endswith("←") else " = "
    value = f" = {_num(row.value, digits)}" if solution.numbers else ""
    if not formulas:
        return [f"{label}{sep}{_num(row.value, digits)}"]
    compact = st.term_formula(row.compact, names.printer)
    named = st.named_out(solution, row, latex=False)
    lines = [f"{label}{sep}{named + ' = ' if named else ''}{compact}"]
    pad = " " * (len(label) - 2 if sep == " " else len(label))  # `=` under `=`, or under `←`
    if row.closed != row.compact:
        lines.append(f"{pad} = {st.cut(st.term_formula(st.with_sigma(row.closed, names.sigma), names.printer))}")
    if value and not row.closed.is_Number:
        lines.append(f"{pad}{value}")
    return lines


def _num(value: Any, digits: int) -> str:
    return fmt(value, digits).replace("-", MINUS)

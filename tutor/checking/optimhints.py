"""Hint chains of an optimizer's step (issue 15): `w5.new` and the state keys `w5.m`, `w5.v`, `w5.velocity`,
`w5.s`, each built from the rule's lines as the exact engine evaluated them (`Update.lines`).

A line's chain is `target ← formula in symbols = formula with numbers = value`: rung 1 the registry's formula
written for the parameter (w5, ∂L/∂w5; `tutor.maths.optimtext`), rung 2 the numbers `nnstep solve` prints for
that line, rung 3 its value. A state key is its own line; `.new` is the lines that are no answer key of their
own (Adam's m̂, v̂, AdamW's decay) and the update.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tutor.maths.optimizers import OPTIMIZERS, Evaluated
from tutor.maths.optimtext import line_numbers, parameter_symbols, target_text, write
from tutor.maths.termtext import Chain

if TYPE_CHECKING:
    from tutor.maths.termtext import TermText
    from tutor.model.derivation import Update


def optimizer_chains(u: Update, part: str, writer: TermText) -> list[Chain]:
    """The chains of `part` (`new` or a state word) of one parameter's step under an optimizer with lines."""
    state = OPTIMIZERS[u.lines[0].optimizer].state
    if part == "new":
        lines = [ev for ev in u.lines if ev.line.target not in state]
    else:
        lines = [ev for ev in u.lines if ev.line.target == part]
    if not lines:
        raise KeyError(f"{u.parameter}.{part}")
    return [line_chain(u.parameter, ev, writer) for ev in lines]


def line_chain(parameter: str, ev: Evaluated, writer: TermText) -> Chain:
    """`m ← β₁ · m + (1 − β₁) · ∂L/∂w5 = 0.9 · 0 + (1 − 0.9) · 0.0821670 = 0.00821670`."""
    symbols = write(ev.line.formula, parameter_symbols(parameter))
    head = f"{target_text(parameter, ev.line.target)} ← {symbols}"
    return Chain(head, (), (line_numbers(ev, writer.num, writer.pnum),), writer.num(ev.value))

"""A symbolic derivation: every quantity of a derivation also as a formula, as plain frozen data.

`tutor.engines.symbolic` fills it in (and checks it against the exact engine); the views are functions of
it. Each quantity, by the answer key it has in `Step.items()` (`h1.net`, `loss`, `h1.delta`, `w5.grad`,
`w5.new`; a computation graph's `d.value`, `e.d.local`, `d.grad`), has two forms:

- the *compact* form, in the symbols of the neurons it builds on (`net_h1`, `h1`, `delta_o1`, `grad_w5`:
  see `SymbolicDerivation.roles`), e.g. δ_h1 = (w5·δ_o1 + w7·δ_o2)·h1·(1 − h1);
- the *closed* form, in input, parameter and target symbols only (`t_o1` stands for o1's target).

At step k > 1 the parameter symbols stand for the parameters' values at the start of step k, so every step
has the same formulas and only its values differ. Expressions are SymPy objects (`Any` keeps SymPy out of
import time).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tutor.model.keys import step_prefix

Expr = Any  # a SymPy expression


@dataclass(frozen=True)
class SymbolicStep:
    """One step's formulas, by answer key without the step prefix, and its values at the start of the step."""

    index: int  # 1-based
    compact: Mapping[str, Expr]
    closed: Mapping[str, Expr]
    values: Mapping[str, Any]  # symbol name -> its value at the start of this step (SymPy numbers)

    def closed_forms(self) -> dict[str, Expr]:
        """Answer key -> closed form (inputs, parameters and targets only)."""
        return dict(self.closed)

    def compact_forms(self) -> dict[str, Expr]:
        """Answer key -> compact form (in the symbols of neighbouring neurons, see `SymbolicDerivation.roles`)."""
        return dict(self.compact)


@dataclass(frozen=True)
class SymbolicDerivation:
    """The formulas of a network's (or computation graph's) derivation.

    `symbols` holds every input, parameter and target Symbol by name; `roles` every other Symbol a compact
    form uses, by name: (kind, subject) with kind `net`, `out`, `delta` or `grad` (a graph: `value`,
    `grad`), e.g. "net_h1" -> ("net", "h1"), "delta_o1" -> ("delta", "o1"). `checks` says in words what
    was verified on this derivation (the views print it)."""

    target_symbols: Mapping[str, str]  # output neuron -> its target's symbol name ("o1" -> "t_o1")
    symbols: Mapping[str, Any]  # symbol name -> SymPy Symbol: every input, parameter and target
    values: Mapping[str, Any]  # symbol name -> exact value at step 1
    steps: tuple[SymbolicStep, ...]
    roles: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    role_symbols: Mapping[str, Any] = field(default_factory=dict)  # symbol name -> Symbol, for `roles`
    checks: tuple[str, ...] = ()
    graph: bool = False  # a computation graph's (keys `d.value`, `e.d.local`, `d.grad`)
    # Symbols that stand for a number of the step, not a variable of the problem: an optimizer's state at the
    # start of the step (`m_w1`), the step number `t`, dropout's factors (`drop_h1`) — `tutor.engines.symextra`
    given: tuple[str, ...] = ()

    def closed_forms(self) -> dict[str, Expr]:
        """Every closed form by full answer key: `h1.net` for step 1, `step2.h1.net` for step 2, …"""
        return {step_prefix(s.index) + k: v for s in self.steps for k, v in s.closed.items()}

    def compact_forms(self) -> dict[str, Expr]:
        """Every compact form by full answer key (`step2.` in front for step 2)."""
        return {step_prefix(s.index) + k: v for s in self.steps for k, v in s.compact.items()}

    def symbol_of(self, name: str) -> Any:
        """The Symbol of an input, parameter or target, or of a neuron's net, out, delta or gradient."""
        return self.symbols[name] if name in self.symbols else self.role_symbols[name]


@dataclass(frozen=True)
class SymbolicSolution:
    """What `nnstep solve --symbolic` shows: a derivation (a network's `Derivation` or a `GraphDerivation`)
    with its formulas; `numbers` False shows the formulas alone (`--no-numbers`: deriving them is the
    exercise). Its own type, so the views dispatch on it."""

    derivation: Any
    symbolic: SymbolicDerivation
    numbers: bool = True

"""The hint ladder of a computation-graph key: the formula in symbols, then with the numbers, then the value.

`graph_chains` builds every line of a graph derivation as a `Chain` (`head = symbols = numbers = value`)
from the derivation's own data: the forward values, the local derivative on each edge and the backward
accumulation ∂L/∂b = ∂L/∂d · ∂d/∂b = (−2) · 2 = −4. The terminal view (`tutor.render.graph`) prints the
same chains, so a hint and `nnstep solve` cannot drift apart. A gradient's hint also shows the local
derivative on each edge it goes through (∂d/∂b = 2, ∂L/∂c = e).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tutor.engines.graph import Accumulation, GraphDerivation, LocalDerivative
from tutor.maths.formula import needs_brackets_as_term
from tutor.maths.termtext import RUNGS, Chain, TermText, expr_text, substituted, sympy_text
from tutor.model.keys import read_key


@dataclass(frozen=True)
class GraphChains:
    """The chains of a graph derivation, section by section, in the derivation's order."""

    forward: tuple[Chain, ...]
    local: tuple[Chain, ...]
    backward: tuple[Chain, ...]


def graph_chains(d: GraphDerivation, digits: int = 6) -> GraphChains:
    """Every forward value, local derivative and gradient of `d` as a chain of formula text."""
    w = TermText(digits, {})
    values = {**d.problem.inputs, **{f.node: f.value for f in d.forward}}
    forward = tuple(
        Chain(
            f.node, (expr_text(f.expression),), (expr_text(substituted(f.expression, values, digits)),), w.num(f.value)
        )
        for f in d.forward
    )
    formulas = {(e.child, e.parent): e.formula for e in d.local}
    return GraphChains(
        forward,
        tuple(_local(d, e, w) for e in d.local),
        tuple(_accumulation(a, d.problem.output, formulas, w) for a in d.backward),
    )


def local_symbol(d: GraphDerivation, child: str, parent: str) -> str:
    """∂e/∂a for the local derivative on an edge; into the output, its expression: ∂(c*e)/∂c, since
    ∂L/∂c is the gradient (the total derivative), a different number wherever c has other paths."""
    if child != d.problem.output:
        return f"∂{child}/∂{parent}"
    return f"∂({expr_text(d.problem.nodes[child])})/∂{parent}"


def _local(d: GraphDerivation, e: LocalDerivative, w: TermText) -> Chain:
    """`∂e/∂d = 1` (a number: its own formula), or `∂(c*e)/∂c = e = 7`."""
    head = local_symbol(d, e.child, e.parent)
    if e.formula.is_number:
        return Chain(head, value=sympy_text(e.formula))
    return Chain(head, (sympy_text(e.formula),), (), w.num(e.value))


def _accumulation(a: Accumulation, out: str, formulas: Mapping[tuple[str, str], Any], w: TermText) -> Chain:
    """`∂L/∂a = ∂L/∂e · ∂e/∂a = (−2) · 1 = −2`; an edge into the output itself contributes its local
    derivative as a formula (∂L/∂c = e, as the seed writes it), bracketed where it is a later term
    that is a sum or negative (`∂L/∂u · ∂u/∂x + (−r + x)`), never a second `∂L/∂c` on the right."""
    head = f"∂{out}/∂{a.name}"
    if not a.contributions:
        return Chain(head, value="1" if a.name == out else f"0  (no path to {out})")
    sym = " + ".join(
        _term(formulas[(c.child, a.name)], i == 0) if c.child == out else f"∂{out}/∂{c.child} · ∂{c.child}/∂{a.name}"
        for i, c in enumerate(a.contributions)
    )
    nums = " + ".join(
        (w.num(c.local) if i == 0 else w.pnum(c.local))
        if c.child == out
        else f"{w.pnum(c.child_gradient)} · {w.pnum(c.local)}"
        for i, c in enumerate(a.contributions)
    )
    value = w.num(a.value)
    if sym == value:
        return Chain(head, value=value)
    return Chain(head, (sym,), () if nums in (value, sym) else (nums,), value)


def _term(formula: Any, first: bool) -> str:
    text = sympy_text(formula)
    return text if first or not needs_brackets_as_term(formula) else f"({text})"


class GraphHints:
    """Hint texts for every answer key of a graph derivation (`tutor.checking.graphcheck` keys)."""

    def __init__(self, derivation: GraphDerivation, digits: int = 6) -> None:
        chains = graph_chains(derivation, digits)
        self.chains: dict[str, Chain] = {}
        for f, chain in zip(derivation.forward, chains.forward, strict=True):
            self.chains[f"{f.node}.value"] = chain
        for e, chain in zip(derivation.local, chains.local, strict=True):
            self.chains[f"{e.child}.{e.parent}.local"] = chain
        for a, chain in zip(derivation.backward, chains.backward, strict=True):
            self.chains[f"{a.name}.grad"] = chain
        self.edges = {a.name: [f"{c.child}.{a.name}.local" for c in a.contributions] for a in derivation.backward}

    def rung(self, key: str, n: int) -> str:
        """Hint rung `n` (1–3) of `key`, one or more lines; a gradient's edges as formulas, then whole."""
        n = min(max(n, 1), RUNGS)
        parsed = read_key(key)
        lines = [self.chains[key].rung(n)]
        if parsed.quantity == "grad":
            lines += [self.chains[k].rung(RUNGS if n > 1 else 1) for k in self.edges[parsed.subject]]
        return "\n".join(lines)

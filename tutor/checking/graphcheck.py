"""Checking computation-graph answers (`tutor.engines.graph`): the `CheckModel` of a graph derivation.

Answer keys (seed 002, L = c(a + 2b)): `d.value: 2` for each node's forward value (inputs are given, so
they have none), `e.d.local: 1` for the local derivative ∂e/∂d on each edge (child.parent.local), and
`b.grad: -4` for ∂L/∂b, for every node (the output's own is 1) and every input.

Error carried forward recomputes every key from the student's own values: a node from its parents'
values, a local derivative from the values it is evaluated at, and ∂L/∂v = Σ over v's children c of
∂L/∂c · ∂c/∂v with the student's ∂L/∂c and ∂c/∂v where given. The local derivatives are differentiated
once (`sympy.diff`, in `tutor.engines.graph`) and compiled to float functions; answers are then pure float work.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from itertools import combinations
from typing import Any

from tutor.checking.checkmodel import Close, HintSource
from tutor.checking.mistakes import BY_TAG, Mistake
from tutor.engines.graph import GraphDerivation, parents
from tutor.maths import expr
from tutor.model.keys import grad_key, local_key, read_key, value_key

FLOAT_ERRORS = (expr.ExprError, ArithmeticError, ValueError, TypeError)
MAX_SUBSET_PATHS = 8  # beyond this many uses of one node, `missing-path` tries single paths only
GRAPH_TAGS = ("missing-path", "missing-local-derivative", "local-derivative-only", "forward-value-as-gradient")


class GraphModel:
    """A solved computation graph, ready to check answers and drive the practice drill."""

    def __init__(self, derivation: GraphDerivation) -> None:
        self.derivation = derivation
        self.problem = p = derivation.problem
        self.settings = p.check
        self.steps = 1
        self.order = derivation.order
        self.parents = {n: parents(p, n) for n in self.order}
        self.edges = [(e.child, e.parent) for e in derivation.local]
        self.children = {v: [c for c, q in self.edges if q == v] for v in (*p.inputs, *self.order)}
        self.backward = tuple(a.name for a in derivation.backward)  # output, reverse topological, inputs
        self.expected = _expected(derivation)
        self.truth = {k: float(v) for k, v in self.expected.items()}
        self.locals = {(e.child, e.parent): _compile(e.formula, self.parents[e.child]) for e in derivation.local}
        self._last: tuple[tuple[tuple[str, float], ...], dict[str, float]] | None = None

    # ------------------------------------------------------------ error carried forward
    def recompute(self, student: Mapping[str, float]) -> dict[str, float]:
        """Every key from the student's own values where given (NaN where they make it impossible)."""
        memo = tuple(sorted(student.items()))
        if self._last is None or self._last[0] != memo:
            self._last = (memo, self._recompute(student))
        return self._last[1]

    def _recompute(self, student: Mapping[str, float]) -> dict[str, float]:
        out: dict[str, float] = {}
        env = {k: float(v) for k, v in self.problem.inputs.items()}
        for n in self.order:
            out[value_key(n)] = _safe(expr.evaluate, self.problem.nodes[n], env)
            env[n] = student.get(value_key(n), out[value_key(n)])
        for child, parent in self.edges:
            out[local_key(child, parent)] = self._local(child, parent, env)
        used = {**out, **student}
        for v in self.backward:
            out[grad_key(v)] = 1.0 if v == self.problem.output else sum(t for t in self._terms(v, used))
            used[grad_key(v)] = student.get(grad_key(v), out[grad_key(v)])
        return out

    def _local(self, child: str, parent: str, env: Mapping[str, float]) -> float:
        return _safe(self.locals[child, parent], *(env[q] for q in self.parents[child]))

    def _terms(self, v: str, values: Mapping[str, float]) -> Iterator[float]:
        """∂L/∂c · ∂c/∂v for each child c of v, from `values` (keys to numbers)."""
        for c in self.children[v]:
            yield values[grad_key(c)] * values[local_key(c, v)]

    def dependencies(self, key: str) -> tuple[str, ...]:
        parsed = read_key(key)
        name, part = parsed.subject, parsed.quantity
        if part == "value":
            return tuple(value_key(q) for q in self.parents[name] if q in self.problem.nodes)
        if part == "local":
            child = name
            return tuple(value_key(q) for q in self.parents[child] if q in self.problem.nodes)
        if part == "grad":
            return tuple(k for c in self.children[name] for k in (grad_key(c), local_key(c, name)))
        return ()

    # ------------------------------------------------------------ mistakes
    def diagnose(
        self, key: str, value: float, student: Mapping[str, float], close: Close, *, local: bool
    ) -> list[Mistake]:
        """The graph mistakes a wrong ∂L/∂v matches: those with the true upstream values first, then
        (`local`) those with the student's own; GRAPH_TAGS order within each."""
        parsed = read_key(key)
        name, part = parsed.subject, parsed.quantity
        if part != "grad":
            return []
        worlds = [self.truth] + ([{**self.recompute(student), **student}] if local else [])
        truth = self.truth[key]
        found: dict[str, None] = {}
        for world in worlds:
            hits = {t for t, x in self._candidates(name, world) if close(value, x) and not close(x, truth)}
            found.update((t, None) for t in GRAPH_TAGS if t in hits)
        return [BY_TAG[t] for t in found]

    def _candidates(self, v: str, world: Mapping[str, float]) -> Iterator[tuple[str, float]]:
        """(tag, the value that mistake gives for ∂L/∂v) in one set of upstream values."""
        terms = list(self._terms(v, world))
        locals_ = [world[local_key(c, v)] for c in self.children[v]]
        for subset in _proper_subsets(terms):
            yield "missing-path", sum(subset)
        if terms:
            yield "missing-local-derivative", sum(world[grad_key(c)] for c in self.children[v])
            yield "local-derivative-only", sum(locals_)
            for x in locals_ if len(locals_) > 1 else ():
                yield "local-derivative-only", x
        own = world.get(value_key(v), float(self.problem.inputs.get(v, math.nan)))
        yield "forward-value-as-gradient", own

    # ------------------------------------------------------------ words and practice
    def describe(self, key: str) -> str:
        parsed = read_key(key)
        name, part = parsed.subject, parsed.quantity
        out = self.problem.output
        if part == "value":
            return f"{name} = {expr.to_text(self.problem.nodes[name])}, the forward value of node {name}"
        if part == "local":
            child, parent = name, parsed.parent
            formula = expr.to_text(self.problem.nodes[child])
            return f"∂{child}/∂{parent}, the local derivative of {child} = {formula} with respect to {parent}"
        if part == "grad" and name == out:
            return f"∂{out}/∂{out}, the output with respect to itself, where the backward pass starts"
        if part == "grad":
            return f"∂{out}/∂{name}, the gradient of the output {out} with respect to {name}"
        return key

    def askable(self, key: str) -> bool:
        """Forward values and gradients; the local derivatives are in the gradients' hints."""
        return read_key(key).quantity != "local"

    def hints(self, digits: int) -> HintSource:
        from tutor.checking.graphhints import GraphHints

        return GraphHints(self.derivation, digits)


def _expected(d: GraphDerivation) -> dict[str, Any]:
    """Forward values (topological), local derivatives (edge order), gradients (reverse topological)."""
    out = {value_key(f.node): f.value for f in d.forward}
    out.update({local_key(e.child, e.parent): e.value for e in d.local})
    out.update({grad_key(a.name): a.value for a in d.backward})
    return out


def _compile(formula: Any, names: tuple[str, ...]) -> Callable[..., float]:
    """A local derivative (SymPy, in the symbols of its child's parents, as `tutor.engines.graph` builds it) as a
    float function of those parents' values, in `names` order."""
    import sympy

    symbols = [sympy.Symbol(n, real=True) for n in names]
    return sympy.lambdify(symbols, formula, modules="math", dummify=True)


def _safe(compute: Callable[..., float], *args: Any) -> float:
    """`compute(*args)` as a finite float, or NaN where the student's values make it impossible."""
    try:
        value = float(compute(*args))
    except FLOAT_ERRORS:
        return math.nan
    return value if math.isfinite(value) else math.nan


def _proper_subsets(terms: list[float]) -> Iterator[tuple[float, ...]]:
    """Every non-empty proper subset of the path terms (single paths only for very shared nodes)."""
    if len(terms) < 2:
        return
    sizes = range(1, len(terms)) if len(terms) <= MAX_SUBSET_PATHS else range(1, 2)
    for size in sizes:
        yield from combinations(terms, size)

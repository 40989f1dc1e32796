"""The symbolic engine for computation graphs: each node's value, local derivative and gradient as formulas.

Compact forms: a node's value is its expression in its parents' symbols; a local derivative ∂c/∂v is the
graph engine's own formula (`sympy.diff` of c's expression, relu′(0) = 0); a gradient is
Σ_c grad_c · ∂c/∂v in the children's gradient symbols (`grad_c`). Closed forms, in the inputs only, follow
by substitution (nodes in topological order, gradients in reverse), as for networks. Checked as networks
are: the closed forms give the graph engine's values, and each input's closed-form gradient equals
`sympy.diff` of the output's closed form at random rational points (`tutor.engines.symcheck`).
"""

from __future__ import annotations

from typing import Any

from tutor.engines.graph import GraphDerivation, GraphProblem, solve_graph
from tutor.maths import expr
from tutor.maths import functions as fn
from tutor.maths.exactnum import sympy
from tutor.model.keys import grad_key, local_key, value_key
from tutor.model.symbolic import SymbolicDerivation, SymbolicStep


def derive_symbolic_graph(
    problem: GraphProblem, derivation: GraphDerivation | None = None, *, check: bool = True
) -> SymbolicDerivation:
    """The formulas of a computation graph's derivation (solved here when `derivation` is None)."""
    derivation = derivation or solve_graph(problem)
    sp = sympy()
    names = (*problem.inputs, *derivation.order)
    node_symbols = {n: sp.Symbol(n, real=True) for n in names}
    taken = set(names)
    grads = {n: sp.Symbol(_free(f"grad_{n}", taken), real=True) for n in names}
    compact = _compact(problem, derivation, node_symbols, grads)
    closed = _closed(problem, derivation, compact, node_symbols, grads)
    symbols = {n: node_symbols[n] for n in problem.inputs}
    values = {n: fn.exact(v) for n, v in problem.inputs.items()}
    roles = {n: ("value", n) for n in derivation.order} | {str(g): ("grad", n) for n, g in grads.items()}
    role_symbols = {n: node_symbols[n] for n in derivation.order} | {str(g): g for g in grads.values()}
    result = SymbolicDerivation(
        {}, symbols, values, (SymbolicStep(1, compact, closed, values),), roles, role_symbols, graph=True
    )
    if check:
        from tutor.engines.symcheck import check_graph

        result = check_graph(result, derivation)
    return result


def _free(name: str, taken: set[str]) -> str:
    while name in taken:
        name += "_"
    taken.add(name)
    return name


def _compact(problem: GraphProblem, d: GraphDerivation, nodes: dict[str, Any], grads: dict[str, Any]) -> dict[str, Any]:
    forms = {value_key(n): expr.to_sympy(problem.nodes[n], nodes) for n in d.order}
    forms.update({local_key(e.child, e.parent): e.formula for e in d.local})
    one = sympy().Integer(1)
    for a in d.backward:
        v = a.name
        terms = [(one if e.child == problem.output else grads[e.child]) * e.formula for e in d.local if e.parent == v]
        forms[grad_key(v)] = one if v == problem.output else sympy().Add(*terms)
    return forms


def _closed(
    problem: GraphProblem, d: GraphDerivation, compact: dict[str, Any], nodes: dict[str, Any], grads: dict[str, Any]
) -> dict[str, Any]:
    env: dict[Any, Any] = {}
    forms: dict[str, Any] = {}
    for n in d.order:
        forms[value_key(n)] = env[nodes[n]] = compact[value_key(n)].xreplace(env)
    for e in d.local:
        forms[local_key(e.child, e.parent)] = compact[local_key(e.child, e.parent)].xreplace(env)
    for a in d.backward:
        forms[grad_key(a.name)] = env[grads[a.name]] = compact[grad_key(a.name)].xreplace(env)
    return forms

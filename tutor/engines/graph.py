"""Computation-graph problems (seed 002's L = c(a + 2b)): forward values, local derivatives, backward.

Node expressions are read by the project's safe grammar (`tutor.maths.expr`), never eval. Each node's local
derivative with respect to each parent is `sympy.diff` of its expression, evaluated at the forward
values; the backward pass accumulates ∂out/∂v = Σ over v's children c of ∂out/∂c · ∂c/∂v in reverse
topological order, so a node used twice adds both paths.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from tutor.errors import ProblemError
from tutor.files.neuronform import NAME, describe
from tutor.files.numbers import parse_number
from tutor.files.yamlsafe import Locator
from tutor.maths import expr
from tutor.maths import functions as fn
from tutor.model.keys import STEP_WORD, grad_key, local_key, value_key
from tutor.model.problem import CheckSettings

MAX_GRAPH_NODES = 200


@dataclass(frozen=True)
class GraphProblem:
    inputs: Mapping[str, Fraction]
    nodes: Mapping[str, expr.Node]  # file order
    output: str
    title: str = ""
    description: str = ""
    source: str = "<problem>"
    lines: Mapping[str, int] = field(default_factory=dict)  # dotted key -> line, for errors found late
    check: CheckSettings = field(default_factory=CheckSettings)  # `check:` tolerances, as in network problems
    symbolic: bool = False  # `symbolic: true`: solve also shows the formulas (as --symbolic)


@dataclass(frozen=True)
class LocalDerivative:
    """∂child/∂parent on one edge: its formula (SymPy, in the parents' symbols) and its value."""

    child: str
    parent: str
    formula: Any
    value: Any


@dataclass(frozen=True)
class ForwardValue:
    node: str
    expression: expr.Node
    value: Any


@dataclass(frozen=True)
class Contribution:
    """One path term ∂out/∂child · ∂child/∂v of v's gradient."""

    child: str
    child_gradient: Any
    local: Any
    value: Any


@dataclass(frozen=True)
class Accumulation:
    """∂out/∂v as the sum of its contributions (the output itself: 1, no contributions)."""

    name: str
    contributions: tuple[Contribution, ...]
    value: Any


@dataclass(frozen=True)
class GraphDerivation:
    problem: GraphProblem
    order: tuple[str, ...]  # nodes, topological
    forward: tuple[ForwardValue, ...]
    local: tuple[LocalDerivative, ...]
    backward: tuple[Accumulation, ...]  # output first, reverse topological, then the inputs

    @property
    def gradients(self) -> dict[str, Any]:
        """∂out/∂v for every input (declared order), then every node (topological order)."""
        grad = {a.name: a.value for a in self.backward}
        return {v: grad[v] for v in (*self.problem.inputs, *self.order)}

    def values(self) -> dict[str, Any]:
        """Every quantity by answer key: forward values (`d.value`), local derivatives (`e.d.local`), then
        gradients (`b.grad`)."""
        out = {value_key(f.node): f.value for f in self.forward}
        out.update({local_key(e.child, e.parent): e.value for e in self.local})
        out.update({grad_key(a.name): a.value for a in self.backward})
        return out


def parents(problem: GraphProblem, node: str) -> tuple[str, ...]:
    """The names a node's expression uses, in order of first appearance."""
    seen: dict[str, None] = {}
    for n in expr.walk(problem.nodes[node]):
        if isinstance(n, expr.Name):
            seen.setdefault(n.name)
    return tuple(seen)


def topological_order(problem: GraphProblem) -> tuple[str, ...]:
    """Nodes with every parent first (file order among equals); a cycle is a ProblemError."""
    done, order = set(problem.inputs), []
    pending = list(problem.nodes)
    while pending:
        ready = [n for n in pending if all(p in done for p in parents(problem, n))]
        if not ready:
            key = f"graph.nodes.{pending[0]}"
            raise ProblemError(
                f"the nodes {', '.join(pending)} form a cycle (or depend on one)",
                file=problem.source,
                key=key,
                line=problem.lines.get(key),
            )
        done.update(ready)
        order += ready
        pending = [n for n in pending if n not in done]
    return tuple(order)


GRAPH_KEYS = {"inputs", "nodes", "output"}
TOP_KEYS = {"graph", "title", "description", "check", "symbolic"}


def graph_from_data(data: Mapping[str, Any], loc: Locator) -> GraphProblem:
    """A problem file with `graph:` (and optional title, description) → GraphProblem, validated."""
    for key in data:
        if key not in TOP_KEYS:
            raise loc.error(
                f"unknown key {key!r}: a graph problem has graph, title, description, check and symbolic", key
            )
    graph = data.get("graph")
    if not isinstance(graph, dict):
        raise loc.error("expected a mapping with inputs, nodes and output", "graph")
    for key in graph:
        if key not in GRAPH_KEYS:
            raise loc.error(f"unknown key {key!r}: expected inputs, nodes and output", "graph", key)
    inputs = {
        n: parse_number(v, file=loc.file, key=f"graph.inputs.{n}", line=loc.line(("graph", "inputs", n)))
        for n, v in _names(graph, "inputs", loc).items()
    }
    nodes_raw = _names(graph, "nodes", loc)
    for n in nodes_raw:
        if n in inputs:
            raise loc.error(f"{n!r} is both an input and a node", "graph", "nodes", n)
    names = [*inputs, *nodes_raw]
    nodes = {n: _parse_node(n, v, names, loc) for n, v in nodes_raw.items()}
    output = graph.get("output")
    if not isinstance(output, str) or output not in nodes:
        if isinstance(output, str):
            found = f"{output!r} is {'an input' if output in inputs else 'not a node'}"
        else:
            found = f"found {describe(output)}"
        raise loc.error(f"the output must be one of the nodes ({', '.join(nodes)}); {found}", "graph", "output")
    lines = {f"graph.nodes.{n}": line for n in nodes if (line := loc.line(("graph", "nodes", n))) is not None}
    title, description = str(data.get("title") or ""), str(data.get("description") or "")
    symbolic = data.get("symbolic", False)
    if not isinstance(symbolic, bool):
        raise loc.error(f"must be true or false, found {describe(symbolic)}", "symbolic")
    problem = GraphProblem(inputs, nodes, output, title, description, loc.file, lines, _check(data, loc), symbolic)
    topological_order(problem)  # a cycle is an error now, while the file is being read
    from tutor.files.loader import check_named_keys

    check_named_keys(problem, loc, _named_key_error)
    return problem


def _named_key_error(problem: GraphProblem, key: str) -> str | None:
    """Why `key` of `check: {keys: …}` is no answer key of the graph (d.value, e.d.local, b.grad)."""
    from tutor.model.keyset import unknown_key

    keys = [value_key(n) for n in problem.nodes]
    keys += [local_key(n, p) for n in problem.nodes for p in parents(problem, n)]
    return unknown_key(key, key, keys + [grad_key(n) for n in (*problem.inputs, *problem.nodes)])


def _check(data: Mapping[str, Any], loc: Locator) -> CheckSettings:
    if data.get("check") is None:
        return CheckSettings()
    from tutor.files.loader import _check_settings

    return _check_settings(data["check"], loc)["check"]


def _names(graph: Mapping[str, Any], key: str, loc: Locator) -> dict[str, Any]:
    value = graph.get(key)
    if not isinstance(value, dict) or not value:
        raise loc.error(
            f"expected a mapping of names to {'numbers' if key == 'inputs' else 'expressions'}", "graph", key
        )
    if len(value) > MAX_GRAPH_NODES:
        raise loc.error(f"too many names ({len(value)}; at most {MAX_GRAPH_NODES})", "graph", key)
    for name in value:
        if not NAME.fullmatch(name) or name in expr.FUNCTIONS:
            raise loc.error(
                f"{name!r} cannot be a name: use letters, digits and _, not a function name",
                "graph",
                key,
                name,
            )
        if STEP_WORD.fullmatch(name):  # `step2.value` would read as the key `value` of step 2
            raise loc.error(f"{name!r} cannot be a name: step1, step2, … begin answer keys", "graph", key, name)
    return value


def _parse_node(name: str, value: Any, names: list[str], loc: Locator) -> expr.Node:
    text = str(value) if not isinstance(value, (dict, list, bool)) and value is not None else None
    if text is None:
        raise loc.error("expected an expression such as 2*b or c*e", "graph", "nodes", name)
    try:
        node = expr.parse(text, names=names)
    except expr.ExprError as err:
        err.text = err.text or text
        raise loc.error(err.describe(), "graph", "nodes", name) from None
    if name in expr.free_names(node):
        raise loc.error(f"the node {name!r} uses itself", "graph", "nodes", name)
    return node


def solve_graph(problem: GraphProblem) -> GraphDerivation:
    order = topological_order(problem)
    values: dict[str, Any] = {k: fn.exact(v) for k, v in problem.inputs.items()}
    forward, local = [], []
    for n in order:
        node = problem.nodes[n]
        value = _evaluate(problem, n, values)
        forward.append(ForwardValue(n, node, value))
        values[n] = value
        local += [_local(problem, n, p, values) for p in parents(problem, n)]
    return GraphDerivation(problem, order, tuple(forward), tuple(local), _backward(problem, order, local))


def _evaluate(problem: GraphProblem, n: str, values: Mapping[str, Any]) -> Any:
    try:
        value = fn.exact(expr.to_sympy(problem.nodes[n], values))
    except expr.ExprError as err:
        raise _node_error(problem, n, f"cannot compute the node: {err.message}") from None
    return _finite(value, problem, n, "the node's value")


def _finite(value: Any, problem: GraphProblem, node: str, what: str) -> Any:
    """`value` if it is a real number within float64's range; else a ProblemError at `node` (a value that
    overflows, as 3^(2^60) by repeated squaring, or a derivative that is infinite or complex there)."""
    try:
        ok = math.isfinite(float(value))
    except (TypeError, ValueError, OverflowError):  # complex, NaN, zoo
        ok = False
    if not ok:
        raise _node_error(problem, node, f"{what} is not a finite real number (undefined, or beyond float64's range)")
    return value


def _node_error(problem: GraphProblem, node: str, message: str) -> ProblemError:
    key = f"graph.nodes.{node}"
    return ProblemError(message, file=problem.source, key=key, line=problem.lines.get(key))


def _local(problem: GraphProblem, child: str, parent: str, values: Mapping[str, Any]) -> LocalDerivative:
    import sympy

    symbols = {p: sympy.Symbol(p, real=True) for p in parents(problem, child)}
    formula = sympy.diff(expr.to_sympy(problem.nodes[child], symbols), symbols[parent])
    # relu′(0) = 0 and max′ at a tie = 0, as in PyTorch (SymPy's Heaviside(0) is 1/2)
    formula = formula.replace(sympy.Heaviside, lambda x, *_: sympy.Piecewise((1, x > 0), (0, True)))
    value = fn.exact(formula.subs({symbols[p]: values[p] for p in symbols}))
    return LocalDerivative(child, parent, formula, _finite(value, problem, child, f"∂{child}/∂{parent} here"))


def _backward(problem: GraphProblem, order: tuple[str, ...], local: list[LocalDerivative]) -> tuple[Accumulation, ...]:
    grad: dict[str, Any] = {problem.output: fn.exact(1)}
    out = []
    for v in (*reversed(order), *problem.inputs):
        if v == problem.output:
            out.append(Accumulation(v, (), grad[v]))
            continue
        parts = tuple(
            Contribution(e.child, grad[e.child], e.value, fn.exact(grad[e.child] * e.value))
            for e in local
            if e.parent == v and e.child in grad
        )
        total = fn.exact(sum((c.value for c in parts), fn.exact(0)))
        grad[v] = _finite(total, problem, v if v in problem.nodes else problem.output, f"∂{problem.output}/∂{v}")
        out.append(Accumulation(v, parts, grad[v]))
    return tuple(out)

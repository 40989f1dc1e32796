"""A computation-graph derivation (`tutor.engines.graph`) in the terminal and as JSON."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from tutor.engines.graph import Accumulation, GraphDerivation
from tutor.maths import expr
from tutor.maths.formula import needs_brackets_as_term
from tutor.maths.numfmt import fmt, paren
from tutor.render.console import print_or_write, user_text
from tutor.render.json import number
from tutor.render.text import MINUS, Writer


def graph_sections(d: GraphDerivation, digits: int = 6) -> list[tuple[str, list[str]]]:
    """(title, lines) of the forward pass, the local derivatives and the backward accumulation."""
    w = Writer(digits, {})
    values = {**{k: v for k, v in d.problem.inputs.items()}, **{f.node: f.value for f in d.forward}}
    forward = [
        f"{f.node} = {_text(f.expression)} = {_text(_substitute(f.expression, values, digits))} = {w.num(f.value)}"
        for f in d.forward
    ]
    out = d.problem.output
    local = [f"{local_symbol(d, e.child, e.parent)} = {_local(e.formula, e.value, w)}" for e in d.local]
    formulas = {(e.child, e.parent): e.formula for e in d.local}
    backward = [_accumulation(a, out, formulas, w) for a in d.backward]
    return [
        ("Forward pass", forward),
        ("Local derivatives on each edge", local),
        (f"Backward pass: the gradient ∂{out}/∂v of every node and input v, in reverse topological order", backward),
    ]


def local_symbol(d: GraphDerivation, child: str, parent: str) -> str:
    """∂e/∂a for the local derivative on an edge; into the output, its expression: ∂(c*e)/∂c, since
    ∂L/∂c is the gradient (the total derivative), a different number wherever c has other paths."""
    if child != d.problem.output:
        return f"∂{child}/∂{parent}"
    return f"∂({_text(d.problem.nodes[child])})/∂{parent}"


def _local(formula: Any, value: Any, w: Writer) -> str:
    return _formula(formula) if formula.is_number else f"{_formula(formula)} = {w.num(value)}"


def _accumulation(a: Accumulation, out: str, formulas: Mapping[tuple[str, str], Any], w: Writer) -> str:
    """`∂L/∂a = ∂L/∂e · ∂e/∂a = (−2) · 1 = −2`; an edge into the output itself contributes its local
    derivative as a formula (∂L/∂c = e, as the seed writes it), bracketed where it is a later term
    that is a sum or negative (`∂L/∂u · ∂u/∂x + (−r + x)`), never a second `∂L/∂c` on the right."""
    head = f"∂{out}/∂{a.name}"
    if not a.contributions:
        return f"{head} = 1" if a.name == out else f"{head} = 0  (no path to {out})"
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
        return f"{head} = {value}"
    return f"{head} = {sym} = {value}" if nums in (value, sym) else f"{head} = {sym} = {nums} = {value}"


def _term(formula: Any, first: bool) -> str:
    text = _formula(formula)
    return text if first or not needs_brackets_as_term(formula) else f"({text})"


def _text(node: expr.Node) -> str:
    return expr.to_text(node).replace("-", MINUS)


def _formula(formula: Any) -> str:
    import sympy

    return sympy.sstr(formula).replace("**", "^").replace("-", MINUS)


def _substitute(node: expr.Node, values: Mapping[str, Any], digits: int) -> expr.Node:
    """The expression with each name replaced by its value (kept as a name, so it prints verbatim)."""
    match node:
        case expr.Name(name=name):
            return expr.Name(paren(fmt(values[name], digits)))
        case expr.Unary(op=op, operand=x):
            return expr.Unary(op, _substitute(x, values, digits))
        case expr.Binary(op=op, left=left, right=right):
            return expr.Binary(op, _substitute(left, values, digits), _substitute(right, values, digits))
        case expr.Call(func=func, args=args):
            return expr.Call(func, tuple(_substitute(a, values, digits) for a in args))
    return node


GRAPH_PHASES = ("forward", "backward", "backward")  # of graph_sections: values; local derivatives, accumulation


def print_graph(
    d: GraphDerivation, *, digits: int = 6, output: Path | None = None, phases: Collection[str] | None = None
) -> None:
    """The graph's sections (`--only forward` the values, `--only backward` the derivatives)."""
    print_or_write(lambda console: _draw(d, console, digits, phases), output)


def _draw(d: GraphDerivation, console: Console, digits: int, phases: Collection[str] | None) -> None:
    p = d.problem
    console.print(user_text(p.title or Path(p.source).name, "bold"))
    if p.description:
        console.print(user_text(p.description, "italic", multiline=True))
    inputs = ", ".join(f"{k} = {fmt(v, digits)}" for k, v in p.inputs.items()).replace("-", MINUS)
    console.print(Text(f"inputs: {inputs}   output: {p.output}"))
    for phase, (title, lines) in zip(GRAPH_PHASES, graph_sections(d, digits), strict=True):
        if phases and phase not in phases:
            continue
        console.print()
        console.print(Text(title, style="bold cyan"))
        console.print(Text("\n".join("  " + line for line in lines)))


def graph_dict(d: GraphDerivation, phases: Collection[str] | None = None) -> dict[str, Any]:
    """`{"forward": …, "local": …, "gradients": …}` (forward: phase `forward`; the others: `backward`)."""
    local: dict[str, dict[str, Any]] = {}
    for e in d.local:
        local.setdefault(e.child, {})[e.parent] = number(e.value)
    data: dict[str, Any] = {
        "title": d.problem.title,
        "kind": "graph",
        "inputs": {k: number(v) for k, v in d.problem.inputs.items()},
        "output": d.problem.output,
    }
    if not phases or "forward" in phases:
        data["forward"] = {f.node: number(f.value) for f in d.forward}
    if not phases or "backward" in phases:
        data["local"] = local
        data["gradients"] = {k: number(v) for k, v in d.gradients.items()}
    return data


def render_graph_json(d: GraphDerivation, phases: Collection[str] | None = None) -> str:
    return json.dumps(graph_dict(d, phases), indent=2, ensure_ascii=False)

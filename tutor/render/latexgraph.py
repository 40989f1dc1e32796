"""A computation-graph derivation (`tutor.engines.graph`) in LaTeX: the graph drawn, forward values, local
derivatives and the backward accumulation in reverse topological order.

Node expressions are printed from the expression AST (`exprlatex`), local-derivative formulas from
SymPy with every symbol renamed through `latexfmt.name`; nothing the user wrote reaches the document
unescaped. The drawing puts nodes in columns by topological depth (inputs first), each node at the
mean height of its parents; after the backward pass each node carries its value above it and ∂L/∂v
below it, and each edge its local derivative.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from tutor.engines.graph import Accumulation, Contribution, GraphDerivation, GraphProblem, parents
from tutor.maths.formula import needs_brackets_as_term
from tutor.render import latexfmt as lf
from tutor.render.exprlatex import to_latex
from tutor.render.figures import figure
from tutor.render.latexblocks import align, listing, table
from tutor.render.latexmath import partial
from tutor.render.latexparts import PROBLEM_HEADING
from tutor.render.tikzgeom import math_width

COLUMN_CM, MAX_WIDTH_CM, ROW_CM = 3.6, 13.0, 2.2
EDGE_DIGITS = 4
PER_ROW = 3  # local derivatives in a row


def graph_body(
    d: GraphDerivation, digits: int = 6, solution: bool = True, shows: Callable[[str], bool] = lambda phase: True
) -> str:
    """The document body; `shows(phase)`: forward (the values) and backward (local derivatives, backward
    pass, gradients), as `--only` chooses."""
    return "\n".join(_body(d, digits, solution, shows))


def _body(d: GraphDerivation, digits: int, solution: bool, shows: Callable[[str], bool]) -> Iterator[str]:
    p = d.problem
    yield rf"\section*{{{lf.line(p.title or 'Computation graph')}}}"
    if p.description:
        yield lf.text(p.description) + "\n"
    yield PROBLEM_HEADING
    yield listing("Inputs", [f"${lf.name(k)} = {lf.num(v, digits)}$" for k, v in p.inputs.items()])
    yield r"\textbf{Nodes}, each computed from the ones before it:"
    yield align([rf"{lf.name(n)} &= {to_latex(p.nodes[n], digits=digits)}" for n in d.order])
    yield (
        rf"\textbf{{Task.}} Compute the forward values, the local derivative on every edge, and by the chain rule"
        rf" backwards the gradient {_gradient_list(p)} of the output with respect to every input." + "\n"
    )
    yield picture(d, None, digits)
    if solution:
        values = {**d.problem.inputs, **{f.node: f.value for f in d.forward}}
        if shows("forward"):
            yield from _forward(d, values, digits)
        if shows("backward"):
            yield from _backward(d, digits)
        yield picture(d, values, digits)


def _gradient_list(p: GraphProblem) -> str:
    """$∂L/∂a$, $∂L/∂b$ and $∂L/∂c$: the inputs by name (v would read as any node)."""
    items = [rf"$\partial {lf.name(p.output)} / \partial {lf.name(v)}$" for v in p.inputs]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _forward(d: GraphDerivation, values: dict[str, Any], digits: int) -> Iterator[str]:
    yield r"\subsection*{Forward pass}"
    rows = []
    for f in d.forward:
        sym, nums = to_latex(f.expression, digits=digits), to_latex(f.expression, values, digits)
        rows.append(rf"{lf.name(f.node)} &= {sym} = {nums} = {lf.num(f.value, digits)}")
    yield align(rows)


def _backward(d: GraphDerivation, digits: int) -> Iterator[str]:
    p, out = d.problem, lf.name(d.problem.output)
    yield r"\subsection*{Local derivatives}"
    yield (
        "Each node's expression differentiated with respect to each name it uses (the others held fixed),"
        " at the forward values:"
    )
    yield align([row for n in d.order for row in local_rows(d, n, digits)])
    yield r"\subsection*{Backward pass}"
    yield (
        rf"In reverse topological order, starting from $\partial {out}/\partial {out} = 1$: the gradient of each"
        r" node is the sum, over the nodes that use it, of their gradient times the local derivative on the edge"
        r" between them."
    )
    formulas = {(e.child, e.parent): e.formula for e in d.local}
    yield align([backward_row(a, p.output, formulas, digits) for a in d.backward])
    yield r"\subsection*{Gradients}"
    grads = d.gradients
    rows = [f"${lf.name(v)}$ & ${lf.num(p.inputs[v], digits)}$ & ${lf.num(grads[v], digits)}$" for v in p.inputs]
    yield table(["input $v$", "value", rf"$\partial {out}/\partial v$"], rows)


def formula_latex(formula: Any) -> str:
    """A SymPy local-derivative formula in LaTeX, its symbols named through `latexfmt.name`."""
    import sympy

    names = {s: lf.name(str(s)) for s in formula.free_symbols}
    return str(sympy.latex(formula, symbol_names=names))


def local_rows(d: GraphDerivation, node: str, digits: int) -> list[str]:
    """`L = c \\cdot e: & ∂L/∂c = e = 5, ∂L/∂e = c = −2`, at most PER_ROW derivatives to a row."""
    parts = [_local(local_symbol(d, e.child, e.parent), e.formula, e.value, digits) for e in d.local if e.child == node]
    chunks = [parts[i : i + PER_ROW] for i in range(0, len(parts), PER_ROW)]
    lead = rf"{lf.name(node)} = {to_latex(d.problem.nodes[node], digits=digits)}\colon \quad "
    return [(lead if i == 0 else "") + "& " + r", \quad ".join(c) for i, c in enumerate(chunks)]


def local_symbol(d: GraphDerivation, child: str, parent: str) -> str:
    """∂e/∂a; into the output, of its expression (∂(c·e)/∂c), as ∂L/∂c is the gradient."""
    num = lf.name(child)
    if child == d.problem.output:
        num = rf"\left({to_latex(d.problem.nodes[child])}\right)"
    return partial(num, lf.name(parent))


def _local(symbol: str, formula: Any, value: Any, digits: int) -> str:
    if formula.is_number:
        return f"{symbol} = {lf.num(value, digits)}"
    return f"{symbol} = {formula_latex(formula)} = {lf.num(value, digits)}"


def backward_row(a: Accumulation, output: str, formulas: Mapping[tuple[str, str], Any], digits: int) -> str:
    """`∂L/∂a = ∂L/∂e · ∂e/∂a = −2 · 1 = −2`; a child that is the output gives its local formula."""
    out, v = lf.name(output), lf.name(a.name)
    head = rf"{partial(out, v)} &= "
    if not a.contributions:
        return head + ("1" if a.name == output else rf"0 \quad \text{{(no path to ${out}$)}}")
    sym = " + ".join(_symbol(c, a.name, output, formulas, i == 0) for i, c in enumerate(a.contributions))
    nums = " + ".join(_numbers(c, output, digits, i == 0) for i, c in enumerate(a.contributions))
    value = lf.num(a.value, digits)
    if sym == value:
        return head + value
    return head + (f"{sym} = {value}" if nums == value else f"{sym} = {nums} = {value}")


def _symbol(c: Contribution, v: str, output: str, formulas: Mapping[tuple[str, str], Any], first: bool) -> str:
    if c.child == output:  # the formula, a number too: `∂L/∂a` here would read as the gradient itself
        formula = formulas[(c.child, v)]
        text = formula_latex(formula)
        return text if first or not needs_brackets_as_term(formula) else rf"\left({text}\right)"
    return rf"{partial(lf.name(output), lf.name(c.child))} \cdot {partial(lf.name(c.child), lf.name(v))}"


def _numbers(c: Contribution, output: str, digits: int, first: bool) -> str:
    if c.child == output:
        return lf.num(c.local, digits) if first else lf.pnum(c.local, digits)
    return rf"{lf.pnum(c.child_gradient, digits)} \cdot {lf.pnum(c.local, digits)}"


# ---------------------------------------------------------------- the drawing


def depths(problem: GraphProblem, order: tuple[str, ...]) -> dict[str, int]:
    depth = dict.fromkeys(problem.inputs, 0)
    for n in order:
        depth[n] = 1 + max((depth[p] for p in parents(problem, n)), default=0)
    return depth


def _widest_box(problem: GraphProblem) -> float:
    """cm of the widest node box, so that a column is wider than its boxes and the edge labels between."""
    texts = [f"{lf.name(n)} = {to_latex(e)}" for n, e in problem.nodes.items()]
    return max((math_width(t, 10.0) for t in texts), default=0.0)


def positions(problem: GraphProblem, order: tuple[str, ...]) -> dict[str, tuple[float, float]]:
    """Inputs in a column; every node one column right of its deepest parent, at its parents' mean height."""
    depth = depths(problem, order)
    sep = min(max(COLUMN_CM, _widest_box(problem) + 2.0), MAX_WIDTH_CM / max(max(depth.values()), 1))
    top = (len(problem.inputs) - 1) / 2 * ROW_CM
    y = {n: top - i * ROW_CM for i, n in enumerate(problem.inputs)}
    for n in order:
        ps = parents(problem, n)
        y[n] = sum(y[p] for p in ps) / len(ps) if ps else 0.0
        taken = [y[m] for m in y if m != n and depth[m] == depth[n]]
        while any(abs(y[n] - t) < ROW_CM * 0.9 for t in taken):
            y[n] -= ROW_CM
    return {n: (depth[n] * sep, y[n]) for n in y}


def picture(d: GraphDerivation, values: Mapping[str, Any] | None, digits: int) -> str:
    """The graph as a TikZ picture; with `values`, the forward values, gradients and local derivatives
    (a figure of kind "graph": the HTML page draws it as SVG at the same `positions`)."""
    return figure("graph", _picture, d, values, digits)


def _picture(d: GraphDerivation, values: Mapping[str, Any] | None, digits: int) -> str:
    p = d.problem
    at, depth = positions(p, d.order), depths(p, d.order)
    ids = {n: f"g{i}" for i, n in enumerate(at)}
    lines = [
        r"\begin{center}",
        r"\begin{tikzpicture}[>=stealth, every node/.style={font=\small},"
        r" box/.style={draw, rounded corners, minimum height=7mm, inner sep=3pt}]",
    ]
    grads = d.gradients
    for n, (x, y) in at.items():
        text = lf.name(n) if n in p.inputs else f"{lf.name(n)} = {to_latex(p.nodes[n], digits=digits)}"
        fill = ", fill=black!8" if n in p.inputs else ""
        labels = ""
        if values is not None:
            labels = (
                rf", label={{[text=blue!70!black]above:${lf.labelled('', values[n], EDGE_DIGITS)}$}}"
                rf", label={{[text=red!70!black]below:${_short_grad(p.output, n, grads[n])}$}}"
            )
        lines.append(rf"\node[box{fill}{labels}] ({ids[n]}) at ({x:.2f},{y:.2f}) {{${text}$}};")
    for e in d.local if values is not None else ():
        label = lf.labelled("", e.value, EDGE_DIGITS)  # the number only: the caption says what it is
        span = max(depth[e.child] - depth[e.parent], 1)  # an edge past a column: labelled in its first gap
        node = rf"node[pos={0.5 / span:.2f}, sloped, above, font=\scriptsize, inner sep=1pt] {{${label}$}}"
        lines.append(rf"\draw[->] ({ids[e.parent]}) -- {node} ({ids[e.child]});")
    if values is None:
        lines += [rf"\draw[->] ({ids[src]}) -- ({ids[n]});" for n in d.order for src in parents(p, n)]
    lines.append(r"\end{tikzpicture}")
    if values is not None:
        lines.append(
            r"\\[2pt] {\small Above each node its value (forward pass), below it the gradient (backward pass),"
            r" on each edge the local derivative.}"
        )
    lines.append(r"\end{center}")
    return "\n".join(lines)


def _short_grad(output: str, n: str, value: Any) -> str:
    return lf.labelled(rf"\partial {lf.name(output)}/\partial {lf.name(n)}", value, EDGE_DIGITS)

"""A symbolic solution as a LaTeX document: the derivation's own document, then its formulas.

`sympy.latex` writes each formula, with every Symbol in the project's notation (`latexfmt.name`: w_{5},
\\mathrm{net}_{h1}, t_{o1}; δ_{h1} for a delta, ∂L/∂w for a gradient) and each neuron's out also as its
activation names it (σ(net)). Per quantity: its compact form (with its value, with numbers) in an
`align*`, then its closed form where it differs, in a `dmath*` of breqn (texlive-latex-recommended) that
breaks long lines; a closed form longer than `MAX_LATEX` characters of LaTeX is not typeset (its length
is said, and JSON has it). `--no-numbers`: the title, the symbols and the formulas alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tutor.maths.optimizers import STATE_WORDS
from tutor.model.symbolic import SymbolicDerivation, SymbolicSolution, SymbolicStep
from tutor.render import latexfmt as lf
from tutor.render import symtext as st
from tutor.render.latex import Document, document
from tutor.render.latexblocks import BASE_PACKAGES, align
from tutor.render.latexmath import partial
from tutor.render.latexparts import LatexOptions, heading_lines, title
from tutor.render.views import VIEWS

MAX_LATEX = 6000  # characters of one closed form's LaTeX
PACKAGES = (*BASE_PACKAGES, "breqn")  # breqn after amsmath
TASK = (
    r"\textbf{Task.} Derive every quantity of the step as a formula: first in the symbols of the neurons it "
    "builds on, then in the inputs, parameters and targets alone.\n"
)
_TITLES = {"forward": "Forward pass", "loss": "Loss", "backward": "Backward pass", "update": "Updates"}


@VIEWS["latex"].register(SymbolicSolution, st.symbolic_steps)
def _symbolic_document(solution: SymbolicSolution, opts: LatexOptions) -> Document:
    body = "\n".join(_formulas(solution, opts)) if opts.solution else ""
    if solution.numbers:
        base = document(solution.derivation, opts)
        return Document(base.title, base.body + "\n" + body, tuple(dict.fromkeys((*base.packages, "breqn"))), base.stem)
    head = "\n".join(heading_lines(solution.derivation.problem)) + "\n" + TASK
    return Document(title(solution.derivation.problem), head + "\n" + body, PACKAGES, _stem(solution))


def _stem(solution: SymbolicSolution) -> str:
    from pathlib import Path

    source = solution.derivation.problem.source
    return Path(source).stem if source and not source.startswith("<") else "nnstep"


@dataclass(frozen=True)
class _Printers:
    """One solution's LaTeX printers (compact forms; closed forms with \\cdot, where breqn may break a line)
    and σ rewrites, memoised across its formulas."""

    names: dict[Any, str]
    compact: Any
    closed: Any
    sigma: dict[Any, Any]

    @staticmethod
    def of(names: dict[Any, str]) -> _Printers:
        from sympy.printing.latex import LatexPrinter

        class _Printer(st.Memo, LatexPrinter):
            pass

        closed = _Printer({"symbol_names": names, "mul_symbol": "dot"})
        return _Printers(names, _Printer({"symbol_names": names}), closed, {})


def latex_names(sym: SymbolicDerivation, output: str = "L") -> dict[Any, str]:
    """Every Symbol -> its LaTeX in the project's notation."""
    out: dict[Any, str] = {s: lf.name(n) for n, s in sym.symbols.items()}
    for name, (kind, subject) in sym.roles.items():
        symbol = sym.role_symbols[name]
        if kind == "delta":
            out[symbol] = rf"\delta_{{{lf.name(subject)}}}"
        elif kind == "grad":
            out[symbol] = rf"\left({partial(lf.name(output), lf.name(subject))}\right)"
        else:
            out[symbol] = lf.name(name)
    return out


def _formulas(solution: SymbolicSolution, opts: LatexOptions) -> Iterator[str]:
    sym = solution.symbolic
    output = lf.name(solution.derivation.problem.output) if sym.graph else "L"
    names = _Printers.of(latex_names(sym, solution.derivation.problem.output if sym.graph else "L"))
    yield r"\section*{Symbolic derivation}"
    yield r"\setkeys{breqn}{breakdepth={6}}"  # long closed forms may break inside their brackets too
    yield from _symbols(solution, opts)
    steps = [s for s in sym.steps if opts.step is None or s.index == opts.step]
    for i, s in enumerate(steps):
        if len(sym.steps) > 1:
            yield rf"\subsection*{{Formulas, step {s.index}}}"
        if i > 0:
            params = ", ".join(
                f"${lf.name(n)} = {lf.num(s.values[n], opts.digits)}$"
                for n in [*solution.derivation.problem.parameters, *st.extra_symbols(solution)]
            )
            first = steps[0].index
            yield f"The formulas of step {first}, with the parameters at the start of step {s.index}: {params}.\n"
        yield from _step(solution, s, names, output, opts, formulas=i == 0)
    if solution.numbers and sym.checks:
        yield r"\textbf{Checked.} " + lf.text("; ".join(sym.checks)) + ".\n"


def _symbols(solution: SymbolicSolution, opts: LatexOptions) -> Iterator[str]:
    sym, p = solution.symbolic, solution.derivation.problem

    def shown(n: str) -> str:
        value = f" = {lf.num(sym.values[n], opts.digits)}" if solution.numbers else ""
        return f"${lf.name(n)}{value}$"

    yield r"\textbf{Inputs.} " + ", ".join(shown(n) for n in p.inputs) + ".\n"
    if not sym.graph:
        yield r"\textbf{Parameters.} " + ", ".join(shown(n) for n in p.parameters) + ".\n"
        yield (
            r"\textbf{Targets.} "
            + ", ".join(f"{shown(t)} for ${lf.name(o)}$" for o, t in sym.target_symbols.items())
            + ".\n"
        )
        if extra := st.extra_symbols(solution):
            yield r"\textbf{Optimizer state, step and dropout factors.} " + ", ".join(shown(n) for n in extra) + ".\n"
    yield (
        "Each quantity in the symbols of its neighbours (compact), then in the "
        + ("inputs only" if sym.graph else "inputs, parameters and targets only")
        + " (closed), in SymPy's automatic canonical form: nothing simplified, expanded or factored.\n"
    )


def _step(
    solution: SymbolicSolution,
    s: SymbolicStep,
    names: _Printers,
    output: str,
    opts: LatexOptions,
    *,
    formulas: bool,
) -> Iterator[str]:

    heading = ""
    for row in st.rows(solution, s, opts.phases):
        title_ = "Local derivatives" if row.kind == "local" else _TITLES[row.phase]
        if title_ != heading:
            heading = title_
            yield rf"\subsubsection*{{{title_}}}"
        label, rel = _label(solution.symbolic, row, output)
        value = f" = {lf.num(row.value, opts.digits)}" if solution.numbers and not row.closed.is_Number else ""
        if not formulas:
            yield align([rf"{label} &{rel} {lf.num(row.value, opts.digits)}"])
            continue
        yield from _row(solution, row, names, label, rel, value)


def _row(solution: SymbolicSolution, row: st.Row, names: _Printers, label: str, rel: str, value: str) -> Iterator[str]:
    """A quantity's compact form (its value with it when the closed form is the same), then its closed form."""

    sym = solution.symbolic
    net = names.names[sym.role_symbols[st.net_label(sym, row.subject)]] if row.kind == "out" and not sym.graph else ""
    named = st.named_out(solution, row, latex=True, net=net)
    compact = (named + " = " if named else "") + names.compact.doprint(row.compact)
    yield align([rf"{label} &{rel} {compact}{value if row.closed == row.compact else ''}"])
    if row.closed != row.compact:
        closed = names.closed.doprint(st.with_sigma(row.closed, names.sigma))
        yield _closed(label, rel, closed, value)


def _closed(label: str, rel: str, closed: str, value: str) -> str:
    if len(closed) > MAX_LATEX:
        size = f"{len(closed):,}"
        return (
            f"The closed form of ${label}$ has {size} characters of \\LaTeX: too long to typeset (see --format json).\n"
        )
    return "\\begin{dmath*}\n" + f"{label} {rel} {closed}{value}\n" + "\\end{dmath*}"


def _label(sym: SymbolicDerivation, row: st.Row, output: str) -> tuple[str, str]:
    """The symbol a row defines and its relation: (w_{5}, \\leftarrow) for an update, else (…, =)."""
    labels = {
        "net": lambda: lf.name(st.net_label(sym, row.subject)),
        "out": lambda: lf.name(row.subject),
        "value": lambda: lf.name(row.subject),
        "loss": lambda: "L",
        "delta": lambda: rf"\delta_{{{lf.name(row.subject)}}}",
        "grad": lambda: partial(output, lf.name(row.subject)),
        "local": lambda: partial(lf.name(row.subject), lf.name(row.parent)),
        "new": lambda: lf.name(row.subject),
    }
    if row.kind in STATE_WORDS:  # an optimizer's state after the step: what its Symbol stands for next step
        return lf.name(f"{row.kind}_{row.subject}"), r"\leftarrow"
    return labels[row.kind](), r"\leftarrow" if row.kind == "new" else "="

"""What the views of a symbolic solution share: its quantities as rows, and formulas as terminal text.

A row is one quantity of one step (answer key, phase, the symbol it defines, compact and closed form,
the exact engine's value). Formulas in the terminal are SymPy's `str()` with the project's signs (· for
products, ^ for powers, − for minus) and the compact forms' Symbols by their roles (`delta_o1` as δ_o1,
`grad_w5` as ∂L/∂w5). A closed form longer than `MAX_CLOSED` characters is cut there, saying how long it
is and where it is whole (JSON, LaTeX): compact forms never are, and they are the derivation's structure.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

from tutor.maths import formula as fm
from tutor.maths.optimizers import STATE_WORDS
from tutor.maths.termtext import MINUS
from tutor.model.keys import QUANTITIES
from tutor.model.symbolic import SymbolicDerivation, SymbolicSolution, SymbolicStep
from tutor.render import latexfmt as lf
from tutor.render.views import VIEWS, ViewOptions

MAX_CLOSED = 240  # characters of a closed form shown in the terminal


@dataclass(frozen=True)
class Row:
    key: str  # the answer key, without the step prefix
    phase: str  # forward, loss, backward or update
    kind: str  # net, out, loss, delta, grad, new (a graph's: value, local, grad)
    subject: str  # the neuron, parameter or node ("" for the loss); a local derivative's child
    parent: str  # a local derivative's parent, else ""
    compact: Any
    closed: Any
    value: Any  # the exact engine's value


def rows(solution: SymbolicSolution, step: SymbolicStep, phases: Collection[str] | None = None) -> Iterator[Row]:
    """The quantities of one step in derivation order (`--only` phases: those only)."""
    values = _values(solution, step.index)
    for key, compact in step.compact.items():
        parts = key.split(".")
        kind = parts[-1]
        phase = QUANTITIES[kind].phase
        if phases and phase not in phases:
            continue
        subject = parts[0] if len(parts) > 1 else ""
        parent = parts[1] if len(parts) == 3 else ""
        yield Row(key, phase, kind, subject, parent, compact, step.closed[key], values.get(key))


def symbolic_steps(solution: SymbolicSolution, step: int) -> None:
    """`--step` as the derivation's own view checks it (InputError past its steps)."""
    VIEWS["text"].check(solution.derivation, ViewOptions(step=step))


def named_out(solution: SymbolicSolution, row: Row, *, latex: bool, net: str = "") -> str:
    """A neuron's out as its activation names it, σ(net_h1), from the registry's formula; "" for other rows."""
    if row.kind != "out" or solution.symbolic.graph:
        return ""
    neuron = solution.derivation.problem.neurons[row.subject]
    formula = neuron.activation.entry.formula
    net = net or net_label(solution.symbolic, row.subject)
    named = fm.latex(formula, x=net) if latex else fm.text(formula, x=net)
    drop = f"drop_{row.subject}"  # dropout's factor (`tutor.engines.symextra`)
    if drop in solution.symbolic.symbols:
        return (rf"{lf.name(drop)} \cdot " if latex else f"{drop}·") + named
    return named


def extra_symbols(solution: SymbolicSolution) -> list[str]:
    """The Symbols beside inputs, parameters and targets: an optimizer's state at the start of the step
    (`m_w1`), the step number `t`, dropout's factors (`drop_h1`), in `tutor.engines.symextra`'s order."""
    return list(solution.symbolic.given)


def _values(solution: SymbolicSolution, index: int) -> dict[str, Any]:
    d = solution.derivation
    if solution.symbolic.graph:
        return d.values()
    return dict(d.steps[index - 1].items())


def net_label(symbolic: SymbolicDerivation, neuron: str) -> str:
    """The name of a neuron's net input (net_h1, x3)."""
    return next(name for name, role in symbolic.roles.items() if role == ("net", neuron))


def term_label(symbolic: SymbolicDerivation, row: Row, output: str = "L") -> str:
    """The symbol a row defines, in the terminal: net_h1, h1, L, δ_h1, ∂L/∂w5, w5 ← (a graph: d, ∂e/∂d, ∂L/∂d)."""
    labels = {
        "net": lambda: net_label(symbolic, row.subject),
        "out": lambda: row.subject,
        "value": lambda: row.subject,
        "loss": lambda: "L",
        "delta": lambda: f"δ_{row.subject}",
        "grad": lambda: f"∂{output}/∂{row.subject}",
        "local": lambda: f"∂{row.subject}/∂{row.parent}",
        "new": lambda: f"{row.subject} ←",
    }
    if row.kind in STATE_WORDS:  # an optimizer's state after the step: what its Symbol stands for next step
        return f"{row.kind}_{row.subject} ←"
    return labels[row.kind]()


def term_names(symbolic: SymbolicDerivation, output: str = "L") -> dict[str, str]:
    """Symbol name -> how it reads in the terminal (the roles' symbols; the others as they are)."""
    out = {}
    for name, (kind, subject) in symbolic.roles.items():
        if kind == "delta":
            out[name] = f"δ_{subject}"
        elif kind == "grad":
            out[name] = f"(∂{output}/∂{subject})"
    return out


class Memo:
    """A SymPy printer mixin printing each distinct subexpression once: closed forms share their subtrees
    (a neuron's closed form is inside every later one), which a plain printer prints again and again. The
    text is the same (a printer's output for a node depends on that node only)."""

    def _print(self, expr: Any, **kwargs: Any) -> str:
        if kwargs:
            return str(super()._print(expr, **kwargs))  # type: ignore[misc]
        memo: dict[Any, str] = self.__dict__.setdefault("_memo", {})
        text = memo.get(expr)
        if text is None:
            text = memo[expr] = str(super()._print(expr))  # type: ignore[misc]
        return text


def str_printer() -> Any:
    """A printer giving exactly `str(expr)`, memoised (reuse it for the expressions of one solution)."""
    from sympy.printing.str import StrPrinter

    class _Printer(Memo, StrPrinter):
        pass

    return _Printer()


def term_printer(names: dict[str, str]) -> Any:
    """The terminal's printer: SymPy's str() with role symbols by `names`, σ(z) and (a if c else b)."""
    from sympy.printing.str import StrPrinter

    class _Printer(Memo, StrPrinter):
        def _print_Symbol(self, e: Any) -> str:
            return names.get(e.name, e.name)

        def _print_Function(self, e: Any) -> str:
            if type(e).__name__ == "sigma":
                return f"σ({self._print(e.args[0])})"
            return str(super()._print_Function(e))

        def _print_Piecewise(self, e: Any) -> str:  # (1 if x > 0 else 0), as a reader says it
            *pieces, (last, _) = e.args
            text = " else ".join(f"{self._print(v)} if {self._print(c)}" for v, c in pieces)
            return f"({text} else {self._print(last)})"

    return _Printer()


def term_formula(expr: Any, printer: Any) -> str:
    """A formula in the terminal: the printer's text with ·, ^ and −."""
    text = printer.doprint(expr)
    return text.replace("**", "^").replace("*", "·").replace("-", MINUS)


def with_sigma(expr: Any, memo: dict[Any, Any] | None = None) -> Any:
    """`expr` with each 1/(1 + exp(−z)) written σ(z) (an unevaluated function `sigma`), for reading: a closed
    form of a sigmoid network is a nest of them. The views show closed forms so; JSON keeps SymPy's own.
    `memo` (shared by the expressions of one solution) rewrites each distinct subexpression once."""
    import sympy

    memo = {} if memo is None else memo
    sigma = sympy.Function("sigma")

    def rewrite(e: Any) -> Any:
        found = memo.get(e)
        if found is not None:
            return found
        if not e.args:
            out = e
        elif e.is_Pow and e.exp == -1 and e.base.is_Add and len(e.base.args) == 2 and 1 in e.base.args:
            other = next(a for a in e.base.args if a != 1)
            exp = isinstance(other, sympy.exp)
            out = sigma(rewrite(-other.args[0])) if exp else e.func(*(rewrite(a) for a in e.args))
        else:
            out = e.func(*(rewrite(a) for a in e.args))
        memo[e] = out
        return out

    return rewrite(expr)


def cut(text: str, limit: int = MAX_CLOSED) -> str:
    """`text`, or its first `limit` characters and how long the whole is."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters in all: whole in --format json or latex)"

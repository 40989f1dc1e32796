"""An optimizer's formulas written out (terminal text and LaTeX), from the registry's `Line.formula`s
(`tutor.maths.optimizers`): the rule with its symbols (β₁·m + (1 − β₁)·g), and each parameter's step with its
numbers. A formula is the registry's own text (never a user's): names, integers, + - * / ^ ( ) and sqrt(…)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tutor.maths.optimizers import Evaluated

_TOKEN = re.compile(r"sqrt\(|[A-Za-z_][A-Za-z0-9_]*|\d+|[-+*/^()]")
TEXT_SYMBOLS = {
    "beta": "β", "beta1": "β₁", "beta2": "β₂", "alpha": "α", "eps": "ε", "eta": "η", "weight_decay": "λ",
    "m_hat": "m̂", "v_hat": "v̂", "velocity": "v",
}  # fmt: skip
LATEX_SYMBOLS = {
    "beta": r"\beta", "beta1": r"\beta_1", "beta2": r"\beta_2", "alpha": r"\alpha", "eps": r"\varepsilon",
    "eta": r"\eta", "weight_decay": r"\lambda", "m_hat": r"\hat{m}", "v_hat": r"\hat{v}", "velocity": "v",
}  # fmt: skip
_TEXT_OPS = {"+": " + ", "-": " − ", "*": " · ", "/": " / ", "(": "(", ")": ")"}
_LATEX_OPS = {"+": " + ", "-": " - ", "*": r" \cdot ", "/": " / ", "(": r"\left(", ")": r"\right)"}
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def write(formula: str, name_of: Callable[[str], str], *, latex: bool = False) -> str:
    """`formula` with each name written by `name_of` (a symbol, or a number) and the operators spelled."""
    out = []
    for kind, text in _template(formula, latex):
        if kind == "text":
            out.append(text)
        elif kind == "name":
            out.append(name_of(text))
        elif kind == "base":  # raised to a power: a quotient (1/3, ∂L/∂w5) in brackets, as (∂L/∂w5)²
            out.append(_grouped(name_of(text), latex))
        else:  # a power of a name: its value decides between ² and ^t
            out.append(_power(name_of(text), latex))
    return "".join(out)


@cache
def _template(formula: str, latex: bool) -> tuple[tuple[str, str], ...]:
    """The formula parsed once: ("text", operators and brackets as written), ("name", a name to write),
    ("base", a name raised to a power) or ("power", a name as an exponent)."""
    ops = _LATEX_OPS if latex else _TEXT_OPS
    out: list[tuple[str, str]] = []
    closers: list[str] = []  # what each open parenthesis closes with
    tokens = iter(_TOKEN.findall(formula))
    for tok in tokens:
        if tok == "sqrt(":
            out.append(("text", r"\sqrt{" if latex else "√("))
            closers.append("}" if latex else ")")
        elif tok == "(":
            out.append(("text", ops["("]))
            closers.append(ops[")"])
        elif tok == ")":
            out.append(("text", closers.pop()))
        elif tok == "^":
            exponent = next(tokens)
            if out and out[-1][0] == "name":
                out[-1] = ("base", out[-1][1])
            out.append(("text", _power(exponent, latex)) if exponent.isdigit() else ("power", exponent))
        elif tok in ops:
            out.append(("text", ops[tok]))
        else:
            out.append(("text", tok) if tok.isdigit() else ("name", tok))
    return tuple(out)


def _grouped(text: str, latex: bool) -> str:
    if latex or "/" not in text or (text.startswith("(") and text.endswith(")")):
        return text
    return f"({text})"


def _power(text: str, latex: bool) -> str:
    if latex:
        return f"^{{{text}}}"
    return text.translate(_SUPERSCRIPT) if text.isdigit() else "^" + text


def symbols(latex: bool) -> Callable[[str], str]:
    """Names as the rule's symbols: β₁, m̂, w, g (or their LaTeX)."""
    table = LATEX_SYMBOLS if latex else TEXT_SYMBOLS
    return lambda name: table.get(name, name)


def rule_lines(lines: Iterator[tuple[str, str]] | list[tuple[str, str]], *, latex: bool = False) -> list[str]:
    """`target ← formula` for each (target, formula) of a rule, with symbols."""
    name = symbols(latex)
    arrow = r" &\leftarrow " if latex else " ← "
    return [name(target) + arrow + write(formula, name, latex=latex) for target, formula in lines]


def target_text(parameter: str, target: str) -> str:
    """What a line of `parameter`'s step assigns: the parameter itself, or a symbol (m, v̂)."""
    return parameter if target == "w" else TEXT_SYMBOLS.get(target, target)


def parameter_symbols(parameter: str) -> Callable[[str], str]:
    """Names as the rule's symbols, written for `parameter`: w5 for w, ∂L/∂w5 for g (β₁, m̂ as they are)."""
    table = {**TEXT_SYMBOLS, "w": parameter, "g": f"∂L/∂{parameter}"}
    return lambda name: table.get(name, name)


def line_numbers(ev: Evaluated, num: Callable[[Any], str], pnum: Callable[[Any], str], *, latex: bool = False) -> str:
    """One evaluated line's formula with its numbers: `0.9 · 0 + (1 − 0.9) · 0.0821670`. Each name's value;
    the parameter (first in its formula) without parentheses, t as a whole number."""
    given = ev.given
    return write(
        ev.line.formula, lambda n: str(given[n]) if n == "t" else (num if n == "w" else pnum)(given[n]), latex=latex
    )

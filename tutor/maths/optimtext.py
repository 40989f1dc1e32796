"""An optimizer's formulas written out (terminal text and LaTeX), from the registry's `Line.formula`s
(`tutor.maths.optimizers`): the rule with its symbols (β₁·m + (1 − β₁)·g), and each parameter's step with its
numbers. A formula is the registry's own text (never a user's): names, integers, + - * / ^ ( ) and sqrt(…)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache

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
    return "".join(
        text if kind == "text" else name_of(text) if kind == "name" else _power(name_of(text), latex)
        for kind, text in _template(formula, latex)
    )  # a "power" is of a name: its value decides between ² and ^t


@cache
def _template(formula: str, latex: bool) -> tuple[tuple[str, str], ...]:
    """The formula parsed once: ("text", operators and brackets as written), ("name", a name to write) or
    ("power", a name as an exponent)."""
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
            out.append(("text", _power(exponent, latex)) if exponent.isdigit() else ("power", exponent))
        elif tok in ops:
            out.append(("text", ops[tok]))
        else:
            out.append(("text", tok) if tok.isdigit() else ("name", tok))
    return tuple(out)


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

"""Formula text for the terminal and LaTeX from one small tree, bracketed by precedence.

An activation's f(x) and f′(x) (and a loss's ∂L/∂y) are written once, as a tree of `Op`s over the
placeholders `X` (the net input), `Y` (the output), `T` (the target) and numbers; `text` and `latex`
print it with the brackets its precedence needs, so a difference used as a factor is bracketed by
the same rule everywhere (`δ = (…) · (1 − y²)`), never by hand.

The rule for numbers (shared with `tutor.maths.numfmt.paren`): a negative number is bracketed wherever it
is an operand, except as the first term of a sum or on its own: `1 − (−2.25)`, `(−3.25) · 1`,
`−1 − 0.5`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

SUM, PRODUCT, QUOTIENT, POWER, ATOM = 1, 2, 2, 4, 5
NEGATIVE = 1.5  # a negative number: bracketed in a product and as the right operand of a sum


@dataclass(frozen=True)
class Op:
    """`kind`: "+", "-", "*" (juxtaposed, `y(1 − y)`), "/", "^", "neg", "call" (`name` applied to `args`),
    "var" (`name` is x, y, t or n, filled in when printed), "num" (`name` the number's text)."""

    kind: str
    args: tuple[Op, ...] = ()
    name: str = ""
    latex_name: str = ""


X, Y, T, N = Op("var", name="x"), Op("var", name="y"), Op("var", name="t"), Op("var", name="n")


def num(value: int | Fraction | str) -> Op:
    return Op("num", name=str(value))


def call(name: str, latex_name: str, *args: Op) -> Op:
    return Op("call", args, name, latex_name)


def add(a: Op, b: Op) -> Op:
    return Op("+", (a, b))


def sub(a: Op, b: Op) -> Op:
    return Op("-", (a, b))


def mul(a: Op, b: Op) -> Op:
    return Op("*", (a, b))


def div(a: Op, b: Op) -> Op:
    return Op("/", (a, b))


def square(a: Op) -> Op:
    return Op("^", (a, num(2)))


def neg(a: Op) -> Op:
    return Op("neg", (a,))


def precedence(op: Op, latex: bool = False) -> float:
    """How tightly `op` binds when printed; a LaTeX fraction is an atom, a text quotient a product."""
    if op.kind in ("+", "-"):
        return SUM
    if op.kind == "*":
        return PRODUCT
    if op.kind == "/":
        return ATOM if latex else QUOTIENT
    if op.kind == "^":
        return POWER
    if op.kind == "neg" or (op.kind == "num" and op.name.lstrip().startswith(("-", "−"))):
        return NEGATIVE
    return ATOM


def needs_brackets_as_factor(op: Op, latex: bool = False) -> bool:
    """Whether `op` must be bracketed as one factor of a product (a sum, a text quotient, a negative)."""
    return precedence(op, latex) < PRODUCT or (not latex and op.kind == "/")


class _Printer:
    def __init__(self, latex: bool, names: dict[str, str]) -> None:
        self.latex = latex
        self.names = names
        self.minus = "-" if latex else "−"

    def wrap(self, op: Op, brackets: bool) -> str:
        return f"({self.print(op)})" if brackets else self.print(op)

    def print(self, op: Op) -> str:
        if op.kind == "var":
            return self.names[op.name]
        if op.kind == "num":
            return op.name.replace("-", self.minus)
        if op.kind == "call":
            name = op.latex_name if self.latex else op.name
            return f"{name}({', '.join(self.print(a) for a in op.args)})"
        if op.kind == "neg":
            return self.minus + self.wrap(op.args[0], precedence(op.args[0], self.latex) < PRODUCT)
        a, b = op.args
        if op.kind == "^":
            exp = f"^{{{self.print(b)}}}" if self.latex else _superscript(self.print(b))
            return self.wrap(a, precedence(a, self.latex) <= POWER) + exp
        if op.kind == "/" and self.latex:
            return rf"\frac{{{self.print(a)}}}{{{self.print(b)}}}"
        if op.kind == "/":
            return f"{self.wrap(a, precedence(a) < PRODUCT)} / {self.wrap(b, precedence(b) <= PRODUCT)}"
        if op.kind == "*":
            return self.wrap(a, needs_brackets_as_factor(a, self.latex)) + self.wrap(b, True)
        sign = "+" if op.kind == "+" else self.minus
        return f"{self.print(a)} {sign} {self.wrap(b, precedence(b, self.latex) <= SUM + 0.5)}"


_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _superscript(text: str) -> str:
    return text.translate(_SUPERSCRIPTS) if text.isdigit() else f"^{text}"


def text(op: Op, **names: str) -> str:
    """The terminal form, with the placeholders filled in: `1 − y3²`."""
    return _Printer(False, names).print(op)


def latex(op: Op, **names: str) -> str:
    """The LaTeX form, with the placeholders filled in (already math): `1 - y_{3}^{2}`."""
    return _Printer(True, names).print(op)


def text_factor(op: Op, **names: str) -> str:
    """The terminal form as one factor of a product: bracketed where its precedence needs it."""
    body = text(op, **names)
    return f"({body})" if needs_brackets_as_factor(op) else body


def latex_factor(op: Op, **names: str) -> str:
    body = latex(op, **names)
    return f"({body})" if needs_brackets_as_factor(op, latex=True) else body


def needs_brackets_as_term(formula: Any) -> bool:
    """Whether a SymPy formula as a later term of a sum needs brackets: a sum, or negative (the rule for
    numbers above, applied to a computation graph's local-derivative formulas)."""
    return bool(formula.is_Add or formula.could_extract_minus_sign())

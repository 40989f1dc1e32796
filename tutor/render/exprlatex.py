"""LaTeX for the safe expression grammar's AST (`tutor.maths.expr` nodes): `2b`, `a + d`, `c \\cdot e`.

One printer dispatching on the node type (an unknown type is an error). Names go through
`latexfmt.name`; with `values`, each name is replaced by its number (negatives in parentheses), so
`c*e` prints as `(-2) \\cdot 5`. Parentheses are the minimal ones, as in `expr.to_text`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tutor.maths import expr
from tutor.render import latexfmt as lf

_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 4}
_UNARY, _ATOM = 3, 5
FUNCTION_LATEX = {
    "exp": r"\exp",
    "log": r"\log",
    "sigmoid": r"\sigma",
    "tanh": r"\tanh",
    "relu": r"\operatorname{relu}",
    "max": r"\max",
    "min": r"\min",
}


class ExprLatex:
    """Prints one expression; `values` (name → number) substitutes the names, `digits` formats numbers."""

    def __init__(self, values: Mapping[str, Any] | None = None, digits: int = 6) -> None:
        self.values = values
        self.digits = digits

    def print(self, node: expr.Node) -> str:
        match node:
            case expr.Num(value=value):
                return lf.num(value, self.digits)
            case expr.Name(name=name):
                return self._name(name)
            case expr.Const(name=name):
                return r"\pi" if name == "pi" else "e"
            case expr.Unary(op=op, operand=x):
                return op + self._wrap(x, _prec(x) <= _UNARY)
            case expr.Call():
                return self._call(node)
            case expr.Binary():
                return self._binary(node)
        raise TypeError(f"not an expression node: {node!r}")

    def _name(self, name: str) -> str:
        if self.values is None:
            return lf.name(name)
        return lf.pnum(self.values[name], self.digits)

    def _wrap(self, node: expr.Node, parens: bool) -> str:
        return rf"\left({self.print(node)}\right)" if parens else self.print(node)

    def _call(self, node: expr.Call) -> str:
        args = [self.print(a) for a in node.args]
        if node.func == "sqrt":
            return rf"\sqrt{{{args[0]}}}"
        if node.func == "abs":
            return rf"\left\lvert {args[0]} \right\rvert"
        return rf"{FUNCTION_LATEX[node.func]}\left({', '.join(args)}\right)"

    def _binary(self, node: expr.Binary) -> str:
        op, left, right = node.op, node.left, node.right
        if op == "/":
            return rf"\frac{{{self.print(left)}}}{{{self.print(right)}}}"
        if op == "^":
            return f"{self._wrap(left, _prec(left) <= _PREC['^'])}^{{{self.print(right)}}}"
        prec = _PREC[op]
        a = self._wrap(left, _prec(left) < prec)
        b = self._wrap(right, _prec(right) <= prec)
        if op == "*":
            return f"{a}{b}" if self._juxtapose(left, right) else rf"{a} \cdot {b}"
        return f"{a} {op} {b}"

    def _juxtapose(self, left: expr.Node, right: expr.Node) -> bool:
        """`2b`, `2\\sigma(x)`: a number times a name or call, when names are not replaced by numbers."""
        return self.values is None and isinstance(left, expr.Num) and isinstance(right, (expr.Name, expr.Call))


def _prec(node: expr.Node) -> int:
    if isinstance(node, expr.Binary):
        return _PREC[node.op]
    if isinstance(node, expr.Unary) or (isinstance(node, expr.Num) and node.value < 0):
        return _UNARY
    return _ATOM


def to_latex(node: expr.Node, values: Mapping[str, Any] | None = None, digits: int = 6) -> str:
    """The expression in LaTeX math; with `values`, every name replaced by its value."""
    return ExprLatex(values, digits).print(node)

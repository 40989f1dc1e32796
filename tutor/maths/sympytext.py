"""SymPy expressions as text of the project's expression grammar (`tutor.maths.expr`): formula keys that
read back as answers.

`grammar_text(expr)` is SymPy's own `str()` printer with the grammar's spellings (`e`, `max`, `min`, `abs`);
a function the grammar has no name for (Piecewise, Heaviside, …) makes it None, as does text the grammar
would refuse as too long.
"""

from __future__ import annotations

from typing import Any

from tutor.maths.expr_syntax import FUNCTIONS, MAX_LENGTH


class _NoForm(Exception):
    """The expression uses something the grammar cannot write."""


def grammar_text(expr: Any) -> str | None:
    """`expr` in the grammar's syntax, or None when the grammar cannot write it (or not within MAX_LENGTH)."""
    try:
        text = _printer()(expr)
    except _NoForm:
        return None
    return text if len(text) <= MAX_LENGTH else None


def _printer() -> Any:
    from sympy.printing.str import StrPrinter

    class GrammarPrinter(StrPrinter):
        def _print_Exp1(self, expr: Any) -> str:
            return "e"

        def _print_Function(self, expr: Any) -> str:
            name = expr.func.__name__
            if name not in FUNCTIONS:
                raise _NoForm(name)
            return f"{name}({', '.join(self._print(a) for a in expr.args)})"

        def _print_Max(self, expr: Any) -> str:
            return f"max({', '.join(self._print(a) for a in expr.args)})"

        def _print_Min(self, expr: Any) -> str:
            return f"min({', '.join(self._print(a) for a in expr.args)})"

        def _print_Abs(self, expr: Any) -> str:
            return f"abs({self._print(expr.args[0])})"

        def emptyPrinter(self, expr: Any) -> str:  # noqa: N802 - SymPy's name
            raise _NoForm(type(expr).__name__)

        def _print_Piecewise(self, expr: Any) -> str:
            raise _NoForm("Piecewise")

        def _print_ImaginaryUnit(self, expr: Any) -> str:
            raise _NoForm("I")

    return GrammarPrinter().doprint

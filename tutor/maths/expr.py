"""The project's own safe expression grammar: student answers and computation-graph nodes.

`parse` turns text into a small frozen AST (see `tutor.maths.expr_syntax`; never eval, sympify or parse_expr);
`evaluate` computes a float with plain `math` (the grading fast path); `to_sympy` builds exact SymPy
objects directly. The activations among the functions (sigmoid, tanh, relu) take their float and SymPy
forms from the registry (`tutor.maths.activations`). Both refuse powers that would take unbounded time
or memory (`9^9^9^9`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from tutor.maths.activations import ACTIVATIONS
from tutor.maths.expr_syntax import (
    CONSTANTS,
    FUNCTIONS,
    GRAPH_ACTIVATIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    Binary,
    Call,
    Const,
    ExprError,
    Name,
    Node,
    Num,
    Unary,
    parse,
)

if TYPE_CHECKING:
    import sympy

__all__ = [
    "CONSTANTS", "FUNCTIONS", "MAX_DEPTH", "MAX_EXPONENT", "MAX_LENGTH", "MAX_POWER_BITS",
    "Binary", "Call", "Const", "ExprError", "Name", "Node", "Num", "Unary",
    "evaluate", "format_number", "free_names", "parse", "to_sympy", "to_text", "walk",
]  # fmt: skip

MAX_EXPONENT = 1000  # |b| in a^b and exp(b), for numeric b
MAX_POWER_BITS = 100_000  # bound on an exact power's size: |exponent| x bits of the largest number in the base

# --- inspection and printing ---------------------------------------------------------------------------


def walk(node: Node) -> Iterator[Node]:
    """`node` and all its descendants, parents first."""
    yield node
    match node:
        case Unary(operand=x):
            yield from walk(x)
        case Binary(left=left, right=right):
            yield from walk(left)
            yield from walk(right)
        case Call(args=args):
            for arg in args:
                yield from walk(arg)


def free_names(node: Node) -> set[str]:
    """The variables (`Name`s, not constants) the expression uses."""
    return {n.name for n in walk(node) if isinstance(n, Name)}


_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "^": 4}
_UNARY, _ATOM = 3, 5


def _prec(node: Node) -> int:
    if isinstance(node, Binary):
        return _PREC[node.op]
    if isinstance(node, Unary) or (isinstance(node, Num) and node.value < 0):
        return _UNARY
    return _ATOM


def _wrap(node: Node, parens: bool) -> str:
    return f"({to_text(node)})" if parens else to_text(node)


def to_text(node: Node) -> str:
    """Canonical text with minimal parentheses; `parse(to_text(n))` gives back an equal AST."""
    match node:
        case Num(value=value):
            return format_number(value)
        case Name(name=name) | Const(name=name):
            return name
        case Unary(op=op, operand=x):
            return op + _wrap(x, _prec(x) <= _UNARY)
        case Call(func=func, args=args):
            return f"{func}({', '.join(map(to_text, args))})"
        case Binary(op="^", left=left, right=right):
            return f"{_wrap(left, _prec(left) <= _PREC['^'])}^{_wrap(right, _prec(right) < _UNARY)}"
        case Binary(op=op, left=left, right=right):
            prec = _PREC[op]
            sep = f" {op} " if prec == 1 else op
            return _wrap(left, _prec(left) < prec) + sep + _wrap(right, _prec(right) <= prec)
    raise TypeError(f"not an expression node: {node!r}")


def format_number(value: Fraction) -> str:
    """Exact decimal text (`0.125`, `1e-20`, `3e16`); `(1/3)` when no decimal is exact."""
    sign, num, den = "-" if value < 0 else "", abs(value.numerator), value.denominator
    twos, fives, rest = 0, 0, den
    while rest % 2 == 0:
        rest, twos = rest // 2, twos + 1
    while rest % 5 == 0:
        rest, fives = rest // 5, fives + 1
    if rest != 1:
        return f"({sign}{num}/{den})"
    scale = max(twos, fives)
    digits = num * 10**scale // den  # value = digits * 10^-scale
    while scale > 0 and digits % 10 == 0:
        digits, scale = digits // 10, scale - 1
    if scale == 0:
        stripped = str(digits).rstrip("0") or "0"
        zeros = len(str(digits)) - len(stripped)
        return f"{sign}{stripped}e{zeros}" if zeros > 15 else f"{sign}{digits}"
    if scale > 15:
        return f"{sign}{digits}e-{scale}"
    text = str(digits).rjust(scale + 1, "0")
    return f"{sign}{text[:-scale]}.{text[-scale:]}"


# --- float evaluation ----------------------------------------------------------------------------------


def evaluate(node: Node, env: Mapping[str, float] | None = None) -> float:
    """The value as a float, with `math` only. Domain errors and overflow raise ExprError."""
    env = env or {}
    match node:
        case Num(value=value):
            return _checked(value, node)
        case Const(name=name):
            return math.e if name == "e" else math.pi
        case Name(name=name):
            if name not in env:
                raise ExprError(f"no value for {name!r}", node.pos)
            return float(env[name])
        case Unary(op=op, operand=x):
            return -evaluate(x, env) if op == "-" else evaluate(x, env)
        case Binary(op=op, left=left, right=right):
            return _checked(_float_binary(op, evaluate(left, env), evaluate(right, env), node), node)
        case Call(func=func, args=args):
            return _checked(_float_call(func, [evaluate(a, env) for a in args], node), node)
    raise TypeError(f"not an expression node: {node!r}")


def _checked(value: float | Fraction, node: Node) -> float:
    try:
        result = float(value)
    except OverflowError:
        result = math.inf
    if not math.isfinite(result):
        raise ExprError("the value is too large (overflow)", node.pos)
    return result


def _float_binary(op: str, a: float, b: float, node: Node) -> float:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        if b == 0:
            raise ExprError("division by zero", node.pos)
        return a / b
    _check_exponent(b, node)
    if a == 0 and b < 0:
        raise ExprError("division by zero (0 raised to a negative power)", node.pos)
    if a < 0 and not b.is_integer():
        raise ExprError(f"a negative number raised to a fractional power ({a:g}^{b:g})", node.pos)
    try:
        return math.pow(a, b)
    except OverflowError:
        raise ExprError("the value is too large (overflow)", node.pos) from None


def _check_exponent(exponent: float | Fraction, node: Node) -> None:
    magnitude = abs(Fraction(exponent))
    if magnitude > MAX_EXPONENT:
        shown = f"{float(exponent):g}" if magnitude < 10**300 else "over 1e300"
        raise ExprError(f"exponent {shown} is too large (at most {MAX_EXPONENT} in size)", node.pos)


def _float_activation(name: str) -> Callable[[float], float]:
    floating = ACTIVATIONS[name].floating
    assert floating is not None
    return lambda x: floating(x, 0.0)


_FLOAT_FUNCTIONS: dict[str, Callable[..., float]] = {
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    **{name: _float_activation(name) for name in GRAPH_ACTIVATIONS},  # the registry's float64 forms
    "abs": abs,
    "max": max,
    "min": min,
}


def _float_call(func: str, args: list[float], node: Node) -> float:
    if func == "log" and args[0] <= 0:
        raise ExprError(f"log of a non-positive number ({args[0]:g})", node.pos)
    if func == "sqrt" and args[0] < 0:
        raise ExprError(f"square root of a negative number ({args[0]:g})", node.pos)
    try:
        return _FLOAT_FUNCTIONS[func](*args)
    except OverflowError:
        raise ExprError(f"{func}() of {args[0]:g} is too large (overflow)", node.pos) from None


# --- exact SymPy objects -------------------------------------------------------------------------------


def to_sympy(node: Node, symbols: Mapping[str, Any] | None = None) -> sympy.Expr:
    """Exact SymPy expression. Names map through `symbols` (default: real Symbols of the same name).

    Raises ExprError for division by zero, log/sqrt outside the real domain, and oversized powers.
    """
    import sympy

    result = _sym(node, symbols, sympy)
    bad = (sympy.zoo, sympy.nan, sympy.oo, -sympy.oo)
    if result.has(*bad) or (result.is_number and result.has(sympy.I)):
        raise ExprError(f"the value is not a finite real number: {result}", node.pos)
    return result


def _sym(node: Node, symbols: Mapping[str, Any] | None, sympy: Any) -> Any:
    match node:
        case Num(value=value):
            return sympy.Rational(value.numerator, value.denominator)
        case Const(name=name):
            return sympy.E if name == "e" else sympy.pi
        case Name(name=name):
            if symbols is None:
                return sympy.Symbol(name, real=True)
            if name not in symbols:
                raise ExprError(f"no symbol for {name!r}", node.pos)
            return symbols[name]
        case Unary(op=op, operand=x):
            return -_sym(x, symbols, sympy) if op == "-" else _sym(x, symbols, sympy)
        case Binary(op=op, left=left, right=right):
            return _sym_binary(op, _sym(left, symbols, sympy), _sym(right, symbols, sympy), node, sympy)
        case Call(func=func, args=args):
            return _sym_call(func, [_sym(a, symbols, sympy) for a in args], node, sympy)
    raise TypeError(f"not an expression node: {node!r}")


def _sym_binary(op: str, a: Any, b: Any, node: Node, sympy: Any) -> Any:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        if b.is_zero:
            raise ExprError("division by zero", node.pos)
        return a / b
    if b.is_number and a.is_zero and b.is_negative:
        raise ExprError("division by zero (0 raised to a negative power)", node.pos)
    if b.is_number and a.is_negative and not b.is_integer:
        raise ExprError(f"a negative number raised to a fractional power ({a}^{b})", node.pos)
    _check_power_size(a, b, node, sympy)
    return sympy.Pow(a, b)


def _check_power_size(base: Any, exponent: Any, node: Node, sympy: Any) -> None:
    """Refuse a^b before SymPy computes it exactly: `9^9^9^9` must fail at once, not hang."""
    coefficient = exponent.as_coeff_Mul()[0]  # 10^6*log(9) has coefficient 10^6
    if not coefficient.is_Rational:
        return
    _check_exponent(Fraction(int(coefficient.p), int(coefficient.q)), node)
    numbers = base.atoms(sympy.Rational) | exponent.atoms(sympy.Rational)
    bits = max((max(r.p.bit_length(), r.q.bit_length()) for r in numbers), default=1)
    if abs(coefficient) * bits > MAX_POWER_BITS:
        raise ExprError(f"the power is too large to compute exactly ({MAX_POWER_BITS} bits at most)", node.pos)


def _sym_call(func: str, args: list[Any], node: Node, sympy: Any) -> Any:
    x = args[0]
    if func == "log" and x.is_number and not x.is_positive:
        raise ExprError(f"log of a non-positive number ({x})", node.pos)
    if func == "sqrt" and x.is_number and x.is_negative:
        raise ExprError(f"square root of a negative number ({x})", node.pos)
    if func in ("exp", "sigmoid"):
        _check_power_size(sympy.E, x, node, sympy)  # exp(k*log(n)) evaluates to n^k
    builders: dict[str, Callable[..., Any]] = {
        "exp": sympy.exp,
        "log": sympy.log,
        "sqrt": sympy.sqrt,
        **{name: form for name, e in ACTIVATIONS.items() if (form := e.graph_form) is not None},  # the registry's
        "abs": sympy.Abs,
        "max": sympy.Max,
        "min": sympy.Min,
    }
    return builders[func](*args)

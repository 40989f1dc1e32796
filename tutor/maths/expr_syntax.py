"""Syntax of the safe expression grammar: AST, tokenizer, parser, printer. Import it from `tutor.maths.expr`.

Text is tokenized and parsed by hand (precedence climbing) into a small frozen AST. Nothing here hands
user text to eval, sympify or parse_expr. Numbers are exact: `0.1` is Fraction(1, 10), never a float.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from tutor.maths.activations import ACTIVATIONS

MAX_LENGTH = 500  # characters of input
MAX_DEPTH = 50  # nesting of parentheses, unary signs, powers and calls
MAX_LITERAL_EXPONENT = 1000  # |n| in a literal such as 1e-n

# name -> (min, max) number of arguments; None means any number. The activations among them are the
# registry's graph-node functions (`graph_form`).
GRAPH_ACTIVATIONS = tuple(n for n, e in ACTIVATIONS.items() if e.graph_form is not None)
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    **{f: (1, 1) for f in ("exp", "log", "sqrt", *GRAPH_ACTIVATIONS, "abs")},
    "max": (2, None),
    "min": (2, None),
}
ALIASES = {"ln": "log"}
CONSTANTS = ("e", "pi")


class ExprError(ValueError):
    """Bad expression text, or a value that cannot be computed. `position` is a 0-based index into `text`.

    Errors from `evaluate`/`to_sympy` know the position (from the node) but not the text; a caller that
    has the text may set `err.text` before calling `describe()`.
    """

    def __init__(self, message: str, position: int | None = None, text: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.text = text

    def describe(self) -> str:
        """The message, then the text with a caret under the position (when both are known)."""
        if self.text is None or self.position is None:
            return self.message
        return f"{self.message}\n  {self.text}\n  {' ' * self.position}^"


def _pos() -> int | None:
    return field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Num:
    value: Fraction
    pos: int | None = _pos()


@dataclass(frozen=True)
class Name:
    """A variable the caller declared (an input or node of a graph)."""

    name: str
    pos: int | None = _pos()


@dataclass(frozen=True)
class Const:
    """`e` or `pi`, when the caller has not declared a variable of that name."""

    name: str
    pos: int | None = _pos()


@dataclass(frozen=True)
class Unary:
    op: str  # "-" or "+"
    operand: Node
    pos: int | None = _pos()


@dataclass(frozen=True)
class Binary:
    op: str  # + - * / ^
    left: Node
    right: Node
    pos: int | None = _pos()


@dataclass(frozen=True)
class Call:
    func: str  # a key of FUNCTIONS (aliases resolved)
    args: tuple[Node, ...]
    pos: int | None = _pos()


Node = Num | Name | Const | Unary | Binary | Call


# --- tokenizer ---------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<num>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|[-+*/^(),\u2212\u00b7\u00d7\u22c5])"
)
_OPS = {"**": "^", "\u2212": "-", "\u00b7": "*", "\u00d7": "*", "\u22c5": "*"}
_HINTS = {"σ": "write sigmoid(...)", "√": "write sqrt(...)", "²": "write ^2", "³": "write ^3"}


class _Token(NamedTuple):
    kind: str  # num, name, op, end
    value: str  # normalized: ** -> ^, unicode minus -> -, · and × -> *
    raw: str  # as typed
    pos: int


def _tokenize(text: str) -> Iterator[_Token]:
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            hint = _HINTS.get(text[pos])
            raise ExprError(f"unexpected character {text[pos]!r}" + (f"; {hint}" if hint else ""), pos, text)
        kind, raw = match.lastgroup or "", match.group()
        if kind == "name" and raw.startswith("__"):
            raise ExprError("names starting with '__' are not allowed", pos, text)
        if kind != "space":
            yield _Token(kind, _OPS.get(raw, raw), raw, pos)
        pos = match.end()
    yield _Token("end", "", "", len(text))


# --- parser ------------------------------------------------------------------------------------------


def parse(text: str, *, names: Collection[str] | None = None) -> Node:
    """Parse `text` into an AST. `names`: the variables allowed; None means no variables at all.

    A declared name shadows the constants `e` and `pi`; a whitelisted function name followed by "("
    is always a call.
    """
    if len(text) > MAX_LENGTH:
        raise ExprError(f"expression is too long ({len(text)} characters; at most {MAX_LENGTH})")
    if not text.strip():
        raise ExprError("empty expression", 0, text)
    return _Parser(text, names).parse()


class _Parser:
    def __init__(self, text: str, names: Collection[str] | None) -> None:
        self.text = text
        self.names = None if names is None else frozenset(names)
        self.tokens = _tokenize(text)
        self.prev: _Token | None = None
        self.tok = next(self.tokens)
        self.depth = 0

    def error(self, message: str, pos: int | None = None) -> ExprError:
        return ExprError(message, self.tok.pos if pos is None else pos, self.text)

    def advance(self) -> _Token:
        self.prev, self.tok = self.tok, next(self.tokens)
        return self.prev

    def accept(self, *ops: str) -> _Token | None:
        return self.advance() if self.tok.kind == "op" and self.tok.value in ops else None

    def unexpected(self, wanted: str) -> ExprError:
        tok = self.tok
        if self.prev is not None and (tok.kind in ("num", "name") or tok.value == "("):
            return self.error(f"missing operator between {self.prev.raw!r} and {tok.raw!r}")
        found = "end of input" if tok.kind == "end" else repr(tok.raw)
        return self.error(f"expected {wanted}, found {found}")

    @contextmanager
    def nested(self) -> Iterator[None]:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"expression is nested too deeply (at most {MAX_DEPTH} levels)")
        yield
        self.depth -= 1

    def parse(self) -> Node:
        node = self.sum()
        if self.tok.kind != "end":
            raise self.unexpected("an operator or the end")
        return node

    def sum(self) -> Node:
        node = self.product()
        while tok := self.accept("+", "-"):
            node = Binary(tok.value, node, self.product(), pos=tok.pos)
        return node

    def product(self) -> Node:
        node = self.unary()
        while tok := self.accept("*", "/"):
            node = Binary(tok.value, node, self.unary(), pos=tok.pos)
        return node

    def unary(self) -> Node:
        if tok := self.accept("-", "+"):
            with self.nested():
                return Unary(tok.value, self.unary(), pos=tok.pos)
        return self.power()

    def power(self) -> Node:
        base = self.atom()
        if tok := self.accept("^"):  # right-associative; the exponent may carry a sign: e^-0.87
            with self.nested():
                return Binary("^", base, self.unary(), pos=tok.pos)
        return base

    def atom(self) -> Node:
        tok = self.tok
        if tok.kind == "num":
            return Num(self.number(self.advance()), pos=tok.pos)
        if tok.kind == "name":
            return self.name_or_call(self.advance())
        if self.accept("("):
            with self.nested():
                node = self.sum()
            self.close(tok)
            return node
        raise self.unexpected("a number, a name or '('")

    def close(self, opening: _Token) -> None:
        if not self.accept(")"):
            raise self.unexpected(f"')' to close the '(' at position {opening.pos}")

    def number(self, tok: _Token) -> Fraction:
        value = Decimal(tok.value)
        if abs(value.adjusted()) > MAX_LITERAL_EXPONENT:
            raise self.error(f"number {tok.raw!r} is out of range", tok.pos)
        return Fraction(value)

    def name_or_call(self, tok: _Token) -> Node:
        func = ALIASES.get(tok.value, tok.value)
        declared = self.names is not None and tok.value in self.names
        if self.tok.kind == "op" and self.tok.value == "(":
            if func in FUNCTIONS:
                return self.call(func, tok)
            if declared:  # x(2): a variable followed by "(" is a missing operator
                raise self.unexpected("")
            raise self.error(f"unknown function {tok.raw!r}; functions are: {', '.join(FUNCTIONS)}", tok.pos)
        if declared:
            return Name(tok.value, pos=tok.pos)
        if tok.value in CONSTANTS:
            return Const(tok.value, pos=tok.pos)
        if func in FUNCTIONS:
            raise self.error(f"function {tok.raw!r} needs parentheses: {tok.raw}(...)", tok.pos)
        raise self.error(self.unknown_name(tok.raw), tok.pos)

    def unknown_name(self, name: str) -> str:
        if self.names is None:
            return f"unknown name {name!r}: only numbers, e, pi and functions are allowed here"
        allowed = sorted(self.names) + [c for c in CONSTANTS if c not in self.names]
        return f"unknown name {name!r}; allowed: {', '.join(allowed)}"

    def call(self, func: str, tok: _Token) -> Call:
        opening = self.advance()
        with self.nested():
            args = [self.sum()]
            while self.accept(","):
                args.append(self.sum())
        self.close(opening)
        low, high = FUNCTIONS[func]
        if len(args) < low or (high is not None and len(args) > high):
            wanted = f"{low}" if low == high else f"at least {low}"
            plural = "" if wanted == "1" else "s"
            raise self.error(f"{tok.raw}() takes {wanted} argument{plural}, got {len(args)}", tok.pos)
        return Call(func, tuple(args), pos=tok.pos)

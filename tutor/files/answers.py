"""Answers files: the quantities a student computed, by answer key.

    y3.net: 5            # numbers, "1/2", 1.5e-3, or simple expressions: "2 - 0.1*20", "1/(1+e^-0.87)"
    w13.new: 0
    step2:               # later steps nest (or write step2.loss)
      loss: 12.5

YAML or JSON, read by the project's safe YAML loader (line numbers, no tags, no alias bombs). Values
are parsed by the project's own expression grammar (`tutor.maths.expr`), never eval/sympify. A value that is
not a number is a per-key invalid answer, unless it is a formula over names (`"(o1 - t_o1)*h1"`: `formula`,
judged by `tutor.checking.formulas` against the problem's names); a file that cannot be read at all is an
AnswersError (exit 2).
Empty values (`y3.net:`, as in a blank template) are unanswered and skipped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from tutor.errors import AnswersError
from tutor.files.yamlsafe import YamlNumber
from tutor.maths.expr import (
    CONSTANTS,
    FUNCTIONS,
    MAX_LENGTH,
    ExprError,
    Node,
    Num,
    evaluate,
    free_names,
    parse,
    to_sympy,
)
from tutor.maths.expr_syntax import ALIASES
from tutor.model.keys import canonical_key

MAX_BYTES = 1_000_000  # an answers file is a few hundred bytes; anything past this is refused unread
MAX_KEYS = 20_000
MAX_NESTING = 6


@dataclass
class Answer:
    """One answered key: `number` (float) and `value` (exact SymPy) are None when the text is invalid."""

    key: str
    raw: str
    line: int | None = None
    number: float | None = None
    error: str | None = None
    node: Node | None = field(default=None, repr=False)
    formula: bool = False  # `node` names things (`(o1 - t_o1)*h1`): judged by `tutor.checking.formulas`

    @property
    def value(self) -> Any:
        """The exact SymPy value (built on demand: grading compares floats and never needs it)."""
        return None if self.node is None else to_sympy(self.node)


Answers = dict[str, Answer]


def read_answers(path: str | Path) -> Answers:
    """Read an answers file (YAML, or JSON, which the YAML loader reads too) → {key: Answer}.

    AnswersError (exit 2), naming the file and line, when it cannot be read: missing, too large,
    binary, malformed, tags or aliases, nested too deeply, not a mapping.
    """
    from tutor.files.yamlsafe import load_yaml

    data, locator = load_yaml(Path(path), error_cls=AnswersError, max_bytes=MAX_BYTES)
    lines = {".".join(map(str, k)): v for k, v in locator.lines.items()}
    return answers_from_data(data, locator.file, lines)


def answers_from_data(data: Any, source: str = "<answers>", lines: Mapping[str, int] | None = None) -> Answers:
    """Flatten a loaded mapping (`step2: {loss: …}` → `step2.loss`) and parse every value.

    `lines` maps dotted keys to the line they are on, where the loader knows it.
    """
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise AnswersError("an answers file must be a mapping of answer keys to values", file=source, line=1)
    lines = lines or {}
    out: Answers = {}
    for path, raw in _flatten(data, (), source, lines):
        dotted = ".".join(path)
        key = canonical_key(dotted)
        if raw is None:
            continue
        line = lines.get(dotted)
        if key in out:
            first = out[key].line
            out[key] = Answer(key, _text(raw), line, error=f"given twice (also on line {first})")
            continue
        if len(out) >= MAX_KEYS:
            raise AnswersError(f"too many answers (at most {MAX_KEYS})", file=source, line=line)
        out[key] = parse_answer(key, raw, line)
    return out


def _flatten(data: Mapping, prefix: tuple[str, ...], source: str, lines: Mapping[str, int]):
    if len(prefix) >= MAX_NESTING:
        key = ".".join(prefix)
        raise AnswersError("nested too deeply", file=source, key=key, line=lines.get(key))
    for k, v in data.items():
        if isinstance(k, bool) or not isinstance(k, str | int):
            raise AnswersError(f"a key must be text, not {k!r}", file=source, line=lines.get(".".join(prefix)))
        path = (*prefix, str(k))
        if isinstance(v, Mapping):
            yield from _flatten(v, path, source, lines)
        else:
            yield path, v


def parse_answer(key: str, raw: Any, line: int | None = None) -> Answer:
    """One value: a number, or text in the expression grammar. Never raises: errors make it invalid."""
    text = _text(raw)
    if isinstance(raw, bool) or not isinstance(raw, int | float | Fraction | Decimal | str | YamlNumber):
        return Answer(key, text, line, error=f"not a number: {text}")
    try:
        node, number = _plain_number(str(raw)) if isinstance(raw, str | YamlNumber) else (None, 0.0)
        if node is None:
            node = Num(Fraction(raw)) if isinstance(raw, int | Fraction | Decimal) else parse(str(raw))
            number = evaluate(node)
    except ExprError as exc:
        return _formula_or_error(key, raw, text, line, exc)
    except (ValueError, OverflowError, ArithmeticError) as exc:
        return Answer(key, text, line, error=f"not a number: {text} ({exc})")
    if not math.isfinite(number):
        return Answer(key, text, line, error=f"not a finite number: {text}")
    return Answer(key, text, line, number=number, node=node)


_COMMA = re.compile(r"\s*[+-]?\d+,\d+\s*")
_PLAIN = re.compile(r"\s*[+-]?(?:\d{1,30}\.?\d{0,30}|\.\d{1,30})(?:[eE][+-]?\d{1,3})?\s*")


def _plain_number(text: str) -> tuple[Node | None, float]:
    """The fast path for a plain decimal (most answers): no tokenizer, same exact value as the grammar."""
    if not _PLAIN.fullmatch(text):
        return None, 0.0
    value = Fraction(text.strip())
    return Num(value), float(value)


_IDENTIFIER = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(\s*\()?")
_NOT_NAMES = frozenset((*CONSTANTS, *FUNCTIONS, *ALIASES))


def _formula_or_error(key: str, raw: Any, text: str, line: int | None, exc: ExprError) -> Answer:
    """Text that is no number: a formula over names (which names the problem has is the checker's
    business), else invalid with the grammar's reason."""
    full = raw if isinstance(raw, str) else ""
    names = {m[1] for m in _IDENTIFIER.finditer(full) if not m[2] and m[1] not in _NOT_NAMES}
    if names and len(full) <= MAX_LENGTH:
        try:
            node = parse(full, names=names)
            if free_names(node):
                return Answer(key, text, line, node=node, formula=True)
        except ExprError as formula_error:
            exc = formula_error  # the reason as a formula: `x +` lacks an operand, x itself is fine
    at = f" (at character {exc.position + 1})" if exc.position is not None else ""
    if _COMMA.fullmatch(text):  # a decimal comma, as many countries write numbers
        return Answer(key, text, line, error=f"cannot read {text!r}: write a decimal point, {text.replace(',', '.')}")
    return Answer(key, text, line, error=f"cannot read {text!r}: {exc.message}{at}")


def _text(raw: Any) -> str:
    text = raw if isinstance(raw, str) else str(raw).lower() if isinstance(raw, bool) else str(raw)
    return text if len(text) <= 80 else text[:77] + "..."


def yaml_scalar(value: str, *, quoted: bool = False) -> str:
    """One string as a YAML scalar on one line, by PyYAML's emitter: plain where YAML reads it back as the
    same string, else quoted with escapes (`quoted`: always double-quoted)."""
    import yaml

    def dump(style: str | None) -> str:
        text = yaml.safe_dump(value, default_style=style, allow_unicode=True, width=1 << 30)
        return text.removesuffix("\n").removesuffix("\n...")

    text = dump('"' if quoted else None)
    return dump('"') if "\n" in text else text

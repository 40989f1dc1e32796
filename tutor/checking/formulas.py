"""Formula answers (issue 13): a student's formula judged against the key's closed form.

    judge = FormulaJudge(derivation)                    # once per solved problem (a class: once)
    verdict = judge.judge("w5.grad", answer.node)       # the formula as the project's grammar parsed it

The names a formula may use (`Vocabulary`): the problem's inputs, parameters and target symbols (`t_o1`,
`t5`), each neuron's name for its output and its net label (`x3`, `net_h1`) for its net input (a computation
graph: its inputs and node names); at step k the parameters stand for their values at the start of step k.
A name standing for a quantity is refused in the formula of that quantity and of those it is computed from.
The formula is built from the parsed tree (`tutor.maths.expr.to_sympy`, never sympify) and judged *by
algebra* first, with the neuron names as Symbols of their own against the formula key's form
(`tutor.checking.formulakey`), within a size and time bound (`tutor.checking.formulaalgebra`); else
*numerically*: with the neuron names replaced by their closed forms (`tutor.engines.symbolic`), both are
evaluated to `DIGITS` digits at `POINTS` random rational points near the problem's values, and where they
agree, algebra on the closed forms may still prove it. A wrong formula is named by the mistake models it
equals (`tutor.checking.formulamistakes`).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from tutor.checking.formulaalgebra import equal_by_algebra
from tutor.checking.formulakey import KEPT, answer_forms
from tutor.checking.timebound import OutOfTime, time_bound
from tutor.maths.expr import ExprError, Node, evaluate, free_names, to_sympy
from tutor.maths.numfmt import fmt
from tutor.model.keys import split_key, step_prefix

NUMERIC_SECONDS = 2.0  # evaluating one formula at every point (a formula this slow is refused)
POINTS = 5
DIGITS = 30
MAX_CACHE = 20_000


@dataclass(frozen=True)
class FormulaVerdict:
    """`decided`: "algebra" or "numeric" (at `points` random points); "" for an invalid formula."""

    verdict: str  # correct, incorrect or invalid
    message: str
    given: float | None = None  # the formula's value at the problem's values
    tags: tuple[str, ...] = ()
    decided: str = ""
    points: int = 0
    expected: str = ""  # the key's closed form, SymPy's str()

    def to_json(self) -> dict[str, Any]:
        return {"decided_by": self.decided or None, "points": self.points, "expected_formula": self.expected}


@dataclass
class Vocabulary:
    """One step's names: each allowed name's SymPy expression, the symbols' values, the closed forms by key."""

    names: dict[str, Any]
    symbols: dict[str, Any]  # symbol name -> SymPy Symbol
    values: dict[str, Any]  # symbol name -> exact value (a SymPy number) at the start of the step
    forms: dict[str, Any]  # step-local answer key -> closed form
    stands: dict[str, str]  # a name that stands for a quantity (`h1`) -> its key (`h1.out`)
    light: dict[str, Any]  # each allowed name -> a Symbol (a neuron's name: its own, not its closed form)
    light_forms: dict[str, Any]  # step-local key -> its formula in those Symbols (`answer_forms`)
    cache: dict[Any, Any] = field(default_factory=dict)  # what every sheet of a class needs alike

    def text(self, key: str, form: Any) -> str:
        """`str(form)`, the key's closed form as the JSON gives it (written once per key)."""
        if ("text", key) not in self.cache:
            self.cache["text", key] = str(form)
        return self.cache["text", key]

    def points(self, key: str) -> list[dict[str, Any]]:
        """The random points of `key` (the same ones for every sheet)."""
        if ("points", key) not in self.cache:
            self.cache["points", key] = _points(self, key)
        return self.cache["points", key]

    def unknown(self, node: Node, local: str) -> str | None:
        """Why the formula for `local` may not use one of its names (None: it may use them all). A name
        standing for a quantity is refused where that quantity is `local` or computed from it."""
        blocked = self.blocked(local)
        for name in sorted(free_names(node)):
            if name not in self.names:
                return f"unknown name {name!r} in the formula; {self.allowed(local)}"
            if name in blocked:
                key = self.stands[name]
                how = "is the quantity asked" if key == local else f"is computed from {local}"
                return f"{name} stands for {key}, which {how}: write it out"
        return None

    def blocked(self, local: str) -> frozenset[str]:
        """The names standing for `local` and for the quantities computed from it (through the formula
        key's forms: o1.net uses h1, which uses net_h1)."""
        if ("blocked", local) not in self.cache:
            blocked = {n for n, k in self.stands.items() if k == local}
            grown = True
            while grown:
                symbols = {self.light[n] for n in blocked}
                more = {
                    n for n, k in self.stands.items() if n not in blocked and _uses(self.light_forms.get(k), symbols)
                }
                blocked |= more
                grown = bool(more)
            self.cache["blocked", local] = frozenset(blocked)
        return self.cache["blocked", local]

    def allowed(self, local: str) -> str:
        """The names the formula for `local` may use, in words."""
        names = sorted(set(self.names) - self.blocked(local))
        shown = ", ".join(names[:40]) + (f", … ({len(names) - 40} more)" if len(names) > 40 else "")
        return f"allowed: {shown}"


def _uses(form: Any, symbols: set[Any]) -> bool:
    return form is not None and not symbols.isdisjoint(form.free_symbols)


class FormulaJudge:
    """Judges formula answers on one solved problem; the symbolic derivation is made at the first formula."""

    def __init__(self, derivation: Any) -> None:
        self.derivation = derivation
        self._symbolic: Any = None
        self._unsupported: str | None = None
        self._vocabularies: dict[int, Vocabulary] = {}
        self._cache: dict[tuple[str, Node], FormulaVerdict] = {}
        self._mistakes: Any = None

    def judge(self, key: str, node: Node) -> FormulaVerdict:
        if (key, node) not in self._cache:
            if len(self._cache) >= MAX_CACHE:
                self._cache.clear()
            self._cache[key, node] = self._judge(key, node)
        return self._cache[key, node]

    def vocabulary(self, step: int) -> Vocabulary | str:
        """The names of `step`, or why this problem takes no formula answers."""
        symbolic = self._derive()
        if symbolic is None:
            return self._unsupported or "formula answers cannot be checked on this problem"
        if step not in self._vocabularies:
            self._vocabularies[step] = _vocabulary(symbolic, step, self.derivation)
        return self._vocabularies[step]

    def _derive(self) -> Any:
        if self._symbolic is None and self._unsupported is None:
            if getattr(getattr(self.derivation, "problem", None), "data", ()):
                self._unsupported = "formula answers are checked on one-example networks and computation graphs"
                return None
            from tutor.engines.symbolic import derive_symbolic
            from tutor.errors import NnstepError

            try:
                self._symbolic = derive_symbolic(self.derivation.problem, self.derivation)
            except NnstepError as exc:  # no symbolic form (too large), or one that disagrees with the numbers
                self._unsupported = f"formula answers cannot be checked on this problem: {exc}"
        return self._symbolic

    def _judge(self, key: str, node: Node) -> FormulaVerdict:
        step, local = split_key(key)
        vocab = self.vocabulary(step)
        if isinstance(vocab, str):
            return FormulaVerdict("invalid", vocab)
        truth = vocab.forms.get(local)
        if truth is None:
            return FormulaVerdict("invalid", f"{key} has no closed form to compare a formula with")
        unknown = vocab.unknown(node, local)
        if unknown:
            return FormulaVerdict("invalid", unknown)
        try:
            return self._compare(key, node, vocab, truth)
        except ExprError as exc:
            return FormulaVerdict("invalid", f"the formula cannot be computed: {exc.message}")
        except OutOfTime:
            return FormulaVerdict("invalid", f"the formula is too large to evaluate in {NUMERIC_SECONDS:g} s")

    def _compare(self, key: str, node: Node, vocab: Vocabulary, truth: Any) -> FormulaVerdict:
        """By algebra with the neuron names as symbols of their own (the usual case, and cheap); else by the
        numbers at random points, and when they agree, by algebra on the closed forms if it can tell."""
        given = evaluate(node, _floats(vocab, node))  # the grammar's own float evaluation: overflow is an error
        expected, light = vocab.text(key, truth), vocab.light_forms.get(split_key(key)[1])
        algebra = FormulaVerdict(
            "correct", "correct: the key's formula (by algebra)", given, (), "algebra", 0, expected
        )
        if light is not None and equal_by_algebra(to_sympy(node, vocab.light) - light):
            return algebra
        student, points = to_sympy(node, vocab.names), vocab.points(key)
        with time_bound(NUMERIC_SECONDS):
            differs, used = _differs(node, student, truth, vocab, points)
        if used == 0:
            return FormulaVerdict("invalid", "the formula has no real value near the problem's values", given)
        if differs:
            tags, words = self._diagnose(key, node, vocab, points)
            message = "not the key's formula (decided numerically: they differ at a random point)"
            message += f"; its value here is {fmt(given, 6)}{words}"
            return FormulaVerdict("incorrect", message, given, tags, "numeric", used, expected)
        if equal_by_algebra(student - truth):
            return algebra
        message = f"correct: equal to the key's formula numerically at {used} random points (algebra did not decide)"
        return FormulaVerdict("correct", message, given, (), "numeric", used, expected)

    def _diagnose(self, key: str, node: Node, vocab: Vocabulary, points: list[dict[str, Any]]) -> tuple[tuple, str]:
        from tutor.checking.formulamistakes import FormulaMistakes

        if self._mistakes is None:
            self._mistakes = FormulaMistakes(self.derivation, self._symbolic)
        values = []
        for point in points:
            try:
                values.append(evaluate(node, _floats(vocab, node, point)))
            except ExprError:
                return (), ""
        found = self._mistakes.matching(split_key(key)[1], points, values)
        return tuple(m.tag for m in found), "".join(f"; {m.words} ({m.tag})" for m in found)


def _vocabulary(symbolic: Any, step: int, derivation: Any) -> Vocabulary:
    """Step `step`'s names: the symbols, then each neuron's (node's) output and net, by the roles' names
    (`h1`, `net_h1`) and the network's net labels (`x3` for y3)."""
    sympy = _sympy()
    symbolic_step = symbolic.steps[step - 1]
    # the step's numbers (an optimizer's state, t, dropout's factors) are put in: no answer is asked to name them
    fixed = {symbolic.symbols[n]: _exact(symbolic_step.values[n], sympy) for n in symbolic.given}
    forms = {split_key(k)[1]: v.xreplace(fixed) for k, v in symbolic_step.closed_forms().items()}
    own = {n: s for n, s in symbolic.symbols.items() if n not in symbolic.given}
    names: dict[str, Any] = dict(own)
    light: dict[str, Any] = dict(own)
    stands: dict[str, str] = {}
    aliases = {f"{n}.net": label for n, label in _net_labels(derivation).items()}
    for name, (kind, subject) in symbolic.roles.items():
        key = f"{subject}.{kind}"
        if kind in KEPT and key in forms:
            for alias in {name, aliases.get(key, name)} - names.keys():
                names[alias], stands[alias], light[alias] = forms[key], key, symbolic.role_symbols[name]
    values = {n: _exact(v, sympy) for n, v in symbolic_step.values.items()}
    light_forms = answer_forms(symbolic, symbolic_step)
    vocab = Vocabulary(names, own, values, forms, stands, light, light_forms)
    expected, prefix = derivation.values(), step_prefix(step)
    for name, key in stands.items():  # at the problem's own values the names take the exact engine's values
        if prefix + key in expected:
            vocab.cache[id(values), name] = float(expected[prefix + key])
    return vocab


def _net_labels(derivation: Any) -> dict[str, str]:
    problem = getattr(derivation, "problem", None)
    if problem is None or not hasattr(problem, "neurons"):
        return {}
    from tutor.model.network import Network

    return dict(Network(problem).net_labels)


def _points(vocab: Vocabulary, key: str) -> list[dict[str, Any]]:
    """`POINTS` random rational values of every symbol near the problem's (the same for the same key)."""
    sympy = _sympy()
    rng = random.Random(f"formula {key}")
    points = []
    for _ in range(POINTS):
        point = {}
        for name in sorted(vocab.values):
            v = vocab.values[name]
            moved = float(v) * (1 + rng.uniform(-0.3, 0.3)) + rng.uniform(-0.05, 0.05)
            point[name] = sympy.Rational(round(moved * 10**6), 10**6)
        points.append(point)
    return points


def _differs(node: Node, student: Any, truth: Any, vocab: Vocabulary, points: list[dict[str, Any]]) -> tuple[bool, int]:
    """(whether the two differ at some point, how many points were used). A point where the student's
    formula has no real value (log of a negative number, an overflow) is left out."""
    used = 0
    for point in points:
        try:
            evaluate(node, _floats(vocab, node, point))  # bounded first: the float evaluation sees overflow
        except ExprError:
            continue
        subs = {vocab.symbols[n]: v for n, v in point.items() if n in vocab.symbols}
        a, b = _real(student, subs), _real(truth, subs)
        if a is None or b is None:
            continue
        used += 1
        if abs(a - b) > 10.0 ** (10 - DIGITS) * max(1, abs(a), abs(b)):
            return True, used
    return False, used


def _real(expr: Any, subs: Mapping[Any, Any]) -> Any:
    """The value to `DIGITS` digits, or None where it is no finite real number (or SymPy cannot tell: a
    Max of a value that is 0 to every digit)."""
    try:
        value = expr.evalf(DIGITS, subs=dict(subs))
    except (ValueError, TypeError, ArithmeticError):
        return None
    return value if value.is_real and value.is_finite and value.is_Number else None


def _floats(vocab: Vocabulary, node: Node, point: Mapping[str, Any] | None = None) -> dict[str, float]:
    """The float value of every name the formula uses, at `point` (default: the problem's values; each
    name's value at each point is computed once per class)."""
    values = vocab.values if point is None else point
    out = {}
    for name in free_names(node):
        cached = (id(values), name)
        if cached not in vocab.cache:
            subs = {vocab.symbols[n]: v for n, v in values.items() if n in vocab.symbols}
            value = values.get(name) if name in vocab.symbols else _real(vocab.names[name], subs)
            vocab.cache[cached] = None if value is None else float(value)
        if vocab.cache[cached] is None:
            raise ExprError(f"{name} has no real value here")
        out[name] = vocab.cache[cached]
    return out


def _exact(value: Any, sympy: Any) -> Any:
    """A value as a SymPy number (a Fraction as a Rational; an engine's exact value as it is)."""
    if isinstance(value, Fraction | int):
        return sympy.Rational(value.numerator, value.denominator)
    return value


def _sympy() -> Any:
    from tutor.maths.exactnum import sympy

    return sympy()

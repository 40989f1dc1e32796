"""Check a student's answers against a derivation: tolerance, error carried forward, mistake diagnosis.

    checker = Checker(derivation, settings)        # solve once …
    report = checker.check(answers)                # … check many answer sheets (grading)
    report = check_answers(derivation, answers)    # one sheet

Verdicts: `correct` (within tolerance of the true value), `carried` (wrong, but right given the
student's own earlier values: partial credit), `incorrect`, `invalid` (not a number, or a key that
names nothing in the problem); a formula answer (`"(o1 - t_o1)*h1"`) is judged by
`tutor.checking.formulas` against the key's formula (its item has `formula`: how it was decided). The score
is out of the keys that count (`tutor.model.keyset.counted_keys`): those left out are `unanswered` (score 0),
listed in `CheckReport.unanswered`. `within_tolerance`,
`Checker.carried_from` and `Diagnoser` are the building blocks the practice drill reuses one answer at a time.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from tutor.checking.checkmodel import CheckModel
from tutor.checking.models import check_model
from tutor.files.answers import Answer
from tutor.maths.numfmt import fmt
from tutor.model.keyset import counted_keys
from tutor.model.problem import CheckSettings

VERDICTS = ("correct", "carried", "incorrect", "invalid")
MAX_SUGGESTIONS = 20  # unknown keys that get "did you mean": difflib is slow on a file of junk keys


def tolerance(expected: float, settings: CheckSettings) -> float:
    """Allowed |given − expected|: rtol relative (or one unit in the `sigfigs`-th significant digit),
    never below the absolute floor atol."""
    mag = abs(expected)
    if settings.sigfigs and mag > 0 and math.isfinite(mag):
        rel = 10.0 ** (math.floor(math.log10(mag)) - settings.sigfigs + 1)
    else:
        rel = settings.rtol * mag
    return max(rel, settings.atol)


def within_tolerance(given: float, expected: float, settings: CheckSettings) -> bool:
    if not (math.isfinite(given) and math.isfinite(expected)):
        return False
    return abs(given - expected) <= tolerance(expected, settings) * (1 + 1e-12)


@dataclass(frozen=True)
class CheckItem:
    key: str
    given: float | None  # the student's value; None when invalid
    expected: Any  # exact SymPy value; None when the key names nothing
    verdict: str  # one of VERDICTS
    tags: tuple[str, ...]
    message: str
    credit: float
    raw: str = ""  # as the student wrote it
    line: int | None = None
    counted: bool = True  # False: an optional key, or one the problem's `check: {keys: …}` leaves out
    formula: Mapping[str, Any] | None = None  # a formula answer: how it was decided (`FormulaVerdict.to_json`)


@dataclass(frozen=True)
class CheckReport:
    items: tuple[CheckItem, ...]
    score: float
    max_score: int  # the number of keys that count, answered or not
    unanswered: tuple[str, ...] = ()  # keys that count and were not answered (score 0)

    @property
    def ok(self) -> bool:
        """Every answered key correct or carried (exit status 0)."""
        return all(i.verdict in ("correct", "carried") for i in self.items)

    def to_json(self) -> dict[str, Any]:
        items = [
            {
                "key": i.key,
                "given": json_number(i.given),
                "expected": json_number(i.expected),
                "verdict": i.verdict,
                "tags": list(i.tags),
                "message": i.message,
                "counted": i.counted,
                **({} if i.formula is None else {"formula": dict(i.formula)}),
            }
            for i in self.items
        ]
        score = json_number(self.score)
        return {"score": score, "max_score": self.max_score, "items": items, "unanswered": list(self.unanswered)}


def json_number(value: Any) -> int | float | None:
    """A JSON number: an int where the value is an exact integer, else a float (None stays None)."""
    if value is None:
        return None
    x = float(value)
    if not math.isfinite(x):
        return None
    if getattr(value, "is_Integer", False) or isinstance(value, int):
        return int(value)
    return int(x) if x.is_integer() and abs(x) < 2**53 else x


class Checker:
    """A solved problem ready to check any number of answer sheets (grading solves once)."""

    def __init__(self, derivation: Any, settings: CheckSettings | None = None) -> None:
        """`derivation`: a solved problem of any form (`tutor.checking.models.check_model` picks the form)."""
        self.derivation = derivation
        self.model: CheckModel = check_model(derivation)
        self.problem = self.model.problem
        self.settings = settings or self.model.settings
        self.expected = self.model.expected
        self.truth = {k: float(v) for k, v in self.expected.items()}
        self.order = {k: i for i, k in enumerate(self.expected)}
        self.counted = counted_keys(self.model, self.settings)
        self.counted_set = frozenset(self.counted)
        self.formulas: Any = None  # the FormulaJudge, made at the first formula answer

    def describe(self, key: str) -> str:
        """The quantity `key` names, in words."""
        return self.model.describe(key)

    def close(self, given: float, expected: float) -> bool:
        return within_tolerance(given, expected, self.settings)

    def with_settings(self, settings: CheckSettings) -> Checker:
        """The same solved problem under other tolerances (no re-solving)."""
        other = object.__new__(Checker)
        other.__dict__.update(self.__dict__)
        other.settings = settings
        other.counted = counted_keys(self.model, settings)
        other.counted_set = frozenset(other.counted)
        return other

    def check(self, answers: Mapping[str, Answer]) -> CheckReport:
        student = {k: a.number for k, a in answers.items() if k in self.truth and a.number is not None}
        carried = self.model.recompute(student) if student else self.truth
        known = sorted((k for k in answers if k in self.truth), key=self.order.__getitem__)
        items = [self._item(answers[k], student, carried) for k in known]
        unknown = [a for k, a in answers.items() if k not in self.truth]
        items += [self._unknown(a, suggest=n < MAX_SUGGESTIONS) for n, a in enumerate(unknown)]
        counted = self.counted_set
        items = [i if i.key in counted else _uncounted(i) for i in items]
        score = sum(i.credit for i in items if i.counted)
        unanswered = tuple(k for k in self.counted if k not in answers)
        return CheckReport(tuple(items), score, len(self.counted), unanswered)

    def _item(self, answer: Answer, student: dict[str, float], carried: Mapping[str, float]) -> CheckItem:
        key, expected = answer.key, self.expected[answer.key]
        item = CheckItem(key, answer.number, expected, "invalid", (), "", 0.0, answer.raw, answer.line)
        if answer.formula and answer.node is not None:
            return self._formula(item, answer.node)
        if answer.number is None:
            return replace(item, message=answer.error or "not a number")
        value, truth = answer.number, self.truth[key]
        if self.close(value, truth):
            return replace(item, verdict="correct", message="correct", credit=1.0)
        if self.close(value, carried.get(key, math.nan)):
            culprits = self.carried_from(key, student)
            if not culprits:  # only the student's own rounding differs: still right
                return replace(item, verdict="correct", message="correct, given your own rounded values", credit=1.0)
            named = ", ".join(
                f"your {k} = {fmt(student[k], 6)} (expected {fmt(self.expected[k], 6)})" for k in culprits
            )
            message = f"carried forward: right given {named}"
            return replace(item, verdict="carried", message=message, credit=self.settings.carried_credit)
        return self._incorrect(item, value, student)

    def _incorrect(self, item: CheckItem, value: float, student: dict[str, float]) -> CheckItem:
        own = bool(self.carried_from(item.key, student))
        mistakes = self.model.diagnose(item.key, value, student, self.close, local=own)
        message = f"expected {fmt(item.expected, 6)}"
        if mistakes:
            message += "; " + "; or ".join(f"{m.words} ({m.tag})" for m in mistakes)
        return replace(item, verdict="incorrect", tags=tuple(m.tag for m in mistakes), message=message)

    def _formula(self, item: CheckItem, node: Any) -> CheckItem:
        """A formula answer: correct when it is the key's formula (`tutor.checking.formulas`)."""
        if self.formulas is None:
            from tutor.checking.formulas import FormulaJudge

            self.formulas = FormulaJudge(self.derivation)
        v = self.formulas.judge(item.key, node)
        credit = 1.0 if v.verdict == "correct" else 0.0
        return replace(
            item, given=v.given, verdict=v.verdict, tags=v.tags, message=v.message, credit=credit, formula=v.to_json()
        )

    def carried_from(self, key: str, student: Mapping[str, float]) -> list[str]:
        """The student's wrong earlier values that `key` is computed from (through unanswered ones)."""
        seen: set[str] = set()
        found: list[str] = []
        stack = list(self.model.dependencies(key))
        while stack:
            dep = stack.pop()
            if dep in seen or dep not in self.truth:
                continue
            seen.add(dep)
            if dep not in student:
                stack.extend(self.model.dependencies(dep))
            elif not self.close(student[dep], self.truth[dep]):
                found.append(dep)
        return sorted(found, key=self.order.__getitem__)

    def _unknown(self, answer: Answer, suggest: bool = True) -> CheckItem:
        from tutor.model.keys import split_key

        step, steps = split_key(answer.key)[0], self.model.steps
        if step > steps:  # a later step than the problem has (a data set: more iterations than were worked)
            if getattr(self.problem, "data", ()):
                message = f"{answer.key}: only {steps} iteration(s) of the data set are worked (--detail N for more)"
            else:
                message = f"{answer.key}: this problem has {steps} step(s), not {step}"
            return CheckItem(answer.key, answer.number, None, "invalid", (), message, 0.0, answer.raw, answer.line)
        close = difflib.get_close_matches(answer.key, list(self.expected), n=3, cutoff=0.6) if suggest else []
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        message = f"{answer.key} names nothing in this problem{hint}"
        return CheckItem(answer.key, answer.number, None, "invalid", (), message, 0.0, answer.raw, answer.line)


def _uncounted(item: CheckItem) -> CheckItem:
    """An answered key that does not count: checked all the same (an invalid one says why), no credit."""
    message = item.message if item.expected is None else f"{item.message} (not counted)"
    return replace(item, counted=False, credit=0.0, message=message)


def check_answers(derivation: Any, answers: Mapping[str, Answer], settings: CheckSettings | None = None) -> CheckReport:
    """Check one answer sheet (see `Checker` to check many against one solve)."""
    return Checker(derivation, settings).check(answers)

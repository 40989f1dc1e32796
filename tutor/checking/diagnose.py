"""The diagnosis: every mistake model of `tutor.checking.mistakes` re-run on one problem by the float64 engine, and
a student's wrong value matched to the models whose buggy derivation gives it (from the student's own earlier
values where the mistake acts on a step's later keys)."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping

import numpy as np

from tutor.checking.mistakes import BY_TAG, MISTAKES, Mistake
from tutor.engines.floats import RIGHT, Rules, solve_numeric
from tutor.model.keys import parse_key
from tutor.model.network import Network
from tutor.model.problem import Problem

Close = Callable[[float, float], bool]


def run_numeric(
    problem: Problem, rules: Rules = RIGHT, given: Mapping[str, float] | None = None, network: Network | None = None
) -> dict[str, float]:
    """`solve_numeric` that never raises or warns on a student's odd values: what cannot be computed is NaN."""
    try:
        with np.errstate(all="ignore"):
            return solve_numeric(problem, rules=rules, given=given, network=network)
    except (ArithmeticError, ValueError, KeyError):
        return {}


Runner = Callable[[Rules, Mapping[str, float]], dict[str, float]]  # (rules, given values) -> every key's value


class Diagnoser:
    """Every mistake model run on one problem; the pure buggy derivations are computed once and cached.

    `runner` re-runs the derivation under other rules from given values (default: `run_numeric` on the
    problem's one example; a data set passes its own, `tutor.checking.datacheck`)."""

    def __init__(
        self,
        problem: Problem,
        network: Network | None = None,
        truth: Mapping[str, float] | None = None,
        runner: Runner | None = None,
    ):
        self.problem = problem
        self.network = network or Network(problem)
        self.run: Runner = runner or (lambda rules, given: run_numeric(problem, rules, given, self.network))
        self.truth = dict(truth) if truth is not None else self.run(RIGHT, {})
        self.variants = [(m, r) for m in MISTAKES for r in m.variants(problem)]
        self.pure = [self.run(r, {}) for _, r in self.variants]
        self.specificity = [self._changed(values) for values in self.pure]
        self._local: dict[tuple, Runs] = {}
        self.fixed = {k: v for k, v in self.truth.items() if not is_backward(k)}  # what a chain product uses
        self.backward_acting = [i for i, (_, r) in enumerate(self.variants) if self._acts_backward(r)]

    def _acts_backward(self, rules: Rules) -> bool:
        """Whether the mistake changes a delta or gradient computed from the true forward values."""
        values = self.run(rules, self.fixed)
        return any(not _same(values.get(k, math.nan), t) for k, t in self.truth.items() if is_backward(k))

    def _changed(self, values: Mapping[str, float]) -> int:
        """How many quantities the mistake changes: fewer is more specific."""
        return sum(1 for k, t in self.truth.items() if not _same(values.get(k, math.nan), t))

    def local(self, student: Mapping[str, float], *, here: bool = False) -> Runs:
        """Each buggy derivation computed from the student's own values (cached per set of values).

        `here`: the true values where the student gave none, so each mistake is made at one quantity
        only (the buggy value of a key is computed from true or the student's own earlier values).
        """
        here = here and not self.truth.keys() <= student.keys()  # a full sheet: the same runs either way
        given = {**self.truth, **student} if here else student
        return self._runs((here, tuple(sorted(student.items()))), given, range(len(self.variants)))

    def chain(self, student: Mapping[str, float], close: Close) -> Runs:
        """Each buggy derivation with every delta and gradient recomputed from the forward values (the
        student's where wrong, else the true ones): a key's own chain product, made with the mistake
        even where the student's deltas are right. Only the mistakes that act on the backward pass."""
        forward = {k: v for k, v in student.items() if is_forward(k) and not close(v, self.truth[k])}
        given = {**self.fixed, **forward}
        return self._runs(("chain", tuple(sorted(forward.items()))), given, self.backward_acting)

    def _runs(self, cache_key: tuple, given: Mapping[str, float], which: Collection[int]) -> Runs:
        if cache_key not in self._local:
            if len(self._local) > 4096:
                self._local.clear()
            self._local[cache_key] = Runs(self, dict(given), which)
        return self._local[cache_key]

    def diagnose(
        self, key: str, value: float, student: Mapping[str, float], close: Close, *, local: bool = True
    ) -> list[Mistake]:
        """Every mistake whose buggy value of `key` matches `value`, most specific first.

        Each mistake is run from the student's own values where they gave them: once made throughout
        (the earlier values they left out computed with the same mistake) and once made at `key` only
        (the earlier values they left out true); a delta or gradient once more as its own chain product
        from the forward values (`local(chain=True)`). A buggy value computed from earlier values that
        contradict the student's own is no evidence: a right ∂L/∂w13 = 20 and w13 ← 4 is a sign
        slip in the update, not in the error. (`local` is part of the check-model protocol; a
        network always uses the student's values.)
        """
        truth = self.truth.get(key, math.nan)
        hits: dict[str, tuple[int, int]] = {}
        runs = [self.local(student), self.local(student, here=True)]
        if is_backward(key):
            runs.append(self.chain(student, close))
        for i, (mistake, _) in enumerate(self.variants):
            if mistake.site and _same(self.pure[i].get(key, math.nan), truth):
                continue  # made at one place of the network, which this key is not computed from
            for run in runs:  # each run only when no earlier one matched: it would rank the same
                bug = run[i].get(key, math.nan)
                if close(value, bug) and not close(bug, truth):
                    rank = (self.specificity[i], i)
                    hits[mistake.tag] = min(hits.get(mistake.tag, rank), rank)
                    break
        return [BY_TAG[tag] for tag in sorted(hits, key=hits.__getitem__)]


class Runs:
    """The buggy derivations from one set of given values, each run when first asked for."""

    def __init__(self, diagnoser: Diagnoser, given: dict[str, float], which: Collection[int]) -> None:
        self.diagnoser, self.given, self.which = diagnoser, given, set(which)
        self.done: dict[int, dict[str, float]] = {}

    def __getitem__(self, i: int) -> dict[str, float]:
        if i not in self.which:
            return {}
        if i not in self.done:
            self.done[i] = self.diagnoser.run(self.diagnoser.variants[i][1], self.given)
        return self.done[i]


def is_backward(key: str) -> bool:
    """A delta or gradient key (`y3.delta`, `step2.w13.grad`, `ex2.w13.grad`)."""
    return _quantity(key) in ("delta", "grad")


def is_forward(key: str) -> bool:
    return _quantity(key) in ("net", "out")


def _quantity(key: str) -> str:
    parsed = parse_key(key)
    return parsed.quantity if parsed else ""


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)

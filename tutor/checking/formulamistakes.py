"""Which mistake model a wrong formula answer equals: one mechanism for every tag.

A formula is a function of the problem's values. At each of the judge's random points (the inputs,
parameters and targets moved a little) the problem is re-made with those values and every mistake model
of `tutor.checking.mistakes` is run on it (the float64 engine with altered rules, as for numbers); a mistake
the formula's value matches at every point is the one the formula makes. A computation graph's mistakes
are diagnosed from the student's own gradients (`tutor.checking.graphcheck`), so a graph's formula is named
by none.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from fractions import Fraction
from typing import Any

from tutor.checking.diagnose import Diagnoser
from tutor.checking.mistakes import Mistake

CLOSE = 1e-7  # a formula's float64 value against a mistake model's: both are exact up to rounding
MAX_POINT_PROBLEMS = 64  # the Diagnosers kept (one per point of each key)


class FormulaMistakes:
    """The mistake models re-run at the judge's points (each point's Diagnoser made once)."""

    def __init__(self, derivation: Any, symbolic: Any) -> None:
        problem = getattr(derivation, "problem", None)
        self.problem = problem if problem is not None and hasattr(problem, "neurons") else None
        self.targets = dict(getattr(symbolic, "target_symbols", {}) or {})
        self._diagnosers: dict[tuple, Diagnoser] = {}

    def matching(self, local: str, points: Sequence[Mapping[str, Any]], values: Sequence[float]) -> list[Mistake]:
        """The mistakes whose value of step-local key `local` is the formula's `values` at every point."""
        if self.problem is None or not points:
            return []
        found: list[Mistake] | None = None
        for point, value in zip(points, values, strict=True):
            diagnoser = self._diagnoser(point)
            here = diagnoser.diagnose(local, value, {}, _close, local=False)
            found = here if found is None else [m for m in found if m in here]
            if not found:
                return []
        return found or []

    def _diagnoser(self, point: Mapping[str, Any]) -> Diagnoser:
        key = tuple(sorted((n, str(v)) for n, v in point.items()))
        if key not in self._diagnosers:
            if len(self._diagnosers) >= MAX_POINT_PROBLEMS:
                self._diagnosers.clear()
            self._diagnosers[key] = Diagnoser(self._moved(point))
        return self._diagnosers[key]

    def _moved(self, point: Mapping[str, Any]) -> Any:
        """The problem with the point's values (one step: at step k the symbols are step k's start values)."""
        p = self.problem
        assert p is not None

        def value(name: str, old: Fraction) -> Fraction:
            v = point.get(name)
            return old if v is None else Fraction(int(v.p), int(v.q))

        inputs = {n: value(n, v) for n, v in p.inputs.items()}
        parameters = {n: value(n, v) for n, v in p.parameters.items()}
        targets = {o: value(self.targets.get(o, o), v) for o, v in p.targets.items()}
        return replace(p, inputs=inputs, parameters=parameters, targets=targets, steps=1)


def _close(a: float, b: float) -> bool:
    return math.isfinite(a) and math.isfinite(b) and math.isclose(a, b, rel_tol=CLOSE, abs_tol=1e-12)

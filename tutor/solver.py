"""One call from a problem file to a cross-checked derivation."""

from __future__ import annotations

from pathlib import Path

from tutor.crosscheck import cross_check
from tutor.derivation import Derivation
from tutor.engine import derive
from tutor.loader import load_problem
from tutor.problem import Problem


def solve_problem(problem: Problem) -> Derivation:
    """Derive exactly, then cross-check against the float64 engine (CrossCheckError on disagreement)."""
    derivation = derive(problem)
    cross_check(derivation)
    return derivation


def solve_file(path: str | Path) -> Derivation:
    return solve_problem(load_problem(path))

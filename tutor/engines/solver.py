"""One call from a problem file to a cross-checked derivation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tutor.engines.crosscheck import cross_check
from tutor.engines.exact import derive
from tutor.errors import ProblemError
from tutor.fileio import shown
from tutor.files.loader import load_problem
from tutor.model.derivation import Derivation
from tutor.model.problem import Problem

if TYPE_CHECKING:
    from tutor.engines.graph import GraphDerivation, GraphProblem


def solve_problem(
    problem: Problem, *, detail: int = 1, whole_run: bool = True, progress: Callable[[int], None] | None = None
) -> Derivation:
    """Derive exactly, then cross-check against the float64 engine (CrossCheckError on disagreement).

    A data set: the first `detail` iterations exactly, the whole schedule with the NumPy trainer (only
    the epochs of those iterations with `whole_run=False`: enough to check answers)."""
    if problem.data:
        from tutor.engines.training import derive_training

        return derive_training(problem, detail=detail, whole_run=whole_run, progress=progress)
    derivation = derive(problem)
    cross_check(derivation)
    return derivation


def solve_file(path: str | Path, *, detail: int = 1) -> Derivation:
    return solve_problem(load_problem(path), detail=detail)


def load_any(path: str | Path) -> Problem | GraphProblem:
    """A problem file of any form: a network (neuron or layer form, one example or a data set) or a
    computation graph (`graph:`)."""
    return load_source(Path(path), shown(path))


def load_source(source: str | Path, file: str) -> Problem | GraphProblem:
    """`load_any` of a file (a `Path`) or of YAML text (a `str`); `file` names it in messages (`<text>`)."""
    from tutor.files.loader import MAX_FILE_BYTES, problem_from_data
    from tutor.files.yamlsafe import load_yaml

    if isinstance(source, str) and len(source) > MAX_FILE_BYTES:  # text is held to a file's limit too
        raise ProblemError(f"the text is too large (the limit is {MAX_FILE_BYTES} bytes)", file=file)
    data, locator = load_yaml(source, file=file, max_bytes=MAX_FILE_BYTES)
    if isinstance(data, dict) and "graph" in data:
        from tutor.engines.graph import graph_from_data  # the graph form (and its expression grammar) only when used

        return graph_from_data(data, locator)
    return problem_from_data(data, file=file, locator=locator)


def solve_any(path: str | Path, *, detail: int = 1, whole_run: bool = True) -> Derivation | GraphDerivation:
    return solve_loaded(load_any(path), detail=detail, whole_run=whole_run)


def solve_loaded(
    problem: Problem | GraphProblem,
    *,
    detail: int = 1,
    whole_run: bool = True,
    progress: Callable[[int], None] | None = None,
) -> Derivation | GraphDerivation:
    """A loaded problem of any form, solved; `progress(epoch)` follows a data set's training run."""
    if isinstance(problem, Problem):
        return solve_problem(problem, detail=detail, whole_run=whole_run, progress=progress)
    from tutor.engines.graph import solve_graph

    return solve_graph(problem)

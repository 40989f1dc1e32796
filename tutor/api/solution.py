"""`tutor.solve`: a problem solved in Python, for notebooks (Jupyter's rich display) and scripts.

    import tutor
    s = tutor.solve("problems/relu-exercise.yaml")     # a path (str or Path) ...
    s = tutor.solve("inputs: {x1: 1}\\nneurons: ...")   # ... or YAML text: a str with a line break
    s                                                   # in Jupyter: the worked solution (MathML and SVG)
    s.to_dict()["steps"][0]["gradients"]                # the numbers, as `nnstep solve --format json`
    tutor.solve("problems/relu-exercise.yaml", symbolic=True)  # with every quantity as a formula (`--symbolic`)

A `Path` (any `os.PathLike`) is a file; a `str` is YAML text when it holds a line break, else a file's path (a
problem in YAML takes several lines; a one-line flow mapping is text only as `solve(text=...)`). Errors are the
command line's own (`tutor.errors`: `InputError` and its kinds for bad input, `CrossCheckError`, …), raised.
Each view is the one `nnstep solve --format …` writes, with the same options (`tutor.render.views`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tutor.engines.solver import load_source, solve_loaded
from tutor.errors import InputError
from tutor.fileio import shown
from tutor.model.symbolic import SymbolicSolution
from tutor.render.views import VIEWS, ViewOptions

PHASES = ("forward", "loss", "backward", "update")


@dataclass(frozen=True)
class Solution:
    """A solved problem and the options of its views; `derivation` is the engine's plain data (a `Derivation`,
    a data set's `DataSetDerivation` or a `GraphDerivation`; with `symbolic`, a `SymbolicSolution` holding one
    and its formulas) and `problem` the problem it solves."""

    derivation: Any
    options: ViewOptions = ViewOptions()

    @property
    def problem(self) -> Any:
        inner = isinstance(self.derivation, SymbolicSolution)
        return (self.derivation.derivation if inner else self.derivation).problem

    @property
    def title(self) -> str:
        return str(self.problem.title or "")

    def view(self, format: str) -> Any:
        """The content of the `format` view (`VIEWS[format]`), after its `--step` check."""
        VIEWS[format].check(self.derivation, self.options)
        return VIEWS[format].content(self.derivation, self.options)

    def to_json(self) -> str:
        """The text `nnstep solve --format json` prints (with the same `digits`, `step` and `only`)."""
        text = "".join(self.view("json"))
        return text if text.endswith("\n") else text + "\n"

    def to_dict(self) -> Any:
        """`to_json()` read back: the numbers as Python data."""
        return json.loads(self.to_json())

    def markdown(self) -> str:
        """What `nnstep solve --format markdown` writes."""
        return str(self.view("markdown"))

    def latex(self, *, body_only: bool = False) -> str:
        """What `nnstep solve --format latex` writes: the whole document, or its body (`--body-only`)."""
        from tutor.render.latex import document_text

        return document_text(self.view("latex"), replace(self.options, body_only=body_only))

    def html(self, *, page: bool = False) -> str:
        """The HTML view: its body (MathML and SVG in one `<div>`, what Jupyter shows), or with `page` the whole
        self-contained page `nnstep solve --format html` writes."""
        from tutor.render.html import whole

        content = self.view("html")
        return whole(content) if page else str(content[1])

    def with_options(self, **changes: Any) -> Solution:
        """The same solution with other view options (`digits`, `step`, `phases`, `solution`)."""
        return replace(self, options=replace(self.options, **changes))

    def _repr_html_(self) -> str:
        return self.html()

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def _repr_latex_(self) -> str:
        """The LaTeX body (for nbconvert's LaTeX and PDF export; it needs the packages its note names)."""
        return self.latex(body_only=True)

    def __repr__(self) -> str:
        kind = type(self.derivation).__name__
        return f"<tutor.Solution {kind} of {self.title or shown(str(self.problem.source or '?'))!r}>"


def solve(
    source: str | os.PathLike[str] | None = None,
    *,
    text: str | None = None,
    detail: int = 1,
    digits: int = 6,
    step: int | None = None,
    only: Iterable[str] | None = None,
    symbolic: bool | None = None,
) -> Solution:
    """Solve a problem file (`source`: a path) or YAML text (`source` with a line break, or `text=`), as
    `nnstep solve` does: `detail` iterations of a data set in full; the views' `digits`, `step` and `only`;
    `symbolic` (default: the file's `symbolic:`) also every quantity as a checked formula, as `--symbolic`."""
    problem = load_source(*_source(source, text))
    options = ViewOptions(
        _count("digits", digits, 1, 30), None if step is None else _count("step", step, 1), _phases(only)
    )
    detail = _count("detail", detail, 0, 50)
    if symbolic or (symbolic is None and getattr(problem, "symbolic", False)):
        from tutor.engines.symbolic import solve_symbolic

        return Solution(solve_symbolic(problem, detail=detail), options)
    return Solution(solve_loaded(problem, detail=detail), options)


def _source(source: str | os.PathLike[str] | None, text: str | None) -> tuple[str | Path, str]:
    """What to load and its name in messages."""
    if (source is None) == (text is None):
        raise InputError("give a problem: a path or YAML text, or text=")
    if text is not None or (isinstance(source, str) and "\n" in source):
        return str(text if text is not None else source), "<text>"
    if not isinstance(source, (str, os.PathLike)):
        raise InputError(f"a problem is a path or YAML text, not {type(source).__name__}")
    return Path(source), shown(source)


def _count(name: str, value: int, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        limit = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise InputError(f"{name}: expected a whole number {limit}, got {value!r}")
    return value


def _phases(only: Iterable[str] | None) -> frozenset[str] | None:
    if only is None:
        return None
    phases = frozenset([only] if isinstance(only, str) else only)
    if not phases or phases - set(PHASES):
        raise InputError(f"only: expected some of {', '.join(PHASES)}, got {sorted(phases)}")
    return phases

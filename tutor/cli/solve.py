"""`nnstep solve`: the whole derivation of a problem file, in the terminal, as JSON or as LaTeX
(`tutor.render.views`: one dispatch on the result's type per format)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from tutor.cli.app import app
from tutor.cli.common import run


class Format(str, Enum):
    text = "text"
    json = "json"
    latex = "latex"


class Phase(str, Enum):
    forward = "forward"
    loss = "loss"
    backward = "backward"
    update = "update"


@app.command(
    epilog="\b\nExamples:\n"
    "  nnstep solve problems/relu-exercise.yaml\n"
    "  nnstep solve problems/sigmoid-0.05-0.10.yaml --only backward --digits 4\n"
    "  nnstep solve problems/relu-exercise.yaml --format json | jq .steps[0].gradients\n"
    "  nnstep solve problems/relu-exercise.yaml --format latex -o solution.tex --pdf\n"
    "  nnstep solve problems/xor-data.yaml --format latex --detail 2 --pdf\n"
    "  nnstep solve problems/sigmoid-0.05-0.10.yaml --symbolic --only backward\n"
    "  nnstep solve problems/sigmoid-0.05-0.10.yaml --no-numbers --format latex --pdf"
)
def solve(
    file: Path = typer.Argument(..., help="Problem file (YAML).", show_default=False),
    format: Format = typer.Option(Format.text, "--format", "-f", help="Output: text (Rich), json or latex."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file instead of stdout."),
    step: int | None = typer.Option(None, "--step", min=1, help="Show only this step."),
    only: list[Phase] | None = typer.Option(None, "--only", help="Show only these phases (repeatable)."),
    digits: int = typer.Option(6, "--digits", min=1, max=30, help="Significant digits of inexact values."),
    pdf: bool = typer.Option(False, "--pdf", help="LaTeX: also compile a PDF next to the .tex."),
    body_only: bool = typer.Option(False, "--body-only", help="LaTeX: no preamble, for \\input."),
    no_solution: bool = typer.Option(False, "--no-solution", help="LaTeX: the problem sheet only."),
    detail: int = typer.Option(1, "--detail", min=0, max=50, help="Data sets: iterations derived in full."),
    symbolic: bool = typer.Option(False, "--symbolic", help="Also every quantity as a formula (SymPy), checked."),
    no_numbers: bool = typer.Option(
        False, "--no-numbers", help="The formulas alone (implies --symbolic): text, latex."
    ),
) -> None:
    """Derive gradient-descent steps by hand: forward pass, loss, chain rule, deltas, updates.

    Every value is computed exactly with SymPy and cross-checked against an independent NumPy float64
    engine (exit 1 if they ever disagree beyond 1e-9).
    """
    from tutor.cli.common import epoch_progress
    from tutor.engines.solver import load_any, solve_loaded
    from tutor.model.problem import Problem
    from tutor.render.views import ViewOptions, render

    problem = run(lambda: load_any(file))
    shown = frozenset(p.value for p in only) if only else None
    options = ViewOptions(digits, step, shown, body_only=body_only, solution=not no_solution, pdf=pdf)
    if symbolic or no_numbers or problem.symbolic:
        run(lambda: render(_symbolic(problem, format, not no_numbers, detail), format.value, options, output))
        return
    epochs = problem.epochs if isinstance(problem, Problem) and problem.data else 0
    with epoch_progress(epochs, show=epochs > 0) as advance:
        result = run(lambda: solve_loaded(problem, detail=detail, progress=advance))
    run(lambda: render(result, format.value, options, output))


def _symbolic(problem: object, format: Format, numbers: bool, detail: int) -> object:
    """The solution with its formulas (`tutor.engines.symbolic`, imported only here: a plain solve never loads it)."""
    from tutor.engines.symbolic import solve_symbolic
    from tutor.errors import InputError

    if not numbers and format is Format.json:
        raise InputError("--no-numbers is for the text and latex formats (JSON always has the numbers)")
    return solve_symbolic(problem, numbers=numbers, detail=detail)  # type: ignore[arg-type]

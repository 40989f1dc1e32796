"""`nnstep practice`: an interactive drill, one quantity at a time, with hints; works from a pipe too."""

from __future__ import annotations

import json
import random
import sys
from contextlib import suppress
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import typer

from tutor.cli.app import app
from tutor.cli.common import fail, run

if TYPE_CHECKING:
    from tutor.model.derivation import Derivation


class Phase(str, Enum):
    forward = "forward"
    loss = "loss"
    backward = "backward"
    update = "update"


class StdinReader:
    """One answer per line. At a terminal: `input()` (line editing, Ctrl-C). From a pipe: `readline()`, and
    the answer is echoed after the prompt so the output reads like the session it was."""

    def __init__(self, stdin: TextIO | None = None, stdout: TextIO | None = None) -> None:
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout

    def __call__(self, prompt: str) -> str:
        if self.stdin.isatty():
            with suppress(ImportError):
                import readline  # noqa: F401  (line editing and history for input())
            return input(prompt)
        self.stdout.write(prompt)
        line = self.stdin.readline()
        if not line:
            self.stdout.write("\n")
            raise EOFError
        self.stdout.write(line if line.endswith("\n") else line + "\n")
        self.stdout.flush()
        return line


@app.command(
    epilog="\b\nExamples:\n"
    "  nnstep practice problems/relu-exercise.yaml\n"
    "  nnstep practice problems/sigmoid-0.05-0.10.yaml --only backward --ask 5 --seed 7\n"
    "  nnstep practice problems/relu-exercise.yaml --only update --save session.json\n"
    "  nnstep practice problems/computation-graph.yaml\n"
    "  printf '5\\n5\\n?\\n-3\\n' | nnstep practice problems/relu-exercise.yaml --only forward\n"
    "  nnstep practice problems/relu-exercise-vary.yaml --variant 42\n"
    "\b\nAt the prompt: a number, a fraction (1/2) or an expression (2 - 0.1*20); ? or hint for the next\n"
    "hint (the formula, then the numbers, then the value); skip; quit. Ctrl-C or end of input stops\n"
    "with the summary so far.\n"
    "\b\nExit status: 0 everything eventually right, 1 not, 2 bad input, 130 interrupted."
)
def practice(
    problem: Path = typer.Argument(..., help="Problem file (YAML).", show_default=False),
    only: list[Phase] | None = typer.Option(
        None, "--only", help="Ask only these phases (repeatable); the loss is its own phase."
    ),
    ask: int | None = typer.Option(None, "--ask", min=1, help="Ask a random N of the quantities, in order."),
    seed: int | None = typer.Option(None, "--seed", help="Seed of the --ask choice (else random, and shown)."),
    max_tries: int = typer.Option(3, "--max-tries", min=1, help="Wrong answers before the value is shown."),
    step: int | None = typer.Option(None, "--step", min=1, help="Only this step of a multi-step problem."),
    save: Path | None = typer.Option(None, "--save", help="Write the transcript (JSON) to this file."),
    digits: int = typer.Option(6, "--digits", min=1, max=30, help="Significant digits in hints."),
    variant: str | None = typer.Option(
        None, "--variant", help="Practise on a fresh variant of the problem's vary: section, drawn from this seed."
    ),
    detail: int = typer.Option(1, "--detail", min=1, max=50, help="A data set: how many iterations to work [1]."),
) -> None:
    """Practise backpropagation by hand: forward pass, loss, deltas, gradients, updates, one at a time.

    A wrong answer gets a hint, one rung per retry (the formula in symbols, then with the numbers, then
    the value), and names the mistake when it is a known one. A computation graph asks each node's
    value (topological order), then each gradient ∂L/∂v (reverse topological order). After a value is given
    up or skipped, later answers build on the right value shown. The end shows a summary, the score and the
    mistakes that recurred.
    """
    from tutor.checking.check import Checker
    from tutor.classroom.practice import PracticeOptions, Session
    from tutor.classroom.practiceview import print_intro, print_summary
    from tutor.engines.solver import solve_any
    from tutor.render.console import console as terminal_console

    if variant is not None:
        derivation: Any = run(lambda: _variant(problem, variant))
    else:
        derivation = run(lambda: solve_any(problem, detail=detail, whole_run=False))
    checker = Checker(derivation)
    steps = checker.model.steps
    if step is not None and step > steps:
        more = "; --detail N works N iterations of a data set" if getattr(derivation.problem, "data", ()) else ""
        raise fail(f"--step {step}: the problem has {steps} step(s){more}", 2)
    if ask is not None and seed is None:
        seed = random.randrange(10_000)
    phases = frozenset(p.value for p in only) if only else None
    options = PracticeOptions(only=phases, ask=ask, seed=seed, max_tries=max_tries, step=step, digits=digits)
    console = terminal_console(soft_wrap=True, highlight=False)
    session = Session(derivation, console, StdinReader(), options, checker)
    if not session.items:
        raise fail("nothing to ask: no quantity in the chosen phases and step", 2)
    print_intro(session)
    session.run()
    run(lambda: print_summary(session))
    if save is not None:
        _save(save, session.transcript())
    raise typer.Exit(session.exit_code)


def _variant(path: Path, seed: str) -> Derivation:
    """A derivation of one generated variant: hand-friendly (--nice) where the vary: section allows it."""
    from tutor.classroom.variants import generate, load_varied
    from tutor.engines.solver import solve_problem
    from tutor.errors import InputError

    base = load_varied(path)
    for nice in (True, False):
        search = generate(base, 1, seed, nice=nice)
        if search.found:
            variant = search.found[0]
            drawn = ", ".join(f"{k} = {v}" for k, v in variant.values.items())
            sys.stderr.write(f"nnstep: practising the variant of seed {seed} of {path.name}: {drawn}\n")
            return solve_problem(variant.problem, whole_run=False)
    raise InputError(f"{path}: no usable variant for seed {seed}: {search.summary()}")


def _save(path: Path, transcript: dict) -> None:
    from tutor.fileio import write_atomic

    text = json.dumps(transcript, ensure_ascii=False, indent=2) + "\n"
    run(lambda: write_atomic(path, text))

"""`nnstep train`: run a data set's whole schedule (NumPy), with a progress bar, a loss table and curve."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from tutor.cli.app import app
from tutor.cli.common import fail, run

if TYPE_CHECKING:
    from tutor.model.problem import Problem
    from tutor.model.training import TrainResult


@app.command(
    epilog="\b\nExamples:\n"
    "  nnstep train problems/xor-data.yaml\n"
    "  nnstep train problems/xor-data.yaml --epochs 10000 --plot loss.png\n"
    "  nnstep train problems/xor-data.yaml --format json | jq .final_loss"
)
def train(
    file: Path = typer.Argument(..., help="Problem file with a data set (data:).", show_default=False),
    epochs: int | None = typer.Option(None, "--epochs", min=1, max=1_000_000, help="Override epochs: in the file."),
    plot: Path | None = typer.Option(None, "--plot", help="Also write the loss curve as PNG (needs matplotlib)."),
    format: str = typer.Option("text", "--format", "-f", help="text or json."),
    digits: int = typer.Option(6, "--digits", min=1, max=17, help="Significant digits."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Progress bar on stderr."),
) -> None:
    """Train on the whole data set: every epoch and batch, fast (float64 NumPy, no SymPy).

    Prints the loss by epoch (thinned), a loss curve and the trained parameters. `nnstep solve` on the
    same file derives the first iterations in full.
    """
    import dataclasses

    from tutor.files.loader import load_problem

    if format not in ("text", "json"):
        raise fail(f"--format {format}: expected text or json", 2)
    problem = run(lambda: load_problem(file))
    if not problem.data:
        raise fail(f"{file}: no data set to train on (add data: with examples, or use nnstep solve)", 2)
    if epochs is not None:
        from tutor.files.dataform import MAX_ITERATIONS
        from tutor.model.schedule import iterations_per_epoch

        per_epoch = iterations_per_epoch(problem)
        if epochs * per_epoch > MAX_ITERATIONS:
            raise fail(f"--epochs {epochs}: {epochs} epochs of {per_epoch} iterations is over {MAX_ITERATIONS:,}", 2)
        problem = dataclasses.replace(problem, epochs=epochs)
    result = _run_with_progress(problem, progress)
    if plot is not None:
        from tutor.render.curve import write_png

        run(lambda: write_png(list(result.epoch_loss), plot, problem.title))
    _report(problem, result, format, digits)


def _run_with_progress(problem: Problem, show: bool) -> TrainResult:
    from tutor.cli.common import epoch_progress
    from tutor.engines.trainer import train as train_run

    with epoch_progress(problem.epochs, show) as advance:
        return run(lambda: train_run(problem, progress=advance))


def _report(problem: Problem, result: TrainResult, format: str, digits: int) -> None:
    if format == "json":
        import json

        from tutor.render.trainjson import run_summary

        data = {"epochs": len(result.epoch_loss), "iterations": len(result.iteration_loss), **run_summary(result)}
        typer.echo(json.dumps(data, indent=2))
        return
    from tutor.model.network import Network
    from tutor.render.console import console as terminal_console
    from tutor.render.text import Writer
    from tutor.render.training import header, summary

    console = terminal_console(soft_wrap=True)
    header(problem, console, Writer(digits, Network(problem).target_labels))
    summary(result, console, digits)

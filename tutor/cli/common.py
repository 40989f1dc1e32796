"""Shared by the commands: error handling, output files, the console."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import typer

from tutor.errors import NnstepError
from tutor.escape import terminal
from tutor.fileio import write_atomic

__all__ = ["emit", "fail", "run", "write_atomic"]

T = TypeVar("T")


def fail(message: str, code: int) -> typer.Exit:
    """Print the message (control characters escaped: it may quote a file) and the exit to raise."""
    typer.echo(f"nnstep: {terminal(message, multiline=True)}", err=True)
    return typer.Exit(code)


def run(action: Callable[[], T]) -> T:
    """Call the library; turn its exceptions (never a traceback) into a message and an exit code."""
    try:
        return action()
    except NnstepError as exc:
        raise fail(str(exc), exc.exit_code) from None
    except KeyboardInterrupt:
        raise fail("interrupted", 130) from None
    except OSError as exc:
        name = getattr(exc, "filename", None)
        raise fail(f"{name}: {exc.strerror}" if name else str(exc), 2) from None
    except RecursionError:
        raise fail("input nested too deeply", 2) from None


@contextmanager
def sigterm_exits() -> Iterator[None]:
    """SIGTERM stops the command as Ctrl-C does, by an exception (SystemExit 143), so that every `finally`
    and clean-up runs: no temporary file or half-written output is left behind."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: object) -> None:
        os.write(2, b"nnstep: terminated\n")  # not print(): the handler may interrupt a write to stderr
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def emit(text: str, output: Path | None) -> None:
    """Print to stdout, or write atomically to `output`."""
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        run(lambda: write_atomic(output, text))


@contextmanager
def epoch_progress(epochs: int, show: bool = True) -> Iterator[Callable[[int], None] | None]:
    """A transient progress bar over a training run's epochs on stderr: yields `advance(epoch)`, or None
    where no bar is drawn (not a terminal, NO_COLOR: a live bar is made of ANSI codes, or `show` off)."""
    if not show:  # before importing rich.progress: a plain solve must not pay for it
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from tutor.render.console import no_color

    console = Console(stderr=True)
    if not console.is_terminal or no_color():
        yield None
        return
    columns = (TextColumn("training"), BarColumn(), MofNCompleteColumn(), TextColumn("epochs"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("train", total=epochs)
        every = max(1, epochs // 100)  # redraw at most ~100 times: the bar must not slow training

        def advance(epoch: int) -> None:
            if epoch % every == 0 or epoch == epochs:
                bar.update(task, completed=epoch)

        yield advance

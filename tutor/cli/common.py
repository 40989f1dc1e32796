"""Shared by the commands: error handling, output files, the console."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import TypeVar

import typer

from tutor.errors import NnstepError

T = TypeVar("T")


def fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"nnstep: {message}", err=True)
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


def write_atomic(path: str | Path, text: str | bytes) -> None:
    """Write a whole file or nothing: a temporary file in the same folder, then an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


def emit(text: str, output: Path | None) -> None:
    """Print to stdout, or write atomically to `output`."""
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        write_atomic(output, text)

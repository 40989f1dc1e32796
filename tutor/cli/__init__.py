"""The `nnstep` command: a thin typer app over the library.

Each command lives in its own module and only parses its arguments, calls the library and turns the
library's exceptions into a message and an exit code (`common.run`): 0 success, 2 bad input, 1 anything
else (a failed check, a cross-check disagreement). Heavy imports (SymPy) happen inside the commands, so
`nnstep --help` stays instant.
"""

from __future__ import annotations

# The command modules register themselves on `app` (tutor.cli.app).
from tutor.cli import check as _check  # noqa: F401
from tutor.cli import generate as _generate  # noqa: F401
from tutor.cli import practice as _practice  # noqa: F401
from tutor.cli import solve as _solve  # noqa: F401
from tutor.cli import train as _train  # noqa: F401
from tutor.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    import io
    import sys

    from tutor.fileio import SHOWN

    for stream in (sys.stdout, sys.stderr):  # a file name that is not UTF-8 is printed escaped, never a crash
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors=SHOWN)
    app()

"""The `nnstep` command: a thin typer app over the library.

Each command lives in its own module and only parses its arguments, calls the library and turns the
library's exceptions into a message and an exit code (`common.run`): 0 success, 2 bad input, 1 anything
else (a failed check, a cross-check disagreement). Heavy imports (SymPy) happen inside the commands, so
`nnstep --help` stays instant.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="nnstep",
    help="A step-by-step backpropagation tutor: exact worked derivations of forward pass, loss, chain rule, "
    "deltas and weight updates for small neural networks written in YAML.\n\n"
    "Example:  nnstep solve problems/relu-exercise.yaml",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,  # plain click help: instant, and reads well when piped
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _root(ctx: typer.Context) -> None:
    """nnstep: backpropagation worked out step by step, checked and graded."""
    from tutor.cli.common import sigterm_exits
    from tutor.fileio import guard_run

    ctx.with_resource(sigterm_exits())
    ctx.with_resource(guard_run())  # no output of the command may replace one of its inputs


# The command modules register themselves on `app`.
from tutor.cli import check as _check  # noqa: E402,F401
from tutor.cli import generate as _generate  # noqa: E402,F401
from tutor.cli import practice as _practice  # noqa: E402,F401
from tutor.cli import solve as _solve  # noqa: E402,F401
from tutor.cli import train as _train  # noqa: E402,F401


def main() -> None:
    import io
    import sys

    from tutor.fileio import SHOWN

    for stream in (sys.stdout, sys.stderr):  # a file name that is not UTF-8 is printed escaped, never a crash
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors=SHOWN)
    app()

"""The typer app the commands register on, and the root callback every command runs under."""

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

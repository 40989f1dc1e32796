"""`nnstep solve` for the forms that are not one example of a network: computation graphs and data sets."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

from tutor.cli.common import emit, fail


def emit_other(
    result: Any,
    format: str,
    *,
    digits: int,
    step: int | None,
    phases: Collection[str] | None,
    output: Path | None,
) -> bool:
    """Render a graph or data-set derivation; False when `result` is a plain one-example derivation."""
    from tutor.graph import GraphDerivation

    if isinstance(result, GraphDerivation):
        _graph(result, format, digits, output)
        return True
    if getattr(result, "training", None) is None:
        return False
    if step is not None and step > len(result.steps):
        raise fail(f"--step {step}: only {len(result.steps)} iteration(s) are derived in full (see --detail)", 2)
    if format == "json":
        from tutor.render.training import render_training_json

        emit(render_training_json(result, step=step, phases=phases), output)
        return True
    if format == "latex":  # hook for the LaTeX renderer: `tutor.render.curve.pgfplots(epoch_loss)` draws the curve
        raise fail("LaTeX output of data sets is not available yet; use --format text or json", 2)
    from tutor.render.training import print_training

    print_training(result, digits=digits, step=step, phases=phases, output=output)
    return True


def _graph(result: Any, format: str, digits: int, output: Path | None) -> None:
    if format == "json":
        from tutor.render.graph import render_graph_json

        emit(render_graph_json(result), output)
    elif format == "latex":
        raise fail("LaTeX output of computation graphs is not available yet; use --format text or json", 2)
    else:
        from tutor.render.graph import print_graph

        print_graph(result, digits=digits, output=output)

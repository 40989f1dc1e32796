"""`nnstep solve` for the forms that are not one example of a network (computation graphs and data sets),
and LaTeX output for every form."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tutor.cli.common import emit, emit_chunks, fail, run

if TYPE_CHECKING:
    from tutor.render.latex import LatexOptions


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
    from tutor.model.derivation import Derivation

    if not isinstance(result, Derivation):  # a computation graph (tutor.engines.graph stays unloaded for networks)
        if step is not None:
            raise fail("--step: a computation graph has no steps", 2)
        _graph(result, format, digits, output, phases)
        return True
    if getattr(result, "training", None) is None:
        return False
    if format == "json":  # every iteration of the schedule has a record
        total = len(result.training.schedule)
        if step is not None and step > total:
            raise fail(f"--step {step}: the data set's schedule has {total} iteration(s)", 2)
        from tutor.render.trainjson import json_chunks

        emit_chunks(json_chunks(result, step=step, phases=phases), output)
        return True
    if step is not None and step > len(result.steps):
        raise fail(f"--step {step}: only {len(result.steps)} iteration(s) are derived in full (see --detail)", 2)
    from tutor.render.training import print_training

    run(lambda: print_training(result, digits=digits, step=step, phases=phases, output=output))
    return True


def _graph(result: Any, format: str, digits: int, output: Path | None, phases: Collection[str] | None) -> None:
    if format == "json":
        from tutor.render.graph import render_graph_json

        emit(render_graph_json(result, phases), output)
    else:
        from tutor.render.graph import print_graph

        run(lambda: print_graph(result, digits=digits, output=output, phases=phases))


def emit_latex(result: Any, opts: LatexOptions, *, output: Path | None, pdf: bool) -> None:
    """The LaTeX document of any derivation (`--step` checked against what the derivation has)."""
    from tutor.engines.graph import GraphDerivation
    from tutor.render.latex import write_latex

    if opts.step is not None:
        if isinstance(result, GraphDerivation):
            raise fail("--step: a computation graph has no steps", 2)
        if opts.step > len(result.steps):
            more = " derived in full (see --detail)" if result.training is not None else ""
            raise fail(f"--step {opts.step}: the problem has {len(result.steps)} step(s){more}", 2)
    run(lambda: write_latex(result, opts, output=output, pdf=pdf))

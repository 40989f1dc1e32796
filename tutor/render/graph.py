"""A computation-graph derivation (`tutor.engines.graph`) in the terminal and as JSON."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from tutor.checking.graphhints import graph_chains
from tutor.engines.graph import GraphDerivation
from tutor.maths.numfmt import fmt
from tutor.maths.termtext import MINUS
from tutor.render.console import user_text
from tutor.render.json import number
from tutor.render.views import GRAPH_STEPS, VIEWS, ViewOptions


def graph_sections(d: GraphDerivation, digits: int = 6) -> list[tuple[str, list[str]]]:
    """(title, lines) of the forward pass, the local derivatives and the backward accumulation: the chains
    the hints are made of (`tutor.checking.graphhints.graph_chains`), printed whole."""
    chains = graph_chains(d, digits)
    out = d.problem.output
    return [
        ("Forward pass", [c.text for c in chains.forward]),
        ("Local derivatives on each edge", [c.text for c in chains.local]),
        (
            f"Backward pass: the gradient ∂{out}/∂v of every node and input v, in reverse topological order",
            [c.text for c in chains.backward],
        ),
    ]


GRAPH_PHASES = ("forward", "backward", "backward")  # of graph_sections: values; local derivatives, accumulation


@VIEWS["text"].register(GraphDerivation, GRAPH_STEPS)
def _text_view(d: GraphDerivation, options: ViewOptions) -> Callable[[Console], None]:
    """The graph's sections (`--only forward` the values, `--only backward` the derivatives)."""
    return lambda console: _draw(d, console, options.digits, options.phases)


@VIEWS["json"].register(GraphDerivation, GRAPH_STEPS)
def _json_view(d: GraphDerivation, options: ViewOptions) -> list[str]:
    return [render_graph_json(d, options.phases)]


def _draw(d: GraphDerivation, console: Console, digits: int, phases: Collection[str] | None) -> None:
    p = d.problem
    console.print(user_text(p.title or Path(p.source).name, "bold"))
    if p.description:
        console.print(user_text(p.description, "italic", multiline=True))
    inputs = ", ".join(f"{k} = {fmt(v, digits)}" for k, v in p.inputs.items()).replace("-", MINUS)
    console.print(Text(f"inputs: {inputs}   output: {p.output}"))
    for phase, (title, lines) in zip(GRAPH_PHASES, graph_sections(d, digits), strict=True):
        if phases and phase not in phases:
            continue
        console.print()
        console.print(Text(title, style="bold cyan"))
        console.print(Text("\n".join("  " + line for line in lines)))


def graph_dict(d: GraphDerivation, phases: Collection[str] | None = None) -> dict[str, Any]:
    """`{"forward": …, "local": …, "gradients": …}` (forward: phase `forward`; the others: `backward`)."""
    local: dict[str, dict[str, Any]] = {}
    for e in d.local:
        local.setdefault(e.child, {})[e.parent] = number(e.value)
    data: dict[str, Any] = {
        "title": d.problem.title,
        "kind": "graph",
        "inputs": {k: number(v) for k, v in d.problem.inputs.items()},
        "output": d.problem.output,
    }
    if not phases or "forward" in phases:
        data["forward"] = {f.node: number(f.value) for f in d.forward}
    if not phases or "backward" in phases:
        data["local"] = local
        data["gradients"] = {k: number(v) for k, v in d.gradients.items()}
    return data


def render_graph_json(d: GraphDerivation, phases: Collection[str] | None = None) -> str:
    return json.dumps(graph_dict(d, phases), indent=2, ensure_ascii=False)

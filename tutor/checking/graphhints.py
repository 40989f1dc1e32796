"""The hint ladder of a computation-graph key: the formula in symbols, then with the numbers, then the value.

The texts are the lines `nnstep solve` prints for the graph (`tutor.render.graph.graph_sections`), each
`head = symbols = numbers = value`; a rung is a prefix of that chain. A gradient's hint also shows the
local derivative on each edge it goes through (∂d/∂b = 2, ∂L/∂c = e).
"""

from __future__ import annotations

from tutor.checking.hints import RUNGS
from tutor.engines.graph import GraphDerivation
from tutor.model.keys import read_key
from tutor.render.graph import graph_sections


class GraphHints:
    """Hint texts for every answer key of a graph derivation (`tutor.checking.graphcheck` keys)."""

    def __init__(self, derivation: GraphDerivation, digits: int = 6) -> None:
        forward, local, backward = (lines for _, lines in graph_sections(derivation, digits))
        self.lines: dict[str, list[str]] = {}
        for f, line in zip(derivation.forward, forward, strict=True):
            self.lines[f"{f.node}.value"] = _parts(line)
        for e, line in zip(derivation.local, local, strict=True):
            self.lines[f"{e.child}.{e.parent}.local"] = _parts(line)
        for a, line in zip(derivation.backward, backward, strict=True):
            self.lines[f"{a.name}.grad"] = _parts(line)
        self.edges = {a.name: [f"{c.child}.{a.name}.local" for c in a.contributions] for a in derivation.backward}

    def rung(self, key: str, n: int) -> str:
        """Hint rung `n` (1–3) of `key`, one or more lines."""
        n = min(max(n, 1), RUNGS)
        parsed = read_key(key)
        lines = [_rung(self.lines[key], n)]
        if parsed.quantity == "grad":
            lines += [_rung(self.lines[k], 3 if n > 1 else 1) for k in self.edges[parsed.subject]]
        return "\n".join(lines)


def _parts(line: str) -> list[str]:
    return [p.strip() for p in line.split(" = ")]


def _rung(parts: list[str], n: int) -> str:
    """`head = symbols = numbers = value`: rung 1 up to the symbols, 2 up to the numbers, 3 all of it.
    A chain of two (∂L/∂L = 1, ∂d/∂b = 2) is its own formula: shown whole."""
    if len(parts) <= 2:
        return " = ".join(parts)
    return " = ".join(parts[: {1: 2, 2: len(parts) - 1}.get(n, len(parts))])

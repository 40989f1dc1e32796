"""Max pooling as a neuron kind: `Neuron.combine == "max"` (issue 16).

A pooling neuron has no weights: its net is the max of its sources and its output that net (identity).
Each of its connections is labelled by a *route* (`route_name`), not a parameter: the chain-rule factor
∂net/∂source, 1 for the window's winner and 0 for the others. Ties go to the first maximum in the
neuron's source order, which the layer form makes row-major (as PyTorch's max_pool). The engines compute
the routes from the forward values (`routes`) and use them wherever a weight would be used (deltas,
chain-rule paths, input gradients), so nothing downstream needs a special case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tutor.model.network import Network
    from tutor.model.problem import Neuron

ROUTE = "∂"  # a route is named as the factor it is, `∂p[0][0][0]/∂c[0][1][1]`; no parameter name has a ∂


def route_name(neuron: str, source: str) -> str:
    return f"{ROUTE}{neuron}/{ROUTE}{source}"


def is_route(name: str) -> bool:
    return name.startswith(ROUTE)


def route_parts(name: str) -> tuple[str, str]:
    """`∂p[0][0][0]/∂c[0][1][1]` → ("p[0][0][0]", "c[0][1][1]")."""
    neuron, _, source = name[1:].partition(f"/{ROUTE}")
    return neuron, source


def is_pool(neuron: Neuron) -> bool:
    return neuron.combine == "max"


def winner(sources: Iterable[Any]) -> int:
    """The index of the first maximum (PyTorch's tie rule)."""
    best, index = None, 0
    for i, v in enumerate(sources):
        if best is None or v > best:
            best, index = v, i
    return index


def pool_routes(neuron: Neuron, value_of: Callable[[str], Any], one: Any = 1, zero: Any = 0) -> dict[str, Any]:
    """Each route of one pooling neuron: `one` for the winner of its window, `zero` for the others."""
    win = winner(value_of(c.source) for c in neuron.inputs)
    return {c.parameter: one if i == win else zero for i, c in enumerate(neuron.inputs)}


def routes(network: Network, value_of: Callable[[str], Any], one: Any = 1, zero: Any = 0) -> dict[str, Any]:
    """The routes of every pooling neuron of the network, from the nodes' forward values."""
    out: dict[str, Any] = {}
    for neuron in network.neurons.values():
        if is_pool(neuron):
            out.update(pool_routes(neuron, value_of, one, zero))
    return out

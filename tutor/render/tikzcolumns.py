"""The drawing's columns: `Network.depth`, except for an unrolled recurrent layer (issue 16), where time runs
along the x axis: x_t is drawn in the column before h_t (so every edge spans one column), h_0 with x_1, and
within a column the inputs come first, then the recurrent layer, then its read-outs."""

from __future__ import annotations

from collections.abc import Mapping
from weakref import WeakKeyDictionary

from tutor.model.network import Network

_CACHE: WeakKeyDictionary[Network, tuple[dict[str, int], tuple[str, ...]]] = WeakKeyDictionary()


def columns(network: Network) -> Mapping[str, int]:
    """Node -> its column in the drawing (inputs 0 for a network without a recurrent layer)."""
    return _drawing(network)[0]


def drawing_order(network: Network) -> tuple[str, ...]:
    """Every node, in the order the drawing stacks them within a column."""
    return _drawing(network)[1]


def _drawing(network: Network) -> tuple[dict[str, int], tuple[str, ...]]:
    if network not in _CACHE:
        _CACHE[network] = _compute(network)
    return _CACHE[network]


def _compute(network: Network) -> tuple[dict[str, int], tuple[str, ...]]:
    nodes = (*network.problem.inputs, *network.order)
    shape = network.problem.rnn
    if shape is None:
        return network.depth, nodes
    column = dict(network.depth)
    for t, xs in enumerate(shape.inputs, start=1):
        column.update({x: t - 1 for x in xs})
    rank = {n: 0 for n in network.problem.inputs} | {n: 1 for h in shape.hidden[1:] for n in h}
    return column, tuple(sorted(nodes, key=lambda n: rank.get(n, 2)))  # stable: file order within a rank

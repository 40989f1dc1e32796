"""The mistake models made at one place of the network: which path, which use, which sign.

Each function gives one `Rules` per place the mistake can be made (a path left out of one neuron's
delta, one use of a shared parameter, the sign of one negative number), at most `MAX_SITES` each, so
that a large network keeps grading fast.
"""

from __future__ import annotations

from tutor.engines.floats import Rules
from tutor.model.network import Network
from tutor.model.problem import Problem

MAX_SITES = 16  # places tried per mistake model


def missing_path(p: Problem) -> tuple[Rules, ...]:
    """One path left out of a neuron's delta: the neuron feeds several (a skip connection, two outputs)."""
    network = Network(p)
    sites: list[Rules] = []
    for n in network.order:
        paths = dict.fromkeys([*([""] if n in p.targets else []), *(k for k, _ in network.consumers[n])])
        if len(paths) >= 2:
            sites += [Rules(dropped_path=(n, k)) for k in paths]
    return tuple(sites[:MAX_SITES])


def missing_shared_use(p: Problem) -> tuple[Rules, ...]:
    """A shared parameter's gradient from one of its uses only."""
    uses = Network(p).uses
    sites = [Rules(single_use=(q, i)) for q, edges in uses.items() if len(edges) >= 2 for i in range(len(edges))]
    return tuple(sites[:MAX_SITES])


def dropped_sign(p: Problem) -> tuple[Rules, ...]:
    """A negative input or parameter used as if it were positive."""
    values = [p.inputs, p.parameters, *(e.inputs for e in p.data)]
    names = dict.fromkeys(n for v in values for n, x in v.items() if x < 0)
    return tuple(Rules(unsigned=n) for n in list(names)[:MAX_SITES])


def delta_as_gradient(p: Problem) -> tuple[Rules, ...]:
    return (Rules(source_factor=False),)

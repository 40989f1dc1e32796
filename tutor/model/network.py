"""The neuron graph of a problem: topological order, who feeds whom, where each parameter is used."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import NamedTuple

from tutor.model.problem import Neuron, Problem

MAX_PATHS = 32  # beyond this many chain-rule paths a gradient is shown in delta form only
MAX_PATH_FACTORS = 64  # … and beyond this many factors in all its paths (a deep chain's one path is long)


@dataclass(frozen=True)
class Edge:
    """source → neuron through parameter (source None: the neuron's bias)."""

    neuron: str
    source: str | None
    parameter: str


class Network:
    """Read-only structure derived once from a Problem (it never changes between steps)."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.neurons = problem.neurons

    @cached_property
    def floats(self) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
        """Parameters, inputs and targets in float64, converted once (the mistake models re-run often)."""
        p = self.problem
        return _floats(p.parameters), _floats(p.inputs), _floats(p.targets)

    @cached_property
    def order(self) -> tuple[str, ...]:
        """Neurons in topological order (sources before consumers): by depth, file order among equals."""
        index = {n: i for i, n in enumerate(self.neurons)}
        return tuple(sorted(self.neurons, key=lambda n: (self.depth[n], index[n])))

    @cached_property
    def depth(self) -> dict[str, int]:
        """Layer index: inputs 0, a neuron one more than its deepest source (Kahn's algorithm: no recursion,
        so a chain of 2000 neurons is as easy as a wide layer)."""
        d = {x: 0 for x in self.problem.inputs}
        waiting = {n: sum(c.source in self.neurons for c in v.inputs) for n, v in self.neurons.items()}
        fed: dict[str, list[str]] = {n: [] for n in self.neurons}
        for n, v in self.neurons.items():
            for c in v.inputs:
                if c.source in self.neurons:
                    fed[c.source].append(n)
        ready = [n for n, k in waiting.items() if k == 0]
        while ready:
            n = ready.pop()
            d[n] = 1 + max((d[c.source] for c in self.neurons[n].inputs), default=0)
            for k in fed[n]:
                waiting[k] -= 1
                if waiting[k] == 0:
                    ready.append(k)
        if len(d) < len(self.problem.inputs) + len(self.neurons):
            raise ValueError(f"cycle among neurons {', '.join(n for n in self.neurons if n not in d)}")
        return d

    @cached_property
    def consumers(self) -> dict[str, tuple[tuple[str, str], ...]]:
        """node -> ((consumer neuron, parameter), …) in topological order of the consumers."""
        out: dict[str, list[tuple[str, str]]] = {n: [] for n in (*self.problem.inputs, *self.neurons)}
        for n in self.order:
            for c in self.neurons[n].inputs:
                out[c.source].append((n, c.parameter))
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def uses(self) -> dict[str, tuple[Edge, ...]]:
        """parameter -> every edge it labels (shared parameters have several)."""
        out: dict[str, list[Edge]] = {p: [] for p in self.problem.parameters}
        for n in self.order:
            neuron = self.neurons[n]
            for c in () if neuron.combine == "max" else neuron.inputs:  # a pooling neuron's routes are no parameters
                out[c.parameter].append(Edge(n, c.source, c.parameter))
            if neuron.bias is not None:
                out[neuron.bias].append(Edge(n, None, neuron.bias))
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def softmax_group(self) -> tuple[str, ...]:
        return tuple(n for n in self.order if self.neurons[n].activation.entry.group)

    @cached_property
    def net_labels(self) -> dict[str, str]:
        """The name each neuron's net input goes by: its `net:` key, x3 for y3 (the seeds' notation)
        when x3 is free, else net_<name>."""
        taken = {*self.problem.inputs, *self.neurons, *self.problem.parameters}
        taken |= {n.net_label for n in self.neurons.values() if n.net_label}
        labels: dict[str, str] = {}
        for n in self.order:
            labels[n] = self.neurons[n].net_label or _default_net_label(n, taken)
            taken.add(labels[n])
        return labels

    @cached_property
    def target_labels(self) -> dict[str, str]:
        """The symbol of each output's target: t5 for y5 (the seeds' notation), else t_<name>."""
        taken = {*self.problem.inputs, *self.neurons, *self.problem.parameters, *self.net_labels.values()}
        labels: dict[str, str] = {}
        for o in self.problem.targets:
            m = re.fullmatch(r"y(\w+)", o)
            label = f"t{m.group(1)}" if m and f"t{m.group(1)}" not in taken else f"t_{o}"
            labels[o] = label
            taken.add(label)
        return labels

    def neuron(self, name: str) -> Neuron:
        return self.neurons[name]

    def count_paths(self, neuron: str) -> int:
        """How many chain-rule paths lead from this neuron's net to the loss."""
        return self._path_counts.get(neuron, 0)

    @cached_property
    def _path_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for n in reversed(self.order):
            own = 1 if n in self.problem.targets else 0
            counts[n] = own + sum(counts[k] for k, _ in self.consumers[n])
        return counts

    def writes_paths(self, neurons: Iterable[str], max_paths: int = MAX_PATHS) -> bool:
        """Whether a gradient used in these neurons is written out as its chain-rule paths: at most `max_paths`
        paths with at most MAX_PATH_FACTORS factors in all (else the delta form only). Bounding the factors
        keeps the cost linear in the depth: every weight of a deep chain has one path of ~2·depth factors."""
        neurons = tuple(neurons)
        if sum(self.count_paths(n) for n in neurons) > max_paths:
            return False
        return sum(self.path_factors(n) for n in neurons) <= MAX_PATH_FACTORS

    def path_factors(self, neuron: str) -> int:
        """How many factors the chain-rule paths through this neuron's net have in all, down to a parameter
        it multiplies (the last factor of each path)."""
        return self._head_factors.get(neuron, 0) + self.count_paths(neuron)

    @cached_property
    def _head_factors(self) -> dict[str, int]:
        """Neuron -> the factors of all its paths from the loss down to its net, as `ChainRule` writes them:
        ∂L/∂y and f′ at an output (one ∂L/∂net at a softmax output), then a weight and an f′ per hop."""
        factors: dict[str, int] = {}
        for n in reversed(self.order):
            own = (1 if n in self.softmax_group else 2) if n in self.problem.targets else 0
            factors[n] = own + sum(factors[k] + 2 * self.count_paths(k) for k, _ in self.consumers[n])
        return factors

    def paths_from(self, neuron: str) -> Iterator[tuple[tuple[str, str], ...]]:
        """Every path from `neuron` to an output, as ((next neuron, parameter), …) hops; the empty
        tuple when `neuron` is itself an output. Depth first without recursion (deep chains)."""
        stack = [_Link(neuron, None, None)]
        while stack:
            link = stack.pop()
            if link.node in self.problem.targets:
                yield link.hops()
            stack.extend(_Link(k, (k, p), link) for k, p in reversed(self.consumers[link.node]))


class _Link(NamedTuple):
    """One hop of a path being explored: the node reached, the hop that reached it, the link before."""

    node: str
    hop: tuple[str, str] | None
    prev: _Link | None

    def hops(self) -> tuple[tuple[str, str], ...]:
        out = []
        link: _Link | None = self
        while link is not None and link.hop is not None:
            out.append(link.hop)
            link = link.prev
        return tuple(reversed(out))


def _default_net_label(name: str, taken: set[str]) -> str:
    m = re.fullmatch(r"y(\w+)", name)
    if m and f"x{m.group(1)}" not in taken:
        return f"x{m.group(1)}"
    label = f"net_{name}"
    while label in taken:
        label += "_"
    return label


def _floats(values: Mapping[str, Fraction]) -> dict[str, float]:
    return {k: float(v) for k, v in values.items()}

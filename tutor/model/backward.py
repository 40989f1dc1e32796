"""The backward pass's records, as plain frozen data: deltas (δ = ∂L/∂net), the chain rule's factors and paths,
each parameter's gradient over its uses (with a penalty's term), and input gradients (∂L/∂x).

Part of the derivation (`tutor.model.derivation`, which holds the steps made of them); the engine fills them in,
the views write their symbols and numbers from these fields.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from tutor.maths import functions as fn
from tutor.maths.activations import Activation

Number = Any  # a SymPy number (Rational or Float); Any keeps SymPy out of import time


@dataclass(frozen=True)
class PenaltyGradient:
    """One weight's gradient term from the penalty: λ·w (`l2`) or λ·sign(w) (`l1`, 0 at w = 0)."""

    kind: str
    strength: Number
    weight: Number  # w's value
    value: Number


@dataclass(frozen=True)
class Factor:
    """One factor ∂numerator/∂denominator of a chain-rule product, with its value.

    kind: "loss" (∂L/∂y, `name` is the output), "softmax_loss" (∂L/∂x of a softmax output, `name`
    the output), "activation" (∂y/∂x = f′(x), `activation` set), "weight" (∂x_k/∂y_j = w_jk, `name`
    the parameter), "source" (∂x_j/∂w = the source's out, `name` the source; None for a bias, whose
    factor is 1). Renderers write the symbolic form from these fields.
    """

    numerator: str
    denominator: str
    kind: str
    value: Number
    name: str | None = None
    activation: Activation | None = None
    dropout: Number | None = None  # an activation factor under dropout: value = dropout · f′


@dataclass(frozen=True)
class Path:
    """One path of the chain rule from the loss down to a parameter: the product of its factors."""

    factors: tuple[Factor, ...]
    value: Number


@dataclass(frozen=True)
class Use:
    """One use of a parameter: in neuron `neuron`, multiplying `source` (None for a bias)."""

    neuron: str
    source: str | None
    delta: Number  # δ of `neuron`
    source_value: Number  # out of `source`, 1 for a bias
    value: Number  # delta · source_value


@dataclass(frozen=True)
class Gradient:
    """∂L/∂parameter: the sum over its uses (δ · out) and, for small networks, over chain-rule paths.

    The paths are written out the first time a view asks for them (`paths`): most views never do."""

    parameter: str
    uses: tuple[Use, ...]
    chain: ChainRule | None = field(repr=False, compare=False)  # None when there are too many paths
    value: Number  # the whole gradient: the data term plus the penalty's
    penalty: PenaltyGradient | None = None  # the penalty's term; None without one on this parameter

    @property
    def data_value(self) -> Number:
        """The data term: Σ δ · out over the uses."""
        return self.value if self.penalty is None else self.value - self.penalty.value

    @cached_property
    def paths(self) -> tuple[Path, ...] | None:
        """Every chain-rule path through every use, from the loss down; None when there are too many."""
        return None if self.chain is None else self.chain.paths(self.parameter, self.uses)


@dataclass(frozen=True)
class Downstream:
    """One term w_jk · δ_k of a hidden neuron's delta."""

    neuron: str  # k
    parameter: str  # w_jk
    parameter_value: Number
    delta: Number  # δ_k


@dataclass(frozen=True)
class Delta:
    """δ = ∂L/∂net of one neuron.

    Output neuron: δ = ∂L/∂out · f′(net) (`loss_grad` set). Hidden: δ = (Σ w·δ_k) · f′(net)
    (`downstream` set). A neuron can be both. Softmax outputs: δ = ∂L/∂net directly (`softmax`),
    `derivative` is then None.
    """

    neuron: str
    net_label: str
    loss_grad: Number | None  # ∂L/∂out from the loss itself, None when the neuron has no target
    downstream: tuple[Downstream, ...]
    derivative: Number | None  # f′(net)
    value: Number
    softmax: bool = False
    activation: Activation | None = None
    dropout: Number | None = None  # the neuron's mask times 1/(1 − p) (δ = … · dropout · f′); None: no dropout


_Head = tuple[tuple[Factor, ...], Number]  # the factors of a path down to a neuron's net, their product


@dataclass(frozen=True)
class ChainRule:
    """What one step's chain-rule paths are written from, shared by its gradients: the step's deltas by
    neuron, the network's consumers, its output neurons and the parameter values."""

    deltas: Mapping[str, Delta]
    consumers: Mapping[str, tuple[tuple[str, str], ...]]  # node -> ((consumer neuron, parameter), …)
    outputs: frozenset[str]
    weights: Mapping[str, Number]
    _heads: dict[str, tuple[_Head, ...]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def paths(self, parameter: str, uses: Sequence[Use]) -> tuple[Path, ...]:
        """The paths through each use, each from the loss down to the parameter."""
        out = []
        for use in uses:
            last = Factor(self.deltas[use.neuron].net_label, parameter, "source", use.source_value, name=use.source)
            out += [
                Path((*factors, last), fn.exact(value * last.value)) for factors, value in self._heads_of(use.neuron)
            ]
        return tuple(out)

    def _heads_of(self, neuron: str) -> tuple[_Head, ...]:
        """Every path from the loss down to `neuron`'s net, with the running product of its factors (left to
        right, as a path's value is formed), each formed once and shared by all the paths that extend it.
        Consumers first, from a stack (no recursion: a deep chain would exhaust Python's stack)."""
        stack = [neuron]
        while stack:
            n = stack[-1]
            waiting = [k for k, _ in self.consumers[n] if k not in self._heads]
            if waiting:
                stack += waiting
                continue
            stack.pop()
            if n not in self._heads:  # pushed twice where paths part and meet again
                self._heads[n] = self._extend(n)
        return self._heads[neuron]

    def _extend(self, neuron: str) -> tuple[_Head, ...]:
        """`neuron`'s heads from its consumers' (already formed): its own output head, then one per hop."""
        heads: list[_Head] = []
        if neuron in self.outputs:
            factors = self._output_factors(neuron)
            value = fn.exact(1)
            for f in factors:
                value = value * f.value
            heads.append((tuple(factors), value))
        act = self._activation_factor(neuron)
        for k, p in self.consumers[neuron]:
            weight = Factor(self.deltas[k].net_label, neuron, "weight", self.weights[p], name=p)
            heads += [((*fs, weight, act), value * weight.value * act.value) for fs, value in self._heads[k]]
        return tuple(heads)

    def _output_factors(self, o: str) -> list[Factor]:
        d = self.deltas[o]
        if d.softmax:
            return [Factor("L", d.net_label, "softmax_loss", d.value, name=o)]
        return [Factor("L", o, "loss", d.loss_grad, name=o), self._activation_factor(o)]

    def _activation_factor(self, n: str) -> Factor:
        d = self.deltas[n]
        value = d.derivative if d.dropout is None else fn.exact(d.dropout * d.derivative)
        return Factor(n, d.net_label, "activation", value, activation=d.activation, dropout=d.dropout)


@dataclass(frozen=True)
class InputGradient:
    """∂L/∂x of one input: Σ w · δ over the neurons it feeds (answer key `x1.grad`)."""

    input: str
    downstream: tuple[Downstream, ...]
    value: Number

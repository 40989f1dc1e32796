"""The derivation: what happened in each gradient-descent step, as plain frozen data.

The engine (`tutor.engines.exact`) fills it in; the terminal, LaTeX and JSON renderers are functions of it.
Values are SymPy numbers: `Rational` where the arithmetic stays exact, `Float` (30 digits) otherwise.
Nothing here knows how it will look.

Answer keys (`y3.net`, `y3.out`, `loss`, `y3.delta`, `w13.grad`, `w13.new`, and `step2.` in front of
them for later steps) name every quantity; `Step.values()` maps them to values.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tutor.maths.activations import Activation
from tutor.model.backward import (
    Delta,
    Gradient,
    InputGradient,
)
from tutor.model.keys import example_prefix, step_prefix
from tutor.model.keyset import wants_input_gradients
from tutor.model.problem import Problem

if TYPE_CHECKING:
    from tutor.model.training import TrainResult

Number = Any  # a SymPy number (Rational or Float); Any keeps SymPy out of import time


@dataclass(frozen=True)
class Term:
    """One product `source · parameter` in a net input."""

    source: str
    source_value: Number
    parameter: str
    parameter_value: Number


@dataclass(frozen=True)
class ForwardNeuron:
    """net = Σ terms (+ bias) and out = f(net) for one neuron."""

    neuron: str
    net_label: str  # x3 for y3, net_h1 for h1
    terms: tuple[Term, ...]
    bias: str | None
    bias_value: Number | None
    net: Number
    activation: Activation
    out: Number  # after dropout's mask and scaling, where dropout applies
    mask: int | None = None  # dropout: 1 kept, 0 dropped; None where dropout does not apply
    scale: Number | None = None  # dropout: 1/(1 − p)
    activated: Number | None = None  # dropout: f(net) before the mask and scaling
    combine: str = "sum"  # "max": max pooling; each term's parameter_value is ∂net/∂source (1 the winner, else 0)

    @property
    def dropout(self) -> Number | None:
        """The factor dropout multiplies f(net) by: mask · 1/(1 − p); None without dropout."""
        return None if self.mask is None or self.scale is None else self.mask * self.scale


@dataclass(frozen=True)
class LossPart:
    """One output's share of the loss."""

    output: str
    target: Number
    out: Number
    value: Number


@dataclass(frozen=True)
class Loss:
    name: str  # half_sse, sse, mse, bce, cross_entropy, hinge, huber
    parts: tuple[LossPart, ...]
    value: Number  # the whole objective: the data term plus the penalty
    penalty: Penalty | None = None  # the regularization term, None without one
    reference: Number | None = None  # hinge: the correct class's output y_c, which every term compares with

    @property
    def data_value(self) -> Number:
        """The loss of the outputs alone, without the penalty."""
        return self.value if self.penalty is None else self.value - self.penalty.value


@dataclass(frozen=True)
class Penalty:
    """The regularization term of a step: (λ/2)·Σw² (`l2`) or λ·Σ|w| (`l1`) over the weights."""

    kind: str
    strength: Number  # λ
    weights: tuple[tuple[str, Number], ...]  # (weight, its value) of every weight penalised
    value: Number


@dataclass(frozen=True)
class Update:
    """parameter ← old − η · gradient (unchanged if frozen), or the problem's optimizer's step."""

    parameter: str
    old: Number
    gradient: Number
    learning_rate: Number
    new: Number
    frozen: bool
    # an optimizer other than plain SGD (issue 15): its state before and after, and its rule's lines evaluated
    state_before: Mapping[str, Number] = field(default_factory=dict)
    state: Mapping[str, Number] = field(default_factory=dict)
    lines: tuple[Any, ...] = ()  # tutor.maths.optimizers.Evaluated, in the rule's order


@dataclass(frozen=True)
class ExampleStep:
    """One example's own pass within a data-set iteration (its gradients are not applied by themselves)."""

    example: int  # 1-based position in the data set
    inputs: dict[str, Number]
    targets: dict[str, Number]
    forward: tuple[ForwardNeuron, ...]
    loss: Loss
    deltas: tuple[Delta, ...]
    gradients: tuple[Gradient, ...]
    # ∂L_k/∂x of every input, with the example's own loss L_k as its `gradients` (not among `items`: on request)
    input_gradients: tuple[InputGradient, ...] = ()

    def input_gradient_items(self) -> Iterator[tuple[str, Number]]:
        """Answer keys `ex<k>.x1.grad`: ∂L_k/∂x1 of the example's own loss (the batch loss's is that times
        its scale, 1/n for a mean)."""
        prefix = example_prefix(self.example)
        for g in self.input_gradients:
            yield f"{prefix}{g.input}.grad", g.value

    def items(self) -> Iterator[tuple[str, Number]]:
        """Answer keys `ex<k>.y3.net`, `ex<k>.loss`, `ex<k>.y3.delta`, `ex<k>.w13.grad`."""
        prefix = example_prefix(self.example)
        for f in self.forward:
            yield f"{prefix}{f.neuron}.net", f.net
            yield f"{prefix}{f.neuron}.out", f.out
        yield f"{prefix}loss", self.loss.value
        for d in self.deltas:
            yield f"{prefix}{d.neuron}.delta", d.value
        for g in self.gradients:
            yield f"{prefix}{g.parameter}.grad", g.value


@dataclass(frozen=True)
class Step:
    """One gradient-descent step. For a data-set iteration (`examples` set) `forward` and `deltas` are
    empty, `loss` is the batch loss (mean or sum of the examples' losses, `Loss.parts` empty) and each
    gradient is the batch gradient (its `uses` empty: its parts are the examples' gradients)."""

    index: int  # 1-based
    forward: tuple[ForwardNeuron, ...]  # in topological order
    loss: Loss
    deltas: tuple[Delta, ...]  # in reverse topological order (outputs first)
    gradients: tuple[Gradient, ...]  # in the problem's parameter order
    updates: tuple[Update, ...]  # in the problem's parameter order
    examples: tuple[ExampleStep, ...] = ()  # a data-set iteration: each example of its batch
    epoch: int = 1
    input_gradients: tuple[InputGradient, ...] = ()  # ∂L/∂x of every input (not among `items`: on request)

    def items(self, input_gradients: bool = False) -> Iterator[tuple[str, Number]]:
        """(answer key, value) for every quantity of the step, without the step prefix, in derivation order;
        `input_gradients`: each example's `ex2.x1.grad` too, after its own keys."""
        for e in self.examples:
            yield from e.items()
            if input_gradients:
                yield from e.input_gradient_items()
        for f in self.forward:
            yield f"{f.neuron}.net", f.net
            yield f"{f.neuron}.out", f.out
        yield "loss", self.loss.value
        for d in self.deltas:
            yield f"{d.neuron}.delta", d.value
        for g in self.gradients:
            yield f"{g.parameter}.grad", g.value
        for u in self.updates:  # an optimizer's state first: the update reads it (m, v, then w5.new)
            for word, value in u.state.items():
                yield f"{u.parameter}.{word}", value
            yield f"{u.parameter}.new", u.new


@dataclass(frozen=True)
class Derivation:
    """The steps of a one-example problem (a data set's is a `DataSetDerivation`: `training` set)."""

    problem: Problem
    steps: tuple[Step, ...]
    training: TrainResult | None = None  # set on a DataSetDerivation only

    def values(self) -> dict[str, Number]:
        """Every quantity by answer key: `y3.net` for step 1, `step2.y3.net` for step 2, …"""
        out: dict[str, Number] = {}
        wanted = wants_input_gradients(self.problem)
        for step in self.steps:
            prefix = step_prefix(step.index)
            for key, value in step.items(wanted):
                out[prefix + key] = value
        return {**out, **self.input_gradient_values()} if wanted else out

    def input_gradient_values(self) -> dict[str, Number]:
        """∂L/∂x of every input by answer key (`x1.grad`, `step2.x1.grad`; a data set's per example,
        `ex2.x1.grad`, `step2.ex2.x1.grad`): shown on request only."""
        out: dict[str, Number] = {}
        for s in self.steps:
            prefix = step_prefix(s.index)
            out.update((f"{prefix}{g.input}.grad", g.value) for g in s.input_gradients)
            out.update((prefix + k, v) for e in s.examples for k, v in e.input_gradient_items())
        return out


@dataclass(frozen=True)
class DataSetDerivation(Derivation):
    """A data set's derivation: `steps` are the first iterations derived exactly, `training` the whole run
    in float64 (`tutor.engines.training` makes it). Its own type, so a view dispatches on it."""

    training: TrainResult = field()  # required (no default of None, as on Derivation)

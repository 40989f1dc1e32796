"""Backpropagation through time: one pass of an unrolled recurrent layer (issue 16), as vectors per step.

    forward   z_t = W_x x_t + W_h h_{t−1} + b,   h_t = f(z_t)                      (t = 1 … T)
    backward  δ_t = (W_yᵀ δ^y_t + W_hᵀ δ_{t+1}) ⊙ f′(z_t)                         (t = T … 1)
    gradients ∂L/∂W_x = Σ_t δ_t x_tᵀ,  ∂L/∂W_h = Σ_t δ_t h_{t−1}ᵀ,  ∂L/∂b = Σ_t δ_t,  ∂L/∂W_y = Σ_t δ^y_t h_tᵀ

Built from one step of the exact derivation (the neuron form's numbers, arranged by time step), so the
views show BPTT beside the per-weight chain rule; each shared weight's gradient is the sum of its steps'.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tutor.maths import functions as fn
from tutor.model.backward import Delta
from tutor.model.derivation import ForwardNeuron
from tutor.model.places import layer_fields
from tutor.model.problem import Problem
from tutor.model.rnnshape import RnnShape

Vector = tuple[Any, ...]
Matrix = tuple[Vector, ...]


@dataclass(frozen=True)
class TimeStep:
    """Step t of the recurrent layer: its forward pass and its δ back through time."""

    t: int
    x: Vector  # x_t
    h_prev: Vector  # h_{t−1}
    net: Vector  # z_t
    h: Vector  # h_t
    from_output: Vector | None  # W_yᵀ δ^y_t (None: not read out at t)
    from_next: Vector | None  # W_hᵀ δ_{t+1} (None at t = T)
    derivative: Vector  # f′(z_t)
    delta: Vector  # δ_t


@dataclass(frozen=True)
class SharedGradient:
    """∂L/∂(one field of a layer) = Σ_t term_t, each term a matrix (or a vector for biases)."""

    layer: str
    field: str  # the file's key: input_weights, recurrent_weights, biases, weights
    factor: str  # the layer whose output δ_t multiplies (x_t, h_{t−1}, h_t …); "" for biases
    lag: int  # 1: the output of the step before (h_{t−1}), else 0
    terms: tuple[tuple[int, Any], ...]  # (t, δ_t · factorᵀ) per step
    total: Any


@dataclass(frozen=True)
class Bptt:
    shape: RnnShape
    weights: Mapping[str, Matrix]  # W_x, W_h (the values this pass used)
    steps: tuple[TimeStep, ...]  # t = 1 … T
    gradients: tuple[SharedGradient, ...]
    activation: str  # f of the recurrent layer


def bptt(
    problem: Problem,
    params: Mapping[str, Any],
    forward: tuple[ForwardNeuron, ...],
    deltas: tuple[Delta, ...],
    inputs: Mapping[str, Any],
) -> Bptt | None:
    """The BPTT view of one pass, or None when the problem has no recurrent layer."""
    shape = problem.rnn
    if shape is None:
        return None
    out = {**inputs, **{f.neuron: f.out for f in forward}}
    net = {f.neuron: f.net for f in forward}
    by_neuron = {d.neuron: d for d in deltas}
    steps = tuple(_step(shape, t, out, net, by_neuron) for t in range(1, shape.steps + 1))
    fields = layer_fields(params)  # {layer: {field: nested values}}, by place name
    weights = {k: _values(fields[shape.layer][k]) for k in ("input_weights", "recurrent_weights")}
    act = problem.neurons[shape.hidden[1][0]].activation.name
    return Bptt(shape, weights, steps, _gradients(fields, shape, steps, out, by_neuron), act)


def _step(shape: RnnShape, t: int, out: Mapping[str, Any], net: Mapping[str, Any], by: Mapping[str, Delta]) -> TimeStep:
    nodes, following = shape.hidden[t], set(shape.hidden[t + 1]) if t < shape.steps else set()
    readout = t in shape.readout_steps

    def part(keep: Any) -> Vector:
        return tuple(_sum(s.parameter_value * s.delta for s in by[n].downstream if keep(s.neuron)) for n in nodes)

    return TimeStep(
        t,
        tuple(out[n] for n in shape.inputs[t - 1]),
        tuple(out[n] for n in shape.hidden[t - 1]),
        tuple(net[n] for n in nodes),
        tuple(out[n] for n in nodes),
        _from_output(shape, nodes, by, part) if readout else None,
        part(lambda k: k in following) if following else None,
        tuple(by[n].derivative for n in nodes),
        tuple(by[n].value for n in nodes),
    )


def _from_output(shape: RnnShape, nodes: tuple[str, ...], by: Mapping[str, Delta], part: Any) -> Vector:
    """W_yᵀ δ^y_t, or ∂L/∂h_t itself when the rnn is the output layer."""
    if not shape.readouts:
        return tuple(by[n].loss_grad for n in nodes)
    return part(lambda k: not k.startswith(f"{shape.layer}@"))


def _gradients(
    fields: Mapping[str, Mapping[str, Any]],
    shape: RnnShape,
    steps: tuple[TimeStep, ...],
    out: Mapping[str, Any],
    by: Mapping[str, Delta],
) -> tuple[SharedGradient, ...]:
    own = fields[shape.layer]
    grads = [
        _shared(shape.layer, "input_weights", shape.source, 0, [(s.t, _outer(s.delta, s.x)) for s in steps]),
        _shared(shape.layer, "recurrent_weights", shape.layer, 1, [(s.t, _outer(s.delta, s.h_prev)) for s in steps]),
    ]
    if "biases" in own:
        grads.append(_shared(shape.layer, "biases", "", 0, [(s.t, s.delta) for s in steps]))
    prev = {t: shape.hidden[t] for t in shape.readout_steps}
    factor = shape.layer
    for layer, per_step in shape.readouts:
        terms = []
        for t, nodes in zip(shape.readout_steps, per_step, strict=True):
            delta = tuple(by[n].value for n in nodes)
            terms.append((t, delta, tuple(out[n] for n in prev[t])))
            prev[t] = nodes
        grads.append(_shared(layer, "weights", factor, 0, [(t, _outer(d, a)) for t, d, a in terms]))
        if "biases" in fields[layer]:
            grads.append(_shared(layer, "biases", "", 0, [(t, d) for t, d, _ in terms]))
        factor = layer
    return tuple(grads)


def _shared(layer: str, field: str, factor: str, lag: int, terms: list[tuple[int, Any]]) -> SharedGradient:
    return SharedGradient(layer, field, factor, lag, tuple(terms), _add_all([m for _, m in terms]))


def _outer(delta: Vector, a: Vector) -> Matrix:
    return tuple(tuple(fn.exact(d * x) for x in a) for d in delta)


def _add_all(parts: list[Any]) -> Any:
    if isinstance(parts[0][0], tuple):
        return tuple(tuple(_sum(p[i][j] for p in parts) for j in range(len(parts[0][0]))) for i in range(len(parts[0])))
    return tuple(_sum(p[i] for p in parts) for i in range(len(parts[0])))


def _sum(values: Any) -> Any:
    return fn.exact(sum(values, fn.exact(0)))


def _values(rows: Any) -> Matrix:
    return tuple(tuple(fn.exact(v) for v in row) for row in rows)

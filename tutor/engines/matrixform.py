"""The backward pass of a layer-form problem in the vector form of BP1–BP4 (seed 004, Nielsen):

    BP1  δᴸ = ∇ₐC ⊙ σ′(zᴸ)           BP3  ∂C/∂bˡ = δˡ
    BP2  δˡ = ((Wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ′(zˡ)  BP4  ∂C/∂Wˡ = δˡ (aˡ⁻¹)ᵀ

with a penalty's term in BP4 and dropout's mask in BP2 (`tutor.engines.matrixreg`). Built from one step of
the exact derivation (the same numbers, arranged as vectors and matrices), so the renderers can write the
matrices out beside the per-weight chain rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tutor.engines.matrixreg import LayerDropout, LayerPenalty, layer_extras
from tutor.maths import functions as fn
from tutor.model.backward import Delta
from tutor.model.derivation import ForwardNeuron
from tutor.model.problem import Problem

Vector = tuple[Any, ...]
Matrix = tuple[Vector, ...]


@dataclass(frozen=True)
class LayerBackward:
    """One computed layer l: its matrices and BP1/BP2 (`output`) … BP4, with the values."""

    layer: str
    previous: str
    output: bool  # BP1 (the last layer) or BP2
    weights: Matrix  # Wˡ: rows j (this layer), columns k (previous layer)
    next_layer: str | None  # l + 1 for BP2
    next_weights: Matrix | None  # Wˡ⁺¹
    next_delta: Vector | None  # δˡ⁺¹
    upstream: Vector  # ∇ₐC (BP1) or (Wˡ⁺¹)ᵀ δˡ⁺¹ (BP2)
    derivative: Vector | None  # σ′(zˡ); None for a softmax layer (δ from the Jacobian)
    delta: Vector  # δˡ
    a_prev: Vector  # aˡ⁻¹
    grad_biases: Vector | None  # ∂C/∂bˡ = δˡ (None: the layer has no biases)
    grad_weights: Matrix  # δˡ (aˡ⁻¹)ᵀ: the data term
    dropout: LayerDropout | None = None  # the mask of this pass (δˡ gains ⊙ mˡ/(1 − p))
    penalty: LayerPenalty | None = None  # λWˡ or λ sign(Wˡ), and the whole ∂C/∂Wˡ

    @property
    def total_weights(self) -> Matrix:
        """The whole ∂C/∂Wˡ: the data term plus the penalty's, where there is one."""
        return self.grad_weights if self.penalty is None else self.penalty.total


def matrix_backward(
    problem: Problem,
    params: Mapping[str, Any],
    forward: tuple[ForwardNeuron, ...],
    deltas: tuple[Delta, ...],
    inputs: Mapping[str, Any],
    *,
    regularized: bool = False,
) -> tuple[LayerBackward, ...]:
    """BP1–BP4 for every computed layer, from the output layer back (one example's pass, with the
    parameter values `params` that pass used); `regularized`: BP4 adds the problem's penalty (a step's
    pass, not one example of a batch, which takes it once after the reduction)."""
    out = {**inputs, **{f.neuron: f.out for f in forward}}
    by_forward = {f.neuron: f for f in forward}
    by_neuron = {d.neuron: d for d in deltas}
    layers = problem.layer_names
    result: list[LayerBackward] = []
    for i in range(len(layers) - 1, 0, -1):
        (prev, prev_nodes), (name, nodes) = layers[i - 1], layers[i]
        w = weight_matrix(problem, params, nodes, prev_nodes)
        delta = tuple(by_neuron[n].value for n in nodes)
        deriv = None if by_neuron[nodes[0]].softmax else tuple(by_neuron[n].derivative for n in nodes)
        nxt = result[-1] if result else None
        if nxt is None:
            upstream = tuple(by_neuron[n].loss_grad for n in nodes)
        else:
            upstream = _transpose_times(nxt.weights, nxt.delta)
        a_prev = tuple(out[n] for n in prev_nodes)
        grad_w = tuple(tuple(fn.exact(d * a) for a in a_prev) for d in delta)
        has_bias = problem.neurons[nodes[0]].bias is not None
        names = weight_names(problem, nodes, prev_nodes)
        dropout, penalty = layer_extras(problem, by_forward, nodes, (names, w, grad_w), regularized)
        result.append(
            LayerBackward(
                name,
                prev,
                nxt is None,
                w,
                nxt.layer if nxt else None,
                nxt.weights if nxt else None,
                nxt.delta if nxt else None,
                upstream,
                deriv,
                delta,
                a_prev,
                delta if has_bias else None,
                grad_w,
                dropout,
                penalty,
            )
        )
    return tuple(result)


def weight_matrix(
    problem: Problem, params: Mapping[str, Any], nodes: tuple[str, ...], prev_nodes: tuple[str, ...]
) -> Matrix:
    """Wˡ's values; an entry without a connection is 0."""
    names = weight_names(problem, nodes, prev_nodes)
    return tuple(tuple(fn.exact(params[p]) if p != "0" else fn.exact(0) for p in row) for row in names)


def weight_names(problem: Problem, nodes: tuple[str, ...], prev_nodes: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    rows = []
    for n in nodes:
        by_source = {c.source: c.parameter for c in problem.neurons[n].inputs}
        rows.append(tuple(by_source.get(k, "0") for k in prev_nodes))
    return tuple(rows)


def _transpose_times(w: Matrix, delta: Vector) -> Vector:
    """(W)ᵀ δ: entry k is Σ_j w_jk δ_j."""
    return tuple(fn.exact(sum((w[j][k] * delta[j] for j in range(len(w))), fn.exact(0))) for k in range(len(w[0])))

"""The penalty and dropout in the matrix form of BP1–BP4 (issue 15 in `tutor.engines.matrixform`):

    BP4 with L2   ∂L/∂Wˡ = δˡ (aˡ⁻¹)ᵀ + λ Wˡ          with L1   ∂L/∂Wˡ = δˡ (aˡ⁻¹)ᵀ + λ sign(Wˡ)  (sign 0 at 0)
    dropout       aˡ = (mˡ ⊙ f(zˡ))/(1 − p)          BP2   δˡ = ((Wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ f′(zˡ) ⊙ mˡ/(1 − p)

Computed here from the matrices themselves (λ and Wˡ, the mask and f(zˡ)), not copied from the per-weight
derivation, so that the two forms check each other. Biases get no penalty (BP3 stays δˡ).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tutor.maths import functions as fn

if TYPE_CHECKING:
    from tutor.model.derivation import ForwardNeuron
    from tutor.model.problem import Problem

Vector = tuple[Any, ...]
Matrix = tuple[Vector, ...]


@dataclass(frozen=True)
class LayerPenalty:
    """BP4's second term: λWˡ (L2) or λ sign(Wˡ) (L1), and the whole gradient δˡ(aˡ⁻¹)ᵀ + that term."""

    kind: str  # "l2" or "l1"
    strength: Any  # λ
    term: Matrix
    total: Matrix


@dataclass(frozen=True)
class LayerDropout:
    """Inverted dropout on layer l in this pass: aˡ = (mˡ ⊙ f(zˡ))/(1 − p)."""

    rate: Any  # p
    mask: Vector  # mˡ: 1 kept, 0 dropped
    activated: Vector  # f(zˡ), before the mask
    out: Vector  # aˡ, what the next layer receives

    @property
    def factor(self) -> Vector:
        """mˡ/(1 − p), BP2's extra factor."""
        return tuple(fn.exact(m / (1 - self.rate)) for m in self.mask)


def layer_extras(
    problem: Problem,
    forward: Mapping[str, ForwardNeuron],
    nodes: tuple[str, ...],
    weights: tuple[tuple[tuple[str, ...], ...], Matrix, Matrix],
    regularized: bool,
) -> tuple[LayerDropout | None, LayerPenalty | None]:
    """Layer l's dropout in this pass and, `regularized`, its penalty; `weights`: Wˡ's names, its values and
    the data term δˡ(aˡ⁻¹)ᵀ."""
    names, values, data = weights
    penalty = None
    if regularized and problem.regularization is not None:
        penalty = layer_penalty(problem, values, names, data)
    return layer_dropout(problem, forward, nodes), penalty


def layer_penalty(problem: Problem, weights: Matrix, names: tuple[tuple[str, ...], ...], data: Matrix) -> LayerPenalty:
    """The penalty's term of one layer's weight gradient (an entry without a connection: 0)."""
    reg = problem.regularization
    assert reg is not None
    lam = fn.exact(reg.strength)
    term = tuple(
        tuple(fn.exact(0) if p == "0" else _term(reg.kind, lam, w) for p, w in zip(ps, ws, strict=True))
        for ps, ws in zip(names, weights, strict=True)
    )
    total = tuple(
        tuple(fn.exact(d + t) for d, t in zip(dr, tr, strict=True)) for dr, tr in zip(data, term, strict=True)
    )
    return LayerPenalty(reg.kind, lam, term, total)


def _term(kind: str, lam: Any, w: Any) -> Any:
    if kind == "l2":
        return fn.exact(lam * w)
    return fn.exact(lam * (1 if w > 0 else -1 if w < 0 else 0))


def layer_dropout(
    problem: Problem, forward: Mapping[str, ForwardNeuron], nodes: tuple[str, ...]
) -> LayerDropout | None:
    """The layer's mask, f(zˡ) and aˡ in this pass; None where dropout does not apply to it."""
    if problem.dropout is None or any(forward[n].mask is None for n in nodes):
        return None
    return LayerDropout(
        fn.exact(problem.dropout.rate),
        tuple(forward[n].mask for n in nodes),
        tuple(forward[n].activated for n in nodes),
        tuple(forward[n].out for n in nodes),
    )

"""Activations and losses on whole NumPy arrays (a batch at a time), for the fast trainer.

The forms are the registry entries' vectorised ones (`tutor.maths.activations`, `tutor.maths.losses`);
this module resolves them once per activation and adds the kink convention and the softmax group.
Tests hold them to agree with the scalar float64 forms.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from tutor.maths.activations import ACTIVATIONS, Activation, alpha_of
from tutor.maths.losses import LOSSES

Array = np.ndarray
Fn = Callable[[Array], Array]  # f on a whole array
Deriv = Callable[[Array, Array], Array]  # f′ of (z, y = f(z)) on whole arrays


def activation_fn(act: Activation) -> Fn:
    """f as a function of a whole array, resolved once (the trainer calls it thousands of times); softmax,
    a group function, passes through: the trainer applies it to the group."""
    return ACTIVATIONS[act.name].vectorised(float(alpha_of(act)))


def derivative_fn(act: Activation, at_zero: float) -> Deriv:
    """f′ as a function of (z, y = f(z)), resolved once; at a kink (z = 0) f′ is 1 or the left slope α."""
    entry = ACTIVATIONS[act.name]
    a = float(alpha_of(act))
    df = entry.vectorised_derivative(a)
    if not entry.kink_at_zero:
        return df
    kink = 1.0 if at_zero else a
    return lambda z, y: np.where(z == 0, kink, df(z, y))


def softmax(z: Array) -> Array:
    """Row-wise softmax of a (batch, group) array."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def loss(name: str, y: Array, t: Array, settings: Mapping[str, float] | None = None) -> Array:
    """Each example's loss: a (batch,) array from (batch, outputs) outputs and targets."""
    entry = LOSSES[name]
    if entry.whole_batch is not None:
        return entry.whole_batch(y, t, {**{k: float(v) for k, v in entry.settings}, **(settings or {})})[0]
    return entry.vectorised(y, t)


def loss_grad(name: str, y: Array, t: Array, settings: Mapping[str, float] | None = None) -> Array:
    """∂L/∂y for every output of every example, same shape as `y`."""
    entry = LOSSES[name]
    if entry.whole_batch is not None:
        return entry.whole_batch(y, t, {**{k: float(v) for k, v in entry.settings}, **(settings or {})})[1]
    return entry.vectorised_grad(y, t)


def softmax_delta(name: str, y: Array, t: Array) -> Array:
    """δ = ∂L/∂z of a softmax group: y·Σt − t with cross-entropy, else y ⊙ (g − Σ g y)."""
    if LOSSES[name].softmax_shortcut:
        return y * t.sum(axis=1, keepdims=True) - t
    g = loss_grad(name, y, t)
    return y * (g - np.sum(g * y, axis=1, keepdims=True))

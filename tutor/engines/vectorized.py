"""Activations and losses on whole NumPy arrays (a batch at a time), for the fast trainer.

The scalar float64 forms in `tutor.maths.functions` serve the per-neuron engine; these are the same functions
elementwise, and tests hold the two to agree.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tutor.maths.functions import alpha_of
from tutor.model.problem import Activation

Array = np.ndarray


Fn = Callable[[Array], Array]
Deriv = Callable[[Array, Array], Array]


def activation(act: Activation, z: Array) -> Array:
    """f(z) elementwise (softmax is a group function: the trainer applies it separately)."""
    return activation_fn(act)(z)


def derivative(act: Activation, z: Array, y: Array, at_zero: float) -> Array:
    """f′(z) elementwise, given y = f(z); at a kink (z = 0) `relu_derivative_at_zero` decides."""
    return derivative_fn(act, at_zero)(z, y)


def activation_fn(act: Activation) -> Fn:
    """f as a function of a whole array, resolved once (the trainer calls it thousands of times)."""
    a = float(alpha_of(act))
    table: dict[str, Fn] = {
        "identity": lambda z: z,
        "softmax": lambda z: z,
        "sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)),  # the logistic function, no overflow in exp
        "tanh": np.tanh,
        "relu": lambda z: np.maximum(z, 0.0),
        "leaky_relu": lambda z: np.where(z >= 0, z, a * z),
        "elu": lambda z: np.where(z >= 0, z, a * np.expm1(np.minimum(z, 0.0))),
        "softplus": lambda z: np.logaddexp(0.0, z),
        "arctan": np.arctan,
    }
    return table[act.name]


def derivative_fn(act: Activation, at_zero: float) -> Deriv:
    """f′ as a function of (z, y = f(z)), resolved once; the convention at a kink included."""
    a = float(alpha_of(act))
    kink = 1.0 if at_zero else a
    table: dict[str, Deriv] = {
        "identity": lambda z, y: np.ones_like(z),
        "softmax": lambda z, y: np.ones_like(z),  # a softmax group's deltas are set whole by the trainer
        "sigmoid": lambda z, y: y * (1.0 - y),
        "tanh": lambda z, y: 1.0 - y * y,
        "relu": lambda z, y: (z > 0) + at_zero * (z == 0) if at_zero else (z > 0).astype(np.float64),
        "leaky_relu": lambda z, y: np.where(z > 0, 1.0, np.where(z == 0, kink, a)),
        "elu": lambda z, y: np.where(z > 0, 1.0, np.where(z == 0, kink, a * np.exp(np.minimum(z, 0.0)))),
        "softplus": lambda z, y: 0.5 * (1.0 + np.tanh(0.5 * z)),
        "arctan": lambda z, y: 1.0 / (1.0 + z * z),
    }
    return table[act.name]


def softmax(z: Array) -> Array:
    """Row-wise softmax of a (batch, group) array."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _xlogy(x: Array, y: Array) -> Array:
    # 0·log 0 = 0, as the losses need
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, 0.0, x * np.log(np.where(y > 0, y, np.nan)))


def loss(name: str, y: Array, t: Array) -> Array:
    """Each example's loss: a (batch,) array from (batch, outputs) outputs and targets."""
    if name == "half_sse":
        return 0.5 * np.sum((t - y) ** 2, axis=1)
    if name == "sse":
        return np.sum((t - y) ** 2, axis=1)
    if name == "mse":
        return np.mean((t - y) ** 2, axis=1)
    if name == "bce":
        return -np.sum(_xlogy(t, y) + _xlogy(1 - t, 1 - y), axis=1)
    if name == "cross_entropy":
        return -np.sum(_xlogy(t, y), axis=1)
    raise ValueError(f"unknown loss {name!r}")


def loss_grad(name: str, y: Array, t: Array) -> Array:
    """∂L/∂y for every output of every example, same shape as `y`."""
    if name == "half_sse":
        return y - t
    if name == "sse":
        return 2.0 * (y - t)
    if name == "mse":
        return 2.0 * (y - t) / y.shape[1]
    if name == "bce":
        with np.errstate(divide="ignore", invalid="ignore"):
            return (y - t) / (y * (1.0 - y))
    if name == "cross_entropy":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(t == 0, 0.0, -t / y)
    raise ValueError(f"unknown loss {name!r}")


def softmax_delta(name: str, y: Array, t: Array) -> Array:
    """δ = ∂L/∂z of a softmax group: y·Σt − t with cross-entropy, else y ⊙ (g − Σ g y)."""
    if name == "cross_entropy":
        return y * t.sum(axis=1, keepdims=True) - t
    g = loss_grad(name, y, t)
    return y * (g - np.sum(g * y, axis=1, keepdims=True))

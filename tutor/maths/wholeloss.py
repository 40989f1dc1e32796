"""Losses that are not a sum of one term per output on its own: `hinge` (multiclass SVM, CS231n) couples
every output to the correct class's score, and `huber` has a setting (its δ). Their forms take the whole
output vector, the targets and the loss's settings; `tutor.maths.losses` holds them in its entries.

hinge: L = Σ_{j≠c} max(0, y_j − y_c + 1), c the class whose one-hot target is 1; ∂L/∂y_j = 1 where the
margin is positive (0 at 0, the subgradient PyTorch's relu takes), ∂L/∂y_c = −(the number of those).
huber (PyTorch's `HuberLoss`, reduction mean): L = (1/n) Σ h(y − t), h(d) = ½d² where |d| < δ, else
δ·(|d| − ½δ); ∂L/∂y = d/n where |d| < δ, else δ·sign(d)/n.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tutor.maths.exactnum import np, sympy

if TYPE_CHECKING:
    from numpy import ndarray as Array


def correct_class(targets: Sequence[Any]) -> int:
    """The index of the one-hot target's 1 (the loader has checked there is exactly one)."""
    return next(i for i, t in enumerate(targets) if t == 1)


def hinge_exact(ys: Sequence[Any], ts: Sequence[Any], options: Mapping[str, Any]) -> tuple[list[Any], list[Any]]:
    """(each output's part, None for the correct class's, which the sum leaves out; each ∂L/∂y)."""
    c = correct_class(ts)
    zero, one = sympy().Integer(0), sympy().Integer(1)
    margins = [ys[j] - ys[c] + one for j in range(len(ys))]
    parts: list[Any] = [None if j == c else (m if m > 0 else zero) for j, m in enumerate(margins)]
    grads: list[Any] = [one if j != c and m > 0 else zero for j, m in enumerate(margins)]
    grads[c] = -sum(grads, zero)
    return parts, grads


def hinge_batch(y: Array, t: Array, options: Mapping[str, float]) -> tuple[Array, Array]:
    """(each example's L, ∂L/∂y of every output) of a (batch, outputs) batch."""
    correct = np.sum(y * (t == 1), axis=1, keepdims=True)
    margins = np.where(t == 1, 0.0, y - correct + 1.0)
    positive = (margins > 0).astype(np.float64)
    grads = positive - (t == 1) * positive.sum(axis=1, keepdims=True)
    return np.sum(np.maximum(margins, 0.0), axis=1), grads


def hinge_symbolic(
    ys: Sequence[Any], ts: Sequence[Any], numbers: Sequence[Any], options: Mapping[str, Any]
) -> tuple[list[Any], list[Any]]:
    """`hinge_exact` as SymPy forms in the output Symbols `ys` (the class c from the targets' `numbers`):
    Max(0, y_j − y_c + 1), and ∂L/∂y_j a Piecewise (1 where the margin is positive, else 0)."""
    sp, c = sympy(), correct_class(numbers)
    margins = [ys[j] - ys[c] + 1 for j in range(len(ys))]
    parts: list[Any] = [None if j == c else sp.Max(0, m) for j, m in enumerate(margins)]
    grads: list[Any] = [sp.Integer(0) if j == c else sp.Piecewise((1, m > 0), (0, True)) for j, m in enumerate(margins)]
    grads[c] = -sp.Add(*grads)
    return parts, grads


def huber_symbolic(
    ys: Sequence[Any], ts: Sequence[Any], numbers: Sequence[Any], options: Mapping[str, Any]
) -> tuple[list[Any], list[Any]]:
    """`huber_exact` as SymPy forms in the Symbols `ys` and `ts`: Piecewise on |y − t| < δ."""
    sp, delta, n = sympy(), options["delta"], len(ys)
    half = sp.Rational(1, 2)
    parts, grads = [], []
    for y, t in zip(ys, ts, strict=True):
        d = y - t
        inside = sp.Abs(d) < delta
        parts.append(sp.Piecewise((half * d**2 / n, inside), (delta * (sp.Abs(d) - half * delta) / n, True)))
        grads.append(sp.Piecewise((d / n, inside), (delta * sp.sign(d) / n, True)))
    return parts, grads


def huber_exact(ys: Sequence[Any], ts: Sequence[Any], options: Mapping[str, Any]) -> tuple[list[Any], list[Any]]:
    delta, n = options["delta"], len(ys)
    half = sympy().Rational(1, 2)
    parts, grads = [], []
    for y, t in zip(ys, ts, strict=True):
        d = y - t
        if abs(d) < delta:
            parts.append(half * d**2 / n)
            grads.append(d / n)
        else:
            parts.append(delta * (abs(d) - half * delta) / n)
            grads.append(delta * sympy().sign(d) / n)
    return parts, grads


def huber_batch(y: Array, t: Array, options: Mapping[str, float]) -> tuple[Array, Array]:
    delta, n = options["delta"], y.shape[1]
    d = y - t
    inside = np.abs(d) < delta
    losses = np.where(inside, 0.5 * d**2, delta * (np.abs(d) - 0.5 * delta))
    return np.mean(losses, axis=1), np.where(inside, d, delta * np.sign(d)) / n


def whole_only(*_: Any) -> Any:
    """The per-output forms of a loss that has none (its whole forms above are used instead)."""
    raise TypeError("this loss is not a sum of independent per-output terms: use its whole forms")

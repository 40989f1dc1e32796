"""Activations and losses evaluated: the engines' one door to the registries, exact and in float64.

Each function looks the activation's or loss's entry up (`tutor.maths.activations`, `tutor.maths.losses`)
and applies its form; nothing here branches on a name. Owns the one rule every kinked activation shares
(at net = 0, f′ is the `relu_derivative_at_zero` convention: 1, or the left slope α) and the softmax group.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from typing import Any

import numpy as np

from tutor.maths import formula as fm
from tutor.maths.activations import ACTIVATIONS, Activation, ActivationEntry, alpha_of
from tutor.maths.exactnum import exact, mp, mpmath, sympy
from tutor.maths.losses import LOSSES

__all__ = [
    "KinkConvention",
    "activation_op", "derivative_op", "exact", "exact_activation", "exact_derivative", "exact_loss_grad",
    "exact_loss_part", "exact_softmax", "symbolic_activation", "symbolic_derivative", "symbolic_loss_grad",
    "symbolic_loss_part", "symbolic_softmax", "np_activation", "np_derivative", "np_loss", "np_loss_grad", "np_softmax",
    "exact_loss_terms", "loss_settings", "np_loss_terms",
]  # fmt: skip


def _scalar(act: Activation, what: str) -> ActivationEntry:
    entry = ACTIVATIONS[act.name]
    if entry.group:
        raise ValueError(f"no scalar {what} for activation {act.name!r}")
    return entry


# ---------------------------------------------------------------- NumPy (float64)


@cache
def _float_alpha(act: Activation) -> float:
    return float(alpha_of(act))  # once per activation: the mistake re-runs ask thousands of times


def np_activation(act: Activation, net: float) -> float:
    entry = _scalar(act, "form")
    assert entry.floating is not None
    return entry.floating(net, _float_alpha(act))


def np_derivative(act: Activation, net: float, relu_at_zero: float = 0.0) -> float:
    """f′(net) in float64. At a kink (net = 0) the `relu_derivative_at_zero` convention decides."""
    entry = _scalar(act, "derivative")
    assert entry.floating_derivative is not None
    a = _float_alpha(act)
    if entry.kink_at_zero and net == 0:
        return 1.0 if relu_at_zero else a
    return entry.floating_derivative(net, a)


def np_softmax(nets: Sequence[float]) -> list[float]:
    z = np.asarray(nets, dtype=np.float64)
    e = np.exp(z - z.max())
    return [float(v) for v in e / e.sum()]


def np_loss(name: str, outs: Sequence[float], targets: Sequence[float]) -> float:
    return LOSSES[name].floating(np.asarray(outs), np.asarray(targets))


def np_loss_grad(name: str, out: float, target: float, n_outputs: int) -> float:
    """∂L/∂out for one output."""
    return LOSSES[name].floating_grad(out, target, n_outputs)


# ---------------------------------------------------------------- SymPy (exact)


def exact_activation(act: Activation, net: Any) -> Any:
    """f(net) as an exact SymPy number (Rational where it stays rational)."""
    entry = _scalar(act, "form")
    assert entry.exact is not None
    return entry.exact(net, exact(alpha_of(act)))


def exact_derivative(act: Activation, net: Any, out: Any, relu_at_zero: Any = 0) -> Any:
    """f′(net) as an exact SymPy number, given net and out = f(net)."""
    entry = _scalar(act, "derivative")
    assert entry.exact_derivative is not None
    a = exact(alpha_of(act))
    if entry.kink_at_zero and net == 0:
        return sympy().Integer(1) if relu_at_zero else a
    return entry.exact_derivative(net, out, a)


def exact_softmax(nets: Sequence[Any]) -> list[Any]:
    if all(z == nets[0] for z in nets):  # equal nets: exactly 1/n each
        return [sympy().Rational(1, len(nets))] * len(nets)
    m = max(nets)
    exp = mpmath().exp
    return [mp(lambda *zs, i=i: exp(zs[i]) / sum(exp(z) for z in zs), *(z - m for z in nets)) for i in range(len(nets))]


def exact_loss_part(name: str, out: Any, target: Any, n_outputs: int) -> Any:
    """One output's contribution to the loss."""
    return LOSSES[name].exact_part(out, target, n_outputs)


def exact_loss_grad(name: str, out: Any, target: Any, n_outputs: int) -> Any:
    """∂L/∂out for one output, exact."""
    return LOSSES[name].exact_grad(out, target, n_outputs)


# ---------------------------------------------------------------- a loss over the whole output vector


def loss_settings(name: str, given: Mapping[str, Fraction] | None = None) -> dict[str, Fraction]:
    """A loss's settings (huber's delta): its defaults, overridden by the problem's `given` ones."""
    return {**dict(LOSSES[name].settings), **(given or {})}


def exact_loss_terms(
    name: str, outs: Sequence[Any], targets: Sequence[Any], given: Mapping[str, Fraction] | None = None
) -> tuple[list[Any], list[Any]]:
    """(each output's part of L, None where the sum leaves it out; each ∂L/∂y), exact: the one form every
    loss has (a separable loss from its per-output forms)."""
    entry, n = LOSSES[name], len(outs)
    if entry.whole_exact is None:
        return [entry.exact_part(y, t, n) for y, t in zip(outs, targets, strict=True)], [
            entry.exact_grad(y, t, n) for y, t in zip(outs, targets, strict=True)
        ]
    settings = {k: exact(v) for k, v in loss_settings(name, given).items()}
    parts, grads = entry.whole_exact(list(outs), list(targets), settings)
    return [None if p is None else exact(p) for p in parts], [exact(g) for g in grads]


def np_loss_terms(
    name: str, outs: Sequence[float], targets: Sequence[float], given: Mapping[str, Fraction] | None = None
) -> tuple[float, list[float]]:
    """(L, each ∂L/∂y) in float64, for every loss."""
    entry, n = LOSSES[name], len(outs)
    if entry.whole_batch is None:
        grads = [entry.floating_grad(y, t, n) for y, t in zip(outs, targets, strict=True)]
        return entry.floating(np.asarray(outs), np.asarray(targets)), grads
    settings = {k: float(v) for k, v in loss_settings(name, given).items()}
    y, t = np.asarray([outs], dtype=np.float64), np.asarray([targets], dtype=np.float64)
    losses, g = entry.whole_batch(y, t, settings)
    return float(losses[0]), [float(v) for v in g[0]]


# ---------------------------------------------------------------- SymPy expressions (symbolic derivations)


def symbolic_activation(act: Activation, x: Any) -> Any:
    """f(x) as a SymPy expression of the expression x."""
    entry = _scalar(act, "form")
    if entry.symbolic is None:
        raise ValueError(f"activation {act.name!r} has no symbolic form")
    return entry.symbolic(x, exact(alpha_of(act)))


def symbolic_derivative(act: Activation, x: Any, y: Any, relu_at_zero: Any = 0) -> Any:
    """f′ in x and y = f(x). At a kink: 1 right of 0, the entry's form left of it, and at 0 what the
    `relu_derivative_at_zero` convention chooses (1, or the left slope), as `exact_derivative` does."""
    entry = _scalar(act, "derivative")
    if entry.symbolic_derivative is None:
        raise ValueError(f"activation {act.name!r} has no symbolic derivative")
    form = entry.symbolic_derivative(x, y, exact(alpha_of(act)))
    if not entry.kink_at_zero:
        return form
    sp = sympy()
    return sp.Piecewise((sp.Integer(1), x >= 0 if relu_at_zero else x > 0), (form, True))


def symbolic_softmax(nets: Sequence[Any]) -> list[Any]:
    """softmax of a group written out: exp(x_j) / Σ_k exp(x_k)."""
    exp = sympy().exp
    total = sympy().Add(*(exp(z) for z in nets))
    return [exp(z) / total for z in nets]


def symbolic_loss_part(name: str, out: Any, target: Any, n_outputs: int) -> Any:
    """One output's part of the loss as a SymPy expression in the symbols `out` and `target`."""
    entry = LOSSES[name]
    return (entry.symbolic_part or entry.exact_part)(out, target, n_outputs)


def symbolic_loss_terms(
    name: str, outs: Sequence[Any], targets: Sequence[Any], numbers: Sequence[Any], given: Mapping[str, Fraction] | None
) -> tuple[list[Any], list[Any]]:
    """(each output's part of L, None where the sum leaves it out; each ∂L/∂out) as SymPy expressions in the
    Symbols `outs` and `targets` (`numbers`: the targets' values), as `exact_loss_terms` computes them."""
    entry, n = LOSSES[name], len(outs)
    if entry.whole_exact is None:
        pairs = list(zip(outs, targets, strict=True))
        return [symbolic_loss_part(name, y, t, n) for y, t in pairs], [
            symbolic_loss_grad(name, y, t, n) for y, t in pairs
        ]
    if entry.whole_symbolic is None:
        raise ValueError(f"the loss {name!r} has no symbolic form")
    settings = {k: exact(v) for k, v in loss_settings(name, given).items()}
    return entry.whole_symbolic(list(outs), list(targets), list(numbers), settings)


def symbolic_loss_grad(name: str, out: Any, target: Any, n_outputs: int) -> Any:
    """∂L/∂out of one output as a SymPy expression."""
    entry = LOSSES[name]
    return (entry.symbolic_grad or entry.exact_grad)(out, target, n_outputs)


# ---------------------------------------------------------------- formulas (for display)


def activation_op(name: str) -> fm.Op:
    return ACTIVATIONS[name].formula


def derivative_op(name: str) -> fm.Op:
    op = ACTIVATIONS[name].derivative_formula
    if op is None:
        raise ValueError(f"{name} has no scalar derivative")
    return op


# ---------------------------------------------------------------- the convention at a kink (for display)

KINK_SETTING = "relu_derivative_at_zero"  # the problem key that chooses f′(0)


@dataclass(frozen=True)
class KinkConvention:
    """f′ at a kink (net exactly 0) is not defined: the value the convention gave and the words saying so.
    Each view writes `derivative` (f′(x) at x = 0), the value and the setting in its own notation."""

    derivative: fm.Op  # f′(x)
    value: Any  # f′(0) as the convention chose it
    setting: str = KINK_SETTING
    choices: str = "0 (the left slope) or 1 (the right)"

    def words(self, derivative: str, value: str, setting: str) -> str:
        """`relu′(0) is a convention: 0 here; relu_derivative_at_zero: 0 (the left slope) or 1 (the right)
        chooses`, from the pieces."""
        return f"{derivative} is a convention: {value} here; {setting}: {self.choices} chooses"


def kink_convention(activation: str, net: object, derivative: object) -> KinkConvention | None:
    """The convention used for f′(net), where `activation` has a kink at `net` (exactly 0); else None.
    `derivative`: the f′(net) the derivation used."""
    entry = ACTIVATIONS.get(activation)
    if entry is None or not entry.kink_at_zero or net is None or net != 0:
        return None
    return KinkConvention(derivative_op(activation), derivative)

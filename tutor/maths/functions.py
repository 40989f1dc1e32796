"""Activations and losses: f and f′, in SymPy (exact) and NumPy (float64), side by side.

Each activation is one `ActivationSpec` holding its symbolic form (for formulas), its exact evaluator
(for values) and its NumPy evaluator (for the independent float64 engine). Softmax is a group
function and is handled by the engines; here it only has its symbolic name.

SymPy is imported lazily: `sympy_fns()` builds the symbolic table on first use.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from functools import cache
from typing import Any

import numpy as np

from tutor.maths import formula as fm
from tutor.model.problem import ACTIVATION_DEFAULT_ALPHA, Activation

DPS = 30  # digits SymPy keeps for values that are not rational
# activations and losses whose values are irrational but at a few special points (sigmoid(0) = 1/2)
TRANSCENDENTAL_ACTIVATIONS = frozenset({"sigmoid", "tanh", "softplus", "arctan", "softmax"})
TRANSCENDENTAL_LOSSES = frozenset({"bce", "cross_entropy"})


def alpha_of(act: Activation) -> Fraction:
    return act.alpha if act.alpha is not None else ACTIVATION_DEFAULT_ALPHA.get(act.name, Fraction(0))


# ---------------------------------------------------------------- NumPy (float64)


def np_activation(act: Activation, net: float) -> float:
    a = float(alpha_of(act))
    name = act.name
    if name == "identity":
        return net
    if name == "sigmoid":
        return float(1.0 / (1.0 + np.exp(-net))) if net >= 0 else float(np.exp(net) / (1.0 + np.exp(net)))
    if name == "tanh":
        return float(np.tanh(net))
    if name == "relu":
        return net if net > 0 else 0.0
    if name == "leaky_relu":
        return net if net >= 0 else a * net
    if name == "elu":
        return net if net >= 0 else a * float(np.expm1(net))
    if name == "softplus":
        return float(np.logaddexp(0.0, net))
    if name == "arctan":
        return float(np.arctan(net))
    raise ValueError(f"no scalar form for activation {name!r}")


def np_derivative(act: Activation, net: float, relu_at_zero: float = 0.0) -> float:
    """f′(net) in float64. At a kink (net = 0) the `relu_derivative_at_zero` convention decides."""
    a = float(alpha_of(act))
    name = act.name
    if name == "identity":
        return 1.0
    if name == "sigmoid":
        s = np_activation(act, net)
        return s * (1.0 - s)
    if name == "tanh":
        return 1.0 - float(np.tanh(net)) ** 2
    if name == "relu":
        return 1.0 if net > 0 else (relu_at_zero if net == 0 else 0.0)
    if name == "leaky_relu":
        return 1.0 if net > 0 else ((1.0 if relu_at_zero else a) if net == 0 else a)
    if name == "elu":
        return 1.0 if net > 0 else ((1.0 if relu_at_zero else a) if net == 0 else a * float(np.exp(net)))
    if name == "softplus":
        return np_activation(Activation("sigmoid"), net)
    if name == "arctan":
        return 1.0 / (1.0 + net * net)
    raise ValueError(f"no scalar derivative for activation {name!r}")


def np_softmax(nets: Sequence[float]) -> list[float]:
    z = np.asarray(nets, dtype=np.float64)
    e = np.exp(z - z.max())
    return [float(v) for v in e / e.sum()]


def np_loss(name: str, outs: Sequence[float], targets: Sequence[float]) -> float:
    y, t = np.asarray(outs, dtype=np.float64), np.asarray(targets, dtype=np.float64)
    if name == "half_sse":
        return float(0.5 * np.sum((t - y) ** 2))
    if name == "sse":
        return float(np.sum((t - y) ** 2))
    if name == "mse":
        return float(np.mean((t - y) ** 2))
    if name == "bce":
        return float(-np.sum(_xlogy(t, y) + _xlogy(1 - t, 1 - y)))
    if name == "cross_entropy":
        return float(-np.sum(_xlogy(t, y)))
    raise ValueError(f"unknown loss {name!r}")


def np_loss_grad(name: str, out: float, target: float, n_outputs: int) -> float:
    """∂L/∂out for one output."""
    y, t = out, target
    if name == "half_sse":
        return y - t
    if name == "sse":
        return 2.0 * (y - t)
    if name == "mse":
        return 2.0 * (y - t) / n_outputs
    if name == "bce":
        return (y - t) / (y * (1.0 - y))
    if name == "cross_entropy":
        return -t / y if t != 0 else 0.0
    raise ValueError(f"unknown loss {name!r}")


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    # 0·log 0 = 0, as the losses need
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, 0.0, x * np.log(np.where(y > 0, y, 1.0)) + np.where(y > 0, 0.0, -np.inf))


# ---------------------------------------------------------------- SymPy (exact)


@cache
def _sympy() -> Any:
    import sympy

    return sympy


def exact(value: Any) -> Any:
    """A SymPy number: Rational kept exact, anything else evaluated to DPS digits."""
    sp = _sympy()
    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    v = sp.sympify(value) if isinstance(value, int) else value
    if v.is_Rational or v.is_Float:
        return v
    return v.evalf(DPS)


def _mp(f: Callable[..., Any], *args: Any) -> Any:
    """A transcendental value to DPS digits: evaluated with mpmath (much faster than SymPy's evalf) on the
    exact arguments, returned as a SymPy Float."""
    import mpmath

    with mpmath.workdps(DPS + 10):
        mp_args = [mpmath.mpf(int(a.p)) / int(a.q) if a.is_Rational else mpmath.mpf(a) for a in args]
        return _sympy().Float(f(*mp_args), DPS)


def _exp(x: Any) -> Any:
    import mpmath

    return mpmath.exp(x)


def exact_activation(act: Activation, net: Any) -> Any:
    """f(net) as an exact SymPy number (Rational where it stays rational)."""
    import mpmath

    sp = _sympy()
    a = exact(alpha_of(act))
    name = act.name
    if name == "identity":
        return net
    if name == "relu":
        return net if net > 0 else sp.Integer(0)
    if name == "leaky_relu":
        return net if net >= 0 else a * net
    if name == "elu":
        return net if net >= 0 else _mp(lambda x, a: a * mpmath.expm1(x), net, a)
    if name in ("sigmoid", "tanh", "arctan") and net == 0:
        return sp.Rational(1, 2) if name == "sigmoid" else sp.Integer(0)
    if name == "sigmoid":
        return _mp(lambda x: 1 / (1 + mpmath.exp(-x)), net)
    if name == "tanh":
        return _mp(mpmath.tanh, net)
    if name == "softplus":
        return _mp(lambda x: mpmath.log1p(mpmath.exp(x)), net)
    if name == "arctan":
        return _mp(mpmath.atan, net)
    raise ValueError(f"no scalar form for activation {name!r}")


def exact_derivative(act: Activation, net: Any, out: Any, relu_at_zero: Any = 0) -> Any:
    """f′(net) as an exact SymPy number, given net and out = f(net)."""
    sp = _sympy()
    a = exact(alpha_of(act))
    one, zero = sp.Integer(1), sp.Integer(0)
    name = act.name
    if name == "identity":
        return one
    if name == "sigmoid":
        return exact(out * (one - out))
    if name == "tanh":
        return exact(one - out**2)
    if name == "relu":
        return one if net > 0 else (exact(relu_at_zero) if net == 0 else zero)
    if name == "leaky_relu":
        return one if net > 0 else ((one if relu_at_zero else a) if net == 0 else a)
    if name == "elu":
        return one if net > 0 else ((one if relu_at_zero else a) if net == 0 else _mp(lambda x, a: a * _exp(x), net, a))
    if name == "softplus":
        return exact_activation(Activation("sigmoid"), net)
    if name == "arctan":
        return exact(one / (one + net**2))
    raise ValueError(f"no scalar derivative for activation {name!r}")


def exact_softmax(nets: Sequence[Any]) -> list[Any]:
    if all(z == nets[0] for z in nets):  # equal nets: exactly 1/n each
        return [_sympy().Rational(1, len(nets))] * len(nets)
    m = max(nets)
    return [
        _mp(lambda *zs, i=i: _exp(zs[i]) / sum(_exp(z) for z in zs), *(z - m for z in nets)) for i in range(len(nets))
    ]


def exact_loss_part(name: str, out: Any, target: Any, n_outputs: int) -> Any:
    """One output's contribution to the loss."""
    sp = _sympy()
    y, t = out, target
    if name == "half_sse":
        return sp.Rational(1, 2) * (t - y) ** 2
    if name == "sse":
        return (t - y) ** 2
    if name == "mse":
        return (t - y) ** 2 / n_outputs
    if name == "bce":
        one = _sympy().Integer(1)
        return exact(-(_xlog(t, y) + _xlog(one - t, one - y)))
    if name == "cross_entropy":
        return exact(-_xlog(t, y))
    raise ValueError(f"unknown loss {name!r}")


def _xlog(x: Any, y: Any) -> Any:
    import mpmath

    return _sympy().Integer(0) if x == 0 or y == 1 else x * _mp(mpmath.log, y)


def exact_loss_grad(name: str, out: Any, target: Any, n_outputs: int) -> Any:
    """∂L/∂out for one output, exact."""
    y, t = out, target
    if name == "half_sse":
        return y - t
    if name == "sse":
        return 2 * (y - t)
    if name == "mse":
        return 2 * (y - t) / n_outputs
    if name == "bce":
        return exact((y - t) / (y * (_sympy().Integer(1) - y)))
    if name == "cross_entropy":
        return exact(-t / y) if t != 0 else _sympy().Integer(0)
    raise ValueError(f"unknown loss {name!r}")


# ---------------------------------------------------------------- formulas (symbolic, for display)


def activation_formula(act: Activation, x: Any) -> Any:
    """f(x) as a SymPy expression in the symbol x (for showing, not evaluating)."""
    sp = _sympy()
    a = exact(alpha_of(act))
    table: dict[str, Callable[[], Any]] = {
        "identity": lambda: x,
        "sigmoid": lambda: 1 / (1 + sp.exp(-x)),
        "tanh": lambda: sp.tanh(x),
        "relu": lambda: sp.Max(0, x),
        "leaky_relu": lambda: sp.Piecewise((x, x >= 0), (a * x, True)),
        "elu": lambda: sp.Piecewise((x, x >= 0), (a * (sp.exp(x) - 1), True)),
        "softplus": lambda: sp.log(1 + sp.exp(x)),
        "arctan": lambda: sp.atan(x),
    }
    return table[act.name]()


def loss_formula(name: str, outs: Sequence[Any], targets: Sequence[Any]) -> Any:
    """The loss as a SymPy expression in output and target symbols."""
    sp = _sympy()
    n = len(outs)
    pairs = list(zip(targets, outs, strict=True))
    if name == "half_sse":
        return sp.Rational(1, 2) * sp.Add(*[(t - y) ** 2 for t, y in pairs])
    if name == "sse":
        return sp.Add(*[(t - y) ** 2 for t, y in pairs])
    if name == "mse":
        return sp.Add(*[(t - y) ** 2 for t, y in pairs]) / n
    if name == "bce":
        return -sp.Add(*[t * sp.log(y) + (1 - t) * sp.log(1 - y) for t, y in pairs])
    if name == "cross_entropy":
        return -sp.Add(*[t * sp.log(y) for t, y in pairs])
    raise ValueError(f"unknown loss {name!r}")


LOSS_TEXT = {
    "half_sse": "½ Σ (t − y)²",
    "sse": "Σ (t − y)²",
    "mse": "(1/n) Σ (t − y)²",
    "bce": "−Σ [t log y + (1 − t) log(1 − y)]",
    "cross_entropy": "−Σ t log y",
}


def _op(name: str, latex_name: str) -> Callable[[fm.Op], fm.Op]:
    return lambda x: fm.call(name, latex_name, x)


_SIGMA = _op("σ", r"\sigma")
_ONE = fm.num(1)

# Each activation's f(x) and f′(x) (in x the net input and y = f(x)): the one source of formula text for
# the terminal and LaTeX (`tutor.maths.formula` prints and brackets them). f′ of a kink is a named function.
ACTIVATION_FORMULAS: dict[str, tuple[fm.Op, fm.Op | None]] = {
    "identity": (fm.X, _ONE),
    "sigmoid": (_SIGMA(fm.X), fm.mul(fm.Y, fm.sub(_ONE, fm.Y))),
    "tanh": (_op("tanh", r"\tanh")(fm.X), fm.sub(_ONE, fm.square(fm.Y))),
    "relu": (_op("relu", r"\operatorname{relu}")(fm.X), _op("relu′", r"\operatorname{relu}'")(fm.X)),
    "leaky_relu": (
        _op("leaky_relu", r"\operatorname{leaky\_relu}")(fm.X),
        _op("leaky_relu′", r"\operatorname{leaky\_relu}'")(fm.X),
    ),
    "elu": (_op("elu", r"\operatorname{elu}")(fm.X), _op("elu′", r"\operatorname{elu}'")(fm.X)),
    "softplus": (_op("softplus", r"\operatorname{softplus}")(fm.X), _SIGMA(fm.X)),
    "arctan": (_op("arctan", r"\arctan")(fm.X), fm.div(_ONE, fm.add(_ONE, fm.square(fm.X)))),
    "softmax": (_op("softmax", r"\operatorname{softmax}")(fm.X), None),
}

# ∂L/∂y of one output, in y, its target t and the number of outputs n.
LOSS_GRAD_FORMULAS: dict[str, fm.Op] = {
    "half_sse": fm.sub(fm.Y, fm.T),
    "sse": fm.mul(fm.num(2), fm.sub(fm.Y, fm.T)),
    "mse": fm.mul(fm.div(fm.num(2), fm.N), fm.sub(fm.Y, fm.T)),
    "bce": fm.div(fm.sub(fm.Y, fm.T), fm.mul(fm.Y, fm.sub(_ONE, fm.Y))),
    "cross_entropy": fm.neg(fm.div(fm.T, fm.Y)),
}


def activation_op(name: str) -> fm.Op:
    return ACTIVATION_FORMULAS[name][0]


def derivative_op(name: str) -> fm.Op:
    op = ACTIVATION_FORMULAS[name][1]
    if op is None:
        raise ValueError(f"{name} has no scalar derivative")
    return op


def isclose(a: float, b: float, rel: float = 1e-9, abs_tol: float = 1e-12) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_tol)

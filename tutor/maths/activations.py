"""The registry of activation functions: one `ActivationEntry` per activation, everything about it in one place.

An entry holds the activation's names (canonical and aliases), its parameter and default, f and f′ exact
(SymPy numbers), in float64 and on whole NumPy arrays, its formula for the terminal and LaTeX (as a
`tutor.maths.formula` tree), and the facts other layers ask about (transcendental values, a kink at 0, a
group function, a graph-node function). Every consumer looks its entry up in `ACTIVATIONS`; adding an
activation is adding one entry here. `Activation` is the value a problem holds: a name and its parameter.

SymPy and mpmath are only imported when an exact form is evaluated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from tutor.maths import formula as fm
from tutor.maths.exactnum import exact, mp, mpmath, np, sympy

if TYPE_CHECKING:
    import numpy

    Array = numpy.ndarray
    Fn = Callable[[Array], Array]  # f on a whole array
    Deriv = Callable[[Array, Array], Array]  # f′ of (z, y = f(z)) on whole arrays


@dataclass(frozen=True)
class ActivationEntry:
    """One activation. `a` below is its parameter (0 where it has none). At a kink (`kink_at_zero`) the
    derivative forms give the left slope at 0, which must be `a`; the convention picks 1 or it (see
    `tutor.maths.functions`). A group function (softmax) has no scalar forms: the engines apply it whole."""

    name: str
    formula: fm.Op  # f(x)
    derivative_formula: fm.Op | None  # f′ in x (the net) and y = f(x); None: a group function
    exact: Callable[[Any, Any], Any] | None  # (net, a) -> f(net) as a SymPy number, Rational where it stays so
    exact_derivative: Callable[[Any, Any, Any], Any] | None  # (net, out, a) -> f′(net)
    floating: Callable[[float, float], float] | None  # (net, a) -> f(net) in float64
    floating_derivative: Callable[[float, float], float] | None  # (net, a) -> f′(net) in float64
    vectorised: Callable[[float], Fn]  # a -> f on arrays (a group function: the identity, set whole later)
    vectorised_derivative: Callable[[float], Deriv]  # a -> f′ on arrays
    derivative_of_output: Callable[[float], float] | None = None  # f′ from y alone (σ′ = y(1 − y)), float64
    aliases: tuple[str, ...] = ()
    parameter: str | None = None  # the one parameter's name in a problem file (`alpha`)
    default: Fraction | None = None  # its default
    transcendental: bool = False  # irrational values but at a few special points (sigmoid(0) = 1/2)
    kink_at_zero: bool = False  # f′ is not defined at 0: `relu_derivative_at_zero` chooses
    group: bool = False  # normalised over a group of neurons (softmax)
    # f(x) and f′ as SymPy expressions (`tutor.engines.symbolic`): (x, a) -> f(x); (x, y, a) -> f′ in x and
    # y = f(x), which at a kink is the slope left of 0 (right of it every kinked activation here has slope 1;
    # `tutor.maths.functions.symbolic_derivative` writes the two sides and the convention at 0). None: no
    # symbolic form (a group function's is the group's: `functions.symbolic_softmax`).
    symbolic: Callable[[Any, Any], Any] | None = None
    symbolic_derivative: Callable[[Any, Any, Any], Any] | None = None
    in_graphs: bool = False  # a function of computation-graph nodes (`graph_form`)

    @property
    def graph_form(self) -> Callable[[Any], Any] | None:
        """x -> f(x) as a SymPy expression, for a function of graph nodes (its symbolic form, default parameter)."""
        form = self.symbolic
        if not self.in_graphs or form is None:
            return None
        return lambda x: form(x, sympy().Integer(0) if self.default is None else exact(self.default))


def _op(name: str, latex_name: str) -> Callable[[fm.Op], fm.Op]:
    return lambda x: fm.call(name, latex_name, x)


def _kink_op(name: str) -> tuple[fm.Op, fm.Op]:
    """relu(x) and relu′(x): a kinked function and its derivative written as named functions."""
    latex = r"\operatorname{" + name.replace("_", r"\_") + "}"
    return _op(name, latex)(fm.X), _op(name + "′", latex + "'")(fm.X)


_SIGMA = _op("σ", r"\sigma")
_ONE = fm.num(1)


def _exact_sigmoid(net: Any, a: Any = None) -> Any:
    if net == 0:
        return sympy().Rational(1, 2)
    return mp(lambda x: 1 / (1 + mpmath().exp(-x)), net)


def _float_sigmoid(net: float, a: float = 0.0) -> float:
    return float(1.0 / (1.0 + np.exp(-net))) if net >= 0 else float(np.exp(net) / (1.0 + np.exp(net)))


def _vec_sigmoid(z: Array) -> Array:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # the logistic function, no overflow in exp


def _at_zero_or(value: Any, f: Callable[[Any], Any]) -> Callable[[Any, Any], Any]:
    """f(net) exactly, but `value` at net = 0 (tanh(0) = 0, arctan(0) = 0)."""
    return lambda net, a: sympy().Integer(value) if net == 0 else mp(f, net)


def _one(*_: Any) -> Any:
    return sympy().Integer(1)


def _sym_sigmoid(x: Any, a: Any = None) -> Any:
    return 1 / (1 + sympy().exp(-x))


def _sym_kinked(left: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """f(x) = x for x ≥ 0, `left(x, a)` below 0, as a Piecewise."""
    return lambda x, a: sympy().Piecewise((x, x >= 0), (left(x, a), True))


_RELU, _RELU_D = _kink_op("relu")
_LEAKY, _LEAKY_D = _kink_op("leaky_relu")
_ELU, _ELU_D = _kink_op("elu")

_ENTRIES = (
    ActivationEntry(
        "identity",
        fm.X,
        _ONE,
        exact=lambda net, a: net,
        exact_derivative=_one,
        floating=lambda net, a: net,
        floating_derivative=lambda net, a: 1.0,
        vectorised=lambda a: lambda z: z,
        vectorised_derivative=lambda a: lambda z, y: np.ones_like(z),
        aliases=("linear",),
        symbolic=lambda x, a: x,
        symbolic_derivative=_one,
    ),
    ActivationEntry(
        "sigmoid",
        _SIGMA(fm.X),
        fm.mul(fm.Y, fm.sub(_ONE, fm.Y)),
        exact=_exact_sigmoid,
        exact_derivative=lambda net, out, a: exact(out * (sympy().Integer(1) - out)),
        floating=_float_sigmoid,
        floating_derivative=lambda net, a: (s := _float_sigmoid(net)) * (1.0 - s),
        vectorised=lambda a: _vec_sigmoid,
        vectorised_derivative=lambda a: lambda z, y: y * (1.0 - y),
        derivative_of_output=lambda y: y * (1.0 - y),
        aliases=("logistic",),
        transcendental=True,
        symbolic=_sym_sigmoid,
        symbolic_derivative=lambda x, y, a: y * (1 - y),
        in_graphs=True,
    ),
    ActivationEntry(
        "tanh",
        _op("tanh", r"\tanh")(fm.X),
        fm.sub(_ONE, fm.square(fm.Y)),
        exact=_at_zero_or(0, lambda x: mpmath().tanh(x)),
        exact_derivative=lambda net, out, a: exact(sympy().Integer(1) - out**2),
        floating=lambda net, a: float(np.tanh(net)),
        floating_derivative=lambda net, a: 1.0 - float(np.tanh(net)) ** 2,
        vectorised=lambda a: np.tanh,
        vectorised_derivative=lambda a: lambda z, y: 1.0 - y * y,
        derivative_of_output=lambda y: 1.0 - y * y,
        transcendental=True,
        symbolic=lambda x, a: sympy().tanh(x),
        symbolic_derivative=lambda x, y, a: 1 - y**2,
        in_graphs=True,
    ),
    ActivationEntry(
        "relu",
        _RELU,
        _RELU_D,
        exact=lambda net, a: net if net > 0 else sympy().Integer(0),
        exact_derivative=lambda net, out, a: sympy().Integer(1 if net > 0 else 0),
        floating=lambda net, a: net if net > 0 else 0.0,
        floating_derivative=lambda net, a: 1.0 if net > 0 else 0.0,
        vectorised=lambda a: lambda z: np.maximum(z, 0.0),
        vectorised_derivative=lambda a: lambda z, y: (z > 0).astype(np.float64),
        kink_at_zero=True,
        symbolic=lambda x, a: sympy().Max(sympy().Integer(0), x),
        symbolic_derivative=lambda x, y, a: sympy().Integer(0),
        in_graphs=True,
    ),
    ActivationEntry(
        "leaky_relu",
        _LEAKY,
        _LEAKY_D,
        exact=lambda net, a: net if net >= 0 else a * net,
        exact_derivative=lambda net, out, a: sympy().Integer(1) if net > 0 else a,
        floating=lambda net, a: net if net >= 0 else a * net,
        floating_derivative=lambda net, a: 1.0 if net > 0 else a,
        vectorised=lambda a: lambda z: np.where(z >= 0, z, a * z),
        vectorised_derivative=lambda a: lambda z, y: np.where(z > 0, 1.0, a),
        aliases=("prelu",),
        parameter="alpha",
        default=Fraction(1, 100),
        kink_at_zero=True,
        symbolic=_sym_kinked(lambda x, a: a * x),
        symbolic_derivative=lambda x, y, a: a,
    ),
    ActivationEntry(
        "elu",
        _ELU,
        _ELU_D,
        exact=lambda net, a: net if net >= 0 else mp(lambda x, a: a * mpmath().expm1(x), net, a),
        exact_derivative=lambda net, out, a: (
            sympy().Integer(1) if net > 0 else a if net == 0 else mp(lambda x, a: a * mpmath().exp(x), net, a)
        ),
        floating=lambda net, a: net if net >= 0 else a * float(np.expm1(net)),
        floating_derivative=lambda net, a: 1.0 if net > 0 else a if net == 0 else a * float(np.exp(net)),
        vectorised=lambda a: lambda z: np.where(z >= 0, z, a * np.expm1(np.minimum(z, 0.0))),
        vectorised_derivative=lambda a: lambda z, y: np.where(z > 0, 1.0, a * np.exp(np.minimum(z, 0.0))),
        parameter="alpha",
        default=Fraction(1),
        kink_at_zero=True,
        symbolic=_sym_kinked(lambda x, a: a * (sympy().exp(x) - 1)),
        symbolic_derivative=lambda x, y, a: a * sympy().exp(x),
    ),
    ActivationEntry(
        "softplus",
        _op("softplus", r"\operatorname{softplus}")(fm.X),
        _SIGMA(fm.X),
        exact=lambda net, a: mp(lambda x: mpmath().log1p(mpmath().exp(x)), net),
        exact_derivative=lambda net, out, a: _exact_sigmoid(net),
        floating=lambda net, a: float(np.logaddexp(0.0, net)),
        floating_derivative=lambda net, a: _float_sigmoid(net),
        vectorised=lambda a: lambda z: np.logaddexp(0.0, z),
        vectorised_derivative=lambda a: lambda z, y: _vec_sigmoid(z),
        transcendental=True,
        symbolic=lambda x, a: sympy().log(1 + sympy().exp(x)),
        symbolic_derivative=lambda x, y, a: _sym_sigmoid(x),
    ),
    ActivationEntry(
        "arctan",
        _op("arctan", r"\arctan")(fm.X),
        fm.div(_ONE, fm.add(_ONE, fm.square(fm.X))),
        exact=_at_zero_or(0, lambda x: mpmath().atan(x)),
        exact_derivative=lambda net, out, a: exact(sympy().Integer(1) / (sympy().Integer(1) + net**2)),
        floating=lambda net, a: float(np.arctan(net)),
        floating_derivative=lambda net, a: 1.0 / (1.0 + net * net),
        vectorised=lambda a: np.arctan,
        vectorised_derivative=lambda a: lambda z, y: 1.0 / (1.0 + z * z),
        aliases=("atan",),
        transcendental=True,
        symbolic=lambda x, a: sympy().atan(x),
        symbolic_derivative=lambda x, y, a: 1 / (1 + x**2),
    ),
    ActivationEntry(
        "softmax",
        _op("softmax", r"\operatorname{softmax}")(fm.X),
        None,
        exact=None,
        exact_derivative=None,
        floating=None,
        floating_derivative=None,
        vectorised=lambda a: lambda z: z,  # the trainer applies softmax to the group
        vectorised_derivative=lambda a: lambda z, y: np.ones_like(z),  # a group's deltas are set whole
        transcendental=True,
        group=True,
    ),
)

ACTIVATIONS: dict[str, ActivationEntry] = {e.name: e for e in _ENTRIES}


def aliases() -> dict[str, str]:
    """Every alias and the canonical name it stands for: {"linear": "identity", …}."""
    return {alias: e.name for e in ACTIVATIONS.values() for alias in e.aliases}


def canonical(name: str) -> str:
    """The canonical name for a name or an alias (unknown names come back as they are)."""
    return name if name in ACTIVATIONS else aliases().get(name, name)


def with_parameter() -> tuple[str, ...]:
    """The activations that take a parameter (`alpha`)."""
    return tuple(n for n, e in ACTIVATIONS.items() if e.parameter is not None)


@dataclass(frozen=True)
class Activation:
    """An activation function by canonical name, with its parameter (leaky_relu, elu) if any."""

    name: str
    alpha: Fraction | None = None

    @property
    def entry(self) -> ActivationEntry:
        return ACTIVATIONS[self.name]

    @property
    def parameter(self) -> Fraction | None:
        """The parameter in force: the one given, else the default; None where it takes none."""
        entry = ACTIVATIONS.get(self.name)
        return self.alpha if self.alpha is not None else entry.default if entry is not None else None

    def __str__(self) -> str:
        entry = ACTIVATIONS.get(self.name)
        if self.alpha is None or (entry is not None and self.alpha == entry.default):
            return self.name
        return f"{self.name}(alpha={self.alpha})"


def alpha_of(act: Activation) -> Fraction:
    """The parameter in force, 0 for an activation without one (so relu's left slope is 0)."""
    value = act.parameter
    return value if value is not None else Fraction(0)

"""THE optimizer registry: sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw, with PyTorch's conventions.

Each entry is its settings (with defaults and limits), the names of its per-parameter state, and its rule as
a list of `Line`s: a formula (the text every view writes, `tutor.maths.optimtext`) next to the function that
computes it, micrograd-style. `run_rule` evaluates the lines on any numbers: SymPy (the exact engine, with an
exact-or-mpmath square root), Python floats (the float64 engine) or NumPy arrays (the trainer), so one rule
serves all three. State starts at zero (torch's `momentum_buffer`, `sum`, `square_avg`, `exp_avg`,
`exp_avg_sq`); `t` is the step number, from 1 (torch's `step`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from types import SimpleNamespace
from typing import Any, NamedTuple

Env = SimpleNamespace  # the names a rule's lines read: settings, w, g, eta, t, the state, earlier lines' results


@dataclass(frozen=True)
class Setting:
    """One setting of an optimizer: its default and the range it must lie in."""

    name: str
    default: Fraction
    limit: str  # "unit": 0 ≤ x < 1; "positive": x > 0; "nonnegative": x ≥ 0


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Line:
    """One equation of a rule: `target` ← `formula`, computed by `compute` (of the names in the formula)."""

    target: str  # a state name, "w" (the parameter) or a shown intermediate (m_hat, v_hat)
    formula: str  # the names of `Env` with + - * / ^ ( ) sqrt(…): written out by `tutor.maths.optimtext`
    compute: Callable[[Env], Any]

    @cached_property
    def reads(self) -> tuple[str, ...]:
        """The names its formula reads, in order of first use."""
        return tuple(dict.fromkeys(n for n in _NAME.findall(self.formula) if n != "sqrt"))


@dataclass(frozen=True)
class OptimizerEntry:
    name: str
    title: str  # in headings: "Adam"
    settings: tuple[Setting, ...]
    state: tuple[str, ...]  # answer-key words of the state: `w5.m`, `w5.velocity`
    lines: tuple[Line, ...]
    torch: str  # the torch.optim call it matches, for notes and tests
    note: str = ""  # where another common convention differs

    @property
    def divides_by_root(self) -> bool:
        """The step is g/(√s + ε): a gradient that cancels to 0 (float64 leaves ~1e-17 of it) moves the
        weight by round-off over ε, which no float64 engine can follow (see `tutor.engines.crosscheck`)."""
        return any("sqrt(" in line.formula for line in self.lines)


@dataclass(frozen=True)
class Optimizer:
    """A problem's optimizer: the entry's name and every setting's value (defaults filled in)."""

    name: str = "sgd"
    settings: tuple[tuple[str, Fraction], ...] = ()

    @property
    def entry(self) -> OptimizerEntry:
        return OPTIMIZERS[self.name]

    @property
    def values(self) -> dict[str, Fraction]:
        return dict(self.settings)

    def __str__(self) -> str:
        return self.name


SGD = Optimizer()


def _sqrt(e: Env, x: Any) -> Any:
    return e.sqrt(x)


def _bias(e: Env, beta: Any) -> Any:
    """1 − βᵗ, or 1 where the bias correction is left out (the mistake `adam-no-bias-correction`)."""
    return 1 - beta**e.t if e.bias_correction else 1


_MOMENTUM_NOTE = (
    "PyTorch's convention; course notes often write v ← β·v − η·g; w ← w + v, "
    "which gives the same weights for a constant η (that v is −η times this one)"
)
_ADAM_LINES = (
    Line("m", "beta1*m + (1 - beta1)*g", lambda e: e.beta1 * e.m + (1 - e.beta1) * e.g),
    Line("v", "beta2*v + (1 - beta2)*g^2", lambda e: e.beta2 * e.v + (1 - e.beta2) * e.g * e.g),
    Line("m_hat", "m/(1 - beta1^t)", lambda e: e.m / _bias(e, e.beta1)),
    Line("v_hat", "v/(1 - beta2^t)", lambda e: e.v / _bias(e, e.beta2)),
    Line("w", "w - eta*m_hat/(sqrt(v_hat) + eps)", lambda e: e.w - e.eta * e.m_hat / (_sqrt(e, e.v_hat) + e.eps)),
)
_ADAM_NOTE = (
    "PyTorch computes the same step as w − η/(1 − β₁ᵗ) · m / (√v/√(1 − β₂ᵗ) + ε); "
    "the order of operations differs only in the last bits of a float64"
)
_BETA = Setting("beta", Fraction(9, 10), "unit")
_ADAM_SETTINGS = (
    Setting("beta1", Fraction(9, 10), "unit"),
    Setting("beta2", Fraction(999, 1000), "unit"),
    Setting("eps", Fraction(1, 10**8), "positive"),
)

OPTIMIZERS: dict[str, OptimizerEntry] = {
    "sgd": OptimizerEntry(
        "sgd", "SGD", (), (), (Line("w", "w - eta*g", lambda e: e.w - e.eta * e.g),), "torch.optim.SGD(lr)"
    ),
    "momentum": OptimizerEntry(
        "momentum",
        "SGD with momentum",
        (_BETA,),
        ("velocity",),
        (
            Line("velocity", "beta*velocity + g", lambda e: e.beta * e.velocity + e.g),
            Line("w", "w - eta*velocity", lambda e: e.w - e.eta * e.velocity),
        ),
        "torch.optim.SGD(lr, momentum=beta)",
        _MOMENTUM_NOTE,
    ),
    "nesterov": OptimizerEntry(
        "nesterov",
        "SGD with Nesterov momentum",
        (_BETA,),
        ("velocity",),
        (
            Line("velocity", "beta*velocity + g", lambda e: e.beta * e.velocity + e.g),
            Line("w", "w - eta*(g + beta*velocity)", lambda e: e.w - e.eta * (e.g + e.beta * e.velocity)),
        ),
        "torch.optim.SGD(lr, momentum=beta, nesterov=True)",
        _MOMENTUM_NOTE,
    ),
    "adagrad": OptimizerEntry(
        "adagrad",
        "Adagrad",
        (Setting("eps", Fraction(1, 10**10), "positive"),),
        ("s",),
        (
            Line("s", "s + g^2", lambda e: e.s + e.g * e.g),
            Line("w", "w - eta*g/(sqrt(s) + eps)", lambda e: e.w - e.eta * e.g / (_sqrt(e, e.s) + e.eps)),
        ),
        "torch.optim.Adagrad(lr, eps=eps)",
    ),
    "rmsprop": OptimizerEntry(
        "rmsprop",
        "RMSprop",
        (Setting("alpha", Fraction(99, 100), "unit"), Setting("eps", Fraction(1, 10**8), "positive")),
        ("s",),
        (
            Line("s", "alpha*s + (1 - alpha)*g^2", lambda e: e.alpha * e.s + (1 - e.alpha) * e.g * e.g),
            Line("w", "w - eta*g/(sqrt(s) + eps)", lambda e: e.w - e.eta * e.g / (_sqrt(e, e.s) + e.eps)),
        ),
        "torch.optim.RMSprop(lr, alpha=alpha, eps=eps)",
        "ε is added after the square root, as PyTorch does (some notes put it under the root)",
    ),
    "adam": OptimizerEntry(
        "adam", "Adam", _ADAM_SETTINGS, ("m", "v"), _ADAM_LINES, "torch.optim.Adam(lr, betas, eps)", _ADAM_NOTE
    ),
    "adamw": OptimizerEntry(
        "adamw",
        "AdamW",
        (*_ADAM_SETTINGS, Setting("weight_decay", Fraction(1, 100), "nonnegative")),
        ("m", "v"),
        (Line("w", "w - eta*weight_decay*w", lambda e: e.w - e.eta * e.weight_decay * e.w), *_ADAM_LINES),
        "torch.optim.AdamW(lr, betas, eps, weight_decay)",
        "the decay is decoupled (w ← w − η·λ·w first, then the Adam step), as in PyTorch; " + _ADAM_NOTE,
    ),
}

STATE_WORDS: tuple[str, ...] = tuple(dict.fromkeys(s for e in OPTIMIZERS.values() for s in e.state))


class Evaluated(NamedTuple):  # a NamedTuple, not a dataclass: made five times per parameter and step
    """One line evaluated: the values of the names its formula reads (before it), plus the settings, `eta`
    and `t` (what a heading shows), and its result."""

    line: Line
    given: Mapping[str, Any]
    value: Any
    optimizer: str = "sgd"


def run_rule(
    optimizer: Optimizer,
    w: Any,
    g: Any,
    state: Mapping[str, Any],
    t: int,
    eta: Any,
    *,
    number: Callable[[Fraction], Any],
    sqrt: Callable[[Any], Any],
    bias_correction: bool = True,
    record: bool = False,
    record_as: Callable[[Any], Any] | None = None,
    given: Mapping[str, Any] | None = None,
) -> tuple[Any, dict[str, Any], tuple[Evaluated, ...]]:
    """(new w, new state, the evaluated lines when `record`) for one parameter's step. `number` turns a
    setting into the engine's kind of number (SymPy Rational, float), `sqrt` is the engine's square root;
    `record_as` converts the recorded values (the exact engine computes on `fastreal` numbers and records
    SymPy's); `given` replaces a state's new value by a student's own before the lines after it use it."""
    entry = optimizer.entry
    env = Env(**{k: number(v) for k, v in optimizer.settings}, w=w, g=g, t=t, eta=eta, sqrt=sqrt)
    env.bias_correction = bias_correction
    for name in entry.state:
        setattr(env, name, state.get(name, 0))
    done = []
    computed = {}
    keep = record_as or (lambda v: v)
    head = {k: keep(getattr(env, k)) for k in (*(k for k, _ in optimizer.settings), "eta", "t")} if record else {}
    for line in entry.lines:
        value = line.compute(env)
        if record:
            given_values = head.copy()
            for k in line.reads:
                given_values[k] = keep(getattr(env, k))
            done.append(Evaluated(line, given_values, keep(value), optimizer.name))
        computed[line.target] = value
        setattr(env, line.target, given[line.target] if given and line.target in given else value)
    return env.w, {name: computed[name] for name in entry.state}, tuple(done)


def with_defaults(name: str, given: Mapping[str, Fraction]) -> Optimizer:
    """The optimizer `name` with `given` settings and the defaults for the rest (names already checked)."""
    entry = OPTIMIZERS[name]
    return Optimizer(name, tuple((s.name, given.get(s.name, s.default)) for s in entry.settings))

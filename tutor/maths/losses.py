"""The registry of losses: one `LossEntry` per loss, everything about it in one place.

An entry holds the loss's names and formula text (terminal and LaTeX, whole and per output), L and ∂L/∂y
exact, in float64 and on batches of NumPy arrays, and what it asks of a problem (sigmoid or softmax outputs,
targets summing to 1). Every consumer looks its entry up in `LOSSES`; adding a loss is adding one entry here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from tutor.maths import formula as fm
from tutor.maths import wholeloss as wl
from tutor.maths.exactnum import exact, mp, mpmath, np, sympy

if TYPE_CHECKING:
    from numpy import ndarray as Array


@dataclass(frozen=True)
class LossEntry:
    """One loss. y is an output, t its target, n the number of outputs. The per-output terms are format
    strings over {t} {y} (a number or symbol as is), {pt} {py} (bracketed where negative) and, in the terminal's,
    {times} (the product sign: " · ", or "·" compact); fronts over {n}."""

    name: str
    title: str  # "mean squared error"
    text: str  # L in the terminal: "(1/n) Σ (t − y)²"
    latex: str  # L in LaTeX
    grad_formula: fm.Op  # ∂L/∂y of one output, in y, t and n
    floating: Callable[[Array, Array], float]  # (outputs, targets) -> L in float64
    floating_grad: Callable[[float, float, int], float]  # (y, t, n) -> ∂L/∂y
    exact_part: Callable[[Any, Any, int], Any]  # (y, t, n) -> one output's part of L, exact
    exact_grad: Callable[[Any, Any, int], Any]  # (y, t, n) -> ∂L/∂y, exact
    vectorised: Callable[[Array, Array], Array]  # (batch, outputs) arrays -> each example's L
    vectorised_grad: Callable[[Array, Array], Array]  # -> ∂L/∂y of every output of every example
    text_term: str  # one output's term with numbers: "({t} − {py})²"
    text_front: str  # what multiplies the sum: "(1/{n})·"
    text_brackets: tuple[str, str, bool]  # around the sum after a front: open, close, even for one term
    latex_term: str
    latex_front: str
    transcendental: bool = False  # values irrational but at a few special points
    needs_outputs: str | None = None  # the activation every output must have; targets then in [0, 1]
    targets_sum_to_one: bool = False
    softmax_shortcut: bool = False  # with softmax outputs δ = y·Σt − t, the loss gradient folded in
    # one output's part of L and ∂L/∂y as SymPy expressions in Symbols y and t (`tutor.engines.symbolic`);
    # None: `exact_part` / `exact_grad` are plain arithmetic and serve Symbols as they are (the squared losses)
    symbolic_part: Callable[[Any, Any, int], Any] | None = None
    symbolic_grad: Callable[[Any, Any, int], Any] | None = None
    # a loss that is no sum of independent per-output terms, or has settings (`tutor.maths.wholeloss`):
    # (outputs, targets, settings) -> (parts, gradients), exact (a part None: left out of the sum) and on a batch
    whole_exact: Callable[[Any, Any, Mapping[str, Any]], tuple[list[Any], list[Any]]] | None = None
    whole_batch: Callable[[Array, Array, Mapping[str, float]], tuple[Array, Array]] | None = None
    # its forms as SymPy expressions: (output Symbols, target Symbols, the targets' values, settings) -> as above
    whole_symbolic: Callable[[Any, Any, Any, Mapping[str, Any]], tuple[list[Any], list[Any]]] | None = None
    settings: tuple[tuple[str, Fraction], ...] = ()  # the settings it takes and their defaults: (("delta", 1),)
    one_hot: bool = False  # every target 0 or 1, exactly one 1

    @property
    def separable(self) -> bool:
        """Whether L is a sum of one term per output on its own (the per-output forms apply)."""
        return self.whole_exact is None


def _xlogy(x: Array, y: Array) -> Array:
    # 0·log 0 = 0, as the losses need
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, 0.0, x * np.log(np.where(y > 0, y, 1.0)) + np.where(y > 0, 0.0, -np.inf))


def _xlogy_batch(x: Array, y: Array) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, 0.0, x * np.log(np.where(y > 0, y, np.nan)))


def _xlog(x: Any, y: Any) -> Any:
    return sympy().Integer(0) if x == 0 or y == 1 else x * mp(mpmath().log, y)


def _float_arrays(f: Callable[[Array, Array], Any]) -> Callable[[Array, Array], float]:
    return lambda y, t: float(f(np.asarray(y, dtype=np.float64), np.asarray(t, dtype=np.float64)))


def _bce_grad(y: Array, t: Array) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        return (y - t) / (y * (1.0 - y))


def _ce_grad(y: Array, t: Array) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(t == 0, 0.0, -t / y)


_SQUARED_TEXT, _SQUARED_LATEX, _SQUARED_BRACKETS = "({t} − {py})²", "({t} - {py})^2", ("[", "]", False)
_ONE = fm.num(1)

_ENTRIES = (
    LossEntry(
        "half_sse",
        title="half the sum of squared errors",
        text="½ Σ (t − y)²",
        latex=r"\tfrac12 \sum_k (t_k - y_k)^2",
        grad_formula=fm.sub(fm.Y, fm.T),
        floating=_float_arrays(lambda y, t: 0.5 * np.sum((t - y) ** 2)),
        floating_grad=lambda y, t, n: y - t,
        exact_part=lambda y, t, n: sympy().Rational(1, 2) * (t - y) ** 2,
        exact_grad=lambda y, t, n: y - t,
        vectorised=lambda y, t: 0.5 * np.sum((t - y) ** 2, axis=1),
        vectorised_grad=lambda y, t: y - t,
        text_term=_SQUARED_TEXT,
        text_front="½·",
        text_brackets=_SQUARED_BRACKETS,
        latex_term=_SQUARED_LATEX,
        latex_front=r"\tfrac12",
    ),
    LossEntry(
        "sse",
        title="sum of squared errors",
        text="Σ (t − y)²",
        latex=r"\sum_k (t_k - y_k)^2",
        grad_formula=fm.mul(fm.num(2), fm.sub(fm.Y, fm.T)),
        floating=_float_arrays(lambda y, t: np.sum((t - y) ** 2)),
        floating_grad=lambda y, t, n: 2.0 * (y - t),
        exact_part=lambda y, t, n: (t - y) ** 2,
        exact_grad=lambda y, t, n: 2 * (y - t),
        vectorised=lambda y, t: np.sum((t - y) ** 2, axis=1),
        vectorised_grad=lambda y, t: 2.0 * (y - t),
        text_term=_SQUARED_TEXT,
        text_front="",
        text_brackets=_SQUARED_BRACKETS,
        latex_term=_SQUARED_LATEX,
        latex_front="",
    ),
    LossEntry(
        "mse",
        title="mean squared error",
        text="(1/n) Σ (t − y)²",
        latex=r"\tfrac1n \sum_k (t_k - y_k)^2",
        grad_formula=fm.mul(fm.div(fm.num(2), fm.N), fm.sub(fm.Y, fm.T)),
        floating=_float_arrays(lambda y, t: np.mean((t - y) ** 2)),
        floating_grad=lambda y, t, n: 2.0 * (y - t) / n,
        exact_part=lambda y, t, n: (t - y) ** 2 / n,
        exact_grad=lambda y, t, n: 2 * (y - t) / n,
        vectorised=lambda y, t: np.mean((t - y) ** 2, axis=1),
        vectorised_grad=lambda y, t: 2.0 * (y - t) / y.shape[1],
        text_term=_SQUARED_TEXT,
        text_front="(1/{n})·",
        text_brackets=_SQUARED_BRACKETS,
        latex_term=_SQUARED_LATEX,
        latex_front=r"\tfrac{{1}}{{{n}}}",
    ),
    LossEntry(
        "bce",
        title="binary cross-entropy",
        text="−Σ [t log y + (1 − t) log(1 − y)]",
        latex=r"-\sum_k \bigl[t_k \log y_k + (1 - t_k) \log(1 - y_k)\bigr]",
        grad_formula=fm.div(fm.sub(fm.Y, fm.T), fm.mul(fm.Y, fm.sub(_ONE, fm.Y))),
        floating=_float_arrays(lambda y, t: -np.sum(_xlogy(t, y) + _xlogy(1 - t, 1 - y))),
        floating_grad=lambda y, t, n: (y - t) / (y * (1.0 - y)),
        exact_part=lambda y, t, n: exact(-(_xlog(t, y) + _xlog(sympy().Integer(1) - t, sympy().Integer(1) - y))),
        exact_grad=lambda y, t, n: exact((y - t) / (y * (sympy().Integer(1) - y))),
        vectorised=lambda y, t: -np.sum(_xlogy_batch(t, y) + _xlogy_batch(1 - t, 1 - y), axis=1),
        vectorised_grad=_bce_grad,
        text_term="{pt}{times}log {py} + (1 − {pt}){times}log(1 − {py})",
        text_front="−",
        text_brackets=("[", "]", True),
        latex_term=r"\bigl[{pt} \log {py} + (1 - {pt}) \log(1 - {py})\bigr]",
        latex_front="-",
        transcendental=True,
        needs_outputs="sigmoid",
        symbolic_part=lambda y, t, n: -(t * sympy().log(y) + (1 - t) * sympy().log(1 - y)),
        symbolic_grad=lambda y, t, n: (y - t) / (y * (1 - y)),
    ),
    LossEntry(
        "cross_entropy",
        title="cross-entropy",
        text="−Σ t log y",
        latex=r"-\sum_k t_k \log y_k",
        grad_formula=fm.neg(fm.div(fm.T, fm.Y)),
        floating=_float_arrays(lambda y, t: -np.sum(_xlogy(t, y))),
        floating_grad=lambda y, t, n: -t / y if t != 0 else 0.0,
        exact_part=lambda y, t, n: exact(-_xlog(t, y)),
        exact_grad=lambda y, t, n: exact(-t / y) if t != 0 else sympy().Integer(0),
        vectorised=lambda y, t: -np.sum(_xlogy_batch(t, y), axis=1),
        vectorised_grad=_ce_grad,
        text_term="{pt}{times}log {py}",
        text_front="−",
        text_brackets=("(", ")", True),
        latex_term=r"{pt} \log {y}",
        latex_front="-",
        transcendental=True,
        needs_outputs="softmax",
        targets_sum_to_one=True,
        softmax_shortcut=True,
        symbolic_part=lambda y, t, n: -t * sympy().log(y),
        symbolic_grad=lambda y, t, n: -t / y,
    ),
)

_WHOLE: dict[str, Any] = {
    "floating": wl.whole_only,
    "floating_grad": wl.whole_only,
    "exact_part": wl.whole_only,
    "exact_grad": wl.whole_only,
    "vectorised": wl.whole_only,
    "vectorised_grad": wl.whole_only,
}
_WHOLE_ENTRIES = (
    LossEntry(
        "hinge",  # CS231n's multiclass SVM loss; c is the correct class (its target 1)
        title="multiclass hinge (SVM) loss",
        text="Σ_{j≠c} max(0, y_j − y_c + 1)",
        latex=r"\sum_{j \ne c} \max(0, y_j - y_c + 1)",
        grad_formula=fm.call("hinge′", r"\mathrm{hinge}'", fm.Y),
        **_WHOLE,
        text_term="max(0, {py} − {ref} + 1)",
        text_front="",
        text_brackets=("", "", False),
        latex_term=r"\max(0, {py} - {ref} + 1)",
        latex_front="",
        needs_outputs="identity",
        targets_sum_to_one=True,
        whole_exact=wl.hinge_exact,
        whole_batch=wl.hinge_batch,
        whole_symbolic=wl.hinge_symbolic,
        one_hot=True,
    ),
    LossEntry(
        "huber",  # PyTorch's HuberLoss (reduction mean): ½d² where |d| < δ, else δ(|d| − ½δ), d = y − t
        title="Huber loss",
        text="(1/n) Σ huber_δ(y − t)",
        latex=r"\tfrac1n \sum_k \mathrm{huber}_\delta(y_k - t_k)",
        grad_formula=fm.div(fm.call("huber′", r"\mathrm{huber}'", fm.sub(fm.Y, fm.T)), fm.N),
        **_WHOLE,
        text_term="huber({py} − {pt})",
        text_front="(1/{n})·",
        text_brackets=_SQUARED_BRACKETS,
        latex_term=r"\mathrm{{huber}}({py} - {pt})",
        latex_front=r"\tfrac{{1}}{{{n}}}",
        whole_exact=wl.huber_exact,
        whole_batch=wl.huber_batch,
        whole_symbolic=wl.huber_symbolic,
        settings=(("delta", Fraction(1)),),
    ),
)

LOSSES: dict[str, LossEntry] = {e.name: e for e in (*_ENTRIES, *_WHOLE_ENTRIES)}


def text_sum(entry: LossEntry, terms: list[str]) -> str:
    """The loss with numbers in the terminal, from its per-output terms: `½·[(1 − 0.5)² + (0 − 0.25)²]`."""
    front = entry.text_front.format(n=len(terms))
    inner = " + ".join(terms)
    opening, closing, always = entry.text_brackets
    if front and (always or len(terms) > 1):
        inner = f"{opening}{inner}{closing}"
    return front + inner


def loss_text(name: str) -> str:
    """L in the terminal (`½ Σ (t − y)²`), or the name as written when no loss of that name exists."""
    entry = LOSSES.get(name)
    return entry.text if entry is not None else name

"""Terminal text of issue 15's quantities: dropout in the forward pass, the penalty in the loss and in each
gradient, and ∂L/∂x of the inputs — `Chain`s as `tutor.maths.termtext` makes them, from derivation data.

A mixin over `TermText` (it uses its `num` and `pnum`): `tutor.render.text.Writer` has both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tutor.maths.termtext import Chain, TermText

if TYPE_CHECKING:
    from tutor.model.backward import Gradient, InputGradient
    from tutor.model.derivation import ForwardNeuron, Loss
    from tutor.model.regdrop import Dropout

PENALTY_TEXT = {"l2": "(λ/2)·Σ w²", "l1": "λ·Σ |w|"}
PENALTY_GRAD_TEXT = {"l2": "λ · {w}", "l1": "λ · sign({w})"}


def masks_text(dropout: Dropout, name: Callable[[str], str] = str) -> str:
    """The masks, step by step, as a problem statement lists them: `step 1: h1: 1, h2: 0; step 2: all kept`
    (`name` writes a neuron's name: as it is, or in math for LaTeX)."""
    return "; ".join(
        f"step {i}: " + (", ".join(f"{name(n)}: {m}" for n, m in mask.items()) or "all kept")
        for i, mask in enumerate(dropout.masks, 1)
    )


class RegDropText:
    """Chains of dropout, the penalty and input gradients (`num`, `pnum`: `TermText`'s)."""

    def num(self, value: Any) -> str:  # pragma: no cover - TermText's
        raise NotImplementedError

    def pnum(self, value: Any) -> str:  # pragma: no cover - TermText's
        raise NotImplementedError

    def dropout_chain(self, f: ForwardNeuron) -> Chain:
        """`h1 = m · a / (1 − p) = 1 · 3 · 2 = 6  (dropout: kept, × 1/(1 − p))`: the mask and the scaling."""
        kept = "kept, × 1/(1 − p)" if f.mask else "dropped: its output and the gradient through it are 0"
        numbers = f"{f.mask} · {self.pnum(f.activated)} · {self.pnum(f.scale)}"
        return Chain(
            f.neuron, (f"m_{f.neuron} · {f.neuron}ʹ · 1/(1 − p)",), (numbers,), self.num(f.out), f"  (dropout: {kept})"
        )

    def penalty_chain(self, loss: Loss) -> Chain:
        """`penalty = (λ/2)·Σ w² = (0.1/2)·(2² + (−3)²) = 0.65`."""
        p = loss.penalty
        assert p is not None
        values = [self.pnum(v) for _, v in p.weights]
        inner = " + ".join(f"{v}²" for v in values) if p.kind == "l2" else " + ".join(f"|{v}|" for v in values)
        front = f"({self.num(p.strength)}/2)" if p.kind == "l2" else self.num(p.strength)
        return Chain("penalty", (PENALTY_TEXT[p.kind],), (f"{front}·({inner or '0'})",), self.num(p.value))

    def total_loss_chain(self, loss: Loss) -> Chain:
        """`L = data + penalty = 50 + 0.65 = 50.65`."""
        assert loss.penalty is not None
        numbers = f"{self.num(loss.data_value)} + {self.pnum(loss.penalty.value)}"
        return Chain("L", ("L_data + penalty",), (numbers,), self.num(loss.value))

    def penalty_gradient_chain(self, g: Gradient) -> Chain:
        """`∂L/∂w13 = data term + λ · w13 = 20 + 0.1 · 2 = 20.2`."""
        p = g.penalty
        assert p is not None
        term = PENALTY_GRAD_TEXT[p.kind].format(w=g.parameter)
        weight = self.pnum(p.weight) if p.kind == "l2" else f"sign({self.num(p.weight)})"
        numbers = f"{self.num(g.data_value)} + {self.pnum(p.strength)} · {weight}"
        return Chain(f"∂L/∂{g.parameter}", (f"data term + {term}",), (numbers,), self.num(g.value))

    def input_gradient_chain(self, ig: InputGradient) -> Chain:
        """`∂L/∂x1 = w13 · δ_y3 + w14 · δ_y4 = 2 · 20 + 1 · 0 = 40`."""
        symbols = " + ".join(f"{d.parameter} · δ_{d.neuron}" for d in ig.downstream) or "0"
        numbers = " + ".join(f"{self.pnum(d.parameter_value)} · {self.pnum(d.delta)}" for d in ig.downstream) or "0"
        return Chain(f"∂L/∂{ig.input}", (symbols,), (numbers,), self.num(ig.value))


class RegDropTerms(TermText, RegDropText):
    """`TermText` with the chains above: what the hint ladder writes (`tutor.checking.hints`)."""

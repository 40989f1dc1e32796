"""Terminal text of numbers and formulas, and the formula chain `head = symbols = numbers = value`.

The one source of this text for the terminal views (`tutor.render.text`, `tutor.render.graph`) and the
hint ladder (`tutor.checking.hints`, `tutor.checking.graphhints`), so a hint reads exactly as the line
`nnstep solve` prints. A `Chain` is plain data: its pieces are already text, built from the derivation's
values here, never cut out of a rendered line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tutor.maths import expr
from tutor.maths import formula as fm
from tutor.maths.functions import activation_op, derivative_op, kink_convention
from tutor.maths.losses import LOSSES, text_sum
from tutor.maths.numfmt import fmt, paren

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tutor.model.backward import Delta, Factor, Gradient, Path
    from tutor.model.derivation import ForwardNeuron, Loss

MINUS = "−"
RUNGS = 3  # of a hint: 1 the formula in symbols, 2 with the numbers substituted, 3 the value


@dataclass(frozen=True)
class Chain:
    """One formula: `head = symbols… = numbers… = value`; a hint rung is a prefix of it. `note`: words
    about its numbers (`  (relu′(0) is a convention: …)`), after the chain from rung 2 on."""

    head: str
    symbols: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    value: str = ""
    note: str = ""

    @property
    def text(self) -> str:
        """The whole chain, as `nnstep solve` prints it."""
        return " = ".join([self.head, *self.symbols, *self.numbers, self.value]) + self.note

    def rung(self, n: int) -> str:
        """Rung 1 up to the symbols, 2 up to the numbers, 3 all of it. A chain with neither symbols nor
        numbers (∂L/∂L = 1, ∂d/∂b = 2) is its own formula: shown whole."""
        if not self.symbols and not self.numbers:
            return self.text
        parts = [self.head, *self.symbols]
        if n >= 2:
            parts += self.numbers
        if n >= 3:
            parts.append(self.value)
        return " = ".join(parts) + (self.note if n >= 2 else "")


def minus(text: str) -> str:
    """ASCII minus signs typeset as −."""
    return text.replace("-", MINUS)


class TermText:
    """Numbers and chain-rule formulas of one derivation as terminal text, to `digits` significant digits."""

    def __init__(self, digits: int, target_labels: Mapping[str, str]) -> None:
        self.digits = digits
        self.targets = target_labels
        self._texts: dict[int, tuple[object, str, str]] = {}  # id -> (value, num, pnum): values recur
        self._formulas: dict[int, tuple[Factor, tuple[str, int], str]] = {}  # id -> (factor, (loss, n), text)

    def num(self, value: object) -> str:
        return self._texts_of(value)[1]

    def pnum(self, value: object) -> str:
        """A number as a factor: negatives in parentheses."""
        return self._texts_of(value)[2]

    def _texts_of(self, value: object) -> tuple[object, str, str]:
        """(value, num, pnum), formatted once per value object (kept in the table, so its id stays its own)."""
        hit = self._texts.get(id(value))
        if hit is None or hit[0] is not value:
            shown = minus(fmt(value, self.digits))
            hit = self._texts[id(value)] = (value, shown, f"({shown})" if shown.startswith(MINUS) else shown)
        return hit

    def net_chain(self, f: ForwardNeuron) -> Chain:
        """`x3 = y1 · w13 + y2 · w23 + b3 = 1 · 2 + … = value`; max pooling `zp = max(c1, c2) = max(3, 5) = 5`."""
        if f.combine == "max":
            sym, nums = [t.source for t in f.terms], [self.num(t.source_value) for t in f.terms]
            return Chain(f.net_label, (f"max({', '.join(sym)})",), (f"max({', '.join(nums)})",), self.num(f.net))
        sym = [f"{t.source} · {t.parameter}" for t in f.terms]
        nums = [f"{self.pnum(t.source_value)} · {self.pnum(t.parameter_value)}" for t in f.terms]
        if f.bias is not None:
            sym.append(f.bias)
            nums.append(self.pnum(f.bias_value))
        return Chain(f.net_label, (" + ".join(sym) or "0",), (" + ".join(nums) or "0",), self.num(f.net))

    def out_chain(self, f: ForwardNeuron, group: Sequence[ForwardNeuron] = ()) -> Chain:
        """`y3 = relu(x3) = relu(2) = 2`; a softmax output over its `group`; the identity without numbers."""
        value = self.num(f.out)
        if f.activation.entry.group:
            den = " + ".join(f"e^{g.net_label}" for g in group) or "Σ e^net"
            numbers = (f"e^{self.pnum(f.net)} / ({' + '.join(f'e^{self.pnum(g.net)}' for g in group)})",)
            return Chain(f.neuron, (f"e^{f.net_label} / ({den})",), numbers if group else (), value)
        act = activation_op(f.activation.name)
        if act == fm.X:  # the identity: y = x = value
            return Chain(f.neuron, (f.net_label,), (), value)
        return Chain(f.neuron, (fm.text(act, x=f.net_label),), (fm.text(act, x=self.num(f.net)),), value)

    def loss_chain(self, loss: Loss, times: str = " · ") -> Chain:
        """`L = ½ Σ (t − y)² = ½·[(1 − 0.5)² + …] = value`; `times`: the product sign in a log loss's
        terms (`t · log y` in the terminal, `t·log y` compact)."""
        entry = LOSSES[loss.name]
        ref = self.pnum(loss.reference) if loss.reference is not None else ""  # hinge: the correct class's output
        terms = [
            entry.text_term.format(
                t=self.num(p.target),
                pt=self.pnum(p.target),
                y=self.num(p.out),
                py=self.pnum(p.out),
                times=times,
                ref=ref,
            )
            for p in loss.parts
        ]
        return Chain("L", (entry.text,), (text_sum(entry, terms) or "0",), self.num(loss.data_value))

    def delta_chain(self, d: Delta, loss: str, n_outputs: int, net: object = None) -> Chain:
        """`δ_y3 = ∂L/∂x3 = w35 · δ_y5 · relu′(x3) = 2 · 10 · 1 = 20`; `net` (the neuron's net input)
        adds the convention used where f′ has a kink at it."""
        s, n = self.delta_upstream(d, loss, n_outputs)
        assert d.activation is not None
        deriv = fm.text_factor(derivative_op(d.activation.name), x=d.net_label, y=d.neuron)
        head = f"δ_{d.neuron} = ∂L/∂{d.net_label}"
        if d.dropout is not None:  # y = m·f(x)/(1 − p): the mask and the scaling are a factor of ∂y/∂x
            s, n = f"{s} · m_{d.neuron}/(1 − p)", f"{n} · {self.pnum(d.dropout)}"
        numbers = (f"{n} · {self.pnum(d.derivative)}",)
        note = "  (dropped by dropout: the gradient stops here)" if d.dropout == 0 else self.kink_note(d, net)
        return Chain(head, (f"{s} · {deriv}",), numbers, self.num(d.value), note)

    def softmax_delta_chain(self, d: Delta, loss: str, out_target: tuple[object, object] | None = None) -> Chain:
        """A softmax output's δ in one step: `δ_y2 = ∂L/∂z2 = y2 − t2 = 0.740503 − 1 = …` with cross-entropy
        (the numbers where `out_target` gives them), else through the loss gradient g."""
        head = f"δ_{d.neuron} = ∂L/∂{d.net_label}"
        if not LOSSES[loss].softmax_shortcut:
            return Chain(head, (f"{d.neuron}·(g − Σ g·y)",), (), self.num(d.value))
        form = f"{d.neuron} {MINUS} {self.targets.get(d.neuron, 't')}"
        numbers = () if out_target is None else (f"{self.num(out_target[0])} {MINUS} {self.num(out_target[1])}",)
        return Chain(head, (form,), numbers, self.num(d.value))

    def kink_note(self, d: Delta, net: object) -> str:
        """`  (relu′(0) is a convention: 0 here; …)` where the net input `net` is exactly at a kink, else ''."""
        assert d.activation is not None
        convention = kink_convention(d.activation.name, net, d.derivative)
        if convention is None:
            return ""
        words = convention.words(fm.text(convention.derivative, x="0"), self.num(convention.value), convention.setting)
        return f"  ({words})"

    def delta_upstream(self, d: Delta, loss: str, n_outputs: int) -> tuple[str, str]:
        """∂L/∂y of a δ in symbols and in numbers: `(y5 − t5)`, `(w35 · δ_y5 + w36 · δ_y6)`, bracketed
        as the factor in front of f′."""
        sym, nums = [], []
        if d.loss_grad is not None:
            sym.append(self.loss_grad_text(d.neuron, loss, n_outputs))
            nums.append(self.num(d.loss_grad) if d.downstream else self.pnum(d.loss_grad))  # first of a sum
        for k in d.downstream:
            sym.append(f"{k.parameter} · δ_{k.neuron}")
            nums.append(f"{self.pnum(k.parameter_value)} · {self.pnum(k.delta)}")
        s = sym[0] if len(sym) == 1 else f"({' + '.join(sym)})"
        n = nums[0] if len(nums) == 1 else f"({' + '.join(nums)})"
        return s, n

    def uses_chain(self, g: Gradient) -> Chain:
        """`∂L/∂w = δ_y3 · y1 + … = (numbers) = value`: the gradient from the deltas of its uses."""
        symbols = " + ".join(f"δ_{u.neuron} · {u.source or '1'}" for u in g.uses) or "0"
        numbers = " + ".join(f"{self.pnum(u.delta)} · {self.pnum(u.source_value)}" for u in g.uses) or "0"
        return Chain(f"∂L/∂{g.parameter}", (symbols,), (numbers,), self.num(g.data_value))  # without a penalty

    def path_symbols(self, p: Path) -> str:
        return " · ".join(f"∂{f.numerator}/∂{f.denominator}" for f in p.factors)

    def path_formula(self, p: Path, loss: str, n_outputs: int) -> str:
        return " · ".join(self._formula(f, loss, n_outputs) for f in p.factors)

    def _formula(self, f: Factor, loss: str, n_outputs: int) -> str:
        """`factor_formula`, once per factor object (paths share the factors of their common part)."""
        hit = self._formulas.get(id(f))
        if hit is None or hit[0] is not f or hit[1] != (loss, n_outputs):
            hit = self._formulas[id(f)] = (f, (loss, n_outputs), self.factor_formula(f, loss, n_outputs))
        return hit[2]

    def path_numbers(self, p: Path) -> str:
        return " · ".join(self.pnum(f.value) for f in p.factors)

    def loss_grad_text(self, output: str, loss: str, n_outputs: int) -> str:
        """∂L/∂y of one output, as a formula in its symbols: (y5 − t5), 2(o1 − t_o1), …"""
        return fm.text_factor(LOSSES[loss].grad_formula, y=output, t=self.targets[output], n=str(n_outputs))

    def factor_formula(self, f: Factor, loss: str, n_outputs: int) -> str:
        if f.kind == "loss":
            return self.loss_grad_text(f.name or "", loss, n_outputs)
        if f.kind == "softmax_loss":
            return (
                f"({f.name} {MINUS} {self.targets[f.name or '']})" if LOSSES[loss].softmax_shortcut else f"δ_{f.name}"
            )
        if f.kind == "activation":
            assert f.activation is not None
            deriv = fm.text_factor(derivative_op(f.activation.name), x=f.denominator, y=f.numerator)
            return deriv if f.dropout is None else f"(m_{f.numerator}/(1 − p))·{deriv}"  # ∂y/∂x under dropout
        if f.kind == "weight":
            return f.name or "?"
        if f.kind == "source":
            return f.name or "1"
        raise ValueError(f"unknown factor kind {f.kind!r}")


# ---------------------------------------------------------------- computation-graph expressions


def expr_text(node: expr.Node) -> str:
    """A node's expression as the terminal shows it: `c*e`, `a + 2*b`, with − for minus."""
    return minus(expr.to_text(node))


def sympy_text(formula: Any) -> str:
    """A SymPy formula (a local derivative) as terminal text: `c`, `e^2`, `−r + x`."""
    import sympy

    return minus(sympy.sstr(formula).replace("**", "^"))


def substituted(node: expr.Node, values: Mapping[str, Any], digits: int) -> expr.Node:
    """The expression with each name replaced by its value (kept as a name, so it prints verbatim)."""
    match node:
        case expr.Name(name=name):
            return expr.Name(paren(fmt(values[name], digits)))
        case expr.Unary(op=op, operand=x):
            return expr.Unary(op, substituted(x, values, digits))
        case expr.Binary(op=op, left=left, right=right):
            return expr.Binary(op, substituted(left, values, digits), substituted(right, values, digits))
        case expr.Call(func=func, args=args):
            return expr.Call(func, tuple(substituted(a, values, digits) for a in args))
    return node

"""The formulas of a derivation in LaTeX: forward lines, loss, deltas, chain-rule products, updates.

`MathWriter` turns derivation data into rows of an `align*` environment. Symbols come from
`latexfmt.name`, numbers from `latexfmt.num` (which uses `tutor.maths.numfmt.fmt`). Long sums and products
are broken into rows of at most `PER_ROW` items, so nothing runs off the page.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

from tutor.maths import formula as fm
from tutor.maths.functions import activation_op, derivative_op, kink_convention
from tutor.maths.losses import LOSSES
from tutor.model.backward import Delta, Factor, Gradient, Path
from tutor.model.derivation import ForwardNeuron, Loss, Update
from tutor.render import latexfmt as lf
from tutor.render import latexreg

PER_ROW = 6  # at most this many factors (or terms) in a row of a broken product (or sum)
ROW_WIDTH = 60  # about what fits in a row of an A4 page, as `width` counts
CONT = r"&\quad "  # how a continuation row starts


_FRAC = re.compile(r"\\t?frac\{((?:[^{}]|\{[^{}]*\})*)\}\{((?:[^{}]|\{[^{}]*\})*)\}")
_SILENT = re.compile(r"\\(?:operatorname|mathrm|textnormal|[bB]igg?[lr]|left|right|quad|,)(?![a-zA-Z])")


def width(latex: str) -> int:
    """A rough width of a piece of math in characters: a fraction counts its wider part, an operator 3."""
    latex = _FRAC.sub(lambda m: "#" * max(width(m.group(1)), width(m.group(2))), latex)
    latex = re.sub(r"\\cdot|\\odot|\\leftarrow|[=+]| - ", "###", latex)
    latex = re.sub(r"\\[a-zA-Z]+", "#", _SILENT.sub("", latex))
    return len(re.sub(r"[{}_^ ]", "", latex))


def rows(items: Sequence[str], op: str, per_row: int = PER_ROW) -> list[str]:
    """Items joined by `op`, as balanced rows of at most `per_row` items (fewer when they are wide);
    rows after the first start with `op`."""
    if not items:
        return ["0"]
    total = sum(width(i) + 2 for i in items)
    n_rows = max(math.ceil(len(items) / per_row), math.ceil(total / ROW_WIDTH))
    size = max(1, math.ceil(len(items) / n_rows))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    return [(f"{op} " if i else "") + f" {op} ".join(c) for i, c in enumerate(chunks)]


def partial(num: str, den: str) -> str:
    return rf"\frac{{\partial {num}}}{{\partial {den}}}"


class MathWriter:
    """Writes the formulas of one derivation with consistent names and number format."""

    def __init__(self, digits: int, target_labels: dict[str, str], loss: str, n_outputs: int) -> None:
        self.digits = digits
        self.targets = target_labels
        self.loss_name = loss
        self.n_outputs = n_outputs

    def num(self, value: object) -> str:
        return lf.num(value, self.digits)

    def pnum(self, value: object) -> str:
        return lf.pnum(value, self.digits)

    def delta_symbol(self, neuron: str) -> str:
        return rf"\delta_{{{lf.name(neuron)}}}"

    # ---------------------------------------------------------------- forward
    def forward(self, f: ForwardNeuron, group: Sequence[ForwardNeuron] = ()) -> list[str]:
        """net = Σ … = value, then out = f(net) = value. `group`: the softmax group, for its denominator."""
        if f.activated is not None:  # dropout: f(net), then the mask and the scaling
            return latexreg.forward(self, f, group)
        sym = [f"{lf.name(t.source)} {lf.name(t.parameter)}" for t in f.terms]
        nums = [rf"{self.pnum(t.source_value)} \cdot {self.pnum(t.parameter_value)}" for t in f.terms]
        if f.combine == "max":  # max pooling: the max of its window (issue 16)
            sym, nums = [lf.name(t.source) for t in f.terms], [self.num(t.source_value) for t in f.terms]
            sym, nums = [r"\max(" + ", ".join(sym) + ")"], [r"\max(" + ", ".join(nums) + ")"]
        if f.bias is not None:
            sym.append(lf.name(f.bias))
            nums.append(self.pnum(f.bias_value))
        net, out = lf.name(f.net_label), lf.name(f.neuron)
        lines = self.equation(net, [rows(sym, "+"), rows(nums, "+")], self.num(f.net))
        if f.activation.entry.group:
            return lines + self.equation(
                out, [[self._softmax(f, group, False)], [self._softmax(f, group, True)]], self.num(f.out)
            )
        act = activation_op(f.activation.name)
        if act == fm.X:  # the identity: y = x = value
            return lines + [rf"{out} &= {net} = {self.num(f.out)}"]
        subst = fm.latex(act, x=self.num(f.net))
        return lines + [rf"{out} &= {fm.latex(act, x=net)} = {subst} = {self.num(f.out)}"]

    def _softmax(self, f: ForwardNeuron, group: Sequence[ForwardNeuron], numbers: bool) -> str:
        """e^{net} over the sum of e^{net_k} of the softmax group, in symbols or with the numbers."""

        def exp(g: ForwardNeuron) -> str:
            return rf"e^{{{self.num(g.net) if numbers else lf.name(g.net_label)}}}"

        den = " + ".join(exp(g) for g in group) or r"\sum_k e^{\mathrm{net}_k}"
        return rf"\frac{{{exp(f)}}}{{{den}}}"

    def equation(self, lhs: str, forms: Sequence[list[str]], value: str, rel: str = "=") -> list[str]:
        """`lhs = form₁ = form₂ = … = value`, each form on its own row(s) when any is broken."""
        one_line = " = ".join(f[0] for f in forms)
        if all(len(f) == 1 for f in forms) and width(lhs + one_line + value) <= ROW_WIDTH:
            return [f"{lhs} &{rel} {one_line} = {value}"]
        out: list[str] = []
        for i, form in enumerate(forms):
            lead = f"{lhs} &{rel} " if i == 0 else "&= "
            out.append(lead + form[0])
            out.extend(CONT + r for r in form[1:])
        out[-1] += f" = {value}"
        return out

    # ---------------------------------------------------------------- loss
    def loss(self, loss: Loss) -> list[str]:
        entry = LOSSES[loss.name]
        sym, nums = [], []
        ref, ref_value = "y_c", self.pnum(loss.reference) if loss.reference is not None else ""  # hinge's y_c
        for p in loss.parts:
            y, t = lf.name(p.output), lf.name(self.targets[p.output])
            sym.append(entry.latex_term.format(t=t, pt=t, y=y, py=y, ref=ref))
            tv, yv = self.num(p.target), self.num(p.out)
            nums.append(entry.latex_term.format(t=tv, pt=self.pnum(p.target), y=yv, py=self.pnum(p.out), ref=ref_value))
        front = entry.latex_front.format(n=len(loss.parts))
        forms = [self._loss_form(front, items) for items in (sym, nums)]
        rows = self.equation("L", forms, self.num(loss.data_value))
        return rows if loss.penalty is None else latexreg.loss(self, rows, loss)

    @staticmethod
    def _loss_form(front: str, items: list[str]) -> list[str]:
        """front · (sum of items), over rows; no parentheses around a single item."""
        form = rows(items, "+", 3)
        if not front:
            return form
        if len(items) == 1:
            return [f"{front} {form[0]}"]
        if len(form) == 1:
            return [rf"{front} \bigl({form[0]}\bigr)"]
        return [rf"{front} \Bigl(" + form[0], *form[1:-1], form[-1] + r"\Bigr)"]

    # ---------------------------------------------------------------- deltas
    def loss_grad(self, output: str) -> str:
        y, t = lf.name(output), lf.name(self.targets[output])
        return fm.latex_factor(LOSSES[self.loss_name].grad_formula, y=y, t=t, n=str(self.n_outputs))

    def derivative(self, activation: str, net: str, out: str) -> str:
        return fm.latex_factor(derivative_op(activation), x=lf.name(net), y=lf.name(out))

    def delta(self, d: Delta, net: object = None) -> list[str]:
        """The δ rows; `net` (the neuron's net input) adds a row naming the convention where f′ has a kink at it."""
        head = rf"{self.delta_symbol(d.neuron)} = {partial('L', lf.name(d.net_label))}"
        if d.softmax:
            t = lf.name(self.targets.get(d.neuron, "t"))
            y = lf.name(d.neuron)
            form = rf"{y}\bigl(g_{{{y}}} - \sum_k g_k y_k\bigr)"
            if LOSSES[self.loss_name].softmax_shortcut:
                form = rf"{y} - {t}"
            return [rf"{head} &= {form} = {self.num(d.value)}"]
        if d.activation is None:
            raise ValueError(f"delta of {d.neuron} has no activation")
        sym, nums = [], []
        if d.loss_grad is not None:
            sym.append(self.loss_grad(d.neuron))
            nums.append(self.num(d.loss_grad) if d.downstream else self.pnum(d.loss_grad))  # first of a sum
        for k in d.downstream:
            sym.append(rf"{lf.name(k.parameter)} {self.delta_symbol(k.neuron)}")
            nums.append(rf"{self.pnum(k.parameter_value)} \cdot {self.pnum(k.delta)}")
        deriv = self.derivative(d.activation.name, d.net_label, d.neuron)
        deriv_value = self.pnum(d.derivative)
        if d.dropout is not None:  # y = m·f(x)/(1 − p): the mask and the scaling are a factor of ∂y/∂x
            deriv, deriv_value = (
                rf"{latexreg.dropout_factor(d.neuron)}\, {deriv}",
                rf"{self.pnum(d.dropout)} \cdot {deriv_value}",
            )
        bare = not d.downstream
        forms = [
            self._times(rows(sym, "+"), deriv, bare),
            self._times(rows(nums, "+"), deriv_value, bare),
        ]
        lines = self.equation(head, forms, self.num(d.value))
        note = self.kink_note(d.activation.name, net, d.derivative)
        if note:
            lines[-1] += r" \\*" + "\n" + note  # a row end with no page break: the note stays with its δ
        return lines

    def kink_note(self, activation: str, net: object, derivative: object) -> str:
        r"""`&\quad \text{($\operatorname{relu}'(0)$ is a convention: $0$ here; …)}` at a kink, else ''."""
        convention = kink_convention(activation, net, derivative)
        if convention is None:
            return ""
        words = convention.words(
            f"${fm.latex(convention.derivative, x='0')}$",
            f"${self.num(convention.value)}$",
            rf"\texttt{{{lf.line(convention.setting)}}}",
        )
        first, rest = words.split("; ", 1)  # two rows: one would be wider than the page beside a long δ
        return rf"&\quad \text{{({first};}} \\*" + "\n" + rf"&\quad \text{{{rest})}}"

    @staticmethod
    def _times(summed: list[str], factor: str, bare: bool) -> list[str]:
        """(a + b + …) · factor over the rows of the sum; `bare`: a single factor needing no parentheses."""
        if bare:
            return [rf"{summed[0]} \cdot {factor}"]
        if len(summed) == 1:
            return [rf"\bigl({summed[0]}\bigr) \cdot {factor}"]
        return [r"\bigl(" + summed[0], *summed[1:-1], summed[-1] + rf"\bigr) \cdot {factor}"]

    # ---------------------------------------------------------------- gradients
    def gradient(self, g: Gradient) -> list[str]:
        if g.penalty is not None:
            return latexreg.gradient(self, g)
        head = partial("L", lf.name(g.parameter))
        uses_sym = [rf"{self.delta_symbol(u.neuron)} \cdot {lf.name(u.source) if u.source else '1'}" for u in g.uses]
        uses_num = [rf"{self.pnum(u.delta)} \cdot {self.pnum(u.source_value)}" for u in g.uses]
        delta_forms = [rows(uses_sym, "+", 3), rows(uses_num, "+", 3)]
        if not g.paths:
            return self.equation(head, delta_forms, self.num(g.value))
        forms = [self._paths(g.paths, fn) for fn in (self._symbols, self._formulas, self._numbers)]
        lines = self.equation(head, forms, self.num(g.value))
        return lines + self.equation("", delta_forms, self.num(g.value))

    def _paths(self, paths: Sequence[Path], factors_of: Callable[[Sequence[Factor]], list[str]]) -> list[str]:
        out: list[str] = []
        for i, p in enumerate(paths):
            r = rows(factors_of(p.factors), r"\cdot")
            out.extend([("+ " if i else "") + r[0], *r[1:]])
        return out

    def _symbols(self, factors: Sequence[Factor]) -> list[str]:
        return [partial(lf.name(f.numerator), lf.name(f.denominator)) for f in factors]

    def _formulas(self, factors: Sequence[Factor]) -> list[str]:
        return [self.factor(f) for f in factors]

    def _numbers(self, factors: Sequence[Factor]) -> list[str]:
        return [self.pnum(f.value) for f in factors]

    def factor(self, f: Factor) -> str:
        """The symbolic form of one chain-rule factor; an unknown kind is an error."""
        if f.kind == "loss":
            return self.loss_grad(f.name or "")
        if f.kind == "softmax_loss":
            y = lf.name(f.name or "")
            if LOSSES[self.loss_name].softmax_shortcut:
                return rf"({y} - {lf.name(self.targets[f.name or ''])})"
            return self.delta_symbol(f.name or "")
        if f.kind == "activation":
            if f.activation is None:
                raise ValueError("activation factor without an activation")
            deriv = self.derivative(f.activation.name, f.denominator, f.numerator)
            return deriv if f.dropout is None else rf"{latexreg.dropout_factor(f.numerator)}\, {deriv}"
        if f.kind == "weight":
            return lf.name(f.name or "")
        if f.kind == "source":
            return lf.name(f.name) if f.name is not None else "1"
        raise ValueError(f"unknown factor kind {f.kind!r}")

    # ---------------------------------------------------------------- updates
    def update(self, u: Update) -> str:
        p = lf.name(u.parameter)
        if u.frozen:
            return rf"{p} &= {self.num(u.old)} \quad \text{{(frozen: not updated)}}"
        step = rf"{self.num(u.learning_rate)} \cdot {self.pnum(u.gradient)}"
        return rf"{p} &\leftarrow {self.num(u.old)} - {step} = {self.num(u.new)}"

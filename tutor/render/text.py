"""The derivation as lines of plain text, phase by phase — the words of the terminal view.

Each `lines_<phase>` turns derivation data into (style, text) lines; `tutor.render.terminal` only puts
them on a Rich console. Symbolic forms are written from the data (which factor, which activation),
numbers through `tutor.numfmt`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from tutor.derivation import Delta, Factor, ForwardNeuron, Gradient, Loss, Path, Step, Update
from tutor.functions import ACTIVATION_TEXT, DERIVATIVE_TEXT, LOSS_GRAD_TEXT, LOSS_TEXT
from tutor.numfmt import fmt, paren

MINUS = "−"


@dataclass(frozen=True)
class Line:
    text: str
    style: str = ""  # a Rich style name; empty for plain
    indent: int = 2


class Writer:
    """Formats the numbers and symbols of one derivation consistently."""

    def __init__(self, digits: int, target_labels: dict[str, str]) -> None:
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
            text = fmt(value, self.digits)
            hit = self._texts[id(value)] = (value, text.replace("-", MINUS), paren(text).replace("-", MINUS))
        return hit

    # ---------------------------------------------------------------- forward
    def forward(self, f: ForwardNeuron, group: Sequence[ForwardNeuron] = ()) -> Iterator[Line]:
        """net = Σ … = value, then out = f(net) = value. `group`: the softmax group, for its denominator."""
        sym = [f"{t.source} · {t.parameter}" for t in f.terms]
        nums = [f"{self.pnum(t.source_value)} · {self.pnum(t.parameter_value)}" for t in f.terms]
        if f.bias is not None:
            sym.append(f.bias)
            nums.append(self.pnum(f.bias_value))
        rhs = " + ".join(sym) or "0"
        subst = " + ".join(nums) or "0"
        yield Line(f"{f.net_label} = {rhs} = {subst} = {self.num(f.net)}")
        act = ACTIVATION_TEXT[f.activation.name]
        if f.activation.name == "softmax":
            den = " + ".join(f"e^{g.net_label}" for g in group) or "Σ e^net"
            den_n = " + ".join(f"e^{self.pnum(g.net)}" for g in group)
            subst = f" = e^{self.pnum(f.net)} / ({den_n})" if group else ""
            yield Line(f"{f.neuron} = e^{f.net_label} / ({den}){subst} = {self.num(f.out)}", indent=4)
        elif f.activation.name == "identity":
            yield Line(f"{f.neuron} = {f.net_label} = {self.num(f.out)}", indent=4)
        else:
            yield Line(
                f"{f.neuron} = {act.format(x=f.net_label)} = {act.format(x=self.num(f.net))} = {self.num(f.out)}",
                indent=4,
            )

    # ---------------------------------------------------------------- loss
    def loss(self, loss: Loss) -> Iterator[Line]:
        yield Line(f"L = {LOSS_TEXT[loss.name]}")
        pieces = [f"({self.num(p.target)} {MINUS} {self.num(p.out)})²" for p in loss.parts]
        if loss.name in ("half_sse", "sse", "mse"):
            front = {"half_sse": "½·", "sse": "", "mse": f"(1/{len(loss.parts)})·"}[loss.name]
            inner = " + ".join(pieces)
            inner = f"[{inner}]" if front and len(pieces) > 1 else inner
            subst = f"{front}{inner}"
        elif loss.name == "cross_entropy":
            subst = MINUS + "(" + " + ".join(f"{self.num(p.target)} · log {self.pnum(p.out)}" for p in loss.parts) + ")"
        else:  # bce
            subst = (
                MINUS
                + "["
                + " + ".join(
                    f"{self.num(p.target)} · log {self.pnum(p.out)} + (1 {MINUS} {self.num(p.target)}) · "
                    f"log(1 {MINUS} {self.num(p.out)})"
                    for p in loss.parts
                )
                + "]"
            )
        yield Line(f"  = {subst} = {self.num(loss.value)}", style="bold")

    # ---------------------------------------------------------------- deltas
    def delta(self, d: Delta, loss: str, n_outputs: int) -> Iterator[Line]:
        head = f"δ_{d.neuron} = ∂L/∂{d.net_label}"
        if d.softmax:
            t = self.targets.get(d.neuron, "t")
            form = f"{d.neuron} {MINUS} {t}" if loss == "cross_entropy" else f"{d.neuron}·(g − Σ g·y)"
            yield Line(f"{head} = {form} = {self.num(d.value)}  (softmax output)")
            return
        sym, nums = [], []
        if d.loss_grad is not None:
            sym.append(self.loss_grad_text(d.neuron, loss, n_outputs))
            nums.append(self.num(d.loss_grad))
        for k in d.downstream:
            sym.append(f"{k.parameter} · δ_{k.neuron}")
            nums.append(f"{self.pnum(k.parameter_value)} · {self.pnum(k.delta)}")
        assert d.activation is not None
        deriv = DERIVATIVE_TEXT[d.activation.name].format(x=d.net_label, y=d.neuron)
        s = sym[0] if len(sym) == 1 else f"({' + '.join(sym)})"
        n = nums[0] if len(nums) == 1 else f"({' + '.join(nums)})"
        yield Line(f"{head} = {s} · {deriv} = {n} · {self.pnum(d.derivative)} = {self.num(d.value)}")

    # ---------------------------------------------------------------- gradients
    def gradient(self, g: Gradient, loss: str, n_outputs: int) -> Iterator[Line]:
        head = f"∂L/∂{g.parameter}"
        pad = " " * len(head)
        if g.paths is not None and g.paths:
            yield Line(f"{head} = " + " + ".join(self.path_symbols(p) for p in g.paths))
            yield Line(f"{pad} = " + " + ".join(self.path_formula(p, loss, n_outputs) for p in g.paths))
            yield Line(
                f"{pad} = " + " + ".join(self.path_numbers(p) for p in g.paths) + f" = {self.num(g.value)}",
                style="bold",
            )
        uses_sym = " + ".join(f"δ_{u.neuron} · {u.source or '1'}" for u in g.uses)
        uses_num = " + ".join(f"{self.pnum(u.delta)} · {self.pnum(u.source_value)}" for u in g.uses)
        lead = pad if g.paths else head
        style = "dim" if g.paths else "bold"
        yield Line(f"{lead} = {uses_sym or '0'} = {uses_num or '0'} = {self.num(g.value)}", style=style)

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
        text = LOSS_GRAD_TEXT[loss].format(y=output, t=self.targets[output], n=n_outputs)
        return f"({text})" if _is_sum(text) else text

    def factor_formula(self, f: Factor, loss: str, n_outputs: int) -> str:
        if f.kind == "loss":
            return self.loss_grad_text(f.name or "", loss, n_outputs)
        if f.kind == "softmax_loss":
            return f"({f.name} {MINUS} {self.targets[f.name or '']})" if loss == "cross_entropy" else f"δ_{f.name}"
        if f.kind == "activation":
            assert f.activation is not None
            text = DERIVATIVE_TEXT[f.activation.name].format(x=f.denominator, y=f.numerator)
            return f"({text})" if _is_sum(text) else text
        if f.kind == "weight":
            return f.name or "?"
        if f.kind == "source":
            return f.name or "1"
        raise ValueError(f"unknown factor kind {f.kind!r}")

    # ---------------------------------------------------------------- updates
    def update(self, u: Update) -> Line:
        if u.frozen:
            return Line(f"{u.parameter} = {self.num(u.old)}  (frozen: not updated)", style="dim")
        return Line(
            f"{u.parameter} ← {self.num(u.old)} {MINUS} {self.num(u.learning_rate)} · "
            f"{self.pnum(u.gradient)} = {self.num(u.new)}"
        )


def _is_sum(text: str) -> bool:
    """Whether a formula has a top-level + − or / and so needs parentheses as a factor."""
    depth = 0
    for i, c in enumerate(text):
        depth += (c == "(") - (c == ")")
        if depth == 0 and c in "+−/" and 0 < i < len(text) - 1 and text[i - 1] == " ":
            return True
    return False


def step_lines(
    step: Step, writer: Writer, loss_name: str, phases: Sequence[str] | None
) -> Iterator[tuple[str, list[Line]]]:
    """(section title, lines) for each phase of one step."""
    n_out = len(step.loss.parts)
    want = set(phases) if phases else {"forward", "loss", "backward", "update"}
    if "forward" in want:
        group = [f for f in step.forward if f.activation.name == "softmax"]
        yield "Forward pass", [line for f in step.forward for line in writer.forward(f, group)]
    if "loss" in want:
        yield "Loss", list(writer.loss(step.loss))
    if "backward" in want:
        yield (
            "Backward pass: deltas δ = ∂L/∂net",
            [ln for d in step.deltas for ln in writer.delta(d, loss_name, n_out)],
        )
        yield (
            "Backward pass: gradients by the chain rule",
            [ln for g in step.gradients for ln in writer.gradient(g, loss_name, n_out)],
        )
    if "update" in want:
        eta = step.updates[0].learning_rate if step.updates else 0
        yield (
            f"Updates: w ← w {MINUS} η · ∂L/∂w with η = {writer.num(eta)}",
            [writer.update(u) for u in step.updates],
        )

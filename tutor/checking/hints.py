"""The hint ladder of one quantity: the formula in symbols, then with the numbers put in, then the value.

The texts come from the terminal renderer's `Writer` (the same formulas `nnstep solve` prints): each
of its lines reads `head = symbols = numbers = value`, and a rung is a prefix of that chain.
"""

from __future__ import annotations

from dataclasses import dataclass

from tutor.model.derivation import Derivation, Step
from tutor.model.keys import read_key, split_key
from tutor.model.network import Network
from tutor.render.text import MINUS, Writer

RUNGS = 3  # 1 symbols, 2 numbers substituted, 3 the value


@dataclass(frozen=True)
class Chain:
    """One line of a formula: `head = symbols… = numbers… = value` (numbers may be empty)."""

    head: str
    symbols: tuple[str, ...]
    numbers: tuple[str, ...]
    value: str

    def rung(self, n: int) -> str:
        parts = [self.head, *self.symbols]
        if n >= 2:
            parts += self.numbers
        if n >= 3:
            parts.append(self.value)
        return " = ".join(parts)


class Hints:
    """Hint texts for every answer key of a derivation."""

    def __init__(self, derivation: Derivation, digits: int = 6) -> None:
        self.derivation = derivation
        network = Network(derivation.problem)
        self.writer = Writer(digits, network.target_labels)
        self.loss_name = derivation.problem.loss

    def rung(self, key: str, n: int) -> str:
        """Hint rung `n` (1–3) of `key`, one or more lines."""
        return "\n".join(c.rung(min(max(n, 1), RUNGS)) for c in self.chains(key))

    def chains(self, key: str) -> list[Chain]:
        index, local = split_key(key)
        return self.step_chains(self.derivation.steps[index - 1], local)

    def step_chains(self, step: Step, local: str) -> list[Chain]:
        """The chains of `local` (a key without its step prefix) in `step`."""
        key = read_key(local)
        name, part = key.subject, key.quantity
        if local == "loss":
            return self._loss(step)
        if part in ("net", "out"):
            f = next(f for f in step.forward if f.neuron == name)
            group = [g for g in step.forward if g.activation.name == "softmax"]
            return [_split(list(self.writer.forward(f, group))[0 if part == "net" else 1].text, 1)]
        n_out = len(step.loss.parts)
        if part == "delta":
            d = next(d for d in step.deltas if d.neuron == name)
            chain = _split(next(iter(self.writer.delta(d, self.loss_name, n_out))).text, 2)
            if d.softmax:
                chain = self._softmax_delta(step, name, chain)
            return [chain]
        if part == "grad":
            return self._gradient(step, name, n_out)
        if part == "new":
            return [self._update(step, name)]
        raise KeyError(local)

    def _loss(self, step: Step) -> list[Chain]:
        symbolic, numeric = (line.text.strip() for line in self.writer.loss(step.loss))
        *numbers, value = numeric.removeprefix("= ").split(" = ")
        w = self.writer
        if self.loss_name == "cross_entropy":
            numbers = [
                MINUS + "(" + " + ".join(f"{w.pnum(p.target)}·log {w.pnum(p.out)}" for p in step.loss.parts) + ")"
            ]
        elif self.loss_name == "bce":
            terms = [
                f"{w.pnum(p.target)}·log {w.pnum(p.out)} + "
                f"(1 {MINUS} {w.pnum(p.target)})·log(1 {MINUS} {w.pnum(p.out)})"
                for p in step.loss.parts
            ]
            numbers = [MINUS + "[" + " + ".join(terms) + "]"]
        return [Chain("L", (symbolic.removeprefix("L = "),), tuple(numbers), value)]

    def _softmax_delta(self, step: Step, name: str, chain: Chain) -> Chain:
        value = chain.value.removesuffix("(softmax output)").strip()
        numbers: tuple[str, ...] = ()
        if self.loss_name == "cross_entropy":
            out = next(f.out for f in step.forward if f.neuron == name)
            target = next((p.target for p in step.loss.parts if p.output == name), 0)
            numbers = (f"{self.writer.num(out)} {MINUS} {self.writer.num(target)}",)
        return Chain(chain.head, chain.symbols, numbers, value)

    def _gradient(self, step: Step, name: str, n_out: int) -> list[Chain]:
        g = next(g for g in step.gradients if g.parameter == name)
        w = self.writer
        head = f"∂L/∂{name}"
        value = w.num(g.value)
        chains = []
        if g.paths:
            symbols = (
                " + ".join(w.path_symbols(p) for p in g.paths),
                " + ".join(w.path_formula(p, self.loss_name, n_out) for p in g.paths),
            )
            chains.append(Chain(head, symbols, (" + ".join(w.path_numbers(p) for p in g.paths),), value))
        uses_sym = " + ".join(f"δ_{u.neuron} · {u.source or '1'}" for u in g.uses) or "0"
        uses_num = " + ".join(f"{w.pnum(u.delta)} · {w.pnum(u.source_value)}" for u in g.uses) or "0"
        chains.append(Chain(head, (uses_sym,), (uses_num,), value))
        return chains

    def _update(self, step: Step, name: str) -> Chain:
        u = next(u for u in step.updates if u.parameter == name)
        w = self.writer
        if u.frozen:
            return Chain(f"{name} (frozen)", (name,), (), w.num(u.new))
        numbers = f"{w.num(u.old)} {MINUS} {w.num(u.learning_rate)} · {w.pnum(u.gradient)}"
        return Chain(f"{name} ← {name} {MINUS} η · ∂L/∂{name}", (), (numbers,), w.num(u.new))


def _split(text: str, head: int) -> Chain:
    """A writer line `head = symbols = numbers = value` → Chain; `head` is how many segments the head has
    (a delta's is two: `δ_y5 = ∂L/∂x5`). Identity and softmax outputs have no numbers segment."""
    parts = [p.strip() for p in text.split(" = ")]
    *middle, value = parts[head:]
    if len(middle) >= 2:
        return Chain(" = ".join(parts[:head]), tuple(middle[:-1]), (middle[-1],), value)
    return Chain(" = ".join(parts[:head]), tuple(middle), (), value)

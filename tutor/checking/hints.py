"""The hint ladder of one quantity: the formula in symbols, then with the numbers put in, then the value.

Each key's hint is one or more `Chain`s (`head = symbols = numbers = value`, `tutor.maths.termtext`) built
from the derivation's data with the formula text `nnstep solve` uses (`TermText`, shared with the
terminal's `Writer`); a rung is a prefix of each chain. Nothing here reads rendered text.
"""

from __future__ import annotations

from dataclasses import replace

from tutor.checking.optimhints import optimizer_chains
from tutor.maths.optimizers import STATE_WORDS
from tutor.maths.regtext import RegDropTerms
from tutor.maths.termtext import MINUS, RUNGS, Chain
from tutor.model.backward import Delta
from tutor.model.derivation import Derivation, Step
from tutor.model.keys import read_key, split_key
from tutor.model.network import Network

__all__ = ["RUNGS", "Chain", "Hints"]


class Hints:
    """Hint chains for every answer key of a derivation."""

    def __init__(self, derivation: Derivation, digits: int = 6) -> None:
        self.derivation = derivation
        network = Network(derivation.problem)
        self.writer = RegDropTerms(digits, network.target_labels)
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
            data = self.writer.loss_chain(step.loss, times="·")  # the logs of a log loss compact
            if step.loss.penalty is None:
                return [data]
            w = self.writer
            return [replace(data, head="L_data"), w.penalty_chain(step.loss), w.total_loss_chain(step.loss)]
        if part in ("net", "out"):
            f = next(f for f in step.forward if f.neuron == name)
            if part == "net":
                return [self.writer.net_chain(f)]
            group = [g for g in step.forward if g.activation.entry.group]
            if f.activated is None:
                return [self.writer.out_chain(f, group)]
            raw = replace(f, neuron=f"{f.neuron}ʹ", out=f.activated)  # f(net), then dropout's mask and scaling
            return [self.writer.out_chain(raw, group), self.writer.dropout_chain(f)]
        if part == "delta":
            return [self._delta(step, next(d for d in step.deltas if d.neuron == name))]
        if part == "grad":
            return self._gradient(step, name)
        if part == "new" or part in STATE_WORDS:
            return self._update(step, name, part)
        raise KeyError(local)

    def _delta(self, step: Step, d: Delta) -> Chain:
        """`δ_y3 = ∂L/∂x3 = w35 · δ_y5 · relu′(x3) = 2 · 10 · 1 = 20` (with the convention at a kink); a
        softmax output's δ in one step, with its numbers."""
        if d.softmax:
            out = next(f.out for f in step.forward if f.neuron == d.neuron)
            target = next((p.target for p in step.loss.parts if p.output == d.neuron), 0)
            return self.writer.softmax_delta_chain(d, self.loss_name, (out, target))
        net = next((f.net for f in step.forward if f.neuron == d.neuron), None)
        return self.writer.delta_chain(d, self.loss_name, len(step.loss.parts), net)

    def _gradient(self, step: Step, name: str) -> list[Chain]:
        """The chain rule along every path (where written out), then the sum over the parameter's uses."""
        if name in self.derivation.problem.inputs:  # ∂L/∂x = Σ w · δ
            return [self.writer.input_gradient_chain(next(g for g in step.input_gradients if g.input == name))]
        g = next(g for g in step.gradients if g.parameter == name)
        w, n_out = self.writer, len(step.loss.parts)
        chains = []
        if g.paths:
            symbols = (
                " + ".join(w.path_symbols(p) for p in g.paths),
                " + ".join(w.path_formula(p, self.loss_name, n_out) for p in g.paths),
            )
            numbers = (" + ".join(w.path_numbers(p) for p in g.paths),)
            chains.append(Chain(f"∂L/∂{name}", symbols, numbers, w.num(g.data_value)))
        penalty = [w.penalty_gradient_chain(g)] if g.penalty is not None else []  # data term + λ·w
        return [*chains, w.uses_chain(g), *penalty]

    def _update(self, step: Step, name: str, part: str) -> list[Chain]:
        """`.new` (SGD's w ← w − η · ∂L/∂w), or a line of the optimizer's rule for `.new` and the state keys."""
        u = next(u for u in step.updates if u.parameter == name)
        w = self.writer
        if u.lines:
            return optimizer_chains(u, part, w)
        if part != "new":
            raise KeyError(f"{name}.{part}")
        if u.frozen:
            return [Chain(f"{name} (frozen)", (name,), (), w.num(u.new))]
        numbers = f"{w.num(u.old)} {MINUS} {w.num(u.learning_rate)} · {w.pnum(u.gradient)}"
        return [Chain(f"{name} ← {name} {MINUS} η · ∂L/∂{name}", (), (numbers,), w.num(u.new))]

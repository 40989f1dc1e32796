"""Checking a data set's answers: each example's own keys and each detailed iteration's batch keys.

An iteration (a step) feeds every example of its batch through the network — keys `ex2.y3.net`,
`ex2.loss`, `ex2.y3.delta`, `ex2.w13.grad`, where 2 is the example's place in the data set — then takes
the batch loss and gradients as the mean (or sum) of the examples' and updates once: `loss`, `w13.grad`,
`w13.new`. Later iterations go under `step2.` … The recomputation from a student's own values (error
carried forward) and the mistake diagnosis run the float64 engine (`tutor.engines.floats.numeric_step`) per
example, then the batch, each student value replacing the computed one downstream.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

import numpy as np

from tutor.checking.checkmodel import NetworkModel
from tutor.checking.hints import Chain, Hints
from tutor.engines import floatreg as fr
from tutor.engines.floats import RIGHT, Rules, example_input_gradients, numeric_step
from tutor.engines.optimfloat import carried_state, put_optimizer_step
from tutor.maths.numfmt import fmt
from tutor.model.derivation import Step
from tutor.model.keys import (
    QUANTITIES,
    describe_key,
    example_key,
    example_prefix,
    join_key,
    parse_key,
    read_key,
    split_key,
    step_prefix,
)
from tutor.model.keyset import wants_input_gradients


def _floats(values: Mapping[str, Any]) -> dict[str, float]:
    return {k: float(v) for k, v in values.items()}


class DataSetModel(NetworkModel):
    """A data set's detailed iterations (`Derivation.steps`, each with its batch's `examples`)."""

    def __init__(self, derivation: Any) -> None:
        super().__init__(derivation)
        self.batches = [tuple(e.example for e in s.examples) for s in derivation.steps]  # 1-based places
        self.input_gradients = wants_input_gradients(self.problem)  # `ex2.x1.grad` among the keys that count

    @cached_property
    def diagnoser(self) -> Any:
        from tutor.checking.diagnose import Diagnoser

        truth = {k: float(v) for k, v in self.expected.items()}
        return Diagnoser(self.problem, self.network, truth, runner=self.run)

    def recompute(self, student: Mapping[str, float]) -> Mapping[str, float]:
        return self.run(RIGHT, student)

    def run(self, rules: Rules, given: Mapping[str, float]) -> dict[str, float]:
        """Every key under `rules`, each value in `given` replacing the computed one downstream (what cannot
        be computed from a student's odd values is left out)."""
        try:
            with np.errstate(all="ignore"):
                return self._run(rules, given)
        except (ArithmeticError, ValueError, KeyError):
            return {}

    def _run(self, rules: Rules, given: Mapping[str, float]) -> dict[str, float]:
        problem = self.problem
        params = _floats(problem.parameters)
        eta = float(problem.learning_rate) if rules.use_learning_rate else 1.0
        values: dict[str, float] = {}
        state: dict[str, dict[str, float]] = {}
        for index, batch in enumerate(self.batches, 1):
            step = step_prefix(index)
            losses: list[float] = []
            grads: dict[str, list[float]] = {q: [] for q in params}
            for k in batch:
                prefix = step + example_prefix(k)
                own = {key[len(prefix) :]: v for key, v in given.items() if key.startswith(prefix)}
                if rules.updated_weights_in_backprop:  # the batch's own update, not one example's
                    own = {**self._new(step, params, given), **own}
                out = self._example(rules, params, k, index, own)
                values.update({prefix + key: v for key, v in out.items() if _per_example(key)})
                losses.append(own.get("loss", out["loss"]))
                for q in params:
                    grads[q].append(own.get(f"{q}.grad", out[f"{q}.grad"]))
            mean = (problem.reduction == "mean") != rules.batch_reduction_swapped
            scale = 1.0 / len(batch) if mean else 1.0
            penalty, terms = fr.penalty(problem, params, l2_scale=rules.l2_scale, on_bias=rules.l2_on_bias)
            values[f"{step}loss"] = scale * sum(losses) + penalty  # the penalty once per batch
            for q in params:
                values[f"{step}{q}.grad"] = scale * sum(grads[q]) + terms.get(q, 0.0)
            state = self._update(index, params, state, values, rules, eta, given)
            params = {q: given.get(f"{step}{q}.new", values[f"{step}{q}.new"]) for q in params}
        return values

    def _example(
        self, rules: Rules, params: Mapping[str, float], k: int, index: int, own: Mapping[str, float]
    ) -> dict[str, float]:
        """Example k's pass in iteration `index` (its keys without a prefix), from the student's `own` values."""
        example = self.problem.data[k - 1]
        x, t = _floats(example.inputs), _floats(example.targets)
        out = numeric_step(self.network, params, x, t, rules=rules, given=own, index=index, regularized=False)
        if self.input_gradients:  # ∂L_k/∂x from the student's own δ where given
            out.update(example_input_gradients(self.network, params, x, {**out, **own}))
        return out

    def _update(
        self,
        index: int,
        params: Mapping[str, float],
        state: Mapping[str, Mapping[str, float]],
        values: dict[str, float],
        rules: Rules,
        eta: float,
        given: Mapping[str, float],
    ) -> dict[str, dict[str, float]]:
        """The batch's update into `values` (`w13.new`, and an optimizer's state keys); the state after it."""
        problem, step = self.problem, step_prefix(index)
        grads = {q: given.get(f"{step}{q}.grad", values[f"{step}{q}.grad"]) for q in params}
        if problem.optimizer.name == "sgd":
            for q, w in params.items():
                values[f"{step}{q}.new"] = w if q in problem.frozen else w + rules.update_sign * eta * grads[q]
            return {}
        own = {k[len(step) :]: v for k, v in given.items() if k.startswith(step)} if step else dict(given)
        mine: dict[str, float] = {}
        put_optimizer_step(
            problem, params, grads, state, index, -rules.update_sign * eta, rules.bias_correction, mine.__setitem__, own
        )
        values.update({step + k: v for k, v in mine.items()})
        return {} if rules.reset_state else carried_state(problem, mine, own)

    def _new(self, step: str, params: Mapping[str, float], given: Mapping[str, float]) -> dict[str, float]:
        """The parameters after this iteration's update: the student's own where given, else the true ones."""
        return {f"{q}.new": given.get(f"{step}{q}.new", float(self.expected[f"{step}{q}.new"])) for q in params}

    def dependencies(self, key: str) -> tuple[str, ...]:
        parsed = read_key(key)
        step, k, inner = parsed.step, parsed.example, parsed.body
        if k is not None:  # within the example; the parameters come from the iteration before
            deps = [(d, *split_key(d)) for d in self.deps.of(join_key(step, inner))]
            return tuple(example_key(k, local, step) if at == step else d for d, at, local in deps)
        batch = self.batches[step - 1]
        if parsed.quantity in ("loss", "grad"):
            return tuple(example_key(j, inner, step) for j in batch)
        return self.deps.of(key)  # w13.new: its batch gradient and its value before the step

    def describe(self, key: str) -> str:
        parsed = read_key(key)
        step, k, inner = parsed.step, parsed.example, parsed.body
        later = "" if step == 1 else f" (step {step})"
        if k is not None:
            inputs = ", ".join(f"{n} = {fmt(v)}" for n, v in self.problem.data[k - 1].inputs.items())
            return f"{describe_key(self.problem, inner, self.network)}, for example {k} ({inputs}){later}"
        how = "mean" if self.problem.reduction == "mean" else "sum"
        if parsed.quantity == "loss":
            return f"the batch loss: the {how} of the examples' losses{later}"
        if parsed.quantity == "grad":
            name = parsed.subject
            return f"∂L/∂{name} for the batch: the {how} of the examples' ∂L/∂{name}{later}"
        return describe_key(self.problem, key, self.network)

    def hints(self, digits: int) -> Hints:
        return DataHints(self.derivation, digits)


class DataHints(Hints):
    """The hint ladder of a data set: an example's keys as in a single-example step, the batch loss and
    gradients as the mean (or sum) of the examples'."""

    def chains(self, key: str) -> list[Chain]:
        parsed = read_key(key)
        index, k, inner = parsed.step, parsed.example, parsed.body
        step = self.derivation.steps[index - 1]
        if k is not None:
            e = next(e for e in step.examples if e.example == k)
            pseudo = Step(index, e.forward, e.loss, e.deltas, e.gradients, (), input_gradients=e.input_gradients)
            return self.step_chains(pseudo, inner)
        if parsed.quantity == "loss":
            return [self._batch("L", "L", [(e.example, e.loss.value) for e in step.examples], step.loss.value)]
        if parsed.quantity == "grad":
            name = parsed.subject
            parts = [(e.example, g.value) for e in step.examples for g in e.gradients if g.parameter == name]
            total = next(g.value for g in step.gradients if g.parameter == name)
            return [self._batch(f"∂L/∂{name}", f"∂L_{{k}}/∂{name}", parts, total)]
        return self.step_chains(step, inner)

    def _batch(self, head: str, term: str, parts: list[tuple[int, Any]], value: Any) -> Chain:
        """`L = 1/n · (L_1 + … + L_n) = 1/n · (numbers) = value` (no 1/n for a sum)."""
        w = self.writer
        mean = f"1/{len(parts)} · " if self.derivation.problem.reduction == "mean" else ""
        symbols = " + ".join(term.replace("{k}", str(k)) if "{k}" in term else f"{term}_{k}" for k, _ in parts)
        numbers = " + ".join(w.pnum(v) for _, v in parts)
        return Chain(head, (f"{mean}({symbols})",), (f"{mean}({numbers})",), w.num(value))


def _per_example(key: str) -> bool:
    """A key an example of a batch has of its own (not its `.new` nor an optimizer's state: the batch's)."""
    parsed = parse_key(key)
    return parsed is not None and QUANTITIES[parsed.quantity].per_example

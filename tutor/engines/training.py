"""A data-set problem: the first iterations derived exactly, the whole schedule run fast, both checked.

Each detailed iteration runs the exact engine once per example of its batch (`engine.backprop`),
then averages (or adds) the examples' losses and gradients and updates once. The NumPy trainer runs the
whole schedule; the exact iterations are cross-checked against it and, per example, against the
per-neuron float64 engine.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import numpy as np

from tutor.engines import regdrop as rd
from tutor.engines.crosscheck import ABS_TOL, REL_TOL, as_float, beyond_float64
from tutor.engines.exact import backprop, check_exact_size, input_gradients_of_pass, updates_for
from tutor.engines.floats import example_input_gradients, numeric_step
from tutor.engines.optimexact import optimizer_state
from tutor.engines.trainer import train
from tutor.errors import CrossCheckError
from tutor.maths import functions as fn
from tutor.model.backward import Gradient
from tutor.model.derivation import DataSetDerivation, ExampleStep, Loss, Step
from tutor.model.keys import example_prefix, step_word
from tutor.model.network import MAX_PATHS, Network
from tutor.model.problem import Problem
from tutor.model.schedule import Iteration, iterations_per_epoch

Values = dict[str, Any]


def derive_training(
    problem: Problem,
    *,
    detail: int = 1,
    progress: Callable[[int], None] | None = None,
    max_paths: int = MAX_PATHS,
    whole_run: bool = True,
) -> DataSetDerivation:
    """The first `detail` iterations exactly, the whole run in float64 (`DataSetDerivation.training`), checked.

    `whole_run=False` (checking answers, which only concern the detailed iterations): `training` covers
    only the epochs of those iterations, so a file with a million epochs is checked at once."""
    schedule = problem
    if not whole_run:
        schedule = replace(problem, epochs=min(problem.epochs, -(-detail // iterations_per_epoch(problem))))
    run = train(schedule, keep=detail, progress=progress)
    network = Network(problem)
    params: Values = {k: fn.exact(v) for k, v in problem.parameters.items()}
    steps: list[Step] = []
    for it in run.schedule[:detail]:
        state = optimizer_state(steps[-1]) if steps else {}
        step = derive_iteration(network, params, it, max_paths=max_paths, state=state)
        steps.append(step)
        params = {u.parameter: u.new for u in step.updates}
        check_exact_size(problem, params, it.index, "--detail")
    derivation = DataSetDerivation(problem, tuple(steps), run)
    cross_check_training(derivation, network)
    return derivation


def derive_iteration(
    network: Network, params: Values, it: Iteration, *, max_paths: int = MAX_PATHS, state: Values | None = None
) -> Step:
    """One update on one batch: each example's exact pass, then the batch loss, gradients and update (the
    optimizer's step `it.index` from `state`, by parameter)."""
    problem = network.problem
    drop = rd.dropout_factors(problem, it.index)  # one mask per iteration, for every example of its batch
    examples = tuple(_example_step(network, params, k, max_paths, drop) for k in it.examples)
    scale = fn.exact(1) / len(examples) if problem.reduction == "mean" else fn.exact(1)
    loss = Loss(problem.loss, (), fn.exact(scale * _sum(e.loss.value for e in examples)))
    gradients = tuple(
        Gradient(p, (), None, fn.exact(scale * _sum(e.gradients[i].value for e in examples)))
        for i, p in enumerate(problem.parameters)
    )
    loss, gradients = rd.regularize(problem, params, loss, gradients)  # once per batch, after its reduction
    updates = updates_for(problem, params, {g.parameter: g.value for g in gradients}, state, it.index)
    return Step(it.index, (), loss, (), gradients, updates, examples, it.epoch)


def _example_step(network: Network, params: Values, k: int, max_paths: int, drop: Values) -> ExampleStep:
    example = network.problem.data[k]
    inputs = {n: fn.exact(v) for n, v in example.inputs.items()}
    targets = {n: fn.exact(v) for n, v in example.targets.items()}
    forward, loss, deltas, gradients = backprop(network, params, inputs, targets, max_paths=max_paths, drop=drop)
    grads_in = input_gradients_of_pass(network, params, forward, deltas)  # ∂L_k/∂x: the example's own loss
    return ExampleStep(k + 1, inputs, targets, forward, loss, deltas, gradients, grads_in)


def _sum(values: Iterator[Any]) -> Any:
    return sum(values, fn.exact(0))


def cross_check_training(derivation: DataSetDerivation, network: Network) -> None:
    """Exact iterations vs the NumPy trainer (batch loss, updated parameters) and, per example, vs the
    per-neuron float64 engine. CrossCheckError names every disagreement."""
    run = derivation.training
    bad: list[str] = []
    for i, step in enumerate(derivation.steps):
        at = f"{step_word(step.index)}."  # spelled out for step 1 too: these keys name the step in a message
        pairs = [(f"{at}loss", step.loss.value, run.iteration_loss[i])]
        pairs += [(f"{at}{u.parameter}.new", u.new, run.kept[i][j]) for j, u in enumerate(step.updates)]
        params = {u.parameter: float(u.old) for u in step.updates}
        for e in step.examples:
            inputs = _floats(e.inputs)
            with np.errstate(all="ignore"):  # an overflow shows as a value that is not finite, below
                numeric = numeric_step(network, params, inputs, _floats(e.targets), index=step.index, regularized=False)
                numeric.update(example_input_gradients(network, params, inputs, numeric))
            prefix = example_prefix(e.example)
            pairs += [(f"{at}{k}", v, numeric[k[len(prefix) :]]) for k, v in (*e.items(), *e.input_gradient_items())]
        for key, a, b in pairs:
            if not (math.isfinite(as_float(a)) and math.isfinite(b)):
                raise beyond_float64(derivation.problem, key)
        bad += [f"{key}: exact {float(a)!r} vs float64 {float(b)!r}" for key, a, b in pairs if not _close(a, b)]
    if bad:
        raise CrossCheckError(
            "the exact derivation and the NumPy trainer disagree — this is a bug in nnstep, please report it "
            "with the problem file:\n  " + "\n  ".join(bad[:10])
        )


def _floats(values: Values) -> dict[str, float]:
    return {k: float(v) for k, v in values.items()}


def _close(a: Any, b: float) -> bool:
    return math.isclose(float(a), float(b), rel_tol=REL_TOL, abs_tol=ABS_TOL)

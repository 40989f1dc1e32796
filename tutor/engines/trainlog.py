"""Every iteration of a data set's schedule in float64, example by example (for JSON's `steps`).

The exact engine derives the first iterations (`tutor.engines.training`); the rest of the run is replayed here
with the NumPy trainer's own arithmetic — the same batch gradient and update as `trainer.train`, so the
last iteration's parameters are the trained ones — plus each example's nets, outputs, loss, deltas and
gradients. SymPy is never imported here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from tutor.engines.optimvec import VectorOptimizer
from tutor.engines.trainer import Compiled, data_arrays, loss_scale
from tutor.model.network import Network
from tutor.model.problem import Problem
from tutor.model.schedule import Iteration, iterations


@dataclass(frozen=True)
class FloatIteration:
    """One update in float64: per example (rows) the nodes' A, Z, D and ∂L/∂p; then the batch's."""

    iteration: Iteration
    outputs: np.ndarray  # (batch, nodes)
    nets: np.ndarray
    deltas: np.ndarray
    losses: np.ndarray  # (batch,)
    example_gradients: np.ndarray  # (batch, parameters)
    loss: float
    gradients: np.ndarray  # (parameters,)
    updated: np.ndarray  # (parameters,) after the update
    state: dict[str, np.ndarray] | None = None  # an optimizer's state after the update, by state word (issue 15)
    penalty: float | None = None  # the regularization term in `loss`, None without one


class Replay:
    """The schedule replayed from the file's parameters; `index` maps a neuron to its column."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.net = Compiled(problem)
        self.index = self.net.index
        self.neurons = Network(problem).order
        self.parameters = self.net.params

    def run(self, start: int = 1, stop: int | None = None) -> Iterator[FloatIteration]:
        """Iterations start..stop (1-based, inclusive); earlier ones are run but not yielded."""
        problem, net = self.problem, self.net
        x, t = data_arrays(problem)
        p = np.array([float(v) for v in problem.parameters.values()], dtype=np.float64)
        step = float(problem.learning_rate) * net.trainable
        optimizer = VectorOptimizer(problem, net.trainable) if problem.optimizer.name != "sgd" else None
        for it in iterations(problem):
            if stop is not None and it.index > stop:
                return
            idx = np.array(it.examples, dtype=np.intp)
            scale = loss_scale(problem, len(idx))
            a, z, d = net.backward(p, x[idx], t[idx], net.extras.dropout(it.index))
            grad = scale * net.batch_gradient(a, d)  # the arithmetic of trainer.train, step for step
            penalty, penalty_grad = net.extras.penalty(p)
            if penalty_grad is not None:
                grad = grad + penalty_grad
            new = p - step * grad if optimizer is None else optimizer.step(p, grad, it.index)
            if it.index >= start:
                losses = net.losses(a, t[idx])
                example_grads = net.example_gradients(a, d)
                loss = float(losses.sum() * scale + penalty)
                state = optimizer.state if optimizer is not None else None
                shown = penalty if penalty_grad is not None else None
                yield FloatIteration(it, a, z, d, losses, example_grads, loss, grad, new, state, shown)
            p = new

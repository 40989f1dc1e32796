"""An optimizer's step on the trainer's whole parameter vector (issue 15): the registry's rule on NumPy arrays,
its state one array per state word, kept at zero (and the parameter unmoved) where a parameter is frozen."""

from __future__ import annotations

import numpy as np

from tutor.maths.optimizers import run_rule
from tutor.model.problem import Problem


class VectorOptimizer:
    def __init__(self, problem: Problem, trainable: np.ndarray) -> None:
        self.optimizer = problem.optimizer
        self.eta = float(problem.learning_rate)
        self.trainable = trainable.astype(bool)
        self.state = {k: np.zeros(len(trainable)) for k in self.optimizer.entry.state}

    def step(self, p: np.ndarray, grad: np.ndarray, t: int) -> np.ndarray:
        """The parameters after step `t` (from 1) with the gradient `grad`; the state moves on."""
        new, after, _ = run_rule(self.optimizer, p, grad, self.state, t, self.eta, number=float, sqrt=np.sqrt)
        self.state = {k: np.where(self.trainable, v, 0.0) for k, v in after.items()}
        return np.where(self.trainable, new, p)

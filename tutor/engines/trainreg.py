"""Regularization and dropout in the fast trainer (`tutor.engines.trainer`, `tutor.engines.trainlog`): a
dropout factor per node column for each iteration, the penalty and its gradient over the parameter vector.

As in the exact engine (`tutor.engines.regdrop`): one mask per iteration for every example of its batch, the
penalty added once per iteration after the batch's reduction. The final loss of a run is taken without
dropout (as a network is evaluated) and with the penalty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from tutor.engines.regdrop import dropped_neurons, penalised
from tutor.model.problem import Problem


class Extras:
    """What issue 15 adds to a training run, compiled once for the trainer's columns and parameters."""

    def __init__(self, problem: Problem, index: Mapping[str, int], params: Sequence[str], n_nodes: int) -> None:
        self.problem = problem
        self.n_nodes = n_nodes
        self.columns = {n: index[n] for n in dropped_neurons(problem)} if problem.dropout else {}
        weights = set(penalised(problem))
        self.weights = np.array([p in weights for p in params], dtype=np.float64)
        reg = problem.regularization
        self.kind = reg.kind if reg else None
        self.strength = float(reg.strength) if reg else 0.0

    def dropout(self, iteration: int) -> np.ndarray | None:
        """Each node column's factor in iteration `iteration` (1-based): mask · 1/(1 − p) or 1; None without dropout."""
        dropout = self.problem.dropout
        if dropout is None:
            return None
        factors = np.ones(self.n_nodes)
        mask, scale = dropout.mask(iteration), 1.0 / (1.0 - float(dropout.rate))
        for n, col in self.columns.items():
            factors[col] = mask.get(n, 1) * scale
        return factors

    def penalty(self, p: np.ndarray) -> tuple[float, np.ndarray | None]:
        """(the penalty, its gradient) at the parameter vector `p`; (0, None) without regularization."""
        if self.kind is None:
            return 0.0, None
        lam = self.strength * self.weights
        if self.kind == "l2":
            return float(0.5 * np.sum(lam * p * p)), lam * p
        return float(np.sum(lam * np.abs(p))), lam * np.sign(p)

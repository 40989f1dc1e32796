"""The order in which a data set's examples are fed: epochs of batches (mini-batch SGD).

Examples are taken in file order; `shuffle: SEED` permutes them afresh each epoch with NumPy's PCG64
generator seeded once, so a schedule is reproducible. The last batch of an epoch may be smaller.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tutor.model.problem import Problem


@dataclass(frozen=True)
class Iteration:
    """One gradient-descent update: `examples` are 0-based indices into the data set."""

    index: int  # 1-based over the whole run
    epoch: int  # 1-based
    examples: tuple[int, ...]


def batch_size(problem: Problem) -> int:
    """The effective batch size (`all` means every example)."""
    n = len(problem.data)
    return n if problem.batch_size is None else min(problem.batch_size, n)


def descent_kind(problem: Problem) -> str:
    """What the schedule is called: `stochastic` (one example a batch), `batch` (all of them) or `mini-batch`."""
    size = batch_size(problem)
    return "stochastic" if size == 1 else "batch" if size == len(problem.data) else "mini-batch"


def epoch_batches(n: int, size: int, order: np.ndarray) -> list[tuple[int, ...]]:
    return [tuple(int(i) for i in order[start : start + size]) for start in range(0, n, size)]


def iterations(problem: Problem, limit: int | None = None) -> list[Iteration]:
    """Every iteration of the whole schedule, in order (only the first `limit` when given)."""
    n, size = len(problem.data), batch_size(problem)
    rng = np.random.default_rng(problem.shuffle) if problem.shuffle is not None else None
    out: list[Iteration] = []
    for epoch in range(1, problem.epochs + 1):
        order = rng.permutation(n) if rng is not None else np.arange(n)
        for batch in epoch_batches(n, size, order):
            out.append(Iteration(len(out) + 1, epoch, batch))
        if limit is not None and len(out) >= limit:
            return out[:limit]
    return out


def iterations_per_epoch(problem: Problem) -> int:
    n = len(problem.data)
    return -(-n // batch_size(problem))

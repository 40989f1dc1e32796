"""A data set's training run as plain data: the losses and parameters of the whole schedule.

The NumPy trainer (`tutor.engines.trainer`) fills it in; a data-set derivation
(`tutor.model.derivation.DataSetDerivation`) carries it next to its detailed iterations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tutor.model.schedule import Iteration


@dataclass(frozen=True)
class TrainResult:
    """The whole run. An iteration's loss is its batch's loss before its update; an epoch's loss is the
    mean of its iterations' losses (as training loops report it); `final_loss` is the data set's loss
    with the trained parameters. `kept` holds the parameters after each of the first iterations."""

    parameters: tuple[str, ...]
    iteration_loss: np.ndarray  # (iterations,)
    epoch_loss: np.ndarray  # (epochs,)
    final_loss: float
    final: np.ndarray  # parameters at the end
    kept: np.ndarray  # (keep, parameters)
    schedule: tuple[Iteration, ...]

    def final_parameters(self) -> dict[str, float]:
        return {p: float(v) for p, v in zip(self.parameters, self.final, strict=True)}

    def epochs_to(self, threshold: float) -> int | None:
        """The first epoch whose loss is below `threshold` (None: never)."""
        below = np.flatnonzero(self.epoch_loss < threshold)
        return int(below[0]) + 1 if below.size else None

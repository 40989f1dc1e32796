"""Regularization and dropout of a problem (`regularization:`, `dropout:`), as plain frozen data.

The penalty is on the weights only (a parameter that is no neuron's bias): L2 adds (λ/2)·Σw², L1 λ·Σ|w|.
Dropout is inverted dropout on the hidden neurons (those without a target): in step s mask s applies, a
kept neuron's output is multiplied by 1/(1 − p), a dropped one's is 0; a neuron a mask does not name is
kept. A neuron's `out` (answer key `h1.out`) is its output after the mask and the scaling.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

PENALTIES = ("l2", "l1")


@dataclass(frozen=True)
class Regularization:
    """`{l2: λ}` or `{l1: λ}`."""

    kind: str  # one of PENALTIES
    strength: Fraction  # λ ≥ 0


@dataclass(frozen=True)
class Dropout:
    """`{rate: p, masks: [{h1: 0, h2: 1}, …]}`: one mask per step (per iteration of a data set)."""

    rate: Fraction  # p in [0, 1)
    masks: tuple[Mapping[str, int], ...]

    @property
    def scale(self) -> Fraction:
        """What a kept output is multiplied by: 1/(1 − p)."""
        return 1 / (1 - self.rate)

    def mask(self, step: int) -> Mapping[str, int]:
        """Step `step`'s mask (1-based); neurons it does not name are kept."""
        return self.masks[step - 1]

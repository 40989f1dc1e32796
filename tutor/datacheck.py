"""Checking a data-set iteration: the float64 recomputation follows the batch, not one example.

Keys (`tutor.derivation.ExampleStep.items`): `ex2.y3.out`, `ex2.loss`, `ex2.w13.grad` per example of the
iteration's batch, then the batch's `loss`, `w13.grad` (the mean or sum of the examples') and `w13.new`;
later detailed iterations under `step2.`, …  A student's own value of any key replaces the computed one
before later quantities are computed from it (error carried forward), as `tutor.numeric` does for one
example; `rules` re-runs it with a classic mistake.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from tutor.network import Network
from tutor.numeric import RIGHT, Rules, numeric_step


def dataset_numeric(
    derivation: Any, *, rules: Rules = RIGHT, given: Mapping[str, float] | None = None, network: Network | None = None
) -> dict[str, float]:
    """Every key of the derivation's detailed iterations in float64 (NaN-free only where computable)."""
    problem = derivation.problem
    network = network or Network(problem)
    given = given or {}
    params = {k: float(v) for k, v in problem.parameters.items()}
    eta = float(problem.learning_rate) if rules.use_learning_rate else 1.0
    values: dict[str, float] = {}
    for step in derivation.steps:
        prefix = "" if step.index == 1 else f"step{step.index}."
        mine = _under(given, prefix) if prefix else {k: v for k, v in given.items() if not k.startswith("step")}
        scale = 1.0 / len(step.examples) if problem.reduction == "mean" else 1.0
        loss, grads = 0.0, dict.fromkeys(params, 0.0)
        for e in step.examples:
            ex = f"ex{e.example}."
            own = _under(mine, ex)
            inputs = {k: float(v) for k, v in e.inputs.items()}
            targets = {k: float(v) for k, v in e.targets.items()}
            v = numeric_step(network, params, inputs, targets, rules=rules, given=own)
            values.update({prefix + ex + k: x for k, x in v.items() if not k.endswith(".new")})
            loss += own.get("loss", v["loss"])
            for p in params:
                grads[p] += own.get(f"{p}.grad", v[f"{p}.grad"])
        values[prefix + "loss"] = scale * loss
        for p, w in params.items():
            g = values[f"{prefix}{p}.grad"] = scale * grads[p]
            g = mine.get(f"{p}.grad", g)
            values[f"{prefix}{p}.new"] = w if p in problem.frozen else w + rules.update_sign * eta * g
        params = {p: mine.get(f"{p}.new", values[f"{prefix}{p}.new"]) for p in params}
    return values


def run_dataset(derivation: Any, rules: Rules, given: Mapping[str, float] | None, network: Network) -> dict[str, float]:
    """`dataset_numeric` that never raises or warns on a student's odd values (what fails is left out)."""
    try:
        with np.errstate(all="ignore"):
            return dataset_numeric(derivation, rules=rules, given=given, network=network)
    except (ArithmeticError, ValueError, KeyError):
        return {}


def _under(values: Mapping[str, float], prefix: str) -> dict[str, float]:
    return {k[len(prefix) :]: v for k, v in values.items() if k.startswith(prefix)}

"""The derivation as JSON: `{"title", "steps": [{"step", "forward", "loss", "deltas", "gradients",
"updated"}]}` — JSON numbers (integers where exact), plus `exact` strings for non-integer rationals."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from tutor.derivation import Derivation, Step
from tutor.numfmt import as_fraction, fmt


def number(value: Any) -> int | float:
    """A JSON number: an int where the value is an exact integer, else a float."""
    frac = as_fraction(value)
    if frac is not None and frac.denominator == 1:
        return int(frac.numerator)
    return float(value)


def step_record(step: Step, phases: Collection[str] | None = None) -> dict[str, Any]:
    want = set(phases) if phases else {"forward", "loss", "backward", "update"}
    rec: dict[str, Any] = {"step": step.index}
    if "forward" in want:
        rec["forward"] = {f.neuron: {"net": number(f.net), "out": number(f.out)} for f in step.forward}
    if "loss" in want:
        rec["loss"] = number(step.loss.value)
    if "backward" in want:
        rec["deltas"] = {d.neuron: number(d.value) for d in step.deltas}
        rec["gradients"] = {g.parameter: number(g.value) for g in step.gradients}
    if "update" in want:
        rec["updated"] = {u.parameter: number(u.new) for u in step.updates}
        rec["frozen"] = [u.parameter for u in step.updates if u.frozen]
    return rec


def to_dict(
    derivation: Derivation, *, step: int | None = None, phases: Collection[str] | None = None
) -> dict[str, Any]:
    p = derivation.problem
    exact = {k: fmt(v, 30) for k, v in derivation.values().items() if as_fraction(v) is not None}
    return {
        "title": p.title,
        "loss_function": p.loss,
        "learning_rate": number(p.learning_rate),
        "steps": [step_record(s, phases) for s in derivation.steps if step is None or s.index == step],
        "exact": exact,
    }


def render_json(derivation: Derivation, *, step: int | None = None, phases: Collection[str] | None = None) -> str:
    return json.dumps(to_dict(derivation, step=step, phases=phases), indent=2, ensure_ascii=False)

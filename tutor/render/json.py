"""The derivation as JSON: `{"title", "steps": [{"step", "forward", "loss", "deltas", "gradients",
"updated"}]}` — JSON numbers (integers where exact), plus `exact` strings for non-integer rationals."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from tutor.maths.numfmt import as_fraction, exact_text, to_float
from tutor.model.derivation import Derivation, ExampleStep, Step
from tutor.model.places import by_owner, layer_fields
from tutor.model.problem import Problem
from tutor.render.views import STEPS, VIEWS, ViewOptions

ALL_PHASES = ("forward", "loss", "backward", "update")


def number(value: Any) -> int | float:
    """A JSON number: an int where the value is an exact integer, else a float."""
    frac = as_fraction(value)
    if frac is not None and frac.denominator == 1:
        return int(frac.numerator)
    return to_float(value)


def phase_fields(item: Step | ExampleStep, want: Collection[str]) -> dict[str, Any]:
    """The forward / loss / backward / update fields of a step, or of one example of a batch (whose
    record has no updates; a batch's own record has no forward pass or deltas: they are per example)."""
    rec: dict[str, Any] = {}
    if "forward" in want and item.forward:
        rec["forward"] = {f.neuron: {"net": number(f.net), "out": number(f.out)} for f in item.forward}
    if "loss" in want:
        rec["loss"] = number(item.loss.value)
        if item.loss.penalty is not None:
            rec["penalty"] = number(item.loss.penalty.value)
    if "backward" in want:
        if item.deltas:
            rec["deltas"] = {d.neuron: number(d.value) for d in item.deltas}
        rec["gradients"] = {g.parameter: number(g.value) for g in item.gradients}
    updates = getattr(item, "updates", ())
    if "update" in want and updates:
        rec["updated"] = {u.parameter: number(u.new) for u in updates}
        rec["frozen"] = [u.parameter for u in updates if u.frozen]
        if any(u.state for u in updates):  # issue 15: the optimizer's state after the step
            rec["optimizer"] = {u.parameter: {k: number(v) for k, v in u.state.items()} for u in updates if u.state}
    return rec


def step_record(step: Step, phases: Collection[str] | None = None, input_gradients: bool = False) -> dict[str, Any]:
    rec = {"step": step.index, **phase_fields(step, phases or ALL_PHASES)}
    if input_gradients and "backward" in (phases or ALL_PHASES):
        rec["input_gradients"] = {g.input: number(g.value) for g in step.input_gradients}
    return rec


def to_dict(
    derivation: Derivation,
    *,
    step: int | None = None,
    phases: Collection[str] | None = None,
    input_gradients: bool = False,
) -> dict[str, Any]:
    p = derivation.problem
    fracs = {k: as_fraction(v) for k, v in derivation.values().items()}
    exact = {k: exact_text(f) for k, f in fracs.items() if f is not None}
    return {
        "title": p.title,
        "loss_function": p.loss,
        "learning_rate": number(p.learning_rate),
        **settings_fields(p),
        "steps": [
            {**step_record(s, phases, input_gradients), **layer_fields_of(p, s, phases or ALL_PHASES)}
            for s in derivation.steps
            if step is None or s.index == step
        ],
        "exact": exact,
    }


def settings_fields(p: Problem) -> dict[str, Any]:
    """What else the problem sets, each field only where it is set (issue 15): `loss_options` ({"delta": 1}),
    `optimizer` ({"name": "adam", "beta1": 0.9, …}), `regularization` ({"l2": 0.01}), `dropout` ({"rate": 0.5,
    "masks": [{"h1": 1, "h2": 0}, …]})."""
    out: dict[str, Any] = {}
    if p.loss_options:
        out["loss_options"] = {k: number(v) for k, v in p.loss_options.items()}
    if p.optimizer.name != "sgd":
        out["optimizer"] = {"name": p.optimizer.name, **{k: number(v) for k, v in p.optimizer.settings}}
    if p.regularization is not None:
        out["regularization"] = {p.regularization.kind: number(p.regularization.strength)}
    if p.dropout is not None:
        out["dropout"] = {"rate": number(p.dropout.rate), "masks": [dict(m) for m in p.dropout.masks]}
    return out


def layer_fields_of(problem: Problem, step: Step, want: Collection[str]) -> dict[str, Any]:
    """Issue 16: a map or rnn file's values in the file's own shapes, nested from their place names
    (`tutor.model.places`): `layer_outputs` {layer: nested} (an rnn's: one entry per step it has),
    `layer_gradients` and `layer_updated` {layer: {field: nested}}; nothing for other problems."""
    if not problem.maps and problem.rnn is None:
        return {}
    rec: dict[str, Any] = {}
    if "forward" in want:
        ins = problem.inputs if problem.maps else {}  # a map's input layer; not an rnn's sequence, its h_0
        outs = {**ins, **{f.neuron: f.out for f in step.forward}}
        rec["layer_outputs"] = by_owner({k: number(v) for k, v in outs.items()})
    if "backward" in want:
        rec["layer_gradients"] = layer_fields({g.parameter: number(g.value) for g in step.gradients})
    if "update" in want and step.updates:
        rec["layer_updated"] = layer_fields({u.parameter: number(u.new) for u in step.updates})
    return rec


def render_json(
    derivation: Derivation,
    *,
    step: int | None = None,
    phases: Collection[str] | None = None,
    input_gradients: bool = False,
) -> str:
    data = to_dict(derivation, step=step, phases=phases, input_gradients=input_gradients)
    return json.dumps(data, indent=2, ensure_ascii=False)


@VIEWS["json"].register(Derivation, STEPS)
def _json_view(derivation: Derivation, options: ViewOptions) -> list[str]:
    return [render_json(derivation, step=options.step, phases=options.phases, input_gradients=options.input_gradients)]

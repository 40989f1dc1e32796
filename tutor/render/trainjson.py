"""A data-set derivation as JSON: `steps` holds one record per iteration of the whole schedule.

Each record: `{"step", "epoch", "detailed", "examples": [{"example", "forward", "loss", "deltas",
"gradients"}], "loss", "gradients", "updated", "frozen"}` — `updated` is the parameters after that
iteration's update, so the last record's is the trained network. The first `--detail` iterations come
from the exact engine (`detailed: true`, integers where exact); the rest from the float64 replay
(`tutor.engines.trainlog`). `training` summarises the run (loss by epoch, final loss and parameters).
`--input-gradients` adds `"input_gradients": {"x1": …}` (∂L_k/∂x) to each example of a detailed record.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from typing import Any

import numpy as np

from tutor.engines.trainlog import FloatIteration, Replay
from tutor.model.derivation import DataSetDerivation, Step
from tutor.model.schedule import batch_size
from tutor.model.training import TrainResult
from tutor.render.curve import sparkline
from tutor.render.json import ALL_PHASES, number, phase_fields, settings_fields
from tutor.render.views import VIEWS, ViewOptions, step_count

SCHEDULE = step_count(lambda d: len(d.training.schedule), "the data set's schedule has {n} iteration(s)")


@VIEWS["json"].register(DataSetDerivation, SCHEDULE)  # every iteration of the schedule has a record
def _json_view(derivation: DataSetDerivation, options: ViewOptions) -> Iterator[str]:
    return json_chunks(derivation, step=options.step, phases=options.phases, input_gradients=options.input_gradients)


def _head(derivation: DataSetDerivation) -> dict[str, Any]:
    p = derivation.problem
    return {
        "title": p.title,
        "loss_function": p.loss,
        "learning_rate": number(p.learning_rate),
        **settings_fields(p),
        "epochs": p.epochs,
        "batch_size": batch_size(p),
        "reduction": p.reduction,
        "shuffle": p.shuffle,
        "iterations": len(derivation.training.schedule),
        "detailed": len(derivation.steps),
    }


def records(
    derivation: DataSetDerivation, step: int | None, phases: Collection[str] | None, input_gradients: bool = False
) -> Iterator[dict[str, Any]]:
    """One record per iteration (only iteration `step` if given), exact ones first, one at a time;
    `input_gradients`: each example of a detailed iteration with its `input_gradients` (∂L_k/∂x)."""
    want = phases or ALL_PHASES
    yield from (iteration_record(s, want, input_gradients) for s in derivation.steps if step is None or s.index == step)
    start = len(derivation.steps) + 1
    if step is None or step >= start:
        replay = Replay(derivation.problem)
        yield from (float_record(replay, fi, want) for fi in replay.run(step or start, step))


def run_summary(run: TrainResult) -> dict[str, Any]:
    """A training run: the loss of every epoch (a full list), the final loss and parameters; `nnstep train` too."""
    return {
        "epoch_loss": [float(v) for v in run.epoch_loss],
        "final_loss": run.final_loss,
        "final": run.final_parameters(),
        "sparkline": sparkline(list(run.epoch_loss)),
    }


def iteration_record(s: Step, want: Collection[str], input_gradients: bool = False) -> dict[str, Any]:
    """A detailed (exact) iteration; `input_gradients`: each example's ∂L_k/∂x (as a one-example step's)."""
    examples = [{"example": e.example, **phase_fields(e, want)} for e in s.examples]
    if input_gradients and "backward" in want:
        for rec, e in zip(examples, s.examples, strict=True):
            rec["input_gradients"] = {g.input: number(g.value) for g in e.input_gradients}
    return {"step": s.index, "epoch": s.epoch, "detailed": True, "examples": examples, **phase_fields(s, want)}


def float_record(replay: Replay, fi: FloatIteration, want: Collection[str]) -> dict[str, Any]:
    """An iteration of the float64 replay, with the same fields as a detailed one."""
    it = fi.iteration
    examples = [_example(replay, fi, row, want) for row in range(len(it.examples))]
    rec: dict[str, Any] = {"step": it.index, "epoch": it.epoch, "detailed": False, "examples": examples}
    if "loss" in want:
        rec["loss"] = _num(fi.loss)
        if fi.penalty is not None:
            rec["penalty"] = _num(fi.penalty)
    if "backward" in want:
        rec["gradients"] = _by_name(replay.parameters, fi.gradients)
    if "update" in want:
        rec["updated"] = _by_name(replay.parameters, fi.updated)
        rec["frozen"] = [q for q in replay.parameters if q in replay.problem.frozen]
        if fi.state is not None:  # issue 15: the optimizer's state after the update, as in a detailed record
            rec["optimizer"] = _state(replay, fi.state)
    return rec


def _state(replay: Replay, state: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    frozen = replay.problem.frozen
    return {q: {k: _num(v[i]) for k, v in state.items()} for i, q in enumerate(replay.parameters) if q not in frozen}


def _example(replay: Replay, fi: FloatIteration, row: int, want: Collection[str]) -> dict[str, Any]:
    """One example of a replayed batch: its nets and outputs, loss, deltas and gradients."""
    cols = [(n, replay.index[n]) for n in replay.neurons]
    rec: dict[str, Any] = {"example": fi.iteration.examples[row] + 1}
    if "forward" in want:
        nets, outs = _floats(fi.nets[row]), _floats(fi.outputs[row])
        rec["forward"] = {n: {"net": nets[c], "out": outs[c]} for n, c in cols}
    if "loss" in want:
        rec["loss"] = _num(fi.losses[row])
    if "backward" in want:
        deltas = _floats(fi.deltas[row])
        rec["deltas"] = {n: deltas[c] for n, c in reversed(cols)}
        rec["gradients"] = _by_name(replay.parameters, fi.example_gradients[row])
    return rec


def _by_name(names: tuple[str, ...], values: np.ndarray) -> dict[str, float]:
    return dict(zip(names, _floats(values), strict=True))


def _floats(values: np.ndarray) -> list[float]:
    """Plain floats for JSON, −0.0 written as 0.0."""
    return (values + 0.0).tolist()


def _num(value: float) -> float:
    """A float for JSON, with −0.0 written as 0.0."""
    return float(value) + 0.0


def json_chunks(
    derivation: DataSetDerivation,
    *,
    step: int | None = None,
    phases: Collection[str] | None = None,
    input_gradients: bool = False,
) -> Iterator[str]:
    """Indented JSON with one line per iteration record, produced record by record (a long run has
    millions of them: they are never all in memory)."""
    head = [f"  {json.dumps(k)}: {_indented(v)}" for k, v in _head(derivation).items()]
    yield "{\n" + ",\n".join(head) + ',\n  "steps": ['
    sep = "\n"
    for rec in records(derivation, step, phases, input_gradients):
        yield sep + "    " + json.dumps(rec, ensure_ascii=False)
        sep = ",\n"
    yield ("\n  ]" if sep != "\n" else "]") + f',\n  "training": {_indented(run_summary(derivation.training))}\n}}\n'


def _indented(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")

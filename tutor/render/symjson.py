"""A symbolic solution as JSON: today's JSON of the derivation, every field unchanged, plus its formulas.

Top level: `"target_symbols": {"<output>": "<symbol>"}` and `"symbols": {"<name>": value}` (every input,
parameter and target symbol with its value at step 1). A network's step records each get
`"symbolic": {"forward": {"<neuron>": {"net": "<expr>", "out": "<expr>"}}, "loss": "<expr>",
"deltas": {"<neuron>": "<expr>"}, "gradients": {"<parameter>": "<expr>"}, "updated": {"<parameter>":
"<expr>"}}`; a computation graph's top level gets `"symbolic": {"forward": {"<node>": "<expr>"},
"local": {"<child>": {"<parent>": "<expr>"}}, "gradients": {"<name>": "<expr>"}}`. Every `<expr>` is a
closed form in SymPy's `str()` syntax over input, parameter and target symbols (at step k > 1 the
parameter symbols stand for the values at the start of step k). `--only` drops phases as it does today's.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from tutor.model.symbolic import SymbolicSolution, SymbolicStep
from tutor.render.json import ALL_PHASES, number, to_dict
from tutor.render.symtext import str_printer, symbolic_steps
from tutor.render.views import VIEWS, ViewOptions


@VIEWS["json"].register(SymbolicSolution, symbolic_steps)
def _json_view(solution: SymbolicSolution, options: ViewOptions) -> list[str]:
    return [json.dumps(symbolic_dict(solution, options.step, options.phases), indent=2, ensure_ascii=False)]


def symbolic_dict(
    solution: SymbolicSolution, step: int | None = None, phases: Collection[str] | None = None
) -> dict[str, Any]:
    sym = solution.symbolic
    want = phases or ALL_PHASES
    if sym.graph:
        from tutor.render.graph import graph_dict

        data = graph_dict(solution.derivation, phases)
        data["symbolic"] = graph_forms(sym.steps[0], want)
    else:
        data = to_dict(solution.derivation, step=step, phases=phases)
        by_index, printer = {s.index: s for s in sym.steps}, str_printer()  # one printer: its memo is shared
        for record in data["steps"]:
            record["symbolic"] = network_forms(by_index[record["step"]], want, printer)
    data["target_symbols"] = dict(sym.target_symbols)
    data["symbols"] = {k: number(v) for k, v in sym.values.items()}
    return data


def network_forms(step: SymbolicStep, want: Collection[str], printer: Any = None) -> dict[str, Any]:
    """A step's closed forms in the shape of its record's numbers, each as `str(form)`."""
    text = (printer or str_printer()).doprint
    out: dict[str, Any] = {}
    fields = {"net": "forward", "out": "forward", "delta": "deltas", "grad": "gradients", "new": "updated"}
    phase_of = {"forward": "forward", "deltas": "backward", "gradients": "backward", "updated": "update"}
    phase_of["state"] = "update"
    for key, form in step.closed.items():
        if key == "loss":
            if "loss" in want:
                out["loss"] = text(form)
            continue
        subject, kind = key.rsplit(".", 1)
        field = fields.get(kind, "state")  # an optimizer's state after the step: {"w5": {"m": …, "v": …}}
        if phase_of[field] not in want:
            continue
        if field in ("forward", "state"):
            out.setdefault(field, {}).setdefault(subject, {})[kind] = text(form)
        else:
            out.setdefault(field, {})[subject] = text(form)
    return out


def graph_forms(step: SymbolicStep, want: Collection[str]) -> dict[str, Any]:
    """A computation graph's closed forms: node values, local derivatives, gradients."""
    text = str_printer().doprint
    out: dict[str, Any] = {}
    for key, form in step.closed.items():
        parts = key.split(".")
        if parts[-1] == "value" and "forward" in want:
            out.setdefault("forward", {})[parts[0]] = text(form)
        elif parts[-1] == "local" and "backward" in want:
            out.setdefault("local", {}).setdefault(parts[0], {})[parts[1]] = text(form)
        elif parts[-1] == "grad" and "backward" in want:
            out.setdefault("gradients", {})[parts[0]] = text(form)
    return out

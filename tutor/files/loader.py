"""YAML problem file → validated `tutor.model.problem.Problem`; anything invalid is a `ProblemError` (exit status 2)
naming the file, the dotted key (`neurons.y3.activation`) and its line.

Documented limits (past them a problem is rejected, never slowly solved):

- `MAX_FILE_BYTES` = 2 MB per file; YAML nested at most `tutor.files.yamlsafe.MAX_DEPTH` levels and at most
  `tutor.files.yamlsafe.MAX_VALUES` values, aliases counted expanded;
- `MAX_STEPS` = 1000 SGD steps, `MAX_NEURONS` = 2000 neurons (and inputs), `MAX_PARAMETERS` = 20000 parameters;
- names: a letter then letters, digits, `_`; at most 32 characters; not `loss` nor `step<digits>`.

How it is organised: each top-level key has a parser in `FIELDS` (raw YAML value → `Problem` keyword arguments);
then the cross-field checks in `CHECKS` run on the assembled keyword arguments, in order. New forms of the format
(`layers:`, `graph:`, `data:`/`epochs:`/`batch_size:`) plug in at the two marked places below.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from tutor.errors import ProblemError
from tutor.fileio import shown
from tutor.files import forms, regdrop
from tutor.files.dataform import DATA_KEYS
from tutor.files.neuronform import (
    check_keys,
    check_name,
    check_network,
    check_outputs,
    check_targets,
    check_usage,
    describe,
    did_you_mean,
    expect_mapping,
    parse_neurons,
)
from tutor.files.numbers import int_at, number_at
from tutor.files.optimform import optimizer_field
from tutor.files.yamlsafe import MAX_FILE_BYTES, Locator, YamlNumber, load_yaml
from tutor.maths.losses import LOSSES
from tutor.model.problem import CheckSettings, Problem

__all__ = ["MAX_FILE_BYTES", "MAX_NEURONS", "MAX_PARAMETERS", "MAX_STEPS", "load_problem", "problem_from_data"]

MAX_STEPS = 1000
MAX_NEURONS = 2000
MAX_PARAMETERS = 20000

Fields = dict[str, Any]  # keyword arguments for Problem
Parser = Callable[[Any, Locator], Fields]
Check = Callable[[Fields, Locator], None]


def load_problem(path: str | Path) -> Problem:
    """Read, parse and validate a problem file; ProblemError (file, key, line) if it is not valid."""
    data, locator = load_yaml(Path(path), file=shown(path), max_bytes=MAX_FILE_BYTES)
    return problem_from_data(data, file=shown(path), locator=locator)


def problem_from_data(data: Any, *, file: str, locator: Locator | None = None) -> Problem:
    """Validate already-loaded data (from `tutor.files.yamlsafe.load_yaml`, or built in code: then no line numbers)."""
    loc = locator or Locator(file, {}, ProblemError)
    top = expect_mapping(data, loc, what="keys (inputs, neurons, parameters, …)")
    _check_top_keys(top, loc)
    fields: Fields = {}
    for key, parse in FIELDS.items():
        if key in top:
            fields.update(parse(top[key], loc))
    for check in CHECKS:
        check(fields, loc)
    problem = Problem(**{k: v for k, v in fields.items() if not k.startswith("_")}, source=file)
    check_named_keys(problem, loc)
    return problem


def _check_top_keys(top: Mapping[str, Any], loc: Locator) -> None:
    for key in top:
        if key == "graph":
            raise loc.error("a computation graph (graph:) is a problem of its own: solve it with nnstep solve", key)
        if key in PLANNED:
            raise loc.error(f"{PLANNED[key]} ({key}:) is not supported yet; use the neuron form (neurons:)", key)
        if key not in FIELDS:
            raise loc.error(f"unknown key {key!r}; {did_you_mean(key, FIELDS)}valid keys: {', '.join(FIELDS)}", key)
    for key in REQUIRED:
        if key not in top and not any(alt in top for alt in forms.ALTERNATIVES.get(key, ())):
            raise loc.error_cls(f"missing key {key!r} ({REQUIRED[key]})", file=loc.file)  # no line to point at


def _text_field(key: str) -> Parser:
    def parse(value: Any, loc: Locator) -> Fields:
        if isinstance(value, bool) or not isinstance(value, (str, int, YamlNumber)):
            raise loc.error(f"expected text, found {describe(value)}", key)
        return {key: str(value)}

    return parse


def _number_map(key: str, limit: int, what: str) -> Parser:
    """`{name: number, …}`: non-empty, valid names, exact numbers."""

    def parse(value: Any, loc: Locator) -> Fields:
        spec = expect_mapping(value, loc, key, what=what)
        if not spec:
            raise loc.error(f"{key} is empty: expected {what}", key)
        if len(spec) > limit:
            raise loc.error(f"too many {key} ({len(spec)}; the limit is {limit})", key)
        return {key: {check_name(n, loc, key, n): number_at(v, loc, key, n) for n, v in spec.items()}}

    return parse


def _neurons(value: Any, loc: Locator) -> Fields:
    return {"neurons": parse_neurons(value, loc, limit=MAX_NEURONS)}


def _learning_rate(value: Any, loc: Locator) -> Fields:
    rate = number_at(value, loc, "learning_rate")
    if rate <= 0:
        raise loc.error(f"the learning rate must be positive, found {value}", "learning_rate")
    return {"learning_rate": rate}


def _steps(value: Any, loc: Locator) -> Fields:
    steps = int_at(value, loc, "steps")
    if not 1 <= steps <= MAX_STEPS:
        raise loc.error(f"steps must be between 1 and {MAX_STEPS}, found {value}", "steps")
    return {"steps": steps}


def _frozen(value: Any, loc: Locator) -> Fields:
    names = [value] if isinstance(value, str) else value  # `frozen: b1` means [b1]
    if not isinstance(names, list):
        raise loc.error(f"expected a list of parameter names, found {describe(value)}", "frozen")
    for i, name in enumerate(names):
        if not isinstance(name, str):
            raise loc.error(f"expected a parameter name, found {describe(name)}", "frozen", i)
    checked = [check_name(n, loc, "frozen", i) for i, n in enumerate(names)]
    return {"frozen": frozenset(checked), "_frozen_list": checked}  # the list: to point at the offending item


def _relu_at_zero(value: Any, loc: Locator) -> Fields:
    number = number_at(value, loc, "relu_derivative_at_zero")
    if number not in (0, 1):
        raise loc.error(f"must be 0 or 1 (ReLU′(0)), found {value}", "relu_derivative_at_zero")
    return {"relu_derivative_at_zero": number}


def _symbolic(value: Any, loc: Locator) -> Fields:
    if not isinstance(value, bool):
        raise loc.error(f"must be true or false, found {describe(value)}", "symbolic")
    return {"symbolic": value}


def _check_settings(value: Any, loc: Locator) -> Fields:
    spec = expect_mapping(value, loc, "check", what="rtol, atol, sigfigs, carried_credit, keys")
    check_keys(spec, ("rtol", "atol", "sigfigs", "carried_credit", "keys"), (), loc, "check")
    out: dict[str, Any] = {}
    if "keys" in spec:
        out["keys"] = _named_keys(spec["keys"], loc)
    for key in ("rtol", "atol", "carried_credit"):
        if key in spec:
            out[key] = float(number := number_at(spec[key], loc, "check", key))
            if number < 0 or (key == "carried_credit" and number > 1):
                limits = "between 0 and 1" if key == "carried_credit" else "at least 0"
                raise loc.error(f"must be {limits}, found {spec[key]}", "check", key)
    if spec.get("sigfigs") is not None:
        out["sigfigs"] = int_at(spec["sigfigs"], loc, "check", "sigfigs")
        if not 1 <= out["sigfigs"] <= 17:
            raise loc.error("sigfigs must be between 1 and 17", "check", "sigfigs")
    return {"check": CheckSettings(**out)}


def _named_keys(value: Any, loc: Locator) -> tuple[str, ...]:
    """`check: {keys: [loss, w13.grad]}`: the answer keys that count (`tutor.model.keyset`), as written."""
    if not isinstance(value, list) or not value:
        found = "an empty list" if value == [] else describe(value)
        raise loc.error(f"expected a non-empty list of answer keys (loss, w13.grad, …), found {found}", "check", "keys")
    for i, key in enumerate(value):
        if not isinstance(key, str):
            raise loc.error(f"expected an answer key, found {describe(key)}", "check", "keys", i)
    return tuple(dict.fromkeys(value))


def check_named_keys(problem: Any, loc: Locator, error_of: Callable[[Any, str], str | None] | None = None) -> None:
    """Every key of `check: {keys: …}` names an answer key of the problem: `error_of(problem, key)` says why
    not (default: a network's or data set's keys, `tutor.model.keyset.named_key_error`)."""
    from tutor.model.keyset import named_key_error

    for i, key in enumerate(problem.check.keys or ()):
        error = (error_of or named_key_error)(problem, key)
        if error:
            raise loc.error(error, "check", "keys", i)


def _vary(value: Any, loc: Locator) -> Fields:
    """`vary: {w13: {min: -3, max: 3, step: 1}, x1: {choices: [0, 1]}}`, kept with exact numbers."""
    spec = expect_mapping(value, loc, "vary", what="names to {min, max, step} or {choices: [...]}")
    return {"vary": {name: _vary_range(rng, loc, "vary", name) for name, rng in spec.items()}}


def _vary_range(value: Any, loc: Locator, *path: str) -> dict[str, Any]:
    spec = expect_mapping(value, loc, *path, what="{min, max, step} or {choices: [...]}")
    if "choices" in spec:
        check_keys(spec, ("choices",), ("choices",), loc, *path)
        choices = spec["choices"]
        if not isinstance(choices, list) or not choices:
            found = "an empty list" if choices == [] else describe(choices)
            raise loc.error(f"expected a non-empty list of numbers, found {found}", *path, "choices")
        return {"choices": [number_at(c, loc, *path, "choices", i) for i, c in enumerate(choices)]}
    check_keys(spec, ("min", "max", "step"), ("min", "max", "step"), loc, *path)
    rng = {k: number_at(spec[k], loc, *path, k) for k in ("min", "max", "step")}
    if rng["min"] > rng["max"]:
        raise loc.error("min is greater than max", *path, "max")
    if rng["step"] <= 0:
        raise loc.error("step must be positive", *path, "step")
    return rng


def _variant(value: Any, loc: Locator) -> Fields:
    return {"variant": dict(expect_mapping(value, loc, "variant", what="variant details (id, seed)"))}


# ── Top-level keys. A new form plugs in here: its key(s) and parser(s) in FIELDS (remove them from PLANNED),
#    its checks in CHECKS, and relax REQUIRED (e.g. `neurons` or `layers`; `inputs`/`targets` or `data`). ──
FIELDS: dict[str, Parser] = {
    "title": _text_field("title"),
    "description": _text_field("description"),
    "inputs": forms.vector_or("inputs", _number_map("inputs", MAX_NEURONS, "input names to values")),
    "neurons": _neurons,
    "parameters": _number_map("parameters", MAX_PARAMETERS, "parameter names to values"),
    "targets": forms.vector_or("targets", _number_map("targets", MAX_NEURONS, "output neuron names to target values")),
    "loss": regdrop.parse_loss,
    "regularization": regdrop.parse_regularization,
    "dropout": regdrop.parse_dropout,
    "learning_rate": _learning_rate,
    "optimizer": optimizer_field,
    "steps": _steps,
    "frozen": _frozen,
    "relu_derivative_at_zero": _relu_at_zero,
    "symbolic": _symbolic,
    "check": _check_settings,
    "vary": _vary,
    "variant": _variant,
    # the layer form and data sets (issue 6): raw values, expanded by `forms.expand_forms` below
    "layers": forms.layers_field,
    "sequence": forms.raw_field("sequence"),  # issue 16: an rnn layer's input at each time step
    **{key: forms.raw_field(key) for key in DATA_KEYS},
}
REQUIRED = {
    "inputs": "input node -> value",
    "neurons": "the network: neuron -> {inputs, bias, activation}",
    "parameters": "parameter name -> value",
    "targets": "output neuron -> target",
    "loss": ", ".join(LOSSES),
    "learning_rate": "a positive number",
}
PLANNED: dict[str, str] = {}


def _network(f: Fields, loc: Locator) -> None:
    check_network(f["inputs"], f["neurons"], f["parameters"], loc)


def _usage(f: Fields, loc: Locator) -> None:
    if f.get("maps"):  # a map: a pooling stride may skip a neuron, padding a kernel entry
        return
    check_usage(f["neurons"], f["parameters"], f["targets"], loc)


def _frozen_defined(f: Fields, loc: Locator) -> None:
    for i, name in enumerate(f.get("_frozen_list", ())):
        if name not in f["parameters"]:
            raise loc.error(f"cannot freeze {name!r}: it is not a parameter", "frozen", i)


def _vary_defined(f: Fields, loc: Locator) -> None:
    known = {*f["parameters"], *f["inputs"], "learning_rate"}
    for name, rng in f.get("vary", {}).items():
        if name not in known:
            raise loc.error(f"cannot vary {name!r}: only parameters, inputs and learning_rate can vary", "vary", name)
        if name == "learning_rate" and min(rng.get("choices", [rng.get("min")])) <= 0:
            raise loc.error("the learning rate must stay positive: every value drawn must be > 0", "vary", name)


def _outputs(f: Fields, loc: Locator) -> None:
    check_targets(f["inputs"], f["neurons"], f["targets"], loc)


def _loss_fits(f: Fields, loc: Locator) -> None:
    check_outputs(f["neurons"], f["targets"], f["loss"], loc, ("data", 0, "targets") if "data" in f else ("targets",))


# ── Cross-field checks, in order (each may assume the ones before it passed). A new form adds its own here. ──
def _examples_fit(f: Fields, loc: Locator) -> None:
    forms.check_examples(f, loc, check_outputs)


CHECKS: list[Check] = [
    forms.expand_forms,
    _network,
    _outputs,
    _usage,
    regdrop.check_hinge,
    _loss_fits,
    _examples_fit,
    _frozen_defined,
    _vary_defined,
    regdrop.check_dropout,
]

"""The loader's plug-ins for the layer form (`layers:`) and data sets (`data:`, `epochs:`, …).

Top-level parsers keep the raw values (lists of inputs and targets only make sense once the layers are
known); `expand_forms`, the first cross-field check, turns them into the neuron-form fields every later
check and the engines use: `inputs`, `neurons`, `parameters`, `targets`, plus `data`, `layer_names` and
the schedule. The computation-graph form (`graph:`) is not a network; `tutor.engines.graph` reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tutor.files.convlayers import expand_map_layers, flat_values, uses_maps
from tutor.files.dataform import DATA_KEYS, parse_examples, parse_schedule
from tutor.files.layers import Layers, expand_layers, vector_values
from tutor.files.rnnlayers import has_rnn, parse_rnn_layers
from tutor.files.rnnunroll import expand_rnn
from tutor.files.yamlsafe import Locator

Fields = dict[str, Any]
Parser = Callable[[Any, Locator], Fields]

# a key may be left out when one of these is given instead
ALTERNATIVES = {"inputs": ("data", "sequence"), "targets": ("data",), "neurons": ("layers",), "parameters": ("layers",)}


def layers_field(value: Any, loc: Locator) -> Fields:
    if has_rnn(value):  # issue 16: a recurrent layer, unrolled once `sequence:` is known
        return {"_rnn": parse_rnn_layers(value, loc)}
    return {"_layers": expand_map_layers(value, loc) if uses_maps(value) else expand_layers(value, loc)}


def raw_field(key: str) -> Parser:
    """Keep the value for `expand_forms` (it needs other keys to read it)."""

    def parse(value: Any, loc: Locator) -> Fields:
        return {f"_{key}": value}

    return parse


def vector_or(key: str, mapping: Parser) -> Parser:
    """`inputs`/`targets`: a mapping as in the neuron form, or (layer form) a list in layer order."""

    def parse(value: Any, loc: Locator) -> Fields:
        return {f"_{key}": value} if isinstance(value, list) else mapping(value, loc)

    return parse


def expand_forms(f: Fields, loc: Locator) -> None:
    """Fill the neuron-form fields from `layers:` and `data:` (in place)."""
    if "_rnn" in f:
        expand_rnn(f, f.pop("_rnn"), loc)
    elif "_sequence" in f:
        raise loc.error("sequence: needs a recurrent layer (type: rnn) under layers:", "sequence")
    layers: Layers | None = f.get("_layers")
    if layers is not None:
        _expand_layers(f, layers, loc)
    for key in ("inputs", "targets"):
        if f"_{key}" in f and layers is None:
            raise loc.error("a list needs the layer form (layers:); name the nodes: {x1: 1, x2: 0}", key)
    if "_data" in f:
        _expand_data(f, layers, loc)
    else:
        for key in DATA_KEYS[1:]:
            if f"_{key}" in f:
                raise loc.error(f"{key} needs a data set: list the examples under data:", key)


def _expand_layers(f: Fields, layers: Layers, loc: Locator) -> None:
    for key in ("neurons", "parameters"):
        if key in f:
            raise loc.error(f"{key} cannot go with layers: (the layers give the network and its parameters)", key)
    f.update(neurons=layers.neurons, parameters=layers.parameters, layer_names=layers.layer_names)
    if layers.maps:
        f["maps"] = layers.maps
    for key, which, names in (("inputs", 0, layers.inputs), ("targets", -1, layers.outputs)):
        if f"_{key}" in f and layers.maps:  # a map file: nested as the layer's shape
            f[key] = flat_values(f.pop(f"_{key}"), layers, which, loc, key)
        elif f"_{key}" in f:
            f[key] = vector_values(f.pop(f"_{key}"), names, loc, key)


def _expand_data(f: Fields, layers: Layers | None, loc: Locator) -> None:
    for key in ("inputs", "targets", "steps"):
        if key in f or f"_{key}" in f:
            instead = "epochs" if key == "steps" else "each example of data"
            raise loc.error(f"{key} cannot go with data: (use {instead})", key)
    if layers is not None and layers.maps:
        raise loc.error("a data set (data:) takes no conv or pooling layers yet: give one example (inputs:)", "data")
    names = (layers.inputs, layers.outputs) if layers is not None else None
    examples = parse_examples(f.pop("_data"), loc, names)
    raw = {key: f.pop(f"_{key}") for key in DATA_KEYS[1:] if f"_{key}" in f}
    schedule = parse_schedule(raw, loc, len(examples))
    f.update(
        data=examples,
        inputs=dict(examples[0].inputs),
        targets=dict(examples[0].targets),
        epochs=schedule.epochs,
        batch_size=schedule.batch_size,
        reduction=schedule.reduction,
        shuffle=schedule.shuffle,
    )


def check_examples(f: Fields, loc: Locator, check: Callable[..., None]) -> None:
    """Run a per-example check (targets in range for the loss, …) on every example, at its own key."""
    for i, example in enumerate(f.get("data", ())):
        check(f["neurons"], example.targets, f["loss"], loc, ("data", i, "targets"))

"""JSON's layer fields (issue 16) hold the derivation's flat values at the file's own places.

Random conv/pool files (`test_conv_torch.random_case`) and rnn files (`test_rnn_torch.random_rnn`), two
steps each: every leaf of `layer_outputs`, `layer_gradients` and `layer_updated` is the value that
`derivation.values()` gives the name of its place, the name written here from the leaf's position and the
file's layers (`c[o][i][j]`, `h@t2[1]`, `y@t3` for a one-unit layer, `h.recurrent_weights[i][j].grad`),
every such value is somewhere in the fields, the shapes are the file's, and a layer's fields come in the
file's order.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import pytest
from test_conv_torch import random_case
from test_rnn_torch import random_rnn

from tutor.engines.exact import derive
from tutor.engines.solver import load_source
from tutor.files.loader import problem_from_data
from tutor.model.derivation import Derivation
from tutor.render.json import to_dict

FIELDS = ("kernels", "input_weights", "recurrent_weights", "weights", "biases")  # a layer's parameter keys


def leaves(nested: Any, index: tuple[int, ...] = ()) -> Iterator[tuple[tuple[int, ...], Any]]:
    """(position, value) of every number in nested lists."""
    if isinstance(nested, list):
        for i, part in enumerate(nested):
            yield from leaves(part, (*index, i))
    else:
        yield index, nested


def shape(nested: Any) -> tuple[int, ...]:
    return (len(nested), *shape(nested[0])) if isinstance(nested, list) else ()


def element(name: str, index: tuple[int, ...]) -> str:
    return name + "".join(f"[{i}]" for i in index)


def of_step(values: dict[str, Any], step: int) -> dict[str, Any]:
    """One step's values by answer key without its prefix (`step2.y.biases[0].grad` → `y.biases[0].grad`)."""
    if step == 1:
        return {k: v for k, v in values.items() if not re.match(r"step[0-9]+[.]", k)}
    return {k.removeprefix(f"step{step}."): v for k, v in values.items() if k.startswith(f"step{step}.")}


def check_fields(derivation: Derivation, layers: list[dict[str, Any]], node: Any) -> None:
    """`node(layer, position)` names the node at a position of `layer_outputs[layer]` (None: an input)."""
    records = to_dict(derivation)["steps"]
    assert [r["step"] for r in records] == [1, 2]
    for record in records:
        values = of_step(derivation.values(), record["step"])
        seen = set()
        for layer, nested in record["layer_outputs"].items():
            for index, leaf in leaves(nested):
                if (name := node(layer, index)) is not None:
                    seen.add(f"{name}.out")
                    assert math.isclose(leaf, values[f"{name}.out"], rel_tol=1e-15), (layer, index)
        assert seen == {k for k in values if k.endswith(".out")}  # every neuron's output, once
        for field, word in (("layer_gradients", "grad"), ("layer_updated", "new")):
            check_parameters(record[field], layers, values, word)


def check_parameters(record: dict[str, Any], layers: list[dict[str, Any]], values: dict[str, Any], word: str) -> None:
    spec = {layer["name"]: layer for layer in layers}
    seen = set()
    for layer, own in record.items():
        assert list(own) == [k for k in spec[layer] if k in FIELDS]  # the file's fields, in its order
        for field, nested in own.items():
            assert shape(nested) == shape(spec[layer][field])
            for index, leaf in leaves(nested):
                key = f"{element(f'{layer}.{field}', index)}.{word}"
                seen.add(key)
                assert math.isclose(leaf, values[key], rel_tol=1e-15), key
    assert seen == {k for k in values if k.endswith(f".{word}")}  # every parameter, once


@pytest.mark.parametrize("seed", range(12))
def test_conv_pool_fields_are_the_derivations_values(seed: int) -> None:
    data, _ = random_case(seed)
    data["steps"] = 2
    derivation = derive(problem_from_data(data, file=f"case{seed}.yaml"))
    x = data["layers"][0]["name"]
    record = to_dict(derivation)["steps"][0]
    given = [float(Fraction(v)) for _, v in leaves(data["inputs"])]
    assert [v for _, v in leaves(record["layer_outputs"][x])] == given  # the input map, as the file gives it
    assert shape(record["layer_outputs"][x]) == tuple(data["layers"][0]["shape"])
    assert list(record["layer_outputs"]) == [layer["name"] for layer in data["layers"]]

    def node(layer: str, index: tuple[int, ...]) -> str | None:
        return None if layer == x else element(layer, index)

    check_fields(derivation, data["layers"], node)


@pytest.mark.parametrize("seed", range(16))
def test_rnn_fields_are_the_derivations_values(seed: int) -> None:
    spec = random_rnn(seed)
    derivation = derive(load_source(json.dumps(spec) + "\n", "<text>"))
    layers = spec["layers"]
    per_step = isinstance(spec["targets"][0], list)
    steps = len(spec["sequence"])
    read = list(range(1, steps + 1)) if per_step else [steps]
    sizes = {layer["name"]: len(layer.get("weights", layer.get("input_weights", []))) for layer in layers[1:]}
    record = to_dict(derivation)["steps"][0]
    assert list(record["layer_outputs"]) == [layer["name"] for layer in layers[1:]]  # not the sequence
    assert shape(record["layer_outputs"]["h"]) == (steps, sizes["h"])  # h_1 … h_T
    for layer in layers[2:]:
        assert shape(record["layer_outputs"][layer["name"]]) == (len(read), sizes[layer["name"]])

    def node(layer: str, index: tuple[int, ...]) -> str:
        t = index[0] + 1 if layer == "h" else read[index[0]]
        return f"{layer}@t{t}" if sizes[layer] == 1 else f"{layer}@t{t}[{index[1]}]"

    check_fields(derivation, layers, node)

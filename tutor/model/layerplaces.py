"""Where the expanded neurons and parameters of a layer-form layer sit in the file's own shapes (issue 16).

A recurrent layer (or a convolution) expands into the neuron form with names by place (`h@t2[1]`,
`h.recurrent_weights[0][0]`: `tutor.model.keys.PLACE_NAME`). `LayerPlaces` keeps the way back: for each
layer the nested node names of its outputs (an RNN's: one entry per time step) and, per field key of the
file (`input_weights`, `recurrent_weights`, `biases`, `weights`), the nested parameter names, so that the
JSON view writes `layer_outputs`, `layer_gradients` and `layer_updated` with the file's shapes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Nested = Any  # a name, or a list of Nested


@dataclass(frozen=True)
class RnnShape:
    """An unrolled recurrent layer: what the BPTT view needs beyond the neuron form."""

    layer: str  # the RNN layer's name (`h`)
    source: str  # the input layer's name (`x`)
    steps: int  # T
    size: int  # hidden units
    inputs: tuple[tuple[str, ...], ...]  # x_t's input names, t = 1..T
    hidden: tuple[tuple[str, ...], ...]  # h_t's node names, t = 0..T (t = 0: the initial state, inputs)
    readouts: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]  # (layer, its node names per read-out step)
    readout_steps: tuple[int, ...]  # the steps read out (every step, or the last)


@dataclass(frozen=True)
class LayerPlaces:
    """Per layer: its outputs' node names and its fields' parameter names, nested as in the file."""

    outputs: Mapping[str, Nested]
    fields: Mapping[str, Mapping[str, Nested]]
    rnn: RnnShape | None = None


def nest(names: Nested, value: Callable[[str], Any]) -> Nested:
    """`names` with each name replaced by `value(name)`, keeping the nesting."""
    if isinstance(names, str):
        return value(names)
    return [nest(n, value) for n in names]


def flat(names: Nested) -> list[str]:
    """Every name in `names`, in order."""
    if isinstance(names, str):
        return [names]
    return [n for part in names for n in flat(part)]

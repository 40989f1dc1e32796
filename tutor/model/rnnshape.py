"""Where an unrolled recurrent layer's nodes sit, step by step (issue 16): what the BPTT view needs beyond
the neuron form.

A recurrent layer expands into the neuron form with names by place (`x@t1[0]`, `h@t2[1]`,
`h.recurrent_weights[0][0]`: `tutor.model.keys.PLACE_NAME`); `RnnShape` keeps, per time step, the node names
of its input, its hidden state and its read-out layers, so that `tutor.engines.bptt` arranges the numbers as
vectors per step. The file's shapes of values by place name (JSON's layer fields) are `tutor.model.places`'s.
"""

from __future__ import annotations

from dataclasses import dataclass


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

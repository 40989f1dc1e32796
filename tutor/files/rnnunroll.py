"""Unroll a recurrent layer over `sequence:` into the neuron form (the names: `tutor.files.rnnlayers`)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from tutor.files.rnnlayers import (
    Dense,
    RnnLayers,
    matrix_names,
    node,
    read_sequence,
    step_nodes,
    vector_names,
)
from tutor.files.yamlsafe import Locator, dotted
from tutor.model.problem import Connection, Neuron
from tutor.model.rnnshape import RnnShape

Fields = dict[str, Any]


def expand_rnn(f: Fields, layers: RnnLayers, loc: Locator) -> None:
    """Fill `inputs`, `neurons`, `parameters`, `targets` and `rnn` from the layers and `sequence:` (in place)."""
    for key in ("neurons", "parameters", "inputs", "_inputs", "_data"):
        if key in f:
            shown = key.lstrip("_")
            raise loc.error(
                f"{shown} cannot go with an rnn layer (the inputs are sequence:, one vector per step)", shown
            )
    if "_sequence" not in f:
        raise loc.error("an rnn layer needs sequence: (the input vector at each time step)", "layers", 1)
    sequence = read_sequence(f.pop("_sequence"), layers.input_size, loc)
    per_step, targets = _targets(f.pop("_targets", None), layers, len(sequence), loc)
    steps = tuple(range(1, len(sequence) + 1)) if per_step else (len(sequence),)
    _check_softmax(layers, steps, loc)
    inputs, neurons, params = _unroll(layers, sequence, steps)
    shape = _shape(layers, len(sequence), steps)
    out_nodes = shape.readouts[-1][1] if shape.readouts else tuple(shape.hidden[t] for t in steps)
    f.update(
        inputs=inputs,
        neurons=neurons,
        parameters=params,
        targets={n: v for nodes, row in zip(out_nodes, targets, strict=True) for n, v in zip(nodes, row, strict=True)},
        rnn=shape,
    )


def _targets(value: Any, layers: RnnLayers, steps: int, loc: Locator) -> tuple[bool, list[list[Fraction]]]:
    """(per step?, the target vectors): `[0.5]` is the last step's, `[[…], …]` one per step."""
    size = len(layers.readouts[-1].weights) if layers.readouts else len(layers.rnn.weights)
    if value is None:
        raise loc.error_cls("missing key 'targets' (the last step's target, or one list per step)", file=loc.file)
    if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
        if len(value) != steps:
            raise loc.error(f"expected one target list per time step ({steps}); found {len(value)}", "targets")
        for t, row in enumerate(value):
            if len(row) != size:
                raise loc.error(
                    f"step {t + 1}: expected {size} targets (the output layer's size); found {len(row)}", "targets", t
                )
        return True, [[_num(v, loc, "targets", t, j) for j, v in enumerate(row)] for t, row in enumerate(value)]
    if not isinstance(value, list) or len(value) != size or any(isinstance(v, list) for v in value):
        found = f"{len(value)} values" if isinstance(value, list) else "no list"
        raise loc.error(
            f"expected the last step's {size} targets, or {steps} lists of {size}; found {found}", "targets"
        )
    return False, [[_num(v, loc, "targets", j) for j, v in enumerate(value)]]


def _num(value: Any, loc: Locator, *path: str | int) -> Fraction:
    from tutor.files.numbers import parse_number

    return parse_number(value, file=loc.file, key=dotted(path), line=loc.line(path))


def _check_softmax(layers: RnnLayers, steps: tuple[int, ...], loc: Locator) -> None:
    for i, dense in enumerate(layers.readouts, start=2):
        if dense.activation.entry.group and len(steps) > 1:
            why = "the engines normalise one softmax group: give the last step's target only"
            raise loc.error(
                f"softmax read out at {len(steps)} steps is not supported ({why})", "layers", i, "activation"
            )


def _unroll(
    layers: RnnLayers, sequence: list[list[Fraction]], steps: tuple[int, ...]
) -> tuple[dict[str, Fraction], dict[str, Neuron], dict[str, Fraction]]:
    rnn, units = layers.rnn, len(layers.rnn.weights)
    inputs = {
        node(layers.source, t, j, layers.input_size): v for t, x in enumerate(sequence, 1) for j, v in enumerate(x)
    }
    inputs.update({node(rnn.name, 0, i, units): v for i, v in enumerate(layers.initial)})
    params = _params(rnn, "input_weights") | _matrix_params(rnn.name, "recurrent_weights", layers.recurrent)
    params |= {k: v for dense in layers.readouts for k, v in _params(dense, "weights").items()}
    w_x, w_h = (
        matrix_names(rnn.name, "input_weights", units, layers.input_size),
        matrix_names(rnn.name, "recurrent_weights", units, units),
    )
    neurons: dict[str, Neuron] = {}
    for t in range(1, len(sequence) + 1):
        x, before = step_nodes(layers.source, t, layers.input_size), step_nodes(rnn.name, t - 1, units)
        for i in range(units):
            conns = [Connection(s, w) for s, w in zip(x, w_x[i], strict=True)]
            conns += [Connection(s, w) for s, w in zip(before, w_h[i], strict=True)]
            _add(neurons, node(rnn.name, t, i, units), conns, rnn, i)
        if t in steps:
            _read_out(neurons, layers, t)
    return inputs, neurons, params


def _read_out(neurons: dict[str, Neuron], layers: RnnLayers, t: int) -> None:
    prev = step_nodes(layers.rnn.name, t, len(layers.rnn.weights))
    for dense in layers.readouts:
        size = len(dense.weights)
        w = matrix_names(dense.name, "weights", size, len(prev))
        for i in range(size):
            _add(
                neurons,
                node(dense.name, t, i, size),
                [Connection(s, p) for s, p in zip(prev, w[i], strict=True)],
                dense,
                i,
            )
        prev = step_nodes(dense.name, t, size)


def _add(neurons: dict[str, Neuron], name: str, conns: list[Connection], dense: Dense, i: int) -> None:
    bias = f"{dense.name}.biases[{i}]" if dense.biases is not None else None
    neurons[name] = Neuron(name, tuple(conns), dense.activation, bias)


def _params(dense: Dense, key: str) -> dict[str, Fraction]:
    out = _matrix_params(dense.name, key, dense.weights)
    if dense.biases is not None:
        out |= dict(zip(vector_names(dense.name, "biases", len(dense.biases)), dense.biases, strict=True))
    return out


def _matrix_params(layer: str, key: str, matrix: list[list[Fraction]]) -> dict[str, Fraction]:
    names = matrix_names(layer, key, len(matrix), len(matrix[0]))
    return {n: v for row_n, row in zip(names, matrix, strict=True) for n, v in zip(row_n, row, strict=True)}


def _shape(layers: RnnLayers, steps: int, read: tuple[int, ...]) -> RnnShape:
    rnn, units = layers.rnn.name, len(layers.rnn.weights)
    return RnnShape(
        layer=rnn,
        source=layers.source,
        steps=steps,
        size=units,
        inputs=tuple(step_nodes(layers.source, t, layers.input_size) for t in range(1, steps + 1)),
        hidden=tuple(step_nodes(rnn, t, units) for t in range(steps + 1)),
        readouts=tuple((d.name, tuple(step_nodes(d.name, t, len(d.weights)) for t in read)) for d in layers.readouts),
        readout_steps=read,
    )

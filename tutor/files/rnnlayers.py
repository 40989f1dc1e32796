"""A recurrent layer in the layer form (issue 16): `type: rnn`, unrolled over the steps of `sequence:`.

    layers:
      - {name: x, size: 2}
      - {name: h, type: rnn, activation: tanh, input_weights: [[0.5, -0.3]], recurrent_weights: [[0.8]],
         biases: [0], initial: [0]}        # h_t = f(W_x x_t + W_h h_{t-1} + b), h_0 = initial (default zeros)
      - {name: y, activation: identity, weights: [[1.5]], biases: [0]}   # read out (dense, shared weights)
    sequence: [[1, 0], [0, 1], [1, 1]]     # x_1 … x_T
    targets: [0.5]                         # the last step's; or one list per step (the loss summed over steps)

It expands into the neuron form, names by place (`tutor.model.keys.PLACE_NAME`): inputs `x@t1[0]` and the
initial state `h@t0[0]` (constants), neurons `h@t1[0]` … `h@tT[H-1]` sharing the parameters
`h.input_weights[i][j]`, `h.recurrent_weights[i][j]`, `h.biases[i]`, and the read-out layers at every step
with a target (`y@t3[0]`; `y@t3` for a one-unit layer) sharing `y.weights[i][j]`, `y.biases[i]`. The engines
sum each shared parameter's chain rule over its uses: that sum is backpropagation through time.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from tutor.files.layers import MAX_LAYER_SIZE, layer_size
from tutor.files.neuronform import MAX_NAME, NAME, parse_activation
from tutor.files.numbers import parse_number
from tutor.files.yamlsafe import Locator, dotted
from tutor.maths.activations import Activation

MAX_SEQUENCE = 50  # time steps
MAX_UNITS = MAX_LAYER_SIZE
RNN_KEYS = {"name", "type", "size", "activation", "input_weights", "recurrent_weights", "biases", "initial"}
DENSE_KEYS = {"name", "size", "activation", "weights", "biases"}
Matrix = list[list[Fraction]]


@dataclass(frozen=True)
class Dense:
    name: str
    weights: Matrix
    biases: list[Fraction] | None
    activation: Activation


@dataclass(frozen=True)
class RnnLayers:
    """A validated `layers:` list with a recurrent layer, before the sequence unrolls it."""

    source: str
    input_size: int
    rnn: Dense  # its weights are the input weights
    recurrent: Matrix
    initial: list[Fraction]
    readouts: tuple[Dense, ...]


def has_rnn(value: Any) -> bool:
    return isinstance(value, list) and any(isinstance(v, dict) and v.get("type") == "rnn" for v in value)


def parse_rnn_layers(value: list[Any], loc: Locator) -> RnnLayers:
    """Validate the layers (input, the rnn, then dense read-outs); errors name `layers[i].key` and its line."""
    for i, raw in enumerate(value):
        if isinstance(raw, dict) and raw.get("type") == "rnn" and i != 1:
            raise loc.error("an rnn layer comes right after the input layer (one rnn layer)", "layers", i, "type")
    first = _mapping(value[0], 0, {"name", "size"}, loc)
    source, size = _name(first, 0, loc), layer_size(first.get("size"), loc, "layers", 0, "size")
    layer = _mapping(value[1], 1, RNN_KEYS, loc)
    rnn = _dense(layer, 1, size, "input_weights", loc)
    if rnn.activation.entry.group:
        why = "it normalises a whole layer at one step; put softmax on a read-out layer after the rnn"
        raise loc.error(f"softmax inside an rnn is not supported: {why}", "layers", 1, "activation")
    units = len(rnn.weights)
    recurrent = _matrix(layer.get("recurrent_weights"), units, loc, 1, "recurrent_weights", rows=units)
    initial = _vector(layer.get("initial", [0] * units), units, loc, 1, "initial")
    readouts, names = [], [source, rnn.name]
    n_prev = units
    for i, raw in enumerate(value[2:], start=2):
        dense = _dense(_mapping(raw, i, DENSE_KEYS, loc), i, n_prev, "weights", loc)
        if dense.name in names:
            raise loc.error(f"the layer name {dense.name!r} is used twice", "layers", i, "name")
        readouts.append(dense)
        names.append(dense.name)
        n_prev = len(dense.weights)
    return RnnLayers(source, size, rnn, recurrent, initial, tuple(readouts))


def _dense(layer: dict[str, Any], i: int, n_prev: int, key: str, loc: Locator) -> Dense:
    name = _name(layer, i, loc)
    weights = _matrix(layer.get(key), n_prev, loc, i, key)
    if "size" in layer and layer_size(layer["size"], loc, "layers", i, "size") != len(weights):
        raise loc.error(f"size {layer['size']} but {key} has {len(weights)} rows", "layers", i, "size")
    biases = _vector(layer["biases"], len(weights), loc, i, "biases") if "biases" in layer else None
    act = parse_activation(layer.get("activation"), loc, "layers", i, "activation")
    return Dense(name, weights, biases, act)


def _mapping(raw: Any, i: int, allowed: set[str], loc: Locator) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise loc.error("expected a mapping such as {name: h, activation: tanh, …}", "layers", i)
    for key in raw:
        if key not in allowed:
            raise loc.error(f"unknown key {key!r}: expected {', '.join(sorted(allowed))}", "layers", i, key)
    return raw


def _name(layer: dict[str, Any], i: int, loc: Locator) -> str:
    name = layer.get("name")
    if not isinstance(name, str) or not NAME.fullmatch(name) or len(name) > MAX_NAME - 12:
        rule = f"letters, digits and _, not starting with a digit, at most {MAX_NAME - 12} characters"
        raise loc.error(f"each layer needs a name: {rule}", "layers", i, "name")
    return name


def _matrix(value: Any, cols: int, loc: Locator, i: int, key: str, rows: int | None = None) -> Matrix:
    path = ("layers", i, key)
    shape = f"{rows} rows" if rows is not None else "one row per unit"
    if not isinstance(value, list) or not value or not all(isinstance(r, list) for r in value):
        raise loc.error(f"expected a matrix: a list of rows ({shape}), each of {cols} numbers", *path)
    if len(value) > MAX_UNITS or (rows is not None and len(value) != rows):
        raise loc.error(f"expected {rows or f'at most {MAX_UNITS}'} rows, found {len(value)}", *path)
    for j, row in enumerate(value):
        if len(row) != cols:
            why = "one per unit of the previous layer" if key != "recurrent_weights" else "one per unit of this layer"
            raise loc.error(f"row {j + 1} has {len(row)} numbers; every row needs {cols} ({why})", *path, j)
    return [[_num(w, loc, *path, j, k) for k, w in enumerate(row)] for j, row in enumerate(value)]


def _vector(value: Any, size: int, loc: Locator, i: int, key: str) -> list[Fraction]:
    if not isinstance(value, list) or len(value) != size:
        found = f"{len(value)} numbers" if isinstance(value, list) else "no list"
        raise loc.error(f"expected a list of {size} numbers, one per unit; found {found}", "layers", i, key)
    return [_num(b, loc, "layers", i, key, j) for j, b in enumerate(value)]


def _num(value: Any, loc: Locator, *path: str | int) -> Fraction:
    return parse_number(value, file=loc.file, key=dotted(path), line=loc.line(path))


def node(layer: str, t: int, i: int, size: int) -> str:
    """`h@t2[1]`; `y@t3` for a one-unit layer."""
    return f"{layer}@t{t}" if size == 1 else f"{layer}@t{t}[{i}]"


def step_nodes(layer: str, t: int, size: int) -> tuple[str, ...]:
    return tuple(node(layer, t, i, size) for i in range(size))


def matrix_names(layer: str, key: str, rows: int, cols: int) -> list[list[str]]:
    return [[f"{layer}.{key}[{i}][{j}]" for j in range(cols)] for i in range(rows)]


def vector_names(layer: str, key: str, size: int) -> list[str]:
    return [f"{layer}.{key}[{i}]" for i in range(size)]


def read_sequence(value: Any, size: int, loc: Locator) -> list[list[Fraction]]:
    """`sequence:` as T vectors of `size` numbers (a list of numbers when the input layer has one)."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_SEQUENCE:
        found = f"{len(value)} steps" if isinstance(value, list) else "no list"
        raise loc.error(
            f"expected a list of 1 to {MAX_SEQUENCE} input vectors, one per time step; found {found}", "sequence"
        )
    steps = []
    for t, x in enumerate(value):
        x = [x] if size == 1 and not isinstance(x, list) else x
        if not isinstance(x, list) or len(x) != size:
            found = f"{len(x)} numbers" if isinstance(x, list) else "no list"
            raise loc.error(
                f"step {t + 1}: expected {size} numbers (the input layer's size); found {found}", "sequence", t
            )
        steps.append([_num(v, loc, "sequence", t, j) for j, v in enumerate(x)])
    return steps

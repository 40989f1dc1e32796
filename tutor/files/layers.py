"""The layer form of a problem file: `layers:` expands to the same neuron graph, with generated names.

Names (Nielsen's w^l_jk: from neuron k of the previous layer to neuron j of layer l), for a layer `h`:

- nodes `h1, h2, …` (layer name + 1-based index; inputs too: `x1, x2`),
- net inputs `zh1, zh2, …` (Nielsen's z^l_j),
- weights `wh_jk` (`wh_12`: into h1 from the previous layer's 2nd node), written `wh_j_k` when either
  layer has more than 9 neurons so that names stay unambiguous (`wh_10_2`),
- biases `bh_j` (`bh_1`).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from tutor.files.neuronform import NAME, check_name, parse_activation
from tutor.files.numbers import parse_int, parse_number
from tutor.files.yamlsafe import Locator
from tutor.model.places import MapLayer
from tutor.model.problem import Connection, Neuron

MAX_LAYERS = 20
MAX_LAYER_SIZE = 100
FIRST_KEYS = {"name", "size"}
LAYER_KEYS = {"name", "size", "activation", "weights", "biases"}


@dataclass(frozen=True)
class Layers:
    """A `layers:` list expanded: what a neuron-form problem would have written out."""

    inputs: tuple[str, ...]
    neurons: dict[str, Neuron]
    parameters: dict[str, Fraction]
    layer_names: tuple[tuple[str, tuple[str, ...]], ...]
    maps: tuple[MapLayer, ...] = ()  # issue 16 (tutor.files.convlayers): each layer's kind and map shape

    @property
    def outputs(self) -> tuple[str, ...]:
        return self.layer_names[-1][1]


def node_names(layer: str, size: int) -> tuple[str, ...]:
    return tuple(f"{layer}{j}" for j in range(1, size + 1))


def weight_name(layer: str, j: int, k: int, wide: bool) -> str:
    return f"w{layer}_{j}_{k}" if wide else f"w{layer}_{j}{k}"


def expand_layers(value: Any, loc: Locator) -> Layers:
    """Validate a `layers:` list and expand it; errors name `layers[i].key` and its line."""
    if not isinstance(value, list) or len(value) < 2:
        raise loc.error(
            "expected a list of at least two layers: the inputs {name, size}, then computed layers", "layers"
        )
    if len(value) > MAX_LAYERS:
        raise loc.error(f"too many layers ({len(value)}; at most {MAX_LAYERS})", "layers")
    first = _layer_mapping(value[0], 0, FIRST_KEYS, loc)
    names = [_layer_name(first, 0, loc)]
    sizes = [layer_size(first.get("size"), loc, "layers", 0, "size")]
    neurons: dict[str, Neuron] = {}
    params: dict[str, Fraction] = {}
    for i, raw in enumerate(value[1:], start=1):
        layer = _layer_mapping(raw, i, LAYER_KEYS, loc)
        names.append(_layer_name(layer, i, loc))
        if names[-1] in names[:-1]:
            raise loc.error(f"the layer name {names[-1]!r} is used twice", "layers", i, "name")
        sizes.append(_expand_one(layer, i, names[-2], sizes[-1], loc, neurons, params))
    layer_names = tuple((n, node_names(n, s)) for n, s in zip(names, sizes, strict=True))
    _check_unique(layer_names, neurons, params, loc)
    return Layers(layer_names[0][1], neurons, params, layer_names)


def _layer_mapping(raw: Any, i: int, allowed: set[str], loc: Locator) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise loc.error(
            "expected a mapping such as {name: h, activation: relu, weights: [[…]], biases: […]}", "layers", i
        )
    for key in raw:
        if key not in allowed:
            what = "the input layer takes only name and size" if i == 0 else f"expected {', '.join(sorted(allowed))}"
            raise loc.error(f"unknown key {key!r}: {what}", "layers", i, key)
    return raw


def _layer_name(layer: dict[str, Any], i: int, loc: Locator) -> str:
    name = layer.get("name")
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise loc.error(
            "each layer needs a name: letters, digits and _, not starting with a digit", "layers", i, "name"
        )
    return name


def layer_size(value: Any, loc: Locator, *path: str | int) -> int:
    """A layer's `size:`, a whole number of neurons from 1 to MAX_LAYER_SIZE (any layer form's)."""
    if value is None:
        raise loc.error("missing: the number of neurons", *path)
    size = parse_int(value, file=loc.file, key=_dotted(path), line=loc.line(path))
    if not 1 <= size <= MAX_LAYER_SIZE:
        raise loc.error(f"a layer has 1 to {MAX_LAYER_SIZE} neurons, not {size}", *path)
    return size


def _expand_one(
    layer: dict[str, Any],
    i: int,
    previous: str,
    n_prev: int,
    loc: Locator,
    neurons: dict[str, Neuron],
    params: dict[str, Fraction],
) -> int:
    """Add one computed layer's neurons and parameters; return its size."""
    name = layer["name"]
    weights = _matrix(layer.get("weights"), n_prev, loc, i)
    if "size" in layer and layer_size(layer["size"], loc, "layers", i, "size") != len(weights):
        raise loc.error(f"size {layer['size']} but the weights have {len(weights)} rows", "layers", i, "size")
    biases = _vector(layer["biases"], len(weights), loc, i) if "biases" in layer else None
    act = parse_activation(layer.get("activation"), loc, "layers", i, "activation")
    wide = max(len(weights), n_prev) > 9
    sources = node_names(previous, n_prev)
    for j, row in enumerate(weights, start=1):
        conns = []
        for k, w in enumerate(row, start=1):
            params[weight_name(name, j, k, wide)] = w
            conns.append(Connection(sources[k - 1], weight_name(name, j, k, wide)))
        bias = None
        if biases is not None:
            bias = f"b{name}_{j}"
            params[bias] = biases[j - 1]
        neurons[f"{name}{j}"] = Neuron(f"{name}{j}", tuple(conns), act, bias, net_label=f"z{name}{j}")
    return len(weights)


def _matrix(value: Any, n_prev: int, loc: Locator, i: int) -> list[list[Fraction]]:
    path = ("layers", i, "weights")
    if not isinstance(value, list) or not value or not all(isinstance(r, list) for r in value):
        raise loc.error(f"expected a matrix: a list of rows, one per neuron, each of {n_prev} numbers", *path)
    if len(value) > MAX_LAYER_SIZE:
        raise loc.error(f"too many rows ({len(value)}; a layer has at most {MAX_LAYER_SIZE} neurons)", *path)
    for j, row in enumerate(value):
        if len(row) != n_prev:
            raise loc.error(
                f"row {j + 1} has {len(row)} numbers; every row needs {n_prev}, one per neuron of the previous layer",
                *path,
                j,
            )
    return [[_num(w, loc, *path, j, k) for k, w in enumerate(row)] for j, row in enumerate(value)]


def _vector(value: Any, size: int, loc: Locator, i: int) -> list[Fraction]:
    path = ("layers", i, "biases")
    if not isinstance(value, list) or len(value) != size:
        found = f"{len(value)} numbers" if isinstance(value, list) else "no list"
        raise loc.error(f"expected a list of {size} numbers, one per neuron; found {found}", *path)
    return [_num(b, loc, *path, j) for j, b in enumerate(value)]


def _num(value: Any, loc: Locator, *path: str | int) -> Fraction:
    return parse_number(value, file=loc.file, key=_dotted(path), line=loc.line(path))


def _dotted(path: tuple[str | int, ...]) -> str:
    from tutor.files.yamlsafe import dotted

    return dotted(path)


def _check_unique(layer_names: tuple, neurons: dict[str, Neuron], params: dict[str, Fraction], loc: Locator) -> None:
    seen: set[str] = set()
    names = [*(n for _, nodes in layer_names for n in nodes), *(nr.net_label or "" for nr in neurons.values())]
    for name in [*names, *params]:
        check_name(name, loc, "layers")
        if name in seen:
            raise loc.error(f"two layers generate the same name {name!r}; rename a layer", "layers")
        seen.add(name)


def vector_values(value: Any, names: tuple[str, ...], loc: Locator, *path: str | int) -> dict[str, Fraction]:
    """`inputs`/`targets` of the layer form: a list in layer order (a mapping by node name also works)."""
    if isinstance(value, dict):
        return {k: _num(v, loc, *path, k) for k, v in value.items()}
    if not isinstance(value, list) or len(value) != len(names):
        found = f"{len(value)}" if isinstance(value, list) else "no list"
        raise loc.error(f"expected a list of {len(names)} numbers ({', '.join(names)}); found {found}", *path)
    return {n: _num(v, loc, *path, j) for j, (n, v) in enumerate(zip(names, value, strict=True))}

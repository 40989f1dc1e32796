"""Convolution and max-pooling layers of the layer form (issue 16), expanded into the neuron form.

```yaml
layers:
  - {name: x, shape: [1, 4, 4]}              # channels × height × width ([channels, length] for 1-D)
  - {name: c, type: conv2d, kernels: [[[[1, 0], [0, -1]]]], biases: [0], stride: 1, padding: 0, activation: relu}
  - {name: p, type: maxpool2d, size: 2}      # stride defaults to size
  - {name: y, activation: sigmoid, weights: [[0.1, 0.2, 0.3, 0.4]], biases: [0]}
```

Names by place, 0-based (`tutor.model.keys.PLACE_NAME`): the map's neurons `x[0][1][2]`, `c[0][1][2]`
(channel, row, column; 1-D `c[0][3]`), a dense layer's `y[0]`; parameters with the file's own field key,
`c.kernels[o][i][r][s]`, `c.biases[o]`, `y.weights[j][k]`, `y.biases[j]`; net inputs `zc[0][1][2]`.

A convolution neuron is `Σ_i Σ_r Σ_s x[i][row·stride + r − padding][col·stride + s − padding] · K[o][i][r][s]
(+ b[o])` (PyTorch's conv2d, a cross-correlation): every neuron of output channel `o` shares the kernel's
parameters, and a window position in the zero padding has no connection (its term is 0). A pooling
neuron takes the max of its window (`tutor.model.pooling`). A dense layer after a map reads it flattened
in channel, row, column order.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from tutor.files.layers import MAX_LAYERS, Layers
from tutor.files.nested import at, indices, parse_nested, parse_shaped, place, times
from tutor.files.neuronform import NAME, check_name, parse_activation
from tutor.files.numbers import parse_int
from tutor.files.yamlsafe import Locator, dotted
from tutor.model.places import MapLayer
from tutor.model.pooling import route_name
from tutor.model.problem import Connection, Neuron

MAP_TYPES = {"conv1d": 1, "conv2d": 2, "maxpool1d": 1, "maxpool2d": 2}  # type -> spatial dimensions
MAX_NODES = 5000  # neurons in all: a map's cost is linear, but the exact engine is not fast
KEYS = {
    "input": {"name", "shape"},
    "conv": {"name", "type", "kernels", "biases", "stride", "padding", "activation"},
    "pool": {"name", "type", "size", "stride"},
    "dense": {"name", "type", "activation", "weights", "biases", "size"},
}


def nodes(layer: MapLayer) -> tuple[str, ...]:
    """A layer's node names, row-major: `c[0][0][0]`, `c[0][0][1]`, …"""
    return tuple(place(layer.name, i) for i in indices(layer.shape))


def uses_maps(value: Any) -> bool:
    """Whether a `layers:` list has a map (an input `shape:` or a conv/pool layer): then this module expands it."""
    return isinstance(value, list) and any(
        isinstance(layer, dict) and ("shape" in layer or layer.get("type") in MAP_TYPES) for layer in value
    )


def expand_map_layers(value: list[Any], loc: Locator) -> Layers:
    if len(value) > MAX_LAYERS:
        raise loc.error(f"too many layers ({len(value)}; at most {MAX_LAYERS})", "layers")
    maps = [_input(_mapping(value[0], 0, "input", loc), loc)]
    neurons: dict[str, Neuron] = {}
    params: dict[str, Fraction] = {}
    for i, raw in enumerate(value[1:], start=1):
        kind = _kind(raw, i, loc)
        layer = _mapping(raw, i, kind, loc)
        name = check_name(_text(layer.get("name"), loc, "layers", i, "name"), loc, "layers", i, "name")
        if name in (m.name for m in maps):
            raise loc.error(f"the layer name {name!r} is used twice", "layers", i, "name")
        expand = {"conv": _conv, "pool": _pool, "dense": _dense}[kind]
        maps.append(expand(layer, i, maps[-1], loc, neurons, params))
        if len(neurons) > MAX_NODES:
            raise loc.error(f"too many neurons ({len(neurons)} so far; at most {MAX_NODES})", "layers", i)
    _check_unique(maps, neurons, loc)
    names = tuple((m.name, nodes(m)) for m in maps)
    return Layers(names[0][1], neurons, params, names, maps=tuple(maps))


def _check_unique(maps: list[MapLayer], neurons: dict[str, Neuron], loc: Locator) -> None:
    """A net input's name `zc[0][0][0]` must not be a node of a layer named zc."""
    taken = {n for m in maps for n in nodes(m)}
    for neuron in neurons.values():
        if neuron.net_label in taken:
            raise loc.error(f"two layers generate the name {neuron.net_label!r}; rename a layer", "layers")


def _kind(raw: Any, i: int, loc: Locator) -> str:
    kind = raw.get("type", "dense") if isinstance(raw, dict) else "dense"
    if kind == "dense":
        return kind
    if kind not in MAP_TYPES:
        raise loc.error(f"unknown layer type {kind!r}; valid: dense, {', '.join(MAP_TYPES)}", "layers", i, "type")
    return "conv" if kind.startswith("conv") else "pool"


def _mapping(raw: Any, i: int, kind: str, loc: Locator) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise loc.error("expected a mapping such as {name: c, type: conv2d, kernels: [[[[…]]]]}", "layers", i)
    for key in raw:
        if key not in KEYS[kind]:
            raise loc.error(
                f"unknown key {key!r}: a {kind} layer takes {', '.join(sorted(KEYS[kind]))}", "layers", i, key
            )
    return raw


def _text(value: Any, loc: Locator, *path: str | int) -> str:
    """A layer's name: a plain name (no place of its own: `c`, not `c[0]`)."""
    if not isinstance(value, str) or not NAME.fullmatch(value):
        raise loc.error("each layer needs a name: letters, digits and _, not starting with a digit", *path)
    return value


def _int(value: Any, loc: Locator, *path: str | int, least: int, what: str) -> int:
    n = parse_int(value, file=loc.file, key=dotted(path), line=loc.line(path))
    if n < least:
        raise loc.error(f"{what} must be at least {least}, not {n}", *path)
    return n


def _input(layer: dict[str, Any], loc: Locator) -> MapLayer:
    name = check_name(_text(layer.get("name"), loc, "layers", 0, "name"), loc, "layers", 0, "name")
    shape = layer.get("shape")
    if not isinstance(shape, list) or len(shape) not in (2, 3):
        raise loc.error("expected shape: [channels, length] or [channels, height, width]", "layers", 0, "shape")
    sizes = tuple(_int(n, loc, "layers", 0, "shape", j, least=1, what="a size") for j, n in enumerate(shape))
    return MapLayer(name, "input", sizes)


def _spatial(layer: dict[str, Any], i: int, prev: MapLayer, loc: Locator) -> int:
    dims = MAP_TYPES[layer["type"]]
    if len(prev.shape) != dims + 1:
        found = "a vector" if len(prev.shape) == 1 else f"a map of shape {times(prev.shape)}"
        want = "[channels, length]" if dims == 1 else "[channels, height, width]"
        raise loc.error(f"{layer['type']} needs a {want} map before it; {prev.name} is {found}", "layers", i, "type")
    return dims


def _out_size(n: int, k: int, stride: int, pad: int, loc: Locator, *path: str | int) -> int:
    if k > n + 2 * pad:
        raise loc.error(f"the window ({k}) is larger than the padded input ({n} + 2·{pad} = {n + 2 * pad})", *path)
    return (n + 2 * pad - k) // stride + 1


def _conv(
    layer: dict[str, Any], i: int, prev: MapLayer, loc: Locator, neurons: dict[str, Neuron], params: dict[str, Fraction]
) -> MapLayer:
    dims = _spatial(layer, i, prev, loc)
    name, path = layer["name"], ("layers", i)
    what = "kernels (out channels × in channels × " + ("k)" if dims == 1 else "kh × kw)")
    kernels, kshape = parse_nested(layer.get("kernels"), dims + 2, loc, *path, "kernels", what=what)
    if kshape[1] != prev.shape[0]:
        raise loc.error(
            f"the kernels have {kshape[1]} input channels; {prev.name} has {prev.shape[0]} (shape {times(prev.shape)})",
            *path,
            "kernels",
        )
    stride = _int(layer.get("stride", 1), loc, *path, "stride", least=1, what="stride")
    pad = _int(layer.get("padding", 0), loc, *path, "padding", least=0, what="padding")
    out = tuple(
        _out_size(n, k, stride, pad, loc, *path, "kernels") for n, k in zip(prev.shape[1:], kshape[2:], strict=True)
    )
    biases = _biases(layer, kshape[0], loc, i)
    act = _activation(layer, loc, i)
    for index in indices(kshape):
        params[place(f"{name}.kernels", index)] = at(kernels, index)
    params.update({place(f"{name}.biases", (o,)): b for o, b in enumerate(biases or [])})
    result = MapLayer(name, layer["type"], (kshape[0], *out), kshape, stride, pad)
    for o, *pos in indices(result.shape):
        node = place(result.name, (o, *pos))
        bias = place(f"{name}.biases", (o,)) if biases is not None else None
        neurons[node] = Neuron(node, _windows(result, prev, o, tuple(pos)), act, bias, net_label="z" + node)
    return result


def _windows(conv: MapLayer, prev: MapLayer, o: int, pos: tuple[int, ...]) -> tuple[Connection, ...]:
    """The connections of output neuron (o, *pos): every input channel's window, one kernel entry each."""
    conns = []
    for ci, *off in indices(conv.window[1:]):
        src = tuple(p * conv.stride + k - conv.padding for p, k in zip(pos, off, strict=True))
        if all(0 <= s < n for s, n in zip(src, prev.shape[1:], strict=True)):  # a padding zero: no term
            conns.append(Connection(place(prev.name, (ci, *src)), place(f"{conv.name}.kernels", (o, ci, *off))))
    return tuple(conns)


def _pool(
    layer: dict[str, Any], i: int, prev: MapLayer, loc: Locator, neurons: dict[str, Neuron], params: dict[str, Fraction]
) -> MapLayer:
    _spatial(layer, i, prev, loc)
    path = ("layers", i)
    if "size" not in layer:
        raise loc.error("missing: the window size (size: 2)", *path)
    size = _int(layer["size"], loc, *path, "size", least=1, what="size")
    stride = _int(layer.get("stride", size), loc, *path, "stride", least=1, what="stride")
    out = tuple(_out_size(n, size, stride, 0, loc, *path, "size") for n in prev.shape[1:])
    identity = parse_activation("identity", loc, *path)
    result = MapLayer(layer["name"], layer["type"], (prev.shape[0], *out), (size,) * len(out), stride)
    for c, *pos in indices(result.shape):
        node = place(result.name, (c, *pos))
        window = [
            place(prev.name, (c, *(p * stride + k for p, k in zip(pos, off, strict=True))))
            for off in indices((size,) * len(pos))
        ]
        conns = tuple(Connection(s, route_name(node, s)) for s in window)  # row-major: ties go to the first
        neurons[node] = Neuron(node, conns, identity, None, net_label="z" + node, combine="max")
    return result


def _dense(
    layer: dict[str, Any], i: int, prev: MapLayer, loc: Locator, neurons: dict[str, Neuron], params: dict[str, Fraction]
) -> MapLayer:
    name, path = layer["name"], ("layers", i)
    sources = nodes(prev)
    weights, wshape = parse_nested(layer.get("weights"), 2, loc, *path, "weights", what="weights (a matrix)")
    if wshape[1] != len(sources):
        flat = (
            f"the flattened map {prev.name} ({times(prev.shape)} = {len(sources)})"
            if len(prev.shape) > 1
            else prev.name
        )
        raise loc.error(f"the weight rows have {wshape[1]} numbers; {flat} needs {len(sources)}", *path, "weights")
    if "size" in layer and _int(layer["size"], loc, *path, "size", least=1, what="size") != wshape[0]:
        raise loc.error(f"size {layer['size']} but the weights have {wshape[0]} rows", *path, "size")
    biases = _biases(layer, wshape[0], loc, i)
    act = _activation(layer, loc, i)
    result = MapLayer(name, "dense", (wshape[0],), wshape)
    for j in range(wshape[0]):
        conns = []
        for k, src in enumerate(sources):
            params[place(f"{name}.weights", (j, k))] = weights[j][k]
            conns.append(Connection(src, place(f"{name}.weights", (j, k))))
        bias = None
        if biases is not None:
            bias = place(f"{name}.biases", (j,))
            params[bias] = biases[j]
        neurons[place(result.name, (j,))] = Neuron(
            place(result.name, (j,)), tuple(conns), act, bias, net_label="z" + place(result.name, (j,))
        )
    return result


def _activation(layer: dict[str, Any], loc: Locator, i: int) -> Any:
    if "activation" not in layer:
        raise loc.error("missing: the activation (identity, relu, sigmoid, …)", "layers", i)
    return parse_activation(layer["activation"], loc, "layers", i, "activation")


def _biases(layer: dict[str, Any], n: int, loc: Locator, i: int) -> list[Fraction] | None:
    if "biases" not in layer:
        return None
    values, shape = parse_nested(layer["biases"], 1, loc, "layers", i, "biases", what="biases")
    if shape[0] != n:
        raise loc.error(
            f"expected {n} biases, one per output channel or neuron; found {shape[0]}", "layers", i, "biases"
        )
    return values


def flat_values(value: Any, layers: Layers, which: int, loc: Locator, *path: str | int) -> dict[str, Fraction]:
    """`inputs:` (which 0) or `targets:` (-1) of a map file: nested as the layer's shape, by node name."""
    shape = layers.maps[which].shape
    numbers = parse_shaped(value, shape, loc, *path, what=f"{path[0]} (shape {times(shape)})")
    return dict(zip(layers.layer_names[which][1], numbers, strict=True))

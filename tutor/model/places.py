"""Place names of a layer's nodes and fields (issue 16): `c[0][1][2]`, `c.kernels[0][0][1][0]`, `y.biases[0]`,
and an unrolled rnn's `h@t2[1]` (unit 1 of h at step 2; `h@t2` for a one-unit layer), `h.recurrent_weights[0][0]`.

`split_place` reads a name into (owner, indices), a time step as the first index; `by_owner` and
`layer_fields` turn values by place name back into the nested lists of the file's own shapes (the one way
JSON's `layer_outputs`, `layer_gradients` and `layer_updated` are built, for map and rnn layers alike);
`Problem.maps` tells a problem whose layer form has a feature map (an input `shape:`, a conv or pooling layer).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

_PLACE = re.compile(r"([^\[\]@]+)(?:@t([0-9]+))?((?:\[[0-9]+\])*)")
LAST = ("biases",)  # a layer's fields after its weights, as the file writes them (`input_weights`, …, `biases`)


def place(name: str, index: Iterable[int]) -> str:
    """The name of one element: place("c", (0, 1, 2)) is `c[0][1][2]`."""
    return name + "".join(f"[{i}]" for i in index)


def split_place(name: str) -> tuple[str, tuple[int, ...]] | None:
    """`c.kernels[0][1]` → ("c.kernels", (0, 1)), `h@t2[1]` → ("h", (2, 1)), `y@t3` → ("y", (3, 0));
    None for a name without a place (`w13`)."""
    m = _PLACE.fullmatch(name)
    if m is None or not (m.group(2) or m.group(3)):
        return None
    index = tuple(int(i) for i in m.group(3)[1:-1].split("][")) if m.group(3) else (0,)
    return m.group(1), (int(m.group(2)), *index) if m.group(2) else index


@dataclass(frozen=True)
class MapLayer:
    """One layer of a map file as the file gave it: `kind` input, conv1d, conv2d, maxpool1d, maxpool2d or dense;
    `shape` its map's ((channels, *spatial); a dense layer's (size,)); a conv's kernel shape (out, in, *window)
    or a pooling window (size, …), its stride and zero padding."""

    name: str
    kind: str
    shape: tuple[int, ...]
    window: tuple[int, ...] = ()
    stride: int = 1
    padding: int = 0


class _Level(dict[int, Any]):
    """One level of `nest`'s tree, told apart from the values it holds."""


def nest(items: Iterable[tuple[tuple[int, ...], Any]]) -> list[Any]:
    """Values by index as nested lists, each level in increasing index order: [((0, 1), b), ((0, 0), a)] →
    [[a, b]]; the indices a level has are its entries (an rnn read out at steps 3 and 5 only: two entries)."""
    root = _Level()
    for index, value in items:
        level = root
        for i in index[:-1]:
            level = level.setdefault(i, _Level())
        level[index[-1]] = value
    return _lists(root)


def _lists(level: _Level) -> list[Any]:
    return [_lists(v) if isinstance(v, _Level) else v for _, v in sorted(level.items())]


def by_owner(values: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Values by place name grouped by owner and nested: {"c.kernels[0][0]": 1, …} → {"c.kernels": [[1, …]]}."""
    groups: dict[str, list[tuple[tuple[int, ...], Any]]] = {}
    for name, value in values.items():
        place = split_place(name)
        if place is not None:
            groups.setdefault(place[0], []).append((place[1], value))
    return {owner: nest(items) for owner, items in groups.items()}


def layer_fields(values: Mapping[str, Any]) -> dict[str, dict[str, list[Any]]]:
    """Parameter values by place name as {layer: {field: nested}} (JSON's `layer_gradients`), a layer's
    fields in the order they come, `LAST` after the others."""
    out: dict[str, dict[str, list[Any]]] = {}
    for owner, nested in by_owner(values).items():
        layer, _, field = owner.rpartition(".")
        if layer:
            out.setdefault(layer, {})[field] = nested
    return {layer: dict(sorted(own.items(), key=lambda item: item[0] in LAST)) for layer, own in out.items()}

"""Place names of a layer's map and fields (issue 16): `c[0][1][2]`, `c.kernels[0][0][1][0]`, `y.biases[0]`.

`split_place` reads a name into (owner, indices); `nest` turns values by place name back into the nested
lists of the file's own shapes (JSON's `layer_outputs`, the compact views' grids); `Problem.maps` tells a
problem whose layer form has a feature map (an input `shape:`, a conv or pooling layer).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

_PLACE = re.compile(r"([^\[\]]+)((?:\[[0-9]+\])+)")


def place(name: str, index: Iterable[int]) -> str:
    """The name of one element: place("c", (0, 1, 2)) is `c[0][1][2]`."""
    return name + "".join(f"[{i}]" for i in index)


def split_place(name: str) -> tuple[str, tuple[int, ...]] | None:
    """`c.kernels[0][1]` → ("c.kernels", (0, 1)); None for a name without a place (`w13`)."""
    m = _PLACE.fullmatch(name)
    if m is None:
        return None
    return m.group(1), tuple(int(i) for i in m.group(2)[1:-1].split("]["))


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


def nest(items: Iterable[tuple[tuple[int, ...], Any]]) -> list[Any]:
    """Values by index (row-major, complete) as nested lists: [((0, 0), a), ((0, 1), b)] → [[a, b]]."""
    root: list[Any] = []
    for index, value in items:
        level = root
        for depth, i in enumerate(index):
            if depth == len(index) - 1:
                level.append(value)
            else:
                if len(level) <= i:
                    level.append([])
                level = level[i]
    return root


def by_owner(values: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Values by place name grouped by owner and nested: {"c.kernels[0][0]": 1, …} → {"c.kernels": [[1, …]]}."""
    groups: dict[str, list[tuple[tuple[int, ...], Any]]] = {}
    for name, value in values.items():
        place = split_place(name)
        if place is not None:
            groups.setdefault(place[0], []).append((place[1], value))
    return {owner: nest(items) for owner, items in groups.items()}


def layer_fields(values: Mapping[str, Any]) -> dict[str, dict[str, list[Any]]]:
    """Parameter values by place name as {layer: {field: nested}} (JSON's `layer_gradients`)."""
    out: dict[str, dict[str, list[Any]]] = {}
    for owner, nested in by_owner(values).items():
        layer, _, field = owner.rpartition(".")
        if layer:
            out.setdefault(layer, {})[field] = nested
    return out

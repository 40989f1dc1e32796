"""Nested lists of numbers in a problem file (issue 16): a feature map `[[[…]]]`, a kernel, an input.

`parse_nested` reads a list nested `depth` deep whose every level is as long as its siblings (no ragged
rows), and says where it is not (file, key, line and the lengths expected). `place` writes the name of
one element of a layer's map or field, `c[0][1][2]`, `c.kernels[0][0][1][0]`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from fractions import Fraction
from itertools import product
from typing import Any

from tutor.files.numbers import parse_number
from tutor.files.yamlsafe import Locator, dotted
from tutor.model.places import place

__all__ = ["place"]

Nested = list[Any]  # of Fractions, nested


def indices(shape: Sequence[int]) -> Iterator[tuple[int, ...]]:
    """Every index of an array of `shape`, row-major (channel, row, column)."""
    return product(*(range(n) for n in shape))


def times(shape: Sequence[int]) -> str:
    return "×".join(str(n) for n in shape)


def parse_nested(value: Any, depth: int, loc: Locator, *path: str | int, what: str) -> tuple[Nested, tuple[int, ...]]:
    """A list nested `depth` deep of numbers, all rows of one level equally long; (values, shape)."""
    shape = _shape(value, depth, loc, path, what)
    return _numbers(value, depth, loc, path), shape


def parse_shaped(value: Any, shape: Sequence[int], loc: Locator, *path: str | int, what: str) -> list[Fraction]:
    """A nested list that must have exactly `shape`, flattened row-major."""
    values, found = parse_nested(value, len(shape), loc, *path, what=what)
    if found != tuple(shape):
        raise loc.error(f"{what} has the shape {times(found)}; expected {times(shape)}", *path)
    return flatten(values)


def flatten(values: Any) -> list[Any]:
    if not isinstance(values, list):
        return [values]
    return [v for item in values for v in flatten(item)]


def at(values: Nested, index: Sequence[int]) -> Any:
    for i in index:
        values = values[i]
    return values


def _shape(value: Any, depth: int, loc: Locator, path: tuple[str | int, ...], what: str) -> tuple[int, ...]:
    if not isinstance(value, list) or not value:
        raise loc.error(f"expected {what}: a non-empty list nested {depth} deep", *path)
    if depth == 1:
        for j, item in enumerate(value):
            if isinstance(item, list):
                raise loc.error(f"{what} is nested too deep here: expected a number", *path, j)
        return (len(value),)
    shapes = []
    for j, item in enumerate(value):
        if not isinstance(item, list):
            raise loc.error(f"{what} is not nested deep enough here: expected a list nested {depth - 1} deep", *path, j)
        shapes.append(_shape(item, depth - 1, loc, (*path, j), what))
        if shapes[-1] != shapes[0]:
            raise loc.error(
                f"ragged {what}: this entry has the shape {times(shapes[-1])}, the first has {times(shapes[0])}",
                *path,
                j,
            )
    return (len(value), *shapes[0])


def _numbers(value: Any, depth: int, loc: Locator, path: tuple[str | int, ...]) -> Nested:
    if depth == 1:
        return [
            parse_number(v, file=loc.file, key=dotted((*path, j)), line=loc.line((*path, j)))
            for j, v in enumerate(value)
        ]
    return [_numbers(item, depth - 1, loc, (*path, j)) for j, item in enumerate(value)]

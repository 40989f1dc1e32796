"""The data-set keys of a problem file: `data:`, `epochs:`, `batch_size:`, `reduction:`, `shuffle:`.

```yaml
data:                                  # instead of inputs/targets: one example per item
  - {inputs: {x1: 0, x2: 0}, targets: {y: 0}}
  - {inputs: {x1: 0, x2: 1}, targets: {y: 1}}  # layer form: inputs: [0, 1], targets: [1]
epochs: 300                            # default 1
batch_size: all                        # 1 = stochastic, n = mini-batch, all = batch gradient descent (default)
reduction: mean                        # a batch's loss: mean (default) or sum of its examples' losses
shuffle: 7                             # optional seed: permute the examples afresh each epoch, reproducibly
```
Every example names the same inputs and targets (the first example fixes them).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from tutor.files.layers import vector_values
from tutor.files.neuronform import did_you_mean
from tutor.files.numbers import parse_int, parse_number
from tutor.files.yamlsafe import Locator, dotted
from tutor.model.problem import Example

DATA_KEYS = ("data", "epochs", "batch_size", "reduction", "shuffle")
REDUCTIONS = ("mean", "sum")
MAX_EXAMPLES = 10_000
MAX_EPOCHS = 1_000_000
MAX_ITERATIONS = 10_000_000  # epochs × batches per epoch


@dataclass(frozen=True)
class Schedule:
    epochs: int = 1
    batch_size: int | None = None  # None: all
    reduction: str = "mean"
    shuffle: int | None = None


def parse_examples(
    value: Any, loc: Locator, layers: tuple[tuple[str, ...], tuple[str, ...]] | None
) -> tuple[Example, ...]:
    """The `data:` list. `layers`: (input nodes, output nodes) of the layer form, where lists are allowed."""
    if not isinstance(value, list) or not value:
        raise loc.error("expected a list of examples, each {inputs: …, targets: …}", "data")
    if len(value) > MAX_EXAMPLES:
        raise loc.error(f"too many examples ({len(value)}; at most {MAX_EXAMPLES})", "data")
    examples = [_example(raw, i, loc, layers) for i, raw in enumerate(value)]
    first = examples[0]
    for i, e in enumerate(examples[1:], start=1):
        for part, mine, theirs in (("inputs", e.inputs, first.inputs), ("targets", e.targets, first.targets)):
            if list(mine) != list(theirs):
                raise loc.error(
                    f"example {i + 1} has {part} {', '.join(mine)}; the first example has {', '.join(theirs)}",
                    "data",
                    i,
                    part,
                )
    return tuple(examples)


def _example(raw: Any, i: int, loc: Locator, layers: tuple[tuple[str, ...], tuple[str, ...]] | None) -> Example:
    if not isinstance(raw, dict) or set(raw) != {"inputs", "targets"}:
        extra = sorted(set(raw) - {"inputs", "targets"}) if isinstance(raw, dict) else []
        what = f"unknown key {extra[0]!r}; {did_you_mean(extra[0], ('inputs', 'targets'))}" if extra else ""
        what = what or "missing inputs or targets: "
        raise loc.error(f"{what}an example is {{inputs: …, targets: …}}", "data", i, *(extra[:1]))
    if layers is not None:
        return Example(
            vector_values(raw["inputs"], layers[0], loc, "data", i, "inputs"),
            vector_values(raw["targets"], layers[1], loc, "data", i, "targets"),
        )
    return Example(_mapping(raw["inputs"], loc, i, "inputs"), _mapping(raw["targets"], loc, i, "targets"))


def _mapping(value: Any, loc: Locator, i: int, part: str) -> dict[str, Fraction]:
    if not isinstance(value, dict) or not value:
        raise loc.error("expected a mapping of node names to numbers", "data", i, part)
    return {k: _num(v, loc, "data", i, part, k) for k, v in value.items()}


def _num(value: Any, loc: Locator, *path: str | int) -> Fraction:
    return parse_number(value, file=loc.file, key=dotted(path), line=loc.line(path))


def parse_schedule(data: dict[str, Any], loc: Locator, n_examples: int) -> Schedule:
    """`epochs`, `batch_size`, `reduction`, `shuffle` (only with `data:`)."""
    epochs = _int(data.get("epochs", 1), loc, "epochs", 1, MAX_EPOCHS)
    batch = data.get("batch_size", "all")
    size = None if batch == "all" else _int(batch, loc, "batch_size", 1, MAX_EXAMPLES, hint=" or all")
    if size is not None and size > n_examples:
        raise loc.error(f"batch_size {size} is larger than the data set ({n_examples} examples); use all", "batch_size")
    reduction = data.get("reduction", "mean")
    if reduction not in REDUCTIONS:
        raise loc.error(f"expected mean or sum, found {reduction!r}", "reduction")
    shuffle = None if data.get("shuffle") is None else _int(data["shuffle"], loc, "shuffle", 0, 2**63 - 1)
    per_epoch = -(-n_examples // (size or n_examples))
    if epochs * per_epoch > MAX_ITERATIONS:
        raise loc.error(f"{epochs} epochs of {per_epoch} iterations is more than {MAX_ITERATIONS:,}", "epochs")
    return Schedule(epochs, size, reduction, shuffle)


def _int(value: Any, loc: Locator, key: str, low: int, high: int, hint: str = "") -> int:
    if isinstance(value, str) and hint and value != "all":
        raise loc.error(f"expected a whole number{hint}, found {value!r}", key)
    n = parse_int(value, file=loc.file, key=key, line=loc.line((key,)))
    if not low <= n <= high:
        raise loc.error(f"expected a whole number from {low} to {high:,}{hint}, found {n}", key)
    return n

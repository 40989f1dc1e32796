"""`optimizer:` in a problem file: a name (`optimizer: adam`) or a mapping with settings
(`optimizer: {name: adam, beta1: 0.9, beta2: 0.999, eps: 1e-8}`), read into a `tutor.maths.optimizers.Optimizer`.
Unknown names and settings (with a did-you-mean), betas and alpha outside [0, 1), ε ≤ 0, a negative weight
decay and wrong types are bad input naming the key and its line."""

from __future__ import annotations

from typing import Any

from tutor.files.neuronform import check_keys, describe, did_you_mean
from tutor.files.numbers import number_at
from tutor.files.yamlsafe import Locator
from tutor.maths.optimizers import OPTIMIZERS, Optimizer, with_defaults

_LIMITS = {
    "unit": (lambda x: 0 <= x < 1, "must be at least 0 and less than 1"),
    "positive": (lambda x: x > 0, "must be positive"),
    "nonnegative": (lambda x: x >= 0, "must be at least 0"),
}


def optimizer_field(value: Any, loc: Locator) -> dict[str, Any]:
    return {"optimizer": parse_optimizer(value, loc)}


def parse_optimizer(value: Any, loc: Locator) -> Optimizer:
    if isinstance(value, str):
        return with_defaults(_name(value, loc, ("optimizer",)), {})
    if not isinstance(value, dict):
        found = describe(value)
        raise loc.error(
            f"expected an optimizer name ({', '.join(OPTIMIZERS)}) or a mapping, found {found}", "optimizer"
        )
    if "name" not in value:
        raise loc.error("missing key 'name' (the optimizer: " + ", ".join(OPTIMIZERS) + ")", "optimizer")
    name = _name(value["name"], loc, ("optimizer", "name"))
    entry = OPTIMIZERS[name]
    check_keys(value, ("name", *(s.name for s in entry.settings)), ("name",), loc, "optimizer")
    given = {}
    for setting in entry.settings:
        if setting.name in value:
            number = number_at(value[setting.name], loc, "optimizer", setting.name)
            ok, message = _LIMITS[setting.limit]
            if not ok(number):
                raise loc.error(f"{setting.name} {message}, found {value[setting.name]}", "optimizer", setting.name)
            given[setting.name] = number
    return with_defaults(name, given)


def _name(value: Any, loc: Locator, path: tuple[str, ...]) -> str:
    if not isinstance(value, str):
        raise loc.error(f"expected an optimizer name, found {describe(value)}", *path)
    if value not in OPTIMIZERS:
        raise loc.error(
            f"unknown optimizer {value!r}; {did_you_mean(value, OPTIMIZERS)}valid: {', '.join(OPTIMIZERS)}", *path
        )
    return value

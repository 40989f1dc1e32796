"""The problem-file keys of issue 15: `loss: {name: huber, delta: …}`, `regularization: {l2: λ}` / `{l1: λ}`
and `dropout: {rate: p, masks: [{h1: 0, h2: 1}, …]}` (`tutor.model.regdrop` holds what they mean).

Each parser turns its raw value into `Problem` keyword arguments; `CHECKS` are the cross-field checks
(masks name hidden neurons, one mask per step or iteration), run after the network is known.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tutor.files.neuronform import check_keys, describe, did_you_mean, expect_mapping
from tutor.files.numbers import number_at
from tutor.files.yamlsafe import Locator
from tutor.maths.losses import LOSSES
from tutor.model.regdrop import PENALTIES, Dropout, Regularization

Fields = dict[str, Any]


def parse_loss(value: Any, loc: Locator) -> Fields:
    """`loss: mse`, or a mapping with the loss's settings: `loss: {name: huber, delta: 0.5}`."""
    if isinstance(value, dict):
        return _loss_mapping(value, loc)
    if value not in LOSSES:
        found = repr(value) if isinstance(value, str) else describe(value)
        raise loc.error(f"unknown loss {found}; {_valid_losses(value)}", "loss")
    return {"loss": value}


def _valid_losses(value: Any) -> str:
    near = did_you_mean(value, LOSSES) if isinstance(value, str) else ""
    return f"{near}valid: {', '.join(LOSSES)}"


def _loss_mapping(spec: Mapping[str, Any], loc: Locator) -> Fields:
    name = spec.get("name")
    if name not in LOSSES:
        found = repr(name) if isinstance(name, str) else describe(name)
        raise loc.error(f"unknown loss {found}; {_valid_losses(name)}", "loss", "name")
    settings = dict(LOSSES[name].settings)
    check_keys(spec, ("name", *settings), ("name",), loc, "loss")
    options = {}
    for key in settings:
        if key in spec:
            options[key] = number_at(spec[key], loc, "loss", key)
            if options[key] <= 0:
                raise loc.error(f"{name}'s {key} must be positive, found {spec[key]}", "loss", key)
    return {"loss": name, "loss_options": options}


def parse_regularization(value: Any, loc: Locator) -> Fields:
    """`{l2: 0.01}` (adds (λ/2)·Σw²) or `{l1: 0.01}` (adds λ·Σ|w|); λ ≥ 0."""
    spec = expect_mapping(value, loc, "regularization", what="a penalty and its λ ({l2: 0.01} or {l1: 0.01})")
    if len(spec) != 1:
        raise loc.error(f"expected one penalty ({' or '.join(PENALTIES)}), found {len(spec)}", "regularization")
    ((kind, raw),) = spec.items()
    if kind not in PENALTIES:
        valid = f"{did_you_mean(kind, PENALTIES)}valid: {', '.join(PENALTIES)}"
        raise loc.error(f"unknown penalty {kind!r}; {valid}", "regularization", kind)
    strength = number_at(raw, loc, "regularization", kind)
    if strength < 0:
        raise loc.error(f"λ must be at least 0, found {raw}", "regularization", kind)
    return {"regularization": Regularization(kind, strength)}


def parse_dropout(value: Any, loc: Locator) -> Fields:
    """`{rate: p, masks: [{h1: 0, h2: 1}, …]}`: 0 ≤ p < 1, each mask neuron -> 0 (dropped) or 1 (kept)."""
    spec = expect_mapping(value, loc, "dropout", what="rate and masks")
    check_keys(spec, ("rate", "masks"), ("rate", "masks"), loc, "dropout")
    rate = number_at(spec["rate"], loc, "dropout", "rate")
    if not 0 <= rate < 1:
        raise loc.error(f"the dropout rate must be at least 0 and below 1, found {spec['rate']}", "dropout", "rate")
    masks = spec["masks"]
    if not isinstance(masks, list) or not masks:
        found = "an empty list" if masks == [] else describe(masks)
        raise loc.error(f"expected a list of masks ({{h1: 0, h2: 1}}, one per step), found {found}", "dropout", "masks")
    return {"dropout": Dropout(rate, tuple(_mask(m, loc, i) for i, m in enumerate(masks)))}


def _mask(value: Any, loc: Locator, i: int) -> dict[str, int]:
    spec = expect_mapping(value, loc, "dropout", "masks", i, what="hidden neurons to 0 (dropped) or 1 (kept)")
    out = {}
    for name, bit in spec.items():
        if isinstance(bit, bool) or number_at(bit, loc, "dropout", "masks", i, name) not in (0, 1):
            raise loc.error(f"a mask value is 0 (dropped) or 1 (kept), found {bit}", "dropout", "masks", i, name)
        out[name] = int(number_at(bit, loc, "dropout", "masks", i, name))
    return out


def check_dropout(f: Fields, loc: Locator) -> None:
    """Masks name hidden neurons only, and there is one for every step (every iteration of a data set)."""
    dropout: Dropout | None = f.get("dropout")
    if dropout is None:
        return
    targets = f["data"][0].targets if f.get("data") else f["targets"]
    hidden = ", ".join(n for n in f["neurons"] if n not in targets) or "none in this network"
    for i, mask in enumerate(dropout.masks):
        for name in mask:
            if name not in f["neurons"]:
                why = f"the mask names {name!r}, which is no neuron; hidden neurons: {hidden}"
                raise loc.error(why, "dropout", "masks", i, name)
            if name in targets:
                why = f"the mask names the output {name!r}: dropout is on hidden neurons only ({hidden})"
                raise loc.error(why, "dropout", "masks", i, name)
    needed, what = _updates(f)
    if len(dropout.masks) < needed:
        raise loc.error(f"{len(dropout.masks)} masks for {needed} {what}: one mask per {what[:-1]}", "dropout", "masks")


def _updates(f: Fields) -> tuple[int, str]:
    if not f.get("data"):
        return f.get("steps", 1), "steps"
    batch = f.get("batch_size") or len(f["data"])
    return f.get("epochs", 1) * -(-len(f["data"]) // batch), "iterations"


def check_hinge(f: Fields, loc: Locator) -> None:
    """A one-hot loss (hinge): every target 0 or 1 (the sum of 1 is checked with the other losses)."""
    entry = LOSSES[f["loss"]]
    outputs = f["data"][0].targets if f.get("data") else f.get("targets", {})
    if not entry.one_hot or any(f["neurons"][o].activation.name != entry.needs_outputs for o in outputs):
        return  # the outputs' activation is reported first, with the other losses' needs
    where_targets: list[tuple[tuple[str | int, ...], Any]] = [(("targets",), f.get("targets", {}))]
    if f.get("data"):
        where_targets = [(("data", i, "targets"), e.targets) for i, e in enumerate(f["data"])]
    for where, targets in where_targets:
        for o, t in targets.items():
            if t not in (0, 1) or sum(targets.values()) != 1:
                raise loc.error(f"loss {f['loss']} needs one-hot targets (one 1, the rest 0), found {t}", *where, o)


CHECKS = [check_hinge, check_dropout]

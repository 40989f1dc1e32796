"""A diagnosed mistake in plain words about the very quantity it was made in, for the practice drill:
"you used the updated w35; backpropagation uses the weights from before the step" rather than the
general sentence of `tutor.mistakes` (which the checker's messages and gradebooks keep)."""

from __future__ import annotations

from typing import Any

from tutor.keys import split_key
from tutor.mistakes import BY_TAG
from tutor.numfmt import fmt


def mistake_words(tag: str, key: str, model: Any) -> str:
    """What the student did, for the answer key `key`; the tag's general words where nothing more is known."""
    network = getattr(model, "network", None)
    general = BY_TAG[tag].words
    if network is None:
        return general
    local = split_key(key)[1]
    if local.startswith("ex") and local.count(".") >= 2:  # a data set's example: ex2.y3.delta
        local = local.partition(".")[2]
    name, _, part = local.rpartition(".")
    return _specific(tag, name, part, model.problem, network) or general


def _specific(tag: str, name: str, part: str, problem: Any, network: Any) -> str | None:
    net = network.net_labels.get(name, f"net_{name}")
    if part == "delta" and name in network.neurons:
        act = problem.neurons[name].activation.name
        moved = [p for _, p in network.consumers[name] if p not in problem.frozen]
        if tag == "updated-weights-in-backprop" and moved:
            weights = ", ".join(dict.fromkeys(moved))
            return f"you used the updated {weights}; backpropagation uses the weights from before the step"
        if tag == "missing-activation-derivative":
            return f"δ of {name} is missing the factor {act}′({net}), the derivative of its activation"
        if tag == "derivative-at-output":
            return f"you took {act}′ of the output {name} instead of {act}′({net}) at the net input"
    if part == "new":
        if tag == "update-sign":
            return f"you added η·∂L/∂{name} to {name}; gradient descent subtracts it: {name} − η·∂L/∂{name}"
        if tag == "missing-learning-rate":
            eta = fmt(problem.learning_rate)
            return f"you left out η = {eta}: {name} − ∂L/∂{name} instead of {name} − {eta}·∂L/∂{name}"
    if part == "grad" and tag == "net-instead-of-out" and name in network.uses:
        sources = [e.source for e in network.uses[name] if e.source in network.neurons]
        if sources:
            s = sources[0]
            label = network.net_labels.get(s, f"net_{s}")
            return f"you multiplied by {label}, the net input of {s}, where its output {s} belongs (∂net/∂w = out)"
    if part == "net" and tag == "forgot-bias" and name in network.neurons and network.neuron(name).bias:
        return f"{net} leaves out the bias {network.neuron(name).bias}"
    return None

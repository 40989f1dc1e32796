"""A diagnosed mistake in plain words about the very quantity it was made in, for the practice drill:
"you used the updated w35; backpropagation uses the weights from before the step" rather than the
general sentence of `tutor.checking.mistakes` (which the checker's messages and gradebooks keep)."""

from __future__ import annotations

from typing import Any

from tutor.checking.mistakes import BY_TAG
from tutor.maths.numfmt import fmt
from tutor.model.keys import parse_key


def mistake_words(tag: str, key: str, model: Any) -> str:
    """What the student did, for the answer key `key`; the tag's general words where nothing more is known."""
    network = getattr(model, "network", None)
    general = BY_TAG[tag].words
    if network is None:
        return general
    parsed = parse_key(key)  # a data set's example's ex2.y3.delta is about y3.delta
    name, part = (parsed.subject, parsed.quantity) if parsed else ("", "")
    return _specific(tag, name, part, model.problem, network) or general


def _specific(tag: str, name: str, part: str, problem: Any, network: Any) -> str | None:
    if tag == "adam-no-bias-correction":
        return f"{name}'s step divides by 1 − βᵗ first: m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ); you used m and v as they are"
    if tag == "momentum-state-reset":
        state = problem.optimizer.entry.state
        words = ", ".join(f"{name}.{w}" for w in ((part,) if part in state else state))  # a state key: itself
        return f"{words} starts from its value after the step before, not from 0 again"
    if tag == "dropped-sign":
        negative = [f"{n} = {fmt(x)}" for n, x in {**problem.inputs, **problem.parameters}.items() if x < 0]
        return f"a minus sign was dropped: {', '.join(negative)} is negative" if negative else None
    if part == "delta" and name in network.neurons:
        return _delta_words(tag, name, problem, network)
    if part == "grad" and name in network.uses:
        return _grad_words(tag, name, network)
    if part == "new":
        if tag == "update-sign":
            return f"you added η·∂L/∂{name} to {name}; gradient descent subtracts it: {name} − η·∂L/∂{name}"
        if tag == "missing-learning-rate":
            eta = fmt(problem.learning_rate)
            return f"you left out η = {eta}: {name} − ∂L/∂{name} instead of {name} − {eta}·∂L/∂{name}"
    if part == "net" and tag == "forgot-bias" and name in network.neurons and network.neuron(name).bias:
        return f"{network.net_labels.get(name, f'net_{name}')} leaves out the bias {network.neuron(name).bias}"
    return None


def _delta_words(tag: str, name: str, problem: Any, network: Any) -> str | None:
    net = network.net_labels.get(name, f"net_{name}")
    act = problem.neurons[name].activation.name
    moved = _moved(network, [name])
    if tag == "updated-weights-in-backprop" and moved:
        return f"you used the updated {', '.join(moved)}; backpropagation uses the weights from before the step"
    if tag == "missing-activation-derivative":
        return f"δ of {name} is missing the factor {act}′({net}), the derivative of its activation"
    if tag == "derivative-at-output":
        return f"you took {act}′ of the output {name} instead of {act}′({net}) at the net input"
    if tag == "missing-path":
        paths = [f"{k} (via {p})" for k, p in network.consumers[name]]
        if name in problem.targets:
            paths.insert(0, "its own loss term")
        return f"δ of {name} adds every path to the loss: {', '.join(paths)}; yours leaves one out"
    return None


def _grad_words(tag: str, name: str, network: Any) -> str | None:
    uses = network.uses[name]
    moved = _moved(network, [e.neuron for e in uses])
    if tag == "updated-weights-in-backprop" and moved:
        weights = ", ".join(moved)
        return f"the chain product for ∂L/∂{name} used the updated {weights}; use the weights from before the step"
    if tag == "net-instead-of-out":
        sources = [e.source for e in uses if e.source in network.neurons]
        if sources:
            s = sources[0]
            label = network.net_labels.get(s, f"net_{s}")
            return f"you multiplied by {label}, the net input of {s}, where its output {s} belongs (∂net/∂w = out)"
    if tag == "delta-as-gradient":
        e = uses[0]
        if e.source is not None:
            return f"that is δ of {e.neuron}; ∂L/∂{name} = δ_{e.neuron} · {e.source} multiplies it by {e.source}"
    if tag == "missing-shared-use":
        where = ", ".join(dict.fromkeys(e.neuron for e in uses))
        return f"{name} is used in {where}: ∂L/∂{name} adds every use's δ · input; yours has only one"
    return None


def _moved(network: Any, neurons: list[str]) -> list[str]:
    """The weights that move in this step out of `neurons` (what their deltas are computed with)."""
    frozen = network.problem.frozen
    return list(dict.fromkeys(p for n in neurons for _, p in network.consumers[n] if p not in frozen))

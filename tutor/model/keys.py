"""Answer keys: what each one means in words, which step it belongs to, and what it is computed from.

Keys are `y3.net`, `y3.out`, `loss`, `y3.delta`, `w13.grad`, `w13.new`, with `step2.` … in front for
later steps (`Derivation.values()` lists them all, in derivation order). The checker uses the
dependencies to name the earlier value a carried-forward answer built on; `nnstep answers --blank`
and the practice drill use `describe_key`.
"""

from __future__ import annotations

import re
from functools import cached_property

from tutor.maths import functions as fn
from tutor.model.network import Network
from tutor.model.problem import Problem

_STEP = re.compile(r"step([1-9][0-9]*)\.(.+)")


def split_key(key: str) -> tuple[int, str]:
    """`step2.w13.new` → (2, `w13.new`); `loss` → (1, `loss`)."""
    m = _STEP.fullmatch(key)
    return (int(m.group(1)), m.group(2)) if m else (1, key)


def join_key(step: int, local: str) -> str:
    return local if step == 1 else f"step{step}.{local}"


def describe_key(problem: Problem, key: str, network: Network | None = None) -> str:
    """The quantity in words: `w13.grad` → "∂L/∂w13, the gradient of the loss with respect to w13"."""
    network = network or Network(problem)
    step, local = split_key(key)
    name, _, part = local.rpartition(".")
    text = _describe(problem, network, name, part or local)
    return text if step == 1 else f"{text} (step {step})"


def _describe(problem: Problem, network: Network, name: str, part: str) -> str:
    if part == "loss":
        return f"the loss L = {fn.LOSS_TEXT.get(problem.loss, problem.loss)}"
    if part == "net":
        label = network.net_labels.get(name, f"net_{name}")
        return f"{label}, the net input of {name}: Σ source·weight (+ bias)"
    if part == "out":
        act = problem.neurons[name].activation
        return f"{name} = {act}({network.net_labels.get(name, 'net')}), the output of {name}"
    if part == "delta":
        label = network.net_labels.get(name, "net")
        return f"δ of {name} = ∂L/∂{label}, the gradient of the loss with respect to {name}'s net input {label}"
    if part == "grad":
        return f"∂L/∂{name}, the gradient of the loss with respect to {name}"
    if part == "new":
        if name in problem.frozen:
            return f"{name} after the step (frozen: unchanged)"
        return f"{name} after the step: {name} − η·∂L/∂{name}"
    return part


class Dependencies:
    """Direct dependencies between answer keys (what each quantity is computed from), per problem."""

    def __init__(self, problem: Problem, network: Network | None = None) -> None:
        self.problem = problem
        self.network = network or Network(problem)

    def of(self, key: str) -> tuple[str, ...]:
        """The keys `key` is computed from directly (none for inputs and step-1 parameters)."""
        step, local = split_key(key)
        return tuple(join_key(step, k) if not k.startswith("@") else k[1:] for k in self._local(step, local))

    def _local(self, step: int, local: str) -> list[str]:
        name, _, part = local.rpartition(".")
        prev = (lambda p: [f"@{join_key(step - 1, p + '.new')}"]) if step > 1 else (lambda p: [])
        net = self.network
        if local == "loss":
            return [f"{o}.out" for o in self.problem.targets]
        if part == "net":
            neuron = net.neuron(name)
            deps = [f"{c.source}.out" for c in neuron.inputs if c.source in net.neurons]
            for p in [c.parameter for c in neuron.inputs] + ([neuron.bias] if neuron.bias else []):
                deps += prev(p)
            return deps
        if part == "out":
            group = self._group(name)
            return [f"{n}.net" for n in group]
        if part == "delta":
            deps = [f"{n}.out" for n in self._group(name)] + [f"{name}.net"]
            for k, p in net.consumers[name]:
                deps += [f"{k}.delta", *prev(p)]
            return deps
        if part == "grad":
            deps = []
            for e in net.uses[name]:
                deps.append(f"{e.neuron}.delta")
                if e.source in net.neurons:
                    deps.append(f"{e.source}.out")
            return deps
        if part == "new":
            return [f"{name}.grad", *prev(name)]
        return []

    def _group(self, name: str) -> tuple[str, ...]:
        group = self._softmax
        return group if name in group else (name,)

    @cached_property
    def _softmax(self) -> tuple[str, ...]:
        return self.network.softmax_group

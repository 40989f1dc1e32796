"""Answer keys: the grammar (the one place keys are parsed and built), what each one means in words, and
what it is computed from.

A key is `[step<n>.][ex<k>.]<body>`: `step2.` … in front for later steps (step 1 has none), `ex2.` for a
data set's example (its place in the data set), and a body `loss`, `<name>.<quantity>` (`y3.net`,
`w13.grad`, `d.value`) or `<child>.<parent>.local` (a computation graph's ∂e/∂d). The quantities are
the table `QUANTITIES`: a new kind (an optimizer's `w5.m`) is one entry. `parse_key` reads a key into a
`Key`, `str(Key)` writes it back; `step_prefix` and `example_prefix` are the cheap builders of the hot
paths (`Derivation.values()` lists every key, in derivation order). The checker uses the dependencies to
name the earlier value a carried-forward answer built on; `nnstep answers --blank` and the practice
drill use `describe_key`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the grammar needs neither (nor NumPy): a key is parsed without loading a network
    from tutor.model.network import Network
    from tutor.model.problem import Problem


@dataclass(frozen=True)
class Quantity:
    """One kind of answer key: how many names its body has before the quantity, what they name, the
    practice phase it belongs to, and whether a data set's example has one of its own."""

    names: int  # 0: `loss`; 1: `y3.net`; 2: `e.d.local` (child, parent)
    of: str  # what the name is: neuron, parameter, node (of a computation graph), edge, or "" (none)
    phase: str  # forward, backward, update or loss (`nnstep practice --only`)
    per_example: bool = False  # `ex2.y3.net`: an example of a data set has its own


QUANTITIES: dict[str, Quantity] = {
    "loss": Quantity(0, "", "loss", per_example=True),
    "net": Quantity(1, "neuron", "forward", per_example=True),
    "out": Quantity(1, "neuron", "forward", per_example=True),
    "delta": Quantity(1, "neuron", "backward", per_example=True),
    "grad": Quantity(1, "parameter or node", "backward", per_example=True),
    "new": Quantity(1, "parameter", "update"),
    # an optimizer's state after the step (issue 15; `tutor.maths.optimizers`): w5.velocity, w5.s, w5.m, w5.v
    "velocity": Quantity(1, "parameter", "update"),
    "s": Quantity(1, "parameter", "update"),
    "m": Quantity(1, "parameter", "update"),
    "v": Quantity(1, "parameter", "update"),
    "value": Quantity(1, "node", "forward"),  # computation graphs (tutor.engines.graph)
    "local": Quantity(2, "edge", "backward"),
}
STEP_WORD = re.compile(r"step[0-9]+")  # begins a later step's keys (`step2.loss`): no name may be one
RESERVED = re.compile(r"loss|step[0-9]+")  # the grammar's own words: no neuron or parameter may be named so
_STEP = re.compile(r"step([1-9][0-9]*)\.(.+)")
_EXAMPLE = re.compile(r"ex([1-9][0-9]*)\.(.+)")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
# issue 16: a place in a layer's map or field, named by the layer form (never written in a neuron-form file):
# a map's neuron `c[0][1][2]`, an RNN's step `h@t2` / `h@t2[1]`, a parameter `c.kernels[0][0][1][0]`
_INDEX = r"(?:\[[0-9]+\])"
PLACE_NAME = re.compile(rf"[A-Za-z][A-Za-z0-9_]*(?:@t[0-9]+{_INDEX}*|{_INDEX}+|\.[A-Za-z][A-Za-z0-9_]*{_INDEX}+)")


@dataclass(frozen=True)
class Key:
    """One answer key as data: `step3.ex2.w13.grad` is Key("w13", "grad", step=3, example=2)."""

    subject: str  # the neuron, parameter or node ("" for `loss`; the child of a local derivative)
    quantity: str  # a key of QUANTITIES
    step: int = 1
    example: int | None = None  # a data set's example, 1-based
    parent: str = ""  # a local derivative's parent: `e.d.local` is ∂e/∂d

    def __str__(self) -> str:
        return step_prefix(self.step) + self.local

    @property
    def local(self) -> str:
        """The key without its step prefix: `ex2.y3.net`, `w13.new`."""
        return self.body if self.example is None else example_prefix(self.example) + self.body

    @property
    def body(self) -> str:
        """The key without its step and example prefixes: `y3.net`, `loss`, `e.d.local`."""
        names = (self.subject, self.parent)[: QUANTITIES[self.quantity].names]
        return ".".join((*names, self.quantity))


def format_key(key: Key) -> str:
    return str(key)


@lru_cache(maxsize=16384)
def parse_key(text: str) -> Key | None:
    """The key `text` names, None when it is no answer key of any problem (`y3.foo`, `ex0.loss`, `e.local`).
    `step1.` is allowed and dropped; `ex2.` is an example's only where what follows is an example's key, so
    a neuron named ex2 keeps its `ex2.net`."""
    step, local = split_key(text)
    m = _EXAMPLE.fullmatch(local)
    if m and (key := _body(m.group(2), step, int(m.group(1)))) is not None:
        return key
    return _body(local, step, None)


def read_key(text: str) -> Key:
    """The key `text` names, where it must name one (a problem's own answer key): KeyError when not."""
    parsed = parse_key(text)
    if parsed is None:
        raise KeyError(text)
    return parsed


def _body(text: str, step: int, example: int | None) -> Key | None:
    subject, dot, quantity = text.rpartition(".")
    if dot and PLACE_NAME.fullmatch(subject):
        kind = QUANTITIES.get(quantity)
        ok = kind is not None and kind.names == 1 and (example is None or kind.per_example)
        return Key(subject, quantity, step, example) if ok else None
    *names, quantity = text.split(".")
    head = text.rpartition(".")[0]
    if len(names) > 1 and PLACE_NAME.fullmatch(head):  # `c.kernels[0][0][1][0].grad`: the quantity after the last dot
        names = [head]
    kind = QUANTITIES.get(quantity)
    if kind is None or len(names) != kind.names or (example is not None and not kind.per_example):
        return None
    if not all(_NAME.fullmatch(n) or PLACE_NAME.fullmatch(n) for n in names):
        return None
    subject, parent = (*names, "", "")[:2]
    return Key(subject, quantity, step, example, parent)


def canonical_key(text: str) -> str:
    """`step1.loss` → `loss`: step 1's keys are written without their prefix."""
    return text.removeprefix(f"{step_word(1)}.")


def looks_like_key(text: str) -> bool:
    """An answer key, or the `step2` that nests a later step's: a word of an answers file."""
    return parse_key(text) is not None or STEP_WORD.fullmatch(text) is not None


def split_key(key: str) -> tuple[int, str]:
    """`step2.w13.new` → (2, `w13.new`); `loss` → (1, `loss`). Any text: a key that names nothing too."""
    m = _STEP.fullmatch(key)
    return (int(m.group(1)), m.group(2)) if m else (1, key)


def split_example(local: str) -> tuple[int | None, str]:
    """`ex2.y3.out` → (2, `y3.out`); `loss` → (None, `loss`). Any text (`ex2.w13.gard` → (2, `w13.gard`))."""
    m = _EXAMPLE.fullmatch(local)
    return (int(m.group(1)), m.group(2)) if m else (None, local)


@cache
def step_word(step: int) -> str:
    """`step2`: the word that begins step 2's keys (a mapping of its own in an answers file)."""
    return f"step{step}"


@cache
def step_prefix(step: int) -> str:
    """`step2.` in front of every key of step 2; step 1's keys have none."""
    return "" if step == 1 else f"step{step}."


@cache
def example_prefix(example: int) -> str:
    """`ex2.` in front of example 2's own keys in a data set."""
    return f"ex{example}."


def join_key(step: int, local: str) -> str:
    """`local` (a key without its step prefix) in step `step`: (2, `loss`) → `step2.loss`."""
    return step_prefix(step) + local


def example_key(example: int, body: str, step: int = 1) -> str:
    """(2, `y3.out`) → `ex2.y3.out`; with step 3 → `step3.ex2.y3.out`."""
    return step_prefix(step) + example_prefix(example) + body


def value_key(node: str) -> str:
    """A computation graph's forward value of `node`: `d.value`."""
    return f"{node}.value"


def local_key(child: str, parent: str) -> str:
    """The local derivative ∂child/∂parent on one edge: `e.d.local`."""
    return f"{child}.{parent}.local"


def grad_key(name: str) -> str:
    """∂L/∂name: `b.grad`, `w13.grad`."""
    return f"{name}.grad"


def describe_key(problem: Problem, key: str, network: Network | None = None) -> str:
    """The quantity in words: `w13.grad` → "∂L/∂w13, the gradient of the loss with respect to w13"."""
    from tutor.model.network import Network

    network = network or Network(problem)
    parsed = parse_key(key)
    if parsed is None:
        return key
    text = _describe(problem, network, parsed.subject, parsed.quantity)
    return text if parsed.step == 1 else f"{text} (step {parsed.step})"


def _describe(problem: Problem, network: Network, name: str, part: str) -> str:
    from tutor.maths.losses import loss_text

    if part == "loss":
        return f"the loss L = {loss_text(problem.loss)}"
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
        if problem.optimizer.name != "sgd":
            return f"{name} after the step of {problem.optimizer.entry.title}"
        return f"{name} after the step: {name} − η·∂L/∂{name}"
    if part in problem.optimizer.entry.state:
        return _describe_state(problem, name, part)
    return part


def _describe_state(problem: Problem, name: str, part: str) -> str:
    """An optimizer's state after the step: `w13.m` → "m of w13 after the step: m ← β₁ · m + (1 − β₁) · g"."""
    from tutor.maths.optimtext import rule_lines

    line = next(ln for ln in problem.optimizer.entry.lines if ln.target == part)
    rule = rule_lines([(line.target, line.formula)])[0]
    return f"{part} of {name} after the step ({problem.optimizer.entry.title}, g = ∂L/∂{name}): {rule}"


class Dependencies:
    """Direct dependencies between answer keys (what each quantity is computed from), per problem."""

    def __init__(self, problem: Problem, network: Network | None = None) -> None:
        from tutor.model.network import Network

        self.problem = problem
        self.network = network or Network(problem)

    def of(self, key: str) -> tuple[str, ...]:
        """The keys `key` is computed from directly (none for inputs and step-1 parameters)."""
        parsed = parse_key(key)
        if parsed is None or parsed.example is not None:
            return ()
        step = parsed.step
        return tuple(join_key(step, k) if not k.startswith("@") else k[1:] for k in self._local(parsed))

    def _local(self, key: Key) -> list[str]:
        step, name, part = key.step, key.subject, key.quantity
        prev = (lambda p: [f"@{join_key(step - 1, p + '.new')}"]) if step > 1 else (lambda p: [])
        net = self.network
        if part == "loss":
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
        if part == "grad" and name in self.problem.inputs:  # ∂L/∂x = Σ w · δ over the neurons x feeds
            return [d for k, p in net.consumers[name] for d in (f"{k}.delta", *prev(p))]
        if part == "grad":
            deps = []
            for e in net.uses[name]:
                deps.append(f"{e.neuron}.delta")
                if e.source in net.neurons:
                    deps.append(f"{e.source}.out")
            return deps
        words = self.problem.optimizer.entry.state
        if part == "new":
            return [f"{name}.grad", *prev(name), *(f"{name}.{w}" for w in words if name not in self.problem.frozen)]
        if part in words:  # an optimizer's state: from the gradient and the state after the step before
            return [f"{name}.grad", *([f"@{join_key(step - 1, f'{name}.{part}')}"] if step > 1 else [])]
        return []

    def _group(self, name: str) -> tuple[str, ...]:
        group = self._softmax
        return group if name in group else (name,)

    @cached_property
    def _softmax(self) -> tuple[str, ...]:
        return self.network.softmax_group

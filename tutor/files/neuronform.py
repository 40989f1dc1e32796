"""The neuron form of a problem file (`neurons:`), and the checks on the network it describes.

    neurons:
      y3: {inputs: {x1: w13, x2: w23}, bias: b3, activation: relu, net: x3}
      y5: {inputs: {y3: w35}, activation: {name: leaky_relu, alpha: 0.1}}

`inputs` maps a source node to a parameter NAME; `bias` names a parameter; `activation` is a name or a mapping
with `alpha`; `net` names the neuron's net input (x3 for y3 by default). Names match `NAME` and are at most
`MAX_NAME` characters: they appear in LaTeX and in answer keys such as `w13.grad`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

from tutor.files.numbers import number_at
from tutor.files.yamlsafe import Locator, YamlNumber
from tutor.maths import activations as acts
from tutor.maths.activations import Activation
from tutor.maths.losses import LOSSES
from tutor.model.keys import PLACE_NAME, RESERVED
from tutor.model.pooling import route_name
from tutor.model.problem import Connection, Neuron

NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
MAX_NAME = 32
MAX_PLACE_NAME = 64  # `layer.recurrent_weights[12][3]`
NEURON_KEYS = ("inputs", "bias", "activation", "net")
POOL_KEYS = ("max", "net")  # a max-pooling neuron (issue 16): {max: [c1, c2, c3, c4]}, net = the max, out = net
NEURON_REQUIRED = ("activation",)


def check_name(name: str, loc: Locator, *path: str | int) -> str:
    """A node or parameter name, or an error saying what a name may look like."""
    if not (NAME.fullmatch(name) or PLACE_NAME.fullmatch(name)):  # PLACE_NAME: c[0][1][2], c.kernels[0][0][1][0]
        rule = "a letter followed by letters, digits or _"
        raise loc.error(f"invalid name {name!r}: a name is {rule} (it is used in formulas and answer keys)", *path)
    if len(name) > (MAX_NAME if NAME.fullmatch(name) else MAX_PLACE_NAME):
        raise loc.error(f"name {name!r} is too long ({len(name)} characters; at most {MAX_NAME})", *path)
    if RESERVED.fullmatch(name):
        raise loc.error(f"{name!r} is reserved (answer files use it as a key): choose another name", *path)
    return name


def expect_mapping(value: Any, loc: Locator, *path: str | int, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise loc.error(f"expected a mapping of {what}, found {describe(value)}", *path)
    return value


def describe(value: Any) -> str:
    """What a YAML value is, for messages: 'the number 0.5', 'a list', 'nothing'."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, YamlNumber)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    return "a list" if isinstance(value, list) else "a mapping"


def parse_neurons(value: Any, loc: Locator, *, limit: int) -> dict[str, Neuron]:
    specs = expect_mapping(value, loc, "neurons", what="neuron names to neurons")
    if not specs:
        raise loc.error("no neurons: a network needs at least one", "neurons")
    if len(specs) > limit:
        raise loc.error(f"too many neurons ({len(specs)}; the limit is {limit})", "neurons")
    return {check_name(n, loc, "neurons", n): _parse_neuron(n, spec, loc) for n, spec in specs.items()}


def _parse_neuron(name: str, spec: Any, loc: Locator) -> Neuron:
    path = ("neurons", name)
    spec = expect_mapping(spec, loc, *path, what="inputs, bias, activation (and optionally net)")
    if "max" in spec:
        return _parse_pool(name, spec, loc)
    check_keys(spec, NEURON_KEYS, NEURON_REQUIRED, loc, *path)
    inputs = _parse_connections(spec.get("inputs", {}), loc, (*path, "inputs"))
    bias = param_ref(spec["bias"], loc, *path, "bias") if "bias" in spec else None
    if not inputs and bias is None:
        raise loc.error(f"neuron {name!r} has no inputs and no bias: it would compute nothing", *path)
    net = check_name(_text(spec["net"], loc, *path, "net"), loc, *path, "net") if "net" in spec else None
    activation = parse_activation(spec["activation"], loc, *path, "activation")
    return Neuron(name=name, inputs=inputs, activation=activation, bias=bias, net_label=net)


def _parse_pool(name: str, spec: Mapping[str, Any], loc: Locator) -> Neuron:
    """`{max: [c1, c2]}`: a max-pooling neuron, no weights; ties go to the first source listed."""
    path = ("neurons", name)
    check_keys(spec, POOL_KEYS, ("max",), loc, *path)
    sources = spec["max"]
    if not isinstance(sources, list) or not sources:
        raise loc.error("expected a list of the window's source nodes: max: [c1, c2, c3, c4]", *path, "max")
    names = [check_name(_text(s, loc, *path, "max", i), loc, *path, "max", i) for i, s in enumerate(sources)]
    net = check_name(_text(spec["net"], loc, *path, "net"), loc, *path, "net") if "net" in spec else None
    conns = tuple(Connection(s, route_name(name, s)) for s in names)
    identity = Activation("identity", acts.ACTIVATIONS["identity"].default)
    return Neuron(name=name, inputs=conns, activation=identity, net_label=net, combine="max")


def _parse_connections(value: Any, loc: Locator, path: tuple[str, ...]) -> tuple[Connection, ...]:
    sources = expect_mapping(value, loc, *path, what="source nodes to parameter names (x1: w13)")
    return tuple(Connection(check_name(s, loc, *path, s), param_ref(p, loc, *path, s)) for s, p in sources.items())


def param_ref(value: Any, loc: Locator, *path: str | int) -> str:
    """A parameter NAME where one belongs; a number here is the classic mistake, so say so."""
    if isinstance(value, (int, YamlNumber)) and not isinstance(value, bool):
        hint = "write a parameter name here (e.g. w13) and give its value under parameters:"
        raise loc.error(f"found the number {value} where a parameter name belongs: {hint}", *path)
    return check_name(_text(value, loc, *path), loc, *path)


def _text(value: Any, loc: Locator, *path: str | int) -> str:
    if not isinstance(value, str):
        raise loc.error(f"expected a name, found {describe(value)}", *path)
    return value


def parse_activation(value: Any, loc: Locator, *path: str | int) -> Activation:
    """`relu`, `linear` (an alias), or `{name: leaky_relu, alpha: 0.1}`."""
    spec = value if isinstance(value, dict) else {"name": value}
    check_keys(spec, ("name", "alpha"), ("name",), loc, *path)
    raw = spec["name"]
    name = acts.canonical(raw) if isinstance(raw, str) else raw
    if not isinstance(name, str) or name not in acts.ACTIVATIONS:
        found = repr(raw) if isinstance(raw, str) else describe(raw)
        valid = ", ".join((*acts.ACTIVATIONS, *acts.aliases()))
        raise loc.error(f"unknown activation {found}; valid: {valid}", *path)
    entry = acts.ACTIVATIONS[name]
    if "alpha" not in spec:
        return Activation(name, entry.default)
    if entry.parameter is None:
        raise loc.error(f"{name} takes no alpha (only {', '.join(acts.with_parameter())} do)", *path, "alpha")
    return Activation(name, number_at(spec["alpha"], loc, *path, "alpha"))


def check_keys(
    spec: Mapping[str, Any], valid: Iterable[str], required: Iterable[str], loc: Locator, *path: str | int
) -> None:
    """Unknown keys (with the valid ones listed) and missing required keys are errors."""
    valid = tuple(valid)
    for key in spec:
        if key not in valid:
            raise loc.error(
                f"unknown key {key!r}; {did_you_mean(key, valid)}valid keys here: {', '.join(valid)}", *path, key
            )
    for key in required:
        if key not in spec:
            raise loc.error(f"missing key {key!r}", *path)


def did_you_mean(word: str, valid: Iterable[str]) -> str:
    """`did you mean 'activation'? ` for a near miss of one of `valid`, else ''."""
    close = difflib.get_close_matches(word, list(valid), n=1)
    return f"did you mean {close[0]!r}? " if close else ""


def check_network(
    inputs: Mapping[str, Any], neurons: Mapping[str, Neuron], parameters: Mapping[str, Any], loc: Locator
) -> None:
    """Names unique, every source and parameter defined, no cycles."""
    _check_unique(inputs, neurons, parameters, loc)
    for n, neuron in neurons.items():
        for c in neuron.inputs:
            here = ("neurons", n, "inputs", c.source)
            if c.source not in inputs and c.source not in neurons:
                raise loc.error(f"unknown source {c.source!r}: it is neither an input nor a neuron", *here)
            if neuron.combine != "max":  # a pooling neuron's connections are routes, not parameters
                _check_defined(c.parameter, parameters, loc, *here)
        if neuron.bias is not None:
            _check_defined(neuron.bias, parameters, loc, "neurons", n, "bias")
    cycle = find_cycle(neurons)
    if cycle:
        feeds = " → ".join(reversed(cycle))  # arrows point the way values flow
        raise loc.error(f"the neurons form a cycle: {feeds}", "neurons", cycle[0])


def _check_defined(parameter: str, parameters: Mapping[str, Any], loc: Locator, *path: str | int) -> None:
    if parameter not in parameters:
        raise loc.error(f"undefined parameter {parameter!r}: give its value under parameters:", *path)


def _check_unique(
    inputs: Mapping[str, Any], neurons: Mapping[str, Neuron], parameters: Mapping[str, Any], loc: Locator
) -> None:
    """One name, one thing: an input, a neuron, a parameter or a neuron's net label."""
    named: list[tuple[str, str, tuple[str, ...]]] = [(x, "an input", ("inputs", x)) for x in inputs]
    named += [(n, "a neuron", ("neurons", n)) for n in neurons]
    named += [(p, "a parameter", ("parameters", p)) for p in parameters]
    named += [(v.net_label, f"the net label of {n}", ("neurons", n, "net")) for n, v in neurons.items() if v.net_label]
    seen: dict[str, str] = {}
    for name, kind, path in named:
        if name in seen:
            raise loc.error(f"{name!r} is both {seen[name]} and {kind}: every name must be unique", *path)
        seen[name] = kind


def find_cycle(neurons: Mapping[str, Neuron]) -> list[str]:
    """A cycle among the neurons as [a, b, …, a], or [] (iterative DFS: deep networks must not recurse)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in neurons:
        if state.get(start):
            continue
        path, stack = [start], [iter(_sources(neurons, start))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(_sources(neurons, nxt)))
    return []


def _sources(neurons: Mapping[str, Neuron], n: str) -> list[str]:
    return [c.source for c in neurons[n].inputs if c.source in neurons]


def check_usage(
    neurons: Mapping[str, Neuron], parameters: Mapping[str, Any], targets: Mapping[str, Any], loc: Locator
) -> None:
    """Every neuron reaches the loss; every parameter is used (a stray one is almost always a typo)."""
    fed = {c.source for v in neurons.values() for c in v.inputs}
    for n in neurons:
        if n not in targets and n not in fed:
            raise loc.error(f"neuron {n!r} is not used: it has no target and feeds no other neuron", "neurons", n)
    used = {c.parameter for v in neurons.values() for c in v.inputs} | {v.bias for v in neurons.values()}
    for p in parameters:
        if p not in used:
            raise loc.error(f"parameter {p!r} is defined but no neuron uses it", "parameters", p)


def check_targets(
    inputs: Mapping[str, Any], neurons: Mapping[str, Neuron], targets: Mapping[str, Any], loc: Locator
) -> None:
    for t in targets:
        if t in inputs:
            raise loc.error(f"{t!r} is an input: targets go on output neurons", "targets", t)
        if t not in neurons:
            raise loc.error(f"target for an unknown neuron {t!r}; neurons: {', '.join(neurons)}", "targets", t)


def check_outputs(
    neurons: Mapping[str, Neuron],
    targets: Mapping[str, Fraction],
    loss: str,
    loc: Locator,
    where: tuple[str | int, ...] = ("targets",),
) -> None:
    """Softmax only on outputs (one group, at least two); bce with sigmoid, cross_entropy with softmax outputs.
    `where`: the key path of these targets (`data[3].targets` for an example of a data set)."""
    softmax = [n for n, v in neurons.items() if v.activation.name == "softmax"]
    for n in softmax:
        if n not in targets:
            why = "softmax neurons are normalised together and must all be output neurons (have a target)"
            raise loc.error(f"softmax on {n!r}, which is not an output: {why}", "neurons", n, "activation")
    if len(softmax) == 1:
        raise loc.error("a single softmax neuron always outputs 1: use two or more", "neurons", softmax[0])
    entry = LOSSES.get(loss)
    needs = entry.needs_outputs if entry is not None else None
    for o, t in targets.items():
        if needs and neurons[o].activation.name != needs:
            found = neurons[o].activation.name
            raise loc.error(f"loss {loss} needs {needs} outputs, but {o!r} is {found}", "neurons", o, "activation")
        if needs and not 0 <= t <= 1:
            raise loc.error(f"loss {loss} needs targets between 0 and 1, found {t}", *where, o)
    if entry is not None and entry.targets_sum_to_one and sum(targets.values()) != 1:
        raise loc.error(f"{loss} targets must sum to 1 (one-hot or probabilities)", *where)

"""Write a `Problem` back as a problem file (neuron form), deterministically: the same problem gives the same bytes.

A tiny emitter for this one schema, not a general YAML dumper: keys in the order of the format reference, the
problem's own order inside each mapping, exact numbers as decimals where they terminate (0.05) and as quoted
fractions otherwise ("1/3"), text as double-quoted YAML with escapes. `tutor.files.loader.load_problem` reads the
result back to an equal problem (the round trip is tested). The `vary:` section is never written: a written
problem is one concrete exercise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from fractions import Fraction

from tutor.errors import InputError
from tutor.escape import yaml_comment
from tutor.files.numbers import MAX_TEXT
from tutor.model.problem import CheckSettings, Neuron, Problem

FLOW_ITEMS = 8  # mappings up to this size are written on one line, {a: 1, b: 2}
# words YAML 1.1 reads as booleans or null: quoted, so a node named `on` stays the text "on"
_PLAIN = re.compile(r"[A-Za-z0-9_.]+")
_YAML_WORDS = frozenset(["y", "n", "yes", "no", "true", "false", "on", "off", "null"])


def problem_yaml(problem: Problem, header: Iterable[str] = ()) -> str:
    """The problem as problem-file text; `header` lines become `# ` comments at the top."""
    if problem.data:
        raise InputError("writing problems with a data set is not supported: use a single example (inputs:)")
    lines = [f"# {yaml_comment(line)}".rstrip() for line in header]
    if problem.title:
        lines.append(f"title: {quote(problem.title)}")
    if problem.description:
        lines.append(f"description: {quote(problem.description)}")
    lines += _mapping("inputs", {k: number(v) for k, v in problem.inputs.items()})
    lines.append("neurons:")
    lines += [f"  {name_text(n)}: {_neuron(neuron)}" for n, neuron in problem.neurons.items()]
    lines += _mapping("parameters", {k: number(v) for k, v in problem.parameters.items()})
    if problem.frozen:
        frozen = [p for p in problem.parameters if p in problem.frozen]  # parameter order, not set order
        lines.append(f"frozen: [{', '.join(map(name_text, frozen))}]")
    lines += _mapping("targets", {k: number(v) for k, v in problem.targets.items()})
    lines += _loss(problem)
    lines.append(f"learning_rate: {number(problem.learning_rate)}")
    lines += _options(problem)
    if problem.variant:
        lines += _mapping("variant", {str(k): _scalar(v) for k, v in problem.variant.items()}, flow=True)
    return "\n".join(lines) + "\n"


def _loss(problem: Problem) -> list[str]:
    """`loss: mse`, or with its settings `loss: {name: huber, delta: 0.5}`."""
    if not problem.loss_options:
        return [f"loss: {problem.loss}"]
    return _mapping("loss", {"name": problem.loss, **{k: number(v) for k, v in problem.loss_options.items()}}, True)


def _regdrop(problem: Problem) -> list[str]:
    """`regularization: {l2: 0.01}` and `dropout: {rate: 0.5, masks: [{h1: 0}, …]}` (issue 15)."""
    lines = []
    if problem.regularization is not None:
        reg = problem.regularization
        lines += _mapping("regularization", {reg.kind: number(reg.strength)}, flow=True)
    if problem.dropout is not None:
        masks = [", ".join(f"{name_text(n)}: {m}" for n, m in mask.items()) for mask in problem.dropout.masks]
        text = ", ".join(f"{{{m}}}" for m in masks)
        lines.append(f"dropout: {{rate: {number(problem.dropout.rate)}, masks: [{text}]}}")
    return lines


def _options(problem: Problem) -> list[str]:
    lines = _regdrop(problem)
    if problem.steps != 1:
        lines.append(f"steps: {problem.steps}")
    if problem.relu_derivative_at_zero != 0:
        lines.append(f"relu_derivative_at_zero: {number(problem.relu_derivative_at_zero)}")
    if problem.optimizer.name != "sgd":  # issue 15: every setting written out, defaults included
        settings = {"name": problem.optimizer.name, **{k: number(v) for k, v in problem.optimizer.settings}}
        lines += _mapping("optimizer", settings, flow=True)
    if problem.check != CheckSettings():
        check = problem.check
        fields = {"rtol": check.rtol, "atol": check.atol, "carried_credit": check.carried_credit}
        items = {k: number(Fraction(repr(v))) for k, v in fields.items()}  # repr: the float's shortest text
        if check.sigfigs is not None:
            items["sigfigs"] = str(check.sigfigs)
        if check.keys is not None:
            items["keys"] = f"[{', '.join(map(quote, check.keys))}]"
        lines += _mapping("check", items, flow=True)
    return lines


def _neuron(neuron: Neuron) -> str:
    if neuron.combine == "max":  # max pooling (issue 16): its sources, no weights
        net = f", net: {name_text(neuron.net_label)}" if neuron.net_label is not None else ""
        return f"{{max: [{', '.join(name_text(c.source) for c in neuron.inputs)}]{net}}}"
    parts = []
    if neuron.inputs:
        conns = ", ".join(f"{name_text(c.source)}: {name_text(c.parameter)}" for c in neuron.inputs)
        parts.append(f"inputs: {{{conns}}}")
    if neuron.bias is not None:
        parts.append(f"bias: {name_text(neuron.bias)}")
    act = neuron.activation
    if act.alpha in (None, act.entry.default):
        parts.append(f"activation: {act.name}")
    else:
        parts.append(f"activation: {{name: {act.name}, alpha: {number(act.alpha)}}}")
    if neuron.net_label is not None:
        parts.append(f"net: {name_text(neuron.net_label)}")
    return "{" + ", ".join(parts) + "}"


def _mapping(key: str, items: Mapping[str, str], flow: bool = False) -> list[str]:
    """`key: {a: 1, b: 2}` when short (or `flow`), else one `  a: 1` line per item."""
    if flow or len(items) <= FLOW_ITEMS:
        return [f"{key}: {{{', '.join(f'{name_text(k)}: {v}' for k, v in items.items())}}}"]
    return [f"{key}:", *(f"  {name_text(k)}: {v}" for k, v in items.items())]


def _scalar(value: object) -> str:
    """A variant detail: integers and exact numbers as numbers, anything else as quoted text."""
    if isinstance(value, bool):
        return quote(str(value).lower())
    if isinstance(value, (int, Fraction)):
        return number(Fraction(value))
    return quote(str(value))


def number(value: Fraction) -> str:
    """Exact: `3`, `-0.25`, `0.001`; a non-terminating value as a quoted fraction, `"1/3"`."""
    value = Fraction(value)
    if value.denominator == 1:
        text = str(value.numerator)
    elif (places := _decimal_places(value.denominator)) is not None:
        digits = str(abs(value.numerator) * 10**places // value.denominator).rjust(places + 1, "0")
        text = ("-" if value < 0 else "") + digits[:-places] + "." + digits[-places:]
    else:
        text = f'"{value.numerator}/{value.denominator}"'
    if len(text.strip('"')) > MAX_TEXT:  # the loader would refuse it as a number nobody typed
        raise InputError(f"the number {float(value):g} is too long to write exactly ({len(text)} characters)")
    return text


def _decimal_places(q: int) -> int | None:
    """How many decimals 1/q needs (q = 2^a·5^b → max(a, b)); None when it never terminates."""
    twos = fives = 0
    while q % 2 == 0:
        q, twos = q // 2, twos + 1
    while q % 5 == 0:
        q, fives = q // 5, fives + 1
    return max(twos, fives) if q == 1 else None


def name_text(name: str) -> str:
    """A (validated) node or parameter name; quoted where YAML would read it as a boolean or null, or where a
    place name's brackets would read as a flow list (`c[0][1]`)."""
    return quote(name) if name.lower() in _YAML_WORDS or not _PLAIN.fullmatch(name) else name


def quote(text: str) -> str:
    """Double-quoted YAML: `\\` and `"` escaped, every non-printable character as a \\x/\\u/\\U escape."""
    return '"' + "".join(_char(c) for c in text) + '"'


def _char(c: str) -> str:
    if c in '\\"':
        return "\\" + c
    code = ord(c)
    printable = 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or code >= 0x10000
    if printable and code not in (0x2028, 0x2029, 0xFEFF):  # YAML line/paragraph separators, BOM
        return c
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"

"""Moodle XML: one Embedded Answers (cloze) question per variant, for import into Moodle's question bank.

Each question states the problem in HTML (tables of inputs, neurons and parameters; targets, loss, learning
rate) and embeds one NUMERICAL subquestion per asked quantity, `{1:NUMERICAL:=10:0.01}`: weight 1, the exact
value, and the tolerance the checker allows (`tutor.checking.check.tolerance`: max(atol, rtol·|value|), or the
`sigfigs` rule). Default quantities: every output, the loss and every updated (not frozen) parameter.

Structure is built with `xml.etree.ElementTree`, the HTML too; ElementTree escapes the HTML inside `<text>`
(`&lt;p&gt;`), which any XML parser, Moodle's included, reads back exactly as it would a CDATA section. User
text cannot open a subquestion: every `{` and `}` of the HTML is written as a character reference, and the
cloze markers are put in only after that.

Each question shows the network drawing (the SVG of the HTML page, `tutor.render.svgnet`) as a Moodle file:
`<file name="network.svg" path="/" encoding="base64">` inside `<questiontext>`, referenced from an `<img>` as
`@@PLUGINFILE@@/network.svg`, as Moodle's XML import reads a question's embedded files.
"""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from decimal import Decimal

from tutor.checking.check import tolerance
from tutor.errors import InputError
from tutor.escape import xml_text
from tutor.maths.losses import loss_text
from tutor.maths.numfmt import as_fraction, fmt
from tutor.maths.optimtext import rule_lines
from tutor.maths.regtext import PENALTY_TEXT, masks_text
from tutor.model.derivation import Derivation
from tutor.model.keys import describe_key, parse_key
from tutor.model.network import Network
from tutor.model.problem import CheckSettings, Neuron, Problem
from tutor.render.optimlines import statement_text

_CLOZE_SPECIAL = re.compile(r'([\\}#~/"])')  # escaped with a backslash inside a cloze answer or feedback
_SLOT = re.compile("\ue000(\\d+)\ue001")  # where a marker goes; private-use characters, stripped from user text


def default_keys(derivation: Derivation) -> list[str]:
    """Every output's out, the loss, every trainable parameter's new value (first step)."""
    p = derivation.problem
    return [f"{o}.out" for o in p.targets] + ["loss"] + [f"{w}.new" for w in p.trainable]


def asked_keys(derivation: Derivation, ask: Sequence[str] | None) -> list[str]:
    keys = list(ask) if ask else default_keys(derivation)
    values = derivation.values()
    unknown = [k for k in keys if k not in values]
    if unknown:
        raise InputError(f"--ask {unknown[0]}: no such quantity of this problem; {_key_hint(unknown[0], values)}")
    return list(dict.fromkeys(keys))


def _key_hint(key: str, values: Mapping[str, object]) -> str:
    """Did-you-mean from this problem's own keys, else a few of them as examples."""
    import difflib

    close = difflib.get_close_matches(key, list(values), n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(close) + "?"
    return "its keys look like " + ", ".join(list(values)[:2] + [k for k in values if _is_update(k)][:2])


def _is_update(key: str) -> bool:
    parsed = parse_key(key)
    return parsed is not None and parsed.quantity == "new"


def cloze_escape(text: str) -> str:
    """Text safe inside a cloze answer or feedback: `}` `#` `~` `/` `"` `\\` get a backslash."""
    return _CLOZE_SPECIAL.sub(r"\\\1", text)


def decimal_text(value: object) -> str:
    """A value in plain decimal notation: exact where it terminates (≤ 12 decimals), else 10 significant digits."""
    frac = as_fraction(value)
    if frac is not None:
        text = fmt(frac, 10)
        if "/" not in text and "e" not in text:
            return text
    return _plain(f"{float(value):.10g}")  # type: ignore[arg-type]


def _plain(text: str) -> str:
    out = format(Decimal(text), "f")
    return out.rstrip("0").rstrip(".") if "." in out else out


def cloze_marker(value: object, settings: CheckSettings, feedback: str = "") -> str:
    """`{1:NUMERICAL:=value:tolerance#feedback}`."""
    tol = _plain(f"{tolerance(float(value), settings):.6g}")  # type: ignore[arg-type]
    tail = f"#{cloze_escape(feedback)}" if feedback else ""
    return f"{{1:NUMERICAL:={cloze_escape(decimal_text(value))}:{cloze_escape(tol)}{tail}}}"


def quiz_xml(items: Sequence[tuple[str, Derivation]], ask: Sequence[str] | None = None, id_prefix: str = "") -> str:
    """The quiz: one cloze question per (variant id, derivation). Each question's Moodle ID number is
    `id_prefix` + variant id (the bank needs them unique in a category: the caller names problem and seed)."""
    quiz = ET.Element("quiz")
    for variant_id, derivation in items:
        quiz.append(question(variant_id, derivation, asked_keys(derivation, ask), id_prefix + variant_id))
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"


def question(variant_id: str, derivation: Derivation, keys: Sequence[str], idnumber: str | None = None) -> ET.Element:
    p = derivation.problem
    values, settings = derivation.values(), p.check
    html = _html_text(question_html(derivation, keys))
    markers = [cloze_marker(values[k], settings, f"{k} = {decimal_text(values[k])}") for k in keys]
    text = _SLOT.sub(lambda m: markers[int(m.group(1))], html)
    q = ET.Element("question", type="cloze")
    _text(ET.SubElement(q, "name"), _clean(f"{p.title or 'nnstep'} ({variant_id})"))
    questiontext = ET.SubElement(q, "questiontext", format="html")
    _text(questiontext, text)
    drawing = ET.SubElement(questiontext, "file", name=DRAWING, path="/", encoding="base64")
    drawing.text = base64.b64encode(drawing_svg(derivation).encode("utf-8")).decode("ascii")
    _text(ET.SubElement(q, "generalfeedback", format="html"), "")
    ET.SubElement(q, "penalty").text = "0.3333333"
    ET.SubElement(q, "hidden").text = "0"
    ET.SubElement(q, "idnumber").text = _clean(idnumber or variant_id)[-100:]  # Moodle takes at most 100
    return q


DRAWING = "network.svg"  # the drawing's file name in each question


def drawing_svg(derivation: Derivation) -> str:
    """The network with the problem's parameters, as a standalone SVG file."""
    from tutor.render.svgnet import drawing_svg as svg

    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + svg(Network(derivation.problem), derivation.problem.parameters)[0]
    )


def _text(parent: ET.Element, value: str) -> None:
    ET.SubElement(parent, "text").text = value


def _clean(text: str) -> str:
    """User text for the HTML: no marker characters, no characters XML cannot hold (`xml_text`)."""
    return xml_text(text).replace("\ue000", "").replace("\ue001", "")


def _html_text(root: ET.Element) -> str:
    html = ET.tostring(root, encoding="unicode", method="html")
    return html.replace("{", "&#123;").replace("}", "&#125;")  # only markers may open a subquestion


def question_html(derivation: Derivation, keys: Sequence[str]) -> ET.Element:
    """The statement and an answer table whose cells hold marker slots (`\\ue000i\\ue001`)."""
    p = derivation.problem
    network = Network(p)
    root = ET.Element("div")
    if p.description:
        _para(root, _clean(p.description))
    _para(root, "A neural network: each neuron computes net = Σ source · weight (+ bias) and out = f(net).")
    ET.SubElement(
        ET.SubElement(root, "p"), "img", src=f"@@PLUGINFILE@@/{DRAWING}", alt="The network, every weight labelled"
    )
    _table(root, ["input", "value"], [[_clean(k), fmt(v)] for k, v in p.inputs.items()])
    _table(root, ["neuron", "net input", "activation"], [_neuron_row(p.neurons[n]) for n in network.order])
    fixed = {k: " (fixed)" if k in p.frozen else "" for k in p.parameters}
    _table(root, ["parameter", "value"], [[k + fixed[k], fmt(v)] for k, v in p.parameters.items()])
    targets = ", ".join(f"{o} = {fmt(t)}" for o, t in p.targets.items())
    _para(root, f"Targets: {targets}. Loss: L = {loss_text(p.loss)}. Learning rate: η = {fmt(p.learning_rate)}.")
    for sentence in _settings(p):
        _para(root, sentence)
    count = "one step" if p.steps == 1 else f"{p.steps} steps"
    if p.optimizer.name == "sgd":
        _para(root, f"Do {count} of gradient descent, w ← w − η ∂L/∂w, and give these values:")
    else:
        _para(root, f"Do {count} of {p.optimizer.entry.title} and give these values:")
    rows = [[describe_key(p, k, network), f"\ue000{i}\ue001"] for i, k in enumerate(keys)]
    _table(root, ["quantity", "your answer"], rows)
    return root


def _settings(p: Problem) -> list[str]:
    """The statement's sentences on what else the problem sets: the loss's settings, a penalty, dropout and
    its masks, an optimizer and its rule (as the LaTeX problem sheet states them)."""
    out = [f"Loss setting: {k} = {fmt(v)}." for k, v in p.loss_options.items()]
    if p.regularization is not None:
        kind, lam = p.regularization.kind, fmt(p.regularization.strength)
        out.append(f"Regularization: L adds {PENALTY_TEXT[kind]} over the weights (not the biases), λ = {lam}.")
    if p.dropout is not None:
        masks = masks_text(p.dropout)
        out.append(
            f"Dropout on the hidden neurons, p = {fmt(p.dropout.rate)} (inverted: a kept output is multiplied by"
            f" 1/(1 − p)); masks (1 kept, 0 dropped, a neuron not named is kept): {masks}."
        )
    if optimizer := statement_text(p, fmt):
        rule = "; ".join(rule_lines([(ln.target, ln.formula) for ln in p.optimizer.entry.lines]))
        out.append(f"O{optimizer[1:]}; for each parameter w, with g = ∂L/∂w and its state starting at 0: {rule}.")
    return out


def _neuron_row(neuron: Neuron) -> list[str]:
    terms = [f"{c.source} · {c.parameter}" for c in neuron.inputs] + ([neuron.bias] if neuron.bias else [])
    return [neuron.name, " + ".join(terms), str(neuron.activation)]


def _para(parent: ET.Element, text: str) -> None:
    ET.SubElement(parent, "p").text = text


def _table(parent: ET.Element, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    table = ET.SubElement(parent, "table", border="1", cellpadding="4")
    tr = ET.SubElement(table, "tr")
    for h in header:
        ET.SubElement(tr, "th").text = h
    for row in rows:
        tr = ET.SubElement(table, "tr")
        for cell in row:
            ET.SubElement(tr, "td").text = cell

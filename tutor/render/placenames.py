"""Math symbols for the names by place of a recurrent (or convolution) layer (issue 16).

A step's neuron `h@t2[1]` is h^{(2)}_{1} (Goodfellow's h^{(t)}); `y@t3` is y^{(3)}; a map's neuron
`c[0][1][2]` is c_{0,1,2}. A parameter `h.recurrent_weights[0][1]` is W^{[h]}_{h;0,1} (the layer in
brackets, Ng's W^{[l]}): input_weights W_x, recurrent_weights W_h, weights W, biases b, kernels K; another
field is upright.
"""

from __future__ import annotations

import re
from collections.abc import Callable

FIELDS = {"input_weights": ("W", "x"), "recurrent_weights": ("W", "h"), "weights": ("W", ""), "biases": ("b", "")}
FIELDS |= {"kernels": ("K", "")}
_STEP = re.compile(r"([A-Za-z][A-Za-z0-9_]*)@t([0-9]+)((?:\[[0-9]+\])*)")
_MAP = re.compile(r"([A-Za-z][A-Za-z0-9_]*)((?:\[[0-9]+\])+)")
_PARAM = re.compile(r"([A-Za-z][A-Za-z0-9_]*)\.([A-Za-z][A-Za-z0-9_]*)((?:\[[0-9]+\])+)")


def place_symbol(value: str, base: Callable[[str], str]) -> str | None:
    """The symbol of a name by place, or None for any other name; `base` writes a plain name's symbol.
    Braced as a whole: a formula may square it (`{h^{(2)}}^{2}`)."""
    symbol = _symbol(value, base)
    return None if symbol is None else f"{{{symbol}}}"


def _symbol(value: str, base: Callable[[str], str]) -> str | None:
    if m := _STEP.fullmatch(value):
        return f"{_group(base(m.group(1)))}^{{({m.group(2)})}}" + _sub(_indices(m.group(3)))
    if m := _PARAM.fullmatch(value):
        upright = r"\mathrm{" + m.group(2).replace("_", r"\_") + "}"
        letter, sub = FIELDS.get(m.group(2), (upright, ""))
        idx = _indices(m.group(3))
        return f"{letter}^{{[{base(m.group(1))}]}}" + _sub(f"{sub};{idx}" if sub else idx)
    if m := _MAP.fullmatch(value):
        return _group(base(m.group(1))) + _sub(_indices(m.group(2)))
    return None


def _group(symbol: str) -> str:
    """A symbol that has its own sub- or superscript (net_h: \\mathrm{net}_{h}) braced, so no double subscript."""
    return f"{{{symbol}}}" if "_" in symbol or "^" in symbol else symbol


def _indices(brackets: str) -> str:
    return ",".join(re.findall(r"[0-9]+", brackets))


def _sub(text: str) -> str:
    return f"_{{{text}}}" if text else ""

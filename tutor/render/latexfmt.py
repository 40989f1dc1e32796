r"""LaTeX atoms: escaped text, node and parameter names as math, numbers.

Every user-supplied string goes through `text()` (running text), `line()` (one line: a heading, a
command's argument) or `name()` (a symbol in math); nothing from a problem file reaches the document
unescaped, so a title such as `\input{/etc/passwd}` is printed, never executed, and a title holding a
blank line cannot end a `\section*{…}` early ("Paragraph ended before \@sect was complete").

Names map to math by these rules, in this order (the first that matches wins):

| name               | math                      | rule                                                |
|--------------------|---------------------------|-----------------------------------------------------|
| `x`, `w`           | `x`, `w`                  | one letter: italic                                  |
| `alpha`, `Delta`   | `\alpha`, `\Delta`        | the name of a Greek letter: the letter              |
| `w13`, `b1`        | `w_{13}`, `b_{1}`         | letters then digits: the digits as a subscript      |
| `w1_2`, `w_1_2`    | `w_{1,2}`                 | letters then numbers joined by `_`: an index list   |
| `h_1`, `net_h1`    | `h_{1}`, `\mathrm{net}_{h1}` | `base_sub`, sub of letters/digits: a subscript   |
| `out`, `price`     | `\mathrm{price}`          | several letters: upright                            |
| `hidden_2_a`       | `\mathrm{hidden\_2\_a}`   | other letters/digits/underscores: upright, `\_`     |
| anything else      | `\textnormal{…}`          | upright text, every special character escaped       |

A base of several letters is upright (`out1` → `\mathrm{out}_{1}`) unless it names a Greek letter
(`alpha1` → `\alpha_{1}`); a base of one letter is italic. Subscripts are kept as written (`net_h1` →
`h1` in the subscript, not `h_{1}`).
"""

from __future__ import annotations

import re

from tutor.maths.numfmt import fmt, fmt_float, is_exact_text

_GREEK_NAMES = (
    ("α", "alpha"), ("β", "beta"), ("γ", "gamma"), ("δ", "delta"), ("ε", "epsilon"), ("ζ", "zeta"),
    ("η", "eta"), ("θ", "theta"), ("ι", "iota"), ("κ", "kappa"), ("λ", "lambda"), ("μ", "mu"), ("ν", "nu"),
    ("ξ", "xi"), ("π", "pi"), ("ρ", "rho"), ("σ", "sigma"), ("τ", "tau"), ("υ", "upsilon"), ("φ", "phi"),
    ("χ", "chi"), ("ψ", "psi"), ("ω", "omega"), ("Γ", "Gamma"), ("Δ", "Delta"), ("Θ", "Theta"),
    ("Λ", "Lambda"), ("Ξ", "Xi"), ("Π", "Pi"), ("Σ", "Sigma"), ("Υ", "Upsilon"), ("Φ", "Phi"), ("Ψ", "Psi"),
    ("Ω", "Omega"),
)  # fmt: skip
GREEK = frozenset({g for _, g in _GREEK_NAMES} | {"varepsilon", "vartheta", "varphi"})

_TEXT_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "%": r"\%",
    "_": r"\_",
    "^": r"{\ttfamily\char94}",
    "~": r"{\ttfamily\char126}",
    '"': r"{\ttfamily\char34}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "-": "-{}",  # no -- or --- ligatures: text stays literal
}

# Unicode that course notes use, written with commands every TeX has.
_UNICODE = {
    "−": r"\ensuremath{-}",
    "·": r"\ensuremath{\cdot}",
    "×": r"\ensuremath{\times}",
    "÷": r"\ensuremath{\div}",
    "²": r"\ensuremath{^2}",
    "³": r"\ensuremath{^3}",
    "½": r"\ensuremath{\tfrac12}",
    "∂": r"\ensuremath{\partial}",
    "∑": r"\ensuremath{\sum}",
    "∇": r"\ensuremath{\nabla}",
    "⊙": r"\ensuremath{\odot}",
    "→": r"\ensuremath{\to}",
    "←": r"\ensuremath{\leftarrow}",
    "≤": r"\ensuremath{\le}",
    "≥": r"\ensuremath{\ge}",
    "≈": r"\ensuremath{\approx}",
    "≠": r"\ensuremath{\ne}",
    "∞": r"\ensuremath{\infty}",
    "′": r"\ensuremath{'}",
    "–": "--",
    "—": "---",
    "“": "``",
    "”": "''",
    "‘": "`",
    "’": "'",
    "…": r"\dots{}",
    "\u00a0": "~",
}
_UNICODE.update({ch: rf"\ensuremath{{\{g}}}" for ch, g in _GREEK_NAMES})
# What `text` writes for a character, read back (the HTML view reads the LaTeX document): the escapes that
# cannot be plain text, so ASCII stays itself.
TEXT_ESCAPED = {tex: ch for ch, tex in {**_TEXT_ESCAPES, **_UNICODE}.items() if tex[0] in "\\{"}
# Latin-1 letters that pdflatex's default (OT1) fonts can set; others are shown as [U+XXXX].
_NO_OT1 = frozenset("ÐÞðþ")


def _char(ch: str) -> str:
    if ch in _TEXT_ESCAPES:
        return _TEXT_ESCAPES[ch]
    if " " <= ch <= "~":
        return ch
    if ch in _UNICODE:
        return _UNICODE[ch]
    if "\u00c0" <= ch <= "\u00ff" and ch not in _NO_OT1:
        return ch
    if ch in "\t\n\r":
        return " "
    return rf"\texttt{{[U+{ord(ch):04X}]}}"


def text(value: str) -> str:
    """User text for running text: every special character escaped; a blank line starts a paragraph."""
    paragraphs = re.split(r"\n[ \t]*\n\s*", value.strip())
    return "\n\n".join("".join(_char(ch) for ch in p) for p in paragraphs)


def line(value: str) -> str:
    """User text inside a command's argument (`\\section*{…}`, `\\textbf{…}`): `text` on one line, every line
    break and blank line a space (a paragraph break there is a TeX error)."""
    return "".join(_char(ch) for ch in value.strip())


def comment(value: str) -> str:
    """Text for a `%` comment line: one line of letters, digits and plain punctuation; others become `?`."""
    return re.sub(r"[^A-Za-z0-9 .,:;()/+=*'!?-]", "?", value)


def _base(base: str) -> str:
    if base in GREEK:
        return "\\" + base
    return base if len(base) == 1 else rf"\mathrm{{{base}}}"


def name(value: str) -> str:
    """A node or parameter name as a math symbol (see the module docstring for the rules)."""
    if re.fullmatch(r"[A-Za-z]", value) or value in GREEK:
        return _base(value)
    m = re.fullmatch(r"([A-Za-z]+)([0-9]+)", value)
    if m:
        return f"{_base(m.group(1))}_{{{m.group(2)}}}"
    m = re.fullmatch(r"([A-Za-z]+)_?([0-9]+(?:_[0-9]+)+)", value)
    if m:
        return f"{_base(m.group(1))}_{{{m.group(2).replace('_', ',')}}}"
    m = re.fullmatch(r"([A-Za-z]+)_([A-Za-z0-9]+)", value)
    if m:
        return f"{_base(m.group(1))}_{{{m.group(2)}}}"
    if re.fullmatch(r"[A-Za-z]+", value):
        return _base(value)
    if re.fullmatch(r"[A-Za-z0-9_]+", value):
        return r"\mathrm{" + value.replace("_", r"\_") + "}"
    from tutor.render.placenames import place_symbol  # issue 16: h@t2[1], h.recurrent_weights[0][0]

    if (placed := place_symbol(value, name) or _place(value)) is not None:  # an rnn's, else a map's (c[0][1][2])
        return placed
    return rf"\textnormal{{{text(value)}}}"


_FIELD_SYMBOLS = {"kernels": "K", "biases": "b", "weights": "W"}


def _place(value: str) -> str | None:
    """Issue 16's place names: `c[0][1][2]` → c_{0,1,2}, `c.kernels[0][0][1][0]` → K^{c}_{0,0,1,0}, a pooling
    route `∂p[0][0]/∂c[0][1]` → the fraction ∂p_{0,0}/∂c_{0,1}; None for any other name."""
    if value.startswith("∂") and "/∂" in value:
        num, den = (_place(part) for part in value[1:].split("/∂", 1))
        return None if num is None or den is None else rf"\frac{{\partial {num}}}{{\partial {den}}}"
    m = re.fullmatch(r"([A-Za-z][A-Za-z0-9_]*)(?:\.([A-Za-z][A-Za-z0-9_]*))?((?:\[[0-9]+\])+)", value)
    if m is None:
        return None
    index = m.group(3)[1:-1].replace("][", ",")
    if m.group(2) is None:
        base = name(m.group(1))
        return f"{{{base}}}_{{{index}}}" if "_" in base else f"{base}_{{{index}}}"  # x_1[0]: no double subscript
    field = _FIELD_SYMBOLS.get(m.group(2)) or _base(m.group(2))
    return f"{field}^{{{name(m.group(1))}}}_{{{index}}}"


def num(value: object, digits: int = 6) -> str:
    """A value in math: `5`, `-0.3125`, `\\tfrac{1}{3}`, `1.5 \\times 10^{-7}`."""
    return _math_number(fmt(value, digits))


def rounded(value: object, digits: int) -> str:
    """A value rounded to `digits` significant digits even where it is exact (for compact labels)."""
    return _math_number(fmt_float(float(value), digits))  # type: ignore[arg-type]


def _math_number(s: str) -> str:
    sign = "-" if s.startswith("-") else ""
    s = s.lstrip("-")
    if "/" in s:
        p, q = s.split("/")
        return rf"{sign}\tfrac{{{p}}}{{{q}}}"
    if "e" in s:
        mant, exp = s.split("e")
        return rf"{sign}{mant} \times 10^{{{int(exp)}}}"
    return sign + s


def labelled(symbol: str, value: object, digits: int) -> str:
    """`symbol = value` where the number shown is the value exactly (and short), else `symbol \\approx`
    the value rounded to `digits`: one rule for the labels of every drawing."""
    text = num(value, digits)
    if is_exact_text(value) and len(text) <= digits + 3:
        return f"{symbol} = {text}" if symbol else text
    return rf"{symbol} \approx {rounded(value, digits)}" if symbol else rf"\approx {rounded(value, digits)}"


def pnum(value: object, digits: int = 6) -> str:
    """A value as a factor of a product: negatives and powers of ten in parentheses."""
    s = num(value, digits)
    return f"({s})" if s.startswith("-") or r"\times" in s else s

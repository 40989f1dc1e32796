r"""nnstep's own LaTeX math, as MathML Core (what Chromium, Firefox and Safari render natively).

The LaTeX views write math from a small, fixed vocabulary (`latexfmt.name`, `latexfmt.num`, `MathWriter`,
`formula.latex`): `\frac`, sub- and superscripts, `\mathrm`, `\operatorname`, `\text`, Greek letters, a few
operators, `\bigl(`, `pmatrix`/`bmatrix`. `to_mathml` reads exactly that vocabulary, so the HTML page shows
the very formulas of the LaTeX worked solution; a command outside it is an error (ValueError), never
silently dropped. Every piece of text written into MathML is HTML-escaped; text from a problem file arrives
escaped for TeX by `latexfmt` and is unescaped here (`tex_text`) before it is escaped for HTML.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from tutor.escape import html_text
from tutor.render.latexfmt import TEXT_ESCAPED

_TOKEN = re.compile(r"\\[A-Za-z]+\*?|\\.|[0-9]+(?:\.[0-9]+)?|\s+|.", re.S)
SYMBOLS = {
    r"\partial": ("mi", "∂"), r"\nabla": ("mi", "∇"), r"\top": ("mi", "⊤"), r"\infty": ("mi", "∞"),
    r"\cdot": ("mo", "⋅"), r"\odot": ("mo", "⊙"), r"\times": ("mo", "×"), r"\div": ("mo", "÷"),
    r"\leftarrow": ("mo", "←"), r"\to": ("mo", "→"), r"\approx": ("mo", "≈"), r"\le": ("mo", "≤"),
    r"\ge": ("mo", "≥"), r"\ne": ("mo", "≠"), r"\sum": ("mo", "∑"), r"\colon": ("mo", ":"),
    r"\dots": ("mo", "…"), r"\ldots": ("mo", "…"), r"\log": ("mi", "log"), r"\exp": ("mi", "exp"),
    r"\max": ("mi", "max"), r"\min": ("mi", "min"), r"\sgn": ("mi", "sgn"), r"\lvert": ("mo", "|"),
    r"\rvert": ("mo", "|"), r"\star": ("mo", "⋆"), r"\ast": ("mo", "∗"), r"\tanh": ("mi", "tanh"),
    r"\arctan": ("mi", "arctan"),
    r"\{": ("mo", "{"), r"\}": ("mo", "}"), r"\%": ("mo", "%"), r"\#": ("mo", "#"), r"\&": ("mo", "&"),
    r"\$": ("mo", "$"), r"\_": ("mi", "_"),
}  # fmt: skip
GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "ϕ", "varphi": "φ",
    "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ",
    "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}  # fmt: skip
SPACES = {r"\quad": "1em", r"\qquad": "2em", r"\,": "0.167em", r"\;": "0.278em", r"\:": "0.222em", r"\ ": "0.25em"}
BIG = {r"\bigl": "1.2em", r"\bigr": "1.2em", r"\Bigl": "1.6em", r"\Bigr": "1.6em", r"\left": "", r"\right": ""}
MATRICES = {"pmatrix": ("(", ")"), "bmatrix": ("[", "]"), "cases": ("{", "")}  # cases: SymPy's Piecewise
OPERATORS = frozenset("+-=()[],/|<>:;!?*")
# TeX text escapes of `latexfmt` (its `_TEXT_ESCAPES` and `_UNICODE`), back to the characters
_TEXT_COMMANDS = {
    r"\textbackslash": "\\", r"\textless": "<", r"\textgreater": ">", r"\textbar": "|", r"\dots": "…",
    r"\{": "{", r"\}": "}", r"\$": "$", r"\&": "&", r"\#": "#", r"\%": "%", r"\_": "_", r"\,": "\u2009",
}  # fmt: skip
ACCENTS = {r"\hat": "^", r"\bar": "¯", r"\tilde": "~", r"\dot": "˙"}  # over one argument
_TT_CHAR = re.compile(r"\{\\ttfamily\\char([0-9]+)\}")
_ESCAPED = "|".join(re.escape(tex) for tex in sorted(TEXT_ESCAPED, key=len, reverse=True))
_TEXT_TOKEN = re.compile(
    _ESCAPED + r"|\{\\ttfamily\\char[0-9]+\}|\\ensuremath\{|\\texttt\{|\\[A-Za-z]+(?:\{\})?|\\.|-\{\}|---|--|``|''|.",
    re.S,
)


def tokens(latex: str) -> list[str]:
    """The tokens of LaTeX math, spaces kept (the text of `\\text{…}` needs them)."""
    return _TOKEN.findall(latex)


def to_mathml(latex: str, display: bool = False) -> str:
    """A whole `<math>` element for a piece of LaTeX math."""
    body = _Parser(tokens(latex)).row()
    attrs = ' display="block"' if display else ""
    return f"<math{attrs}>{body}</math>"


def inner(latex: str) -> str:
    """The MathML of a piece of math, without the `<math>` element (an `<mrow>`)."""
    return _Parser(tokens(latex)).row()


class _Parser:
    def __init__(self, toks: list[str]) -> None:
        self.toks = toks
        self.i = 0
        self.prefix = True  # the next item starts its row or follows an operator

    def peek(self) -> str | None:
        """The next token but spaces (math ignores them)."""
        while self.i < len(self.toks) and self.toks[self.i].isspace():
            self.i += 1
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, raw: bool = False) -> str:
        tok = self.toks[self.i] if raw and self.i < len(self.toks) else self.peek()
        if tok is None:
            raise ValueError("unexpected end of math")
        self.i += 1
        return tok

    def row(self, stops: frozenset[str] = frozenset()) -> str:
        items: list[str] = []
        while (tok := self.peek()) is not None and tok != "}" and tok not in stops:
            self.prefix = not items or items[-1].startswith("<mo")  # a minus here is a sign: `(−1)`
            items.append(self.scripted())
        return items[0] if len(items) == 1 else "<mrow>" + "".join(items) + "</mrow>"

    def group(self) -> str:
        """A braced group as one element, or the next single atom (one digit: `\\tfrac12`)."""
        tok = self.peek()
        if tok is not None and tok[0].isdigit() and len(tok) > 1:
            self.toks[self.i] = tok[1:]
            return f"<mn>{tok[0]}</mn>"
        if tok == "{":
            self.take()
            body = self.row()
            self.take()
            return body if body.startswith("<mrow>") or "<" not in body[1:] else body
        return self.atom()

    def scripted(self) -> str:
        base = self.atom()
        sub = sup = None
        while self.peek() in ("_", "^"):
            kind = self.take()
            if kind == "_":
                sub = self.group()
            else:
                sup = self.group()
        if sub is not None and sup is not None:
            return f"<msubsup>{base}{sub}{sup}</msubsup>"
        if sub is not None:
            return f"<msub>{base}{sub}</msub>"
        if sup is not None:
            return f"<msup>{base}{sup}</msup>"
        return base

    def atom(self) -> str:
        tok = self.take()
        if tok == "{":
            body = self.row()
            self.take()
            return body
        if tok.startswith("\\"):
            return self.command(tok)
        if tok[0].isdigit():
            return f"<mn>{tok}</mn>"
        if tok.isalpha():
            return f"<mi>{html_text(tok)}</mi>"
        if tok == "'":
            return "<mo>′</mo>"
        if tok == "-":
            return '<mo form="prefix">−</mo>' if self.prefix else "<mo>−</mo>"
        if tok in ("(", ")", "[", "]", "|"):
            return f'<mo stretchy="false">{html_text(tok)}</mo>'
        if tok in OPERATORS or tok == ".":
            return f"<mo>{html_text(tok)}</mo>" if tok != "." else "<mn>.</mn>"
        return f"<mi>{html_text(tok)}</mi>"

    def command(self, tok: str) -> str:
        name = tok[1:]
        if tok in SYMBOLS:
            kind, text = SYMBOLS[tok]
            variant = ' mathvariant="normal"' if kind == "mi" and len(text) > 1 else ""
            big = ' largeop="true"' if tok == r"\sum" else ""
            return f"<{kind}{variant}{big}>{html_text(text)}</{kind}>"
        if name in GREEK:
            return f"<mi>{GREEK[name]}</mi>"
        if tok in SPACES:
            return f'<mspace width="{SPACES[tok]}"/>'
        if tok in BIG:
            return self.big(tok)
        if tok in (r"\frac", r"\tfrac", r"\dfrac"):
            num, den = self.group(), self.group()
            return f"<mfrac>{num}{den}</mfrac>"
        if tok == r"\sqrt":
            return f"<msqrt>{self.group()}</msqrt>"
        if tok in ACCENTS:
            return f'<mover accent="true">{self.group()}<mo>{ACCENTS[tok]}</mo></mover>'
        if tok in (r"\mathrm", r"\operatorname"):
            return f'<mi mathvariant="normal">{html_text(tex_text(self.raw()))}</mi>'
        if tok in (r"\text", r"\textnormal", r"\texttt", r"\mathrm"):
            return text_mathml(self.raw())
        if tok == r"\ensuremath":
            return self.group()
        if tok == r"\begin":
            return self.environment()
        raise ValueError(f"no MathML for the LaTeX command {tok}")

    def big(self, tok: str) -> str:
        delim = self.take()
        text = {r"\{": "{", r"\}": "}", ".": ""}.get(delim, delim)
        if not text:
            return ""
        size = BIG[tok]
        stretch = f' stretchy="true" symmetric="true" minsize="{size}" maxsize="{size}"' if size else ""
        return f"<mo{stretch}>{html_text(text)}</mo>"

    def raw(self) -> str:
        """The text of a braced argument, as written (nested braces kept)."""
        if self.take() != "{":
            raise ValueError("expected {")
        depth, out = 1, list[str]()
        while True:
            tok = self.take(raw=True)
            depth += (tok == "{") - (tok == "}")
            if depth == 0:
                return "".join(out)
            out.append(tok)

    def environment(self) -> str:
        env = self.raw()
        if env not in MATRICES:
            raise ValueError(f"no MathML for the LaTeX environment {env}")
        rows: list[list[str]] = [[]]
        while True:
            cell = self.row(frozenset({"&", r"\\", r"\end"}))
            rows[-1].append(cell)
            tok = self.take()
            if tok == r"\\":
                rows.append([])
            elif tok == r"\end":
                self.raw()
                break
        rows = [r for r in rows if r != ["<mrow></mrow>"]]
        body = "".join("<mtr>" + "".join(f"<mtd>{c}</mtd>" for c in r) + "</mtr>" for r in rows)
        left, right = MATRICES[env]
        close = f"<mo>{right}</mo>" if right else ""
        return f"<mrow><mo>{left}</mo><mtable>{body}</mtable>{close}</mrow>"


def tex_text(latex: str) -> str:
    """Text escaped for TeX by `latexfmt.text`/`line`, back to its characters (`\\_` → `_`,
    `\\textless{}` → `<`, `\\ensuremath{\\alpha}` → `α`); grouping braces go."""
    out = []
    for tok in _TEXT_TOKEN.findall(latex):
        command = tok[:-2] if tok.endswith("{}") and tok.startswith("\\") else tok
        if tok in TEXT_ESCAPED:
            out.append(TEXT_ESCAPED[tok])
        elif m := _TT_CHAR.fullmatch(tok):
            out.append(chr(int(m.group(1))))
        elif tok in ("{", "}", r"\ensuremath{", r"\texttt{"):
            continue
        elif command in _TEXT_COMMANDS:
            out.append(_TEXT_COMMANDS[command])
        elif command.startswith("\\") and command[1:] in GREEK:
            out.append(GREEK[command[1:]])
        elif command in SYMBOLS:
            out.append(SYMBOLS[command][1])
        else:
            out.append(_LIGATURES.get(tok, tok))
    return "".join(out)


_LIGATURES = {"-{}": "-", "---": "—", "--": "–", "``": "“", "''": "”", "~": "\u00a0"}


def text_mathml(latex: str) -> str:
    """`\\text{…}` as MathML: `<mtext>`, with any `$…$` inside as math."""
    parts = []
    for i, piece in enumerate(_dollar_split(latex)):
        if i % 2:
            parts.append(inner(piece))
        elif piece:
            parts.append(f"<mtext>{html_text(tex_text(piece))}</mtext>")
    return parts[0] if len(parts) == 1 else "<mrow>" + "".join(parts) + "</mrow>"


def _dollar_split(latex: str) -> list[str]:
    """Text and math alternately, split at unescaped `$`."""
    return re.split(r"(?<!\\)\$", latex)


def math_spans(latex: str) -> Iterator[tuple[bool, str]]:
    """Running text with `$…$` math: (is_math, piece) in order."""
    for i, piece in enumerate(_dollar_split(latex)):
        if piece:
            yield bool(i % 2), piece

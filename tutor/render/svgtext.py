r"""A drawing's labels (nnstep's LaTeX math: `w_{13}=2`, `\mathrm{out}_{1} \approx 0.7514`) as SVG text.

SVG text has no fractions or stacked scripts, so a label is written on one line: sub- and superscripts as
shifted `<tspan>`s, `\tfrac{1}{3}` as `1/3`, commands as their characters (the table of `mathml`). Text from
a problem file arrives escaped for TeX and is HTML-escaped here.
"""

from __future__ import annotations

from tutor.escape import html_text
from tutor.render.mathml import GREEK, SYMBOLS, tex_text, tokens

_RELATIONS = {"=": " = ", r"\approx": " ≈ ", "-": "−", "+": " + ", r"\times": " × ", r"\cdot": " · "}
SCRIPT = {"_": "sub", "^": "super"}


def label(latex: str) -> str:
    """The SVG text content of one label (`<tspan>`s for scripts)."""
    return _Reader(tokens(latex)).run()


class _Reader:
    def __init__(self, toks: list[str]) -> None:
        self.toks = [t for t in toks if not t.isspace()]
        self.i = 0

    def next(self) -> str:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def run(self, stop: str = "") -> str:
        out = []
        while self.i < len(self.toks) and self.toks[self.i] != stop:
            out.append(self.item())
        if stop and self.i < len(self.toks):
            self.i += 1
        return "".join(out)

    def group(self) -> str:
        tok = self.toks[self.i]
        if tok[0].isdigit() and len(tok) > 1:  # `\tfrac12`: one digit
            self.toks[self.i] = tok[1:]
            return tok[0]
        return self.run("}") if self.next() == "{" else self._single(tok)

    def raw(self) -> str:
        depth, out = 0, []
        while True:
            tok = self.next()
            depth += (tok == "{") - (tok == "}")
            out.append(tok)
            if depth == 0:
                return "".join(out)[1:-1]

    def item(self) -> str:
        tok = self.next()
        if tok == "{":
            return self.run("}")
        if tok in SCRIPT:
            body = self.group()
            return f'<tspan baseline-shift="{SCRIPT[tok]}" font-size="75%">{body}</tspan>'
        if tok in (r"\frac", r"\tfrac"):
            return f"{self.group()}/{self.group()}"
        if tok in (r"\mathrm", r"\operatorname", r"\textnormal", r"\text", r"\texttt"):
            return html_text(tex_text(self.raw()))
        return self._single(tok)

    @staticmethod
    def _single(tok: str) -> str:
        if tok in _RELATIONS:
            return _RELATIONS[tok]
        if tok.startswith("\\") and tok[1:] in GREEK:
            return GREEK[tok[1:]]
        if tok in SYMBOLS:
            return html_text(SYMBOLS[tok][1])
        if tok.startswith("\\") and tok[1:].isalpha():
            raise ValueError(f"no SVG text for the LaTeX command {tok}")
        return html_text(tok)

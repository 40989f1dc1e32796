r"""The LaTeX worked solution, read back as HTML: sections that fold, MathML formulas, tables, drawings.

The LaTeX views write a document from a small, fixed set of blocks (`latexblocks`: headings, `align*`,
`gather*`, booktabs tables in `center`, `minipage`s side by side, paragraphs of text with `$…$` math) and
drawings (`figures`: placeholders here). `convert` turns each block into its HTML: a heading opens a
`<details open>` section (folded by a click, no script), an `align*` becomes a table of MathML cells, one
row per line of the derivation. A row is marked with the parameters it mentions (`data-p`), and a
gradient's block with its parameter (`id="grad-…"`), for the page's highlighting. A block outside this set
is an error (ValueError), never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence

from tutor.escape import html_text
from tutor.render.mathml import inner, math_spans, tex_text

HEADINGS = {r"\section*": 1, r"\subsection*": 2, r"\subsubsection*": 3, r"\paragraph*": 4}
_HEADING = re.compile(r"(\\section\*|\\subsection\*|\\subsubsection\*|\\paragraph\*)\{(.*)\}$")
_FIGURE = re.compile(r"\\nnstepfigure\{([0-9]+)\}$")
_BEGIN = re.compile(r"\\begin\{([a-z]+\*?)\}")
_NOTE = re.compile(r"^\\\\\[2pt\] \{\\small (.*)\}$")
_STYLED = re.compile(r"(\\textbf\{[^{}]*\}|\\texttt\{(?:[^{}]|\{\})*\})")
_LAYOUT = re.compile(r"\\setkeys\{breqn\}\{.*\}$")  # how breqn breaks lines: nothing to show in HTML
_GRADIENT = re.compile(r"\\frac\{\\partial L\}\{\\partial (.+?)\} &")


class Marks:
    """Which parameters a piece of math mentions: parameter symbols (`latexfmt.name`) to their ids."""

    def __init__(self, symbols: Mapping[str, str]) -> None:
        self.ids = dict(symbols)
        alternatives = "|".join(re.escape(s) for s in sorted(symbols, key=len, reverse=True))
        self.pattern = re.compile(rf"(?<![A-Za-z\\])(?:{alternatives})(?![A-Za-z0-9{{_])") if symbols else None

    def of(self, latex: str) -> list[str]:
        if self.pattern is None:
            return []
        return sorted({self.ids[m.group()] for m in self.pattern.finditer(latex)})


def convert(body: str, figures: Sequence[str], marks: Marks) -> str:
    """The HTML of a LaTeX document body (its `figures` already drawn, in order)."""
    lines = _normalise(body).split("\n")
    return "\n".join(_Converter(figures, marks).blocks(lines))


def _normalise(body: str) -> str:
    body = body.replace("\\end{minipage}\\hfill", "\\end{minipage}\n")
    return re.sub(r"\\begin\{minipage\}\[t\]\{[^{}]*\\textwidth\}\\vspace\{0pt\}", r"\\begin{minipage}", body)


class _Converter:
    def __init__(self, figures: Sequence[str], marks: Marks) -> None:
        self.figures = figures
        self.marks = marks
        self.open: list[int] = []  # heading levels of the open sections

    def blocks(self, lines: list[str]) -> Iterator[str]:
        i = 0
        while i < len(lines):
            line = lines[i].strip()
            begin = _BEGIN.match(line)
            if begin:
                end = _end_of(lines, i, begin.group(1))
                yield from self.environment(begin.group(1), lines[i + 1 : end], line)
                i = end + 1
                continue
            i += 1
            yield from self.line(line)
        while self.open:
            self.open.pop()
            yield "</details>"

    def line(self, line: str) -> Iterator[str]:
        if not line or _LAYOUT.match(line):
            return
        if heading := _HEADING.match(line):
            yield from self.heading(HEADINGS[heading.group(1)], heading.group(2))
        elif figure := _FIGURE.match(line):
            yield self.figures[int(figure.group(1))]
        elif note := _NOTE.match(line):
            yield f'<p class="note">{text_html(note.group(1))}</p>'
        else:
            yield f"<p>{text_html(line)}</p>"

    def heading(self, level: int, latex: str) -> Iterator[str]:
        if level == 1:
            yield f"<h1>{text_html(latex)}</h1>"
            return
        while self.open and self.open[-1] >= level:
            self.open.pop()
            yield "</details>"
        self.open.append(level)
        yield f'<details open class="h{level}"><summary><h{level}>{text_html(latex)}</h{level}></summary>'

    def environment(self, env: str, body: list[str], first: str) -> Iterator[str]:
        if env in ("align*", "gather*", "dmath*"):  # breqn's dmath*: one display, as a gather* of one row
            yield self.align(body, env == "align*")
        elif env == "center":
            yield '<div class="center">'
            yield from self.blocks(body)
            yield "</div>"
        elif env == "minipage":
            yield '<div class="side">'
            yield from self.blocks(body)
            yield "</div>"
        elif env == "tabular":
            yield table_html(body)
        else:
            raise ValueError(f"no HTML for the LaTeX environment {env} ({first})")

    def align(self, body: list[str], aligned: bool) -> str:
        rows = split_rows("\n".join(body))
        gradient = _GRADIENT.match(rows[0]) if rows else None
        pid = self.marks.ids.get(gradient.group(1)) if gradient else None
        attrs = f' id="grad-{pid}" data-grad="{pid}"' if pid else ""
        out = [f'<table class="{"align" if aligned else "gather"}"{attrs}>']
        for row in rows:
            cells = split_cells(row) if aligned else [row]
            params = self.marks.of(row)
            mark = f' data-p="{" ".join(params)}"' if params else ""
            tds = "".join(f"<td><math>{inner(c)}</math></td>" if c.strip() else "<td></td>" for c in cells)
            out.append(f"<tr{mark}>{tds}</tr>")
        out.append("</table>")
        return "".join(out)


def _end_of(lines: list[str], start: int, env: str) -> int:
    """The line of the `\\end{env}` matching the `\\begin{env}` on line `start`."""
    depth = 0
    for j in range(start, len(lines)):
        depth += lines[j].count(f"\\begin{{{env}}}") - lines[j].count(f"\\end{{{env}}}")
        if depth == 0:
            return j
    raise ValueError(f"\\begin{{{env}}} without its \\end")


def _top_level_split(latex: str, separator: re.Pattern[str]) -> list[str]:
    """`latex` split at `separator` outside braces and environments."""
    parts, depth, last = [], 0, 0
    for m in re.finditer(r"\\begin\{[a-z*]+\}|\\end\{[a-z*]+\}|(?<!\\)[{}]|" + separator.pattern, latex):
        tok = m.group()
        if tok == "{" or tok.startswith("\\begin{"):
            depth += 1
        elif tok == "}" or tok.startswith("\\end{"):
            depth -= 1
        elif depth == 0:
            parts.append(latex[last : m.start()])
            last = m.end()
    parts.append(latex[last:])
    return parts


def split_rows(latex: str) -> list[str]:
    """The rows of an `align*`: split at `\\\\` (or `\\\\*`) outside braces and matrices."""
    rows = _top_level_split(latex, re.compile(r"\\\\\*?"))
    return [r.strip() for r in rows if r.strip()]


def split_cells(row: str) -> list[str]:
    return _top_level_split(row, re.compile(r"(?<!\\)&"))


def text_html(latex: str) -> str:
    """Running LaTeX text (escaped by `latexfmt`) with `$…$` math, as HTML."""
    out = []
    for is_math, piece in math_spans(latex):
        if is_math:
            out.append(f"<math>{inner(piece)}</math>")
            continue
        for part in _STYLED.split(piece):
            if part.startswith("\\textbf{"):
                out.append(f"<strong>{html_text(tex_text(part[8:-1]))}</strong>")
            elif part.startswith("\\texttt{"):
                out.append(f"<code>{html_text(tex_text(part[8:-1]))}</code>")
            else:
                out.append(html_text(tex_text(part)))
    return "".join(out)


def table_html(body: list[str]) -> str:
    """A booktabs `tabular` (its spec on the `\\begin` line): header above `\\midrule`, then the rows."""
    rows = [r for r in split_rows("\n".join(b for b in body if b.strip() not in _RULES)) if r]
    if not rows:
        return "<table></table>"
    head, *rest = rows
    cells = "".join(f"<th>{text_html(c.strip())}</th>" for c in split_cells(head))
    lines = [f'<table class="data"><thead><tr>{cells}</tr></thead><tbody>']
    for row in rest:
        lines.append("<tr>" + "".join(f"<td>{text_html(c.strip())}</td>" for c in split_cells(row)) + "</tr>")
    lines.append("</tbody></table>")
    return "".join(lines)


_RULES = frozenset({r"\toprule", r"\midrule", r"\bottomrule"})

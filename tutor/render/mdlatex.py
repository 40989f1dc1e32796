r"""nnstep's own LaTeX (a worked solution's body) as Markdown with `$…$`/`$$…$$` math, for GitHub and Jupyter.

The Markdown view writes no formula of its own: the LaTeX views' math (`latexmath.MathWriter` and the rest) is
kept as it is, and only the few block forms those views write are translated, each by one rule:

| LaTeX (as the views write it)                   | Markdown                                              |
|-------------------------------------------------|-------------------------------------------------------|
| `\section*{…}` … `\paragraph*{…}`               | `#` … `####` headings                                 |
| `align*` / `gather*`                            | `$$ \begin{aligned}` / `gathered` … `$$`              |
| a booktabs `tabular` in `center`                | a Markdown table (its columns aligned as in the spec) |
| a `tikzpicture` in `center` (drawing, curve)    | left out: the drawing is the LaTeX and HTML views'    |
| `minipage` (side by side)                       | left out: the tables follow one another               |
| running text: `\textbf{…}`, `--`, `$…$`         | `**…**`, `–`, `$…$`                                   |

All math passes through `tutor.escape.markdown_math`. Anything else (a command in running text this module does
not know) is an error, never copied through: user text must not reach Markdown as TeX (titles and descriptions
are the view's own, escaped with `tutor.escape.markdown_block`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from tutor.escape import markdown, markdown_code, markdown_math
from tutor.render.mathml import tex_text

HEADINGS = {"section": "#", "subsection": "##", "subsubsection": "###", "paragraph": "####"}
_HEADING = re.compile(r"\\(section|subsection|subsubsection|paragraph)\*\{(.*)\}")
_DISPLAY = {"align*": "aligned", "gather*": "gathered", "dmath*": "gathered"}  # breqn's dmath*: one display
_BEGIN = re.compile(r"\\begin\{(align\*|gather\*|dmath\*|center)\}")
_LAYOUT = re.compile(r"\\(begin|end)\{minipage\}.*|\\end\{minipage\}.*|\\setkeys\{breqn\}.*")
_STYLED = re.compile(r"\\(textbf|texttt)\{((?:[^{}]|\{[^{}]*\})*)\}")
_MATH = re.compile(r"(?<!\\)\$((?:[^$\\]|\\.)*)\$")  # inline math; `\$` inside it is a dollar
_ALIGN = {"l": ":---", "r": "---:", "c": ":---:"}


def markdown_body(tex: str) -> str:
    """The Markdown of a LaTeX body written by nnstep's LaTeX views (see the module docstring)."""
    return "\n\n".join(_blocks(tex.split("\n"))) + "\n"


def _blocks(lines: Sequence[str]) -> Iterator[str]:
    paragraph: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        heading, begin = _HEADING.fullmatch(line), _BEGIN.fullmatch(line)
        if paragraph and (heading or begin or not line or _LAYOUT.fullmatch(line)):
            yield inline(" ".join(paragraph))
            paragraph = []
        if heading:
            yield f"{HEADINGS[heading.group(1)]} {inline(heading.group(2))}"
        elif begin:
            end = lines.index(rf"\end{{{begin.group(1)}}}", i)
            block = _environment(begin.group(1), lines[i + 1 : end])
            i = end
            if block:
                yield block
        elif line and not _LAYOUT.fullmatch(line):
            paragraph.append(line)
        i += 1
    if paragraph:
        yield inline(" ".join(paragraph))


def _environment(name: str, lines: Sequence[str]) -> str:
    if name in _DISPLAY:
        return display(name, lines)
    if lines and lines[0].startswith(r"\begin{tabular}"):
        return table(lines)
    if lines and lines[0].startswith(r"\begin{tikzpicture}"):
        return ""  # a drawing or a curve: the LaTeX and HTML views draw it
    raise ValueError(f"no Markdown for this centred block: {lines[0] if lines else '(empty)'}")


def display(name: str, rows: Sequence[str]) -> str:
    r"""An `align*`/`gather*` as `$$\begin{aligned}…\end{aligned}$$` (MathJax and GitHub take `aligned` in
    `$$`); `\\*` (a row end with no page break) is `\\`, and `$…$` inside `\text{…}` leaves the text."""
    env = _DISPLAY[name]
    body = lift_text("\n".join(rows)).replace("\\\\*", "\\\\")
    return "$$\n" + markdown_math(rf"\begin{{{env}}}" + "\n" + body + "\n" + rf"\end{{{env}}}", display=True) + "\n$$"


def lift_text(tex: str) -> str:
    r"""Math whose `\text{…}` holds no `$` and no command: `\text{a $m$ b}` as `\text{a }m\text{ b}` (a `$` inside
    `$$…$$` would end the math in Markdown) and `\text{\texttt{x}: y}` as `\texttt{x}\text{: y}` (MathJax shows
    commands in text as typed)."""
    out, at = [], 0
    for start in (m.start() for m in re.finditer(r"\\text\{", tex)):
        if start < at:
            continue
        end = _closing(tex, start + 6)
        out += [tex[at:start], _lifted(tex[start + 6 : end])]
        at = end + 1
    return "".join([*out, tex[at:]])


def _closing(tex: str, k: int) -> int:
    """The index of the `}` closing the group that starts at `k` (just after its `{`)."""
    depth = 1
    while depth:
        depth += {"{": 1, "}": -1}.get(tex[k], 0) if tex[k - 1] != "\\" else 0
        k += 1
    return k - 1


def _lifted(text: str) -> str:
    parts = re.split(r"(?<!\\)\$", text)
    pieces = []
    for k, part in enumerate(parts):
        if k % 2:  # math inside the text
            pieces.append(part)
            continue
        for j, piece in enumerate(re.split(r"(\\texttt\{(?:[^{}]|\\[{}])*\})", part)):
            pieces.append(piece if j % 2 else rf"\text{{{piece}}}" if piece else "")
    return "".join(pieces)


def table(lines: Sequence[str]) -> str:
    """A booktabs tabular (`\\toprule` header `\\midrule` rows `\\bottomrule`) as a Markdown table."""
    spec = re.fullmatch(r"\\begin\{tabular\}\{([lrc]+)\}", lines[0].strip())
    if spec is None:
        raise ValueError(f"no Markdown for this table: {lines[0]}")
    rule = re.compile(r"\\(?:toprule|midrule|bottomrule|begin|end)(?![A-Za-z])")  # a row may start \texttt
    rows = [r.strip().removesuffix(r"\\").strip() for r in lines if not rule.match(r.strip())]
    cells = [[inline(c.strip()) for c in _cells(r)] for r in rows]
    align = [_ALIGN[c] for c in spec.group(1)]
    return "\n".join(
        ["| " + " | ".join(c) + " |" for c in cells[:1]]
        + ["| " + " | ".join(align) + " |"]
        + ["| " + " | ".join(c) + " |" for c in cells[1:]]
    )


def _cells(row: str) -> list[str]:
    """A row split at its `&`s outside math."""
    cells, depth, start = [], False, 0
    for k, ch in enumerate(row):
        if ch == "$" and (k == 0 or row[k - 1] != "\\"):
            depth = not depth
        elif ch == "&" and not depth and (k == 0 or row[k - 1] != "\\"):
            cells.append(row[start:k])
            start = k + 1
    return [*cells, row[start:]]


def inline(tex: str) -> str:
    """Running text with `$…$` math: the math escaped for Markdown, the text's few commands translated."""
    out, last = [], 0
    for m in _MATH.finditer(tex):
        out += [_text(tex[last : m.start()]), "$" + markdown_math(m.group(1)) + "$"]
        last = m.end()
    return "".join([*out, _text(tex[last:])]).strip()


def _text(tex: str) -> str:
    """nnstep's own running text (the problem's strings come escaped on their own): `\\textbf` is bold,
    `\\texttt` a code span of its characters; any other command is an error, never copied."""
    out, last = [], 0
    for m in _STYLED.finditer(tex):
        out += [_plain(tex[last : m.start()]), _styled(m.group(1), tex_text(m.group(2)))]
        last = m.end()
    return "".join([*out, _plain(tex[last:])])


def _styled(command: str, text: str) -> str:
    return f"**{markdown(text).strip()}**" if command == "textbf" else markdown_code(text)


def _plain(tex: str) -> str:
    tex = tex.replace("-{}", "-")  # the LaTeX escape's hyphen that no ligature joins
    if "\\" in tex or "$" in tex or "{" in tex:
        raise ValueError(f"no Markdown for this LaTeX text: {tex}")
    return tex.replace("--", "–")

"""Text from a file or a student, made safe for the place it is written to: one function per target.

Every string nnstep did not write itself (a title, a description, an answer key, a student's value, a file
name) passes through the function of where it goes, so it is shown there as text, never run as code:

| target                    | function       | what it does                                                      |
|---------------------------|----------------|-------------------------------------------------------------------|
| terminal (Rich or plain)  | `terminal`     | control characters (ESC, OSC 52, BEL, NUL, C1, bidi) as `\\x1b`   |
| CSV cell (spreadsheets)   | `csv_cell`     | a leading `= + - @`, tab or CR gets a `'` (OWASP); controls shown |
| CSV cell read back        | `csv_kept`     | `csv_cell`'s guard, reversible by `csv_read` (variants.csv)        |
| Markdown rendered as HTML | `markdown`     | HTML-escaped; link, emphasis, math and table punctuation `\\`-escaped |
| Markdown paragraphs       | `markdown_block` | `markdown` per paragraph; a leading `#`, `>`, `-`, `1.` escaped |
| Markdown math (`$…$`)     | `markdown_math` | nnstep's math: `< > |` as TeX, no `$`, blank line, link macro   |
| HTML or SVG text, attribute | `html_text`  | `& < > " '` as entities; controls and bidi marks shown as `\\x1b` |
| XML 1.0 text              | `xml_text`     | what XML cannot hold dropped (C0 controls, U+FFFE, surrogates)    |
| YAML comment              | `yaml_comment` | one line: a character YAML would need to escape becomes `?`       |
| TeX                       | `tutor.render.latexfmt.text` (running text), `.line` (one line: a heading)         |

Numbers nnstep computes itself (a score, a credit) are written as numbers and need none of this; Rich markup is
never interpreted in user text (`tutor.render.console.user_text` builds a `Text` from `terminal`).
"""

from __future__ import annotations

import html
import re

# DEL and C1 controls; Unicode line/paragraph separators; bidi marks, embeddings, overrides and isolates
_UNSAFE = "\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069"
_TERMINAL_UNSAFE = re.compile(f"[\x00-\x1f{_UNSAFE}]")
_TERMINAL_UNSAFE_KEEP_LINES = re.compile(f"[\x00-\x08\x0b-\x1f{_UNSAFE}]")  # but tab and line feed
_CSV_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_MD_INLINE = re.compile(r"([\\`*_{}\[\]()!|~$])")  # < > & are HTML-escaped instead (`\&lt;` would show `&lt;`)
_MD_BLOCK_START = re.compile(r"^(?:[#>+=-]|\d+[.)])")
_MD_BLOCK_END = re.compile(r"(?<!\\)#$")
_MD_MATH = {"<": r"\lt ", ">": r"\gt ", "|": r"\vert ", "$": r"\$", "\\|": r"\Vert ", "\\<": r"\backslash\lt "}
_MD_MATH["\\>"] = r"\backslash\gt "
_MD_MATH_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[<>|$]|&(?=[A-Za-z0-9#])", re.DOTALL)
_MD_MATH_MACROS = re.compile(  # MathJax commands that link, style, load or define: never in nnstep's own math
    r"href|url|style|class|cssId|html\w*|require|unicode|input|include|def|\w*newcommand|newenvironment"
    r"|let|mmlToken|tooltip|texttip|toggle|mathtip|data"
)
# what XML 1.0 cannot hold: C0 controls but tab, LF and CR; surrogates; U+FFFE and U+FFFF
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def terminal(text: str, *, multiline: bool = False) -> str:
    """Text to print: every control character shown as an escape (`\\x1b`, `\\u202e`), so nothing a file
    holds can move the cursor, clear the screen, set the clipboard (OSC 52) or reorder the line.
    `multiline` keeps line breaks and tabs (a description, an error message)."""
    pattern = _TERMINAL_UNSAFE_KEEP_LINES if multiline else _TERMINAL_UNSAFE
    return pattern.sub(_escape, text)


def csv_cell(text: str) -> str:
    """A text cell of a CSV a spreadsheet opens: one starting with `= + - @`, tab or CR is prefixed with `'`
    (OWASP's CSV-injection rule), so `=cmd|' /C calc'!A0` or `-2+3` stays text; control characters are shown
    as escapes (the gradebook may be printed to a terminal)."""
    shown = terminal(text)
    return "'" + shown if text.startswith(_CSV_FORMULA) else shown


def csv_kept(text: str) -> str:
    """A cell of a CSV nnstep reads back (variants.csv): `csv_cell`'s `'` before `= + - @`, tab or CR, and
    before a `'` too, so `csv_read` gives the text back exactly (ids hold no control characters to escape)."""
    return "'" + text if text.startswith((*_CSV_FORMULA, "'")) else text


def csv_read(cell: str) -> str:
    """The text of a `csv_kept` cell."""
    return cell[1:] if cell.startswith("'") else cell


def markdown(text: str) -> str:
    """Text for one line of Markdown (a table cell, a heading) that an LMS renders as HTML: `<script>`,
    `<img onerror=…>` and `&…;` are HTML-escaped; the punctuation of links, images, emphasis, code and tables
    (`[x](javascript:…)`, `*`, `` ` ``, `|`) is backslash-escaped; line breaks become spaces. Text placed
    mid-line: a leading `#` or `-` is left as it is (`-3` stays readable), as is `'` and `"` (no tag can open)."""
    flat = terminal(" ".join(text.splitlines()))
    return html.escape(_MD_INLINE.sub(r"\\\1", flat), quote=False)


def markdown_block(text: str) -> str:
    """Text as Markdown paragraphs of their own (a description, a heading's text after `# `): `markdown` per
    paragraph (blank lines kept), and what would start a block there (`# `, `> `, `- `, `+ `, `1. `, `===`,
    an indent) or close a heading (a trailing `#`) backslash-escaped, so it stays text."""
    paragraphs = [markdown(p).strip() for p in re.split(r"\n[ \t]*\n\s*", text.strip())]
    return "\n\n".join(_MD_BLOCK_END.sub(r"\\#", _MD_BLOCK_START.sub(_block_marker, p)) for p in paragraphs if p)


def _block_marker(match: re.Match[str]) -> str:
    lead = match.group()
    return lead[:-1] + "\\" + lead[-1] if lead[0].isdigit() else "\\" + lead


def markdown_math(tex: str, *, display: bool = False) -> str:
    """Math nnstep wrote (user names in it as `latexfmt.name` made them) for `$…$` (`display`: `$$…$$`) in
    Markdown that GitHub or Jupyter (MathJax) renders: `<`, `>`, `|` as `\\lt`, `\\gt`, `\\vert` (no tag, no
    table cell can open), `$` as `\\$` (the math cannot end early), no blank line (nor any line break
    inline), `&` never starting an HTML entity, and MathJax's link, style and macro commands (`\\href`,
    `\\style`, `\\require`, `\\def`, …) shown as text, never run."""
    out = _MD_MATH_TOKEN.sub(_math_token, terminal(tex.replace("\t", " "), multiline=True))
    return re.sub(r"\s*\n\s*", "\n" if display else " ", out).strip()


def _math_token(match: re.Match[str]) -> str:
    token = match.group()
    if token == "&":
        return "& "  # `&x` could read as an HTML entity (`&lt;`); `& x` is the same TeX
    if token[0] == "\\" and _MD_MATH_MACROS.fullmatch(token[1:]):
        return rf"\backslash\mathrm{{{token[1:]}}}"
    return _MD_MATH.get(token, token)


def markdown_code(text: str) -> str:
    """Text as a Markdown code span (`` `w13.grad` ``), which shows everything but a backtick literally; text
    with a backtick, a line break or a control character is `markdown` instead. Not for a table cell (`|`)."""
    if "`" in text or terminal(text) != text:
        return markdown(text)
    return f"`{text}`"


def html_text(text: str) -> str:
    """Text for HTML, SVG or MathML, in an element or a quoted attribute: `&`, `<`, `>`, `"` and `'` become
    entities, so no tag, attribute or script can open; control characters and bidi marks are shown as escapes
    (`\\x07`, `\\u202e`), as in the terminal (line breaks and tabs kept), so the text reads as it is stored."""
    return html.escape(terminal(text, multiline=True), quote=True)


def xml_text(text: str) -> str:
    """Text an XML 1.0 document can hold: the characters it cannot (C0 controls other than tab, LF and CR,
    lone surrogates, U+FFFE, U+FFFF) dropped. Markup characters are the serializer's job (ElementTree)."""
    return _XML_INVALID.sub("", text)


def yaml_comment(text: str) -> str:
    """Text for one `# ` comment line of YAML: any character a YAML string would need to escape (a line
    break, a control character, U+FFFE, a BOM) becomes `?`, so the comment cannot end early."""
    return "".join(c if _yaml_printable(c) else "?" for c in text)


def _yaml_printable(c: str) -> bool:
    """YAML 1.1's printable set (what PyYAML writes unescaped), less its line and paragraph separators."""
    code = ord(c)
    printable = 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or code >= 0x10000
    return printable and code not in (0x2028, 0x2029, 0xFEFF)

"""Text from a file or a student, made safe for the place it is written to: one function per target.

Every string nnstep did not write itself (a title, a description, an answer key, a student's value, a file
name) passes through the function of where it goes, so it is shown there as text, never run as code:

| target                    | function       | what it does                                                      |
|---------------------------|----------------|-------------------------------------------------------------------|
| terminal (Rich or plain)  | `terminal`     | control characters (ESC, OSC 52, BEL, NUL, C1, bidi) as `\\x1b`   |
| CSV cell (spreadsheets)   | `csv_cell`     | a leading `= + - @`, tab or CR gets a `'` (OWASP); controls shown |
| Markdown rendered as HTML | `markdown`     | HTML-escaped; link, emphasis and table punctuation `\\`-escaped   |
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
_MD_INLINE = re.compile(r"([\\`*_{}\[\]()!|~])")  # < > & are HTML-escaped instead (`\&lt;` would show `&lt;`)
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


def markdown(text: str) -> str:
    """Text for one line of Markdown (a table cell, a heading) that an LMS renders as HTML: `<script>`,
    `<img onerror=…>` and `&…;` are HTML-escaped; the punctuation of links, images, emphasis, code and tables
    (`[x](javascript:…)`, `*`, `` ` ``, `|`) is backslash-escaped; line breaks become spaces. Text placed
    mid-line: a leading `#` or `-` is left as it is (`-3` stays readable), as is `'` and `"` (no tag can open)."""
    flat = terminal(" ".join(text.splitlines()))
    return html.escape(_MD_INLINE.sub(r"\\\1", flat), quote=False)


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

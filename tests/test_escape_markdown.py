"""Exact tests of the Markdown escapers of the Markdown view: `markdown` (one line), `markdown_block` (paragraphs
of their own) and `markdown_math` (nnstep's math between `$…$` or `$$…$$`)."""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt
from test_escaping import HOSTILE, unescaped

from tutor.escape import markdown, markdown_block, markdown_math


def test_a_dollar_is_escaped_so_no_math_opens() -> None:
    assert markdown("$\\input{/etc/passwd}$") == "\\$\\\\input\\{/etc/passwd\\}\\$"
    assert markdown("costs $5") == "costs \\$5"


@pytest.mark.parametrize(
    ("text", "md"),
    [
        ("# <script>", "\\# &lt;script&gt;"),
        ("*x*", "\\*x\\*"),
        ("[a](javascript:alert(1))", "\\[a\\]\\(javascript:alert\\(1\\)\\)"),
        ("- item", "\\- item"),
        ("+ item", "\\+ item"),
        ("> quote", "&gt; quote"),
        ("12. twelfth", "12\\. twelfth"),
        ("3) third", "3\\) third"),
        ("===", "\\==="),
        ("    code", "code"),
        ("C#", "C\\#"),
        ("one\n\n\ntwo\nlines", "one\n\ntwo lines"),
        ("-3 is negative", "\\-3 is negative"),
        ("", ""),
    ],
)
def test_markdown_block(text: str, md: str) -> None:
    assert markdown_block(text) == md


@pytest.mark.parametrize("text", HOSTILE)
def test_a_block_renders_as_paragraphs_of_text(text: str) -> None:
    page = MarkdownIt("commonmark").enable("table").render(markdown_block(text))
    tags = set(re.findall(r"<(\w+)", page))
    assert tags <= {"p"}, (tags, page)
    assert not re.search(r"[\[\]()`*_|!$]", unescaped(markdown_block(text)))


@pytest.mark.parametrize(
    ("tex", "md"),
    [
        (r"x_{1} &= 2 \\ &\quad y", r"x_{1} &= 2 \\ &\quad y"),  # nnstep's math is kept as it is
        ("a < b > c | d", r"a \lt  b \gt  c \vert  d"),
        (r"\| \$ $", r"\Vert  \$ \$"),
        (r"\\$x", r"\\\$x"),  # a row end, then a dollar: the dollar is escaped, not the backslash
        (r"\href{javascript:x}{y} \style{color:red}{z} \hrefs", r"\backslash\mathrm{href}{javascript:x}{y} "
         r"\backslash\mathrm{style}{color:red}{z} \hrefs"),
        (r"\require{html} \newcommand\x \def\y \input{/etc/passwd} \unicode{x}", r"\backslash\mathrm{require}{html} "
         r"\backslash\mathrm{newcommand}\x \backslash\mathrm{def}\y \backslash\mathrm{input}{/etc/passwd} "
         r"\backslash\mathrm{unicode}{x}"),
        ("&lt; &#60; &= a", "& lt; & #60; &= a"),
        ("a \x1b[2J b\tc", r"a \x1b[2J b c"),
    ],
)  # fmt: skip
def test_markdown_math(tex: str, md: str) -> None:
    assert markdown_math(tex) == md


def test_math_has_no_blank_line_and_inline_math_no_line_break() -> None:
    assert markdown_math("a \\\\\n\n\n b", display=True) == "a \\\\\nb"
    assert markdown_math("a \\\\\n\n b") == "a \\\\ b"

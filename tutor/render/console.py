"""The Rich console every command prints with: plain text (no ANSI codes at all) under NO_COLOR.

Rich alone honours NO_COLOR by dropping colours but keeps bold and the like; the contract is plain text.
Text from a file or a student reaches a console only as `user_text`: a Rich `Text` (never markup, so `[bold]`
prints as typed) with every control character shown escaped (`tutor.escape.terminal`).
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from tutor.escape import terminal


def no_color() -> bool:
    """Whether NO_COLOR is set to anything non-empty (https://no-color.org)."""
    return bool(os.environ.get("NO_COLOR"))


def user_text(text: str, style: str = "", *, multiline: bool = False) -> Text:
    """Text nnstep did not write (a title, a key, a student's value) for a Rich console: shown as typed,
    markup and all, with control characters escaped; `multiline` keeps its line breaks (a description)."""
    return Text(terminal(text, multiline=multiline), style=style)


def console(**kwargs: Any) -> Console:
    """A Console for the terminal; without any styling under NO_COLOR (piped output is plain anyway)."""
    if no_color():
        kwargs["color_system"] = None
    return Console(**kwargs)


def print_or_write(draw: Callable[[Console], None], output: Path | None) -> None:
    """`draw` on the terminal's console, or as plain 100-column text written atomically to `output`."""
    if output is None:
        draw(console(soft_wrap=True))
        return
    from tutor.fileio import write_atomic

    buffer = io.StringIO()
    draw(Console(file=buffer, width=100, color_system=None, soft_wrap=True))
    write_atomic(output, buffer.getvalue())


def rows_table(title: str, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[str]], width: int) -> Table:
    """A titled table of (header, justify) columns and text rows, for a console `width` cells wide.

    Rich lays out every cell on its own, which at thousands of rows is most of a big network's view.
    When the rows fit the width unwrapped, each column goes in as one cell of lines instead: Rich draws
    the same text in a fraction of the time. Otherwise (a cell would wrap), row by row."""
    table = Table(title=title, title_style="bold cyan", title_justify="left")
    for header, justify in columns:
        table.add_column(header, justify=justify)  # type: ignore[arg-type]
    cells = [[header] for header, _ in columns]
    for row in rows:
        for column, cell in zip(cells, row, strict=True):
            column.append(cell)
    natural = sum(max(map(cell_len, column)) + 2 for column in cells) + len(columns) + 1  # padding, borders
    if rows and natural <= width and not any("\n" in cell for column in cells for cell in column):
        for col in table.columns:
            col.no_wrap = True  # nothing to wrap: it fits
        table.add_row(*("\n".join(column[1:]) for column in cells))
    else:
        for row in rows:
            table.add_row(*row)
    return table


class TextBlock:
    """Lines of text, each with a style name ("" for none), printed as one `Text` of them would be.

    On a soft-wrapping console (every command's) that Text prints its lines as they are; Rich would
    still split it, copy it and strip control codes line by line — for a big network, megabytes of
    chain rule. So lines without control characters go out as one segment each; any other console or
    text gets the Text."""

    def __init__(self, lines: Sequence[tuple[str, str]]) -> None:
        self.lines = lines

    def text(self) -> Text:
        block = Text()
        for i, (line, style) in enumerate(self.lines):
            block.append(("\n" if i else "") + line, style=style or None)
        return block

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        as_is = options.no_wrap and options.overflow == "ignore"
        if not (as_is and all(line.isprintable() for line, _ in self.lines)):  # tabs, control codes: Rich's way
            yield self.text()
            return
        for i, (line, style) in enumerate(self.lines):
            if i:
                yield Segment.line()
            yield Segment(line, console.get_style(style) if style else None)
        yield Segment.line()

"""The Rich console every command prints with: plain text (no ANSI codes at all) under NO_COLOR.

Rich alone honours NO_COLOR by dropping colours but keeps bold and the like; the contract is plain text.
Text from a file or a student reaches a console only as `user_text`: a Rich `Text` (never markup, so `[bold]`
prints as typed) with every control character shown escaped (`tutor.escape.terminal`).
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from itertools import groupby
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
    When the rows fit the width unwrapped, the table is drawn as Rich draws it with one row of its widest
    cells, and the other rows written into that row's line (`_FittingTable`). Otherwise (a cell would
    wrap), row by row."""
    cells = [[header] for header, _ in columns]
    for row in rows:
        for column, cell in zip(cells, row, strict=True):
            column.append(cell)
    natural = sum(max(map(cell_len, column)) + 2 for column in cells) + len(columns) + 1  # padding, borders
    if rows and natural <= width and not any("\n" in cell for column in cells for cell in column):
        return _FittingTable(title, columns, [column[1:] for column in cells])
    table = _titled(title, columns)
    for row in rows:
        table.add_row(*row)
    return table


def _titled(title: str, columns: Sequence[tuple[str, str]], *, no_wrap: bool = False) -> Table:
    table = Table(title=title, title_style="bold cyan", title_justify="left")
    for header, justify in columns:
        table.add_column(header, justify=justify, no_wrap=no_wrap)  # type: ignore[arg-type]
    return table


class _FittingTable(Table):
    """A table whose rows fit unwrapped: each column one cell of lines (its `rows` hold one row).

    Drawn as a template: the same table with one row of markers as wide as each column's widest cell, which
    Rich lays out (title, borders, header, widths, styles); each row is that row's line with the markers
    replaced by its cells, padded as Rich pads them. Where the template's row carries a style, or a cell
    holds what Rich would read as markup or emoji or would strip (control characters, edge spaces), Rich
    draws the table itself, as one row of multi-line cells: the same text, more slowly."""

    def __init__(self, title: str, columns: Sequence[tuple[str, str]], cells: list[list[str]]) -> None:
        super().__init__(title=title, title_style="bold cyan", title_justify="left")
        self._spec = (title, tuple(columns), cells)
        for header, justify in columns:
            self.add_column(header, justify=justify, no_wrap=True)  # type: ignore[arg-type]
        self.add_row(*("\n".join(column) for column in cells))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        drawn = self.from_template(console, options)
        yield from drawn if drawn is not None else super().__rich_console__(console, options)

    def from_template(self, console: Console, options: ConsoleOptions) -> list[Segment] | None:
        """The table's segments, written into its template; None where Rich must draw it."""
        title, columns, cells = self._spec
        plain = all(_plain_cell(cell) for column in cells for cell in column)
        if not plain or any(justify not in ("left", "right") for _, justify in columns):
            return None
        widths = [max(map(cell_len, column)) for column in cells]
        markers = [chr(0xE000 + i) * w for i, w in enumerate(widths)]  # private-use characters, one a column
        template = _titled(title, columns, no_wrap=True)
        template.add_row(*markers)
        segments = list(console.render(template, options))
        marked = _marked_line(segments, markers)
        if marked is None:
            return None
        start, end, parts = marked
        pads = [str.ljust if justify == "left" else str.rjust for _, justify in columns]
        body = "\n".join(_fill(parts, row, widths, pads) for row in zip(*cells, strict=True))
        return [*segments[:start], Segment(body), *segments[end:]]


def _marked_line(segments: list[Segment], markers: Sequence[str]) -> tuple[int, int, list[str]] | None:
    """Where the template's row of markers is (segments start:end, a line of its own without any style)
    and its text around the markers; None if it is not so."""
    ends = [i for i, seg in enumerate(segments) if seg.text == "\n"]
    at = next((k for k, seg in enumerate(segments) if markers[0] in seg.text), None)
    if at is None:
        return None
    start = max((i + 1 for i in ends if i < at), default=0)
    end = min((i for i in ends if i > at), default=len(segments))
    line = segments[start:end]
    pattern = "".join(seg.text for seg in line)
    if "\n" in pattern or any(seg.style or seg.control for seg in line):
        return None
    parts = [pattern]
    for marker in markers:
        head, found, tail = parts.pop().partition(marker)
        if not found:
            return None
        parts += [head, tail]
    return start, end, parts


def _fill(parts: list[str], row: Sequence[str], widths: Sequence[int], pads: Sequence[Any]) -> str:
    """One row's line: the template's text between the markers, each cell padded to its marker's width."""
    out = [parts[0]]
    for cell, width, pad, after in zip(row, widths, pads, parts[1:], strict=True):
        out += [pad(cell, width - cell_len(cell) + len(cell)), after]
    return "".join(out)


def _plain_cell(cell: str) -> bool:
    """A cell Rich prints as it is: no markup or emoji code, nothing stripped or expanded, no edge spaces."""
    return cell.isprintable() and cell == cell.strip() and "[" not in cell and ":" not in cell


class TextBlock:
    """Lines of text, each with a style name ("" for none), printed as one `Text` of them would be.

    On a soft-wrapping console (every command's) that Text prints its lines as they are; Rich would
    still split it, copy it and strip control codes line by line — for a big network, megabytes of
    chain rule. So lines without control characters go out as they are, one segment for each run of lines
    of one style; any other console or text gets the Text."""

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
        if not self.lines:
            yield Segment.line()  # as an empty Text prints
        for style, run in groupby(self.lines, key=lambda line: line[1]):
            if not style:  # a run of plain lines: one segment
                yield Segment("".join(line + "\n" for line, _ in run))
                continue
            for line, _ in run:  # a styled line on its own, its line break unstyled (as Rich writes it)
                yield Segment(line, console.get_style(style))
                yield Segment.line()

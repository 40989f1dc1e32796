"""The Rich console every command prints with: plain text (no ANSI codes at all) under NO_COLOR.

Rich alone honours NO_COLOR by dropping colours but keeps bold and the like; the contract is plain text.
Text from a file or a student reaches a console only as `user_text`: a Rich `Text` (never markup, so `[bold]`
prints as typed) with every control character shown escaped (`tutor.escape.terminal`).
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
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

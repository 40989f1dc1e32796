"""The Rich console every command prints with: plain text (no ANSI codes at all) under NO_COLOR.

Rich alone honours NO_COLOR by dropping colours but keeps bold and the like; the contract is plain text.
"""

from __future__ import annotations

import os
from typing import Any

from rich.console import Console


def no_color() -> bool:
    """Whether NO_COLOR is set to anything non-empty (https://no-color.org)."""
    return bool(os.environ.get("NO_COLOR"))


def console(**kwargs: Any) -> Console:
    """A Console for the terminal; without any styling under NO_COLOR (piped output is plain anyway)."""
    if no_color():
        kwargs["color_system"] = None
    return Console(**kwargs)

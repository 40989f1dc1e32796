"""Writing files: whole or not at all."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path


def write_atomic(path: str | Path, text: str | bytes | Iterable[str]) -> None:
    """Write a whole file or nothing: a temporary file in the same folder, then an atomic rename.
    `text` may be an iterable of pieces, written as they come (a long JSON never all in memory)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pieces = [text] if isinstance(text, str | bytes) else text
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, _mode(path))  # mkstemp makes it 0600: give it the mode a plain open() would
        with os.fdopen(fd, "wb") as fh:
            for piece in pieces:
                fh.write(piece.encode("utf-8") if isinstance(piece, str) else piece)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


def _mode(path: Path) -> int:
    """The replaced file's own mode, or 0666 less the umask for a new file."""
    with suppress(OSError):
        return stat.S_IMODE(path.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask

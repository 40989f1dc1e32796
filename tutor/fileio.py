"""Writing files: whole or not at all."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path

from tutor.errors import InputError


def write_atomic(path: str | Path, text: str | bytes | Iterable[str]) -> None:
    """Write a whole file or nothing: a temporary file in the same folder, then an atomic rename.
    `text` may be an iterable of pieces, written as they come (a long JSON never all in memory).

    A path that cannot be written (a folder, a file in the way of its folder, no permission) is an
    `InputError` naming it (exit status 2)."""
    path = Path(path)
    if path.is_dir():
        raise InputError("cannot write the file: it is a folder", file=str(path))
    blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise InputError(f"cannot write the file: {blocker} is a file, not a folder", file=str(path))
    try:
        _write(path, [text] if isinstance(text, str | bytes) else text)
    except OSError as e:
        raise InputError(f"cannot write the file: {e.strerror or e}", file=str(path)) from None


def _write(path: Path, pieces: Iterable[str | bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
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
    """The permissions a plain `open(path, "w")` would give: the file's own if it exists, else 0666 less
    the umask."""
    with suppress(OSError):
        return stat.S_IMODE(path.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def read_bounded(path: str | Path, max_bytes: int) -> bytes | None:
    """The bytes of a file, or None when it holds more than `max_bytes` (checked while reading, so that
    a huge file is never loaded whole). OSError when it cannot be read (missing, no permission) or is not
    a regular file: a folder, a FIFO or a device is refused from `os.stat`, never opened (a FIFO would
    block for ever, /dev/zero never end). The process's own stdin (`/dev/stdin`, even a pipe) is read."""
    kind = _not_regular(os.stat(path))
    if kind is not None:
        raise OSError(errno.EINVAL, f"it is {kind}, not a regular file", str(path))
    with open(path, "rb") as fh:
        data = fh.read(max_bytes + 1)
    return None if len(data) > max_bytes else data


_KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
    stat.S_IFSOCK: "a socket",
}


def _not_regular(st: os.stat_result) -> str | None:
    """What the file is when it is not a regular file (None for a regular file or our own stdin)."""
    if stat.S_ISREG(st.st_mode):
        return None
    with suppress(OSError, ValueError):
        if os.path.samestat(st, os.fstat(0)):  # `nnstep check p.yaml /dev/stdin < answers` keeps working
            return None
    return _KINDS.get(stat.S_IFMT(st.st_mode), "not a file")

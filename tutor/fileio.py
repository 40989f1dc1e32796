"""Writing files: whole or not at all, never over an input of the run, never replacing a device.

Every output of a command (-o, --feedback-dir, --solutions, --plot, …) goes through `write_atomic` or
`write_all_atomic`: the text goes to a short temporary name in the target's folder, then an atomic
rename. While a command runs (`guard_run`, opened by the CLI) every file read through `read_bounded`
is an input of the run, and writing over one is refused. SIGINT and SIGTERM are held between creating
a temporary file and guarding it, and while the files are renamed, so an interrupt always finds every
temporary file guarded (and removes it) and never stops the renames half-way.
"""

from __future__ import annotations

import codecs
import errno
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from functools import partial
from pathlib import Path

from tutor.errors import InputError

Text = str | bytes | Iterable[str]
_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_inputs: dict[tuple[int, int], str] | None = None  # (device, inode) → name, while a command runs


def shown(name: str | os.PathLike[str]) -> str:
    """A file name fit to print or write (UTF-8): bytes that are not UTF-8 (which `os.fsdecode` turned
    into surrogates) escaped as `\\xe9`."""
    return os.fspath(name).encode("utf-8", SHOWN).decode("utf-8")


def _escape(error: UnicodeError) -> tuple[str, int]:
    """The `SHOWN` error handler: an undecodable byte (a surrogate U+DC80…U+DCFF) as `\\xe9`, any other
    character the stream cannot encode as `\\u2192`."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    bad = error.object[error.start : error.end]
    return "".join(
        f"\\x{ord(c) - 0xDC00:02x}" if 0xDC80 <= ord(c) <= 0xDCFF else f"\\u{ord(c):04x}" for c in bad
    ), error.end


SHOWN = "nnstep.shown"  # an error handler for str.encode and text streams (the CLI's stdout and stderr)
codecs.register_error(SHOWN, _escape)


@contextmanager
def guard_run() -> Iterator[None]:
    """The scope of one command: files read in it are its inputs, which no output may replace."""
    global _inputs
    outer, _inputs = _inputs, {}
    try:
        yield
    finally:
        _inputs = outer


def _note_input(st: os.stat_result, path: str | Path) -> None:
    if _inputs is not None:
        _inputs[(st.st_dev, st.st_ino)] = shown(path)


def write_atomic(path: str | Path, text: Text) -> None:
    """Write a whole file or nothing: a temporary file in the same folder, then an atomic rename.
    `text` may be an iterable of pieces, written as they come (a long JSON never all in memory). A
    character device or FIFO (`-o /dev/null`) is written into, never replaced.

    A path that cannot be written (a folder, a file in the way of its folder, no permission, an input
    of this command) is an `InputError` naming it (exit status 2)."""
    write_all_atomic([(path, text)])


def write_all_atomic(files: Sequence[tuple[str | Path, Text]]) -> None:
    """`write_atomic` for several files, all or none: every one to a temporary file first, then all
    renamed at once with interrupts held (a run stopped half-way leaves the old files intact, and no
    temporary file). Every target is checked before anything is written."""
    targets = _targets([Path(p) for p, _ in files])
    staged: list[tuple[Path, Path]] = []
    made: list[Path] = []
    try:
        for (target, special), (_, text) in zip(targets, files, strict=True):
            if not special:
                _guarded(target, partial(_stage, target, _pieces(text), staged, made))
        with _signals_held():
            for tmp, target in staged:
                _guarded(target, partial(os.replace, tmp, target))
            staged.clear()
    except BaseException:
        for tmp, _ in staged:
            with suppress(OSError):
                os.unlink(tmp)
        for folder in reversed(made):
            with suppress(OSError):
                folder.rmdir()  # only when still empty
        raise
    for (target, special), (_, text) in zip(targets, files, strict=True):
        if special:
            _guarded(target, partial(_write_into, target, _pieces(text)))


def _targets(paths: list[Path]) -> list[tuple[Path, bool]]:
    """Each file to write, checked, and whether it is a FIFO or device: `path`, or the file it links to
    (a symbolic link stays one)."""
    seen: set[str] = set()
    targets = []
    for path in paths:
        special = _special(_checked(path))
        target = Path(os.path.realpath(path)) if path.is_symlink() and not special else path
        key = os.path.normcase(os.path.abspath(target))
        if key in seen and not special:
            raise InputError("two outputs of this command would be the same file", file=shown(path))
        seen.add(key)
        targets.append((target, special))
    return targets


def temporary_folder(prefix: str) -> tempfile.TemporaryDirectory[str]:
    """A `tempfile.TemporaryDirectory`, made with interrupts held: it is guarded (removed on leaving its
    `with`, at the latest when Python exits) before an interrupt can arrive."""
    with _signals_held():
        return tempfile.TemporaryDirectory(prefix=prefix)


def _pieces(text: Text) -> Iterable[str | bytes]:
    return [text] if isinstance(text, str | bytes) else text


def _checked(path: Path) -> os.stat_result | None:
    """The target's status (None: it does not exist yet); InputError where it must not be written."""
    try:
        st = path.stat()
    except OSError:
        st = None
    name = shown(path)
    if st is not None and _inputs is not None and (st.st_dev, st.st_ino) in _inputs:
        read = _inputs[(st.st_dev, st.st_ino)]
        also = "" if read == name else f" ({read})"
        raise InputError(f"refusing to write over an input of this command{also}", file=name)
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise InputError("cannot write the file: it is a folder", file=name)
    if st is not None and not (stat.S_ISREG(st.st_mode) or _special(st)):
        raise InputError("cannot write the file: not a regular file, FIFO or character device", file=name)
    blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise InputError(f"cannot write the file: {shown(blocker)} is a file, not a folder", file=name)
    return st


def _special(st: os.stat_result | None) -> bool:
    """A FIFO or character device (/dev/null, /dev/stdout on a pipe): written into, never replaced."""
    return st is not None and (stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode))


def _guarded(path: Path, action: Callable[[], object]) -> None:
    try:
        action()
    except OSError as e:
        raise InputError(f"cannot write the file: {e.strerror or e}", file=shown(path)) from None


def _write_into(path: Path, pieces: Iterable[str | bytes]) -> None:
    """Into a FIFO or device; a FIFO nobody reads is refused (opening it would wait forever)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as e:
        if e.errno == errno.ENXIO:
            raise InputError("cannot write the FIFO: nothing reads from it", file=shown(path)) from None
        raise
    os.set_blocking(fd, True)
    with os.fdopen(fd, "wb") as fh:
        for piece in pieces:
            fh.write(_encoded(piece))


def _stage(path: Path, pieces: Iterable[str | bytes], staged: list[tuple[Path, Path]], made: list[Path]) -> None:
    """Write `pieces` to a new temporary file next to `path`, recorded in `staged` before any interrupt
    can arrive (the caller removes it on any exception)."""
    _make_folders(path.parent, made)
    mode = _mode(path)
    with _signals_held() as release:
        fd, tmp = tempfile.mkstemp(prefix=".nnstep-", suffix=".tmp", dir=path.parent)  # short, whatever the name
        staged.append((Path(tmp), path))
        fh = os.fdopen(fd, "wb")
        release()
        with fh:
            os.chmod(tmp, mode)  # mkstemp makes it 0600: give it the mode a plain open() would
            for piece in pieces:
                fh.write(_encoded(piece))
            fh.flush()
            os.fsync(fh.fileno())


def _make_folders(folder: Path, made: list[Path]) -> None:
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    for p in reversed(missing):
        p.mkdir(exist_ok=True)
        made.append(p)


def _encoded(piece: str | bytes) -> bytes:
    if isinstance(piece, bytes):
        return piece
    try:
        return piece.encode("utf-8")
    except UnicodeEncodeError:  # a file name that is not UTF-8: escaped, never a crash
        return shown(piece).encode("utf-8")


@contextmanager
def _signals_held() -> Iterator[Callable[[], None]]:
    """SIGINT and SIGTERM held back: recorded, and raised again on `release()` or at the end. Done with
    Python handlers, not a signal mask: the kernel may hand a signal to any thread (NumPy's BLAS threads),
    but Python always runs its handler in the main thread. A no-op outside the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield lambda: None
        return
    caught: list[int] = []
    previous = {s: signal.getsignal(s) for s in _SIGNALS}
    held: list[signal.Signals] = []

    def release() -> None:
        for s in held:
            signal.signal(s, previous[s])
        held.clear()
        pending = list(dict.fromkeys(caught))
        caught.clear()
        for signum in pending:
            signal.raise_signal(signum)  # the command's own handler: KeyboardInterrupt, SystemExit

    try:
        for s, handler in previous.items():
            if handler is not None:  # None: a handler not set from Python, which could not be restored
                signal.signal(s, lambda signum, _frame: caught.append(signum))
                held.append(s)
        yield release
    finally:
        release()


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
        _note_input(os.fstat(fh.fileno()), path)
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

"""A time bound on one piece of SymPy work (an equivalence test of a formula answer): never a hang.

SymPy cannot be told to stop, so the bound is a timer signal (SIGALRM) that raises `OutOfTime` inside the
work. It is a BaseException, as KeyboardInterrupt is, so that no `except Exception` inside SymPy swallows it.
Signals reach the main thread only: elsewhere (or without SIGALRM) the work runs unbounded in time, and only
the size bounds of its callers (`tutor.checking.formulas`) keep it short.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class OutOfTime(BaseException):  # noqa: N818 - a signal, as KeyboardInterrupt is
    """The time bound ran out."""


def _can_alarm() -> bool:
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        return False
    return signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN, None)


@contextmanager
def time_bound(seconds: float) -> Iterator[None]:
    """Run the body for at most `seconds` (where a timer signal can be used), else raise OutOfTime."""
    if not _can_alarm():
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise OutOfTime

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

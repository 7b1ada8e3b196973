"""Ctrl-C and SIGTERM end a command cleanly: whatever it was writing is removed, nothing half-made stays.

Inside :func:`cancellable` both signals raise :class:`Cancelled` in the main thread, so every
``finally`` on the way out runs (the hidden temporary file of a save is removed there). Once
the first signal has arrived, later ones are ignored until the command has unwound: a second
Ctrl-C cannot cut the clean-up short.

A signal that lands inside an object's finalizer (``__del__``) cannot raise there (Python would
print the exception and carry on), so it is kept and raised by :func:`raise_if_cancelled`, which
commands call before they write anything.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Cancelled(KeyboardInterrupt):
    """The command was stopped by a signal; ``exit_code`` is the shell's 128 + signal number.

    A KeyboardInterrupt, so code that cleans up after Ctrl-C (the ComfyUI client interrupts
    its queued prompt) does the same after SIGTERM."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.exit_code = 128 + signum


_pending: list[int] = []


def _in_finalizer(frame) -> bool:
    while frame is not None:
        if frame.f_code.co_name == "__del__":
            return True
        frame = frame.f_back
    return False


def _raise_cancelled(signum: int, frame) -> None:
    for each in SIGNALS:
        signal.signal(each, signal.SIG_IGN)
    if _in_finalizer(frame):
        _pending.append(signum)
        return
    raise Cancelled(signum)


def raise_if_cancelled() -> None:
    """Raise the :class:`Cancelled` of a signal that arrived where it could not be raised."""
    if _pending:
        raise Cancelled(_pending.pop())


@contextlib.contextmanager
def cancellable() -> Iterator[None]:
    """SIGINT and SIGTERM raise :class:`Cancelled` inside the block (main thread only)."""
    _pending.clear()
    try:
        # A signal this process was started to ignore (nohup, a shell's background job) stays ignored.
        wanted = [each for each in SIGNALS if signal.getsignal(each) is not signal.SIG_IGN]
        previous = {each: signal.signal(each, _raise_cancelled) for each in wanted}
    except ValueError:  # not the main thread: the host's own handling stays
        yield
        return
    try:
        yield
    finally:
        for each, handler in previous.items():
            signal.signal(each, handler)

"""Ctrl-C and SIGTERM end a command cleanly: whatever it was writing is removed, nothing half-made stays.

Inside :func:`cancellable` both signals raise :class:`Cancelled` in the main thread, so every
``finally`` on the way out runs (the hidden temporary file of a save is removed there). Once
the first signal has arrived, later ones are ignored until the command has unwound: a second
Ctrl-C cannot cut the clean-up short.
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


def _raise_cancelled(signum: int, _frame) -> None:
    for each in SIGNALS:
        signal.signal(each, signal.SIG_IGN)
    raise Cancelled(signum)


@contextlib.contextmanager
def cancellable() -> Iterator[None]:
    """SIGINT and SIGTERM raise :class:`Cancelled` inside the block (main thread only)."""
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

"""A cancel that lands the instant a temporary file is made, or while it is removed, leaves
nothing behind (the fault test hits these windows only by chance)."""

import os
import signal
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest

from talkies.cli.cancel import Cancelled, cancellable
from talkies.model.media import output_files
from talkies.model.media.output_files import temporary_file


@pytest.fixture(autouse=True)
def other_threads():
    """Threads beside the main one, as torch's pools are in a real run: the kernel may hand a
    process's signal to any of them, so blocking it in the main thread alone would not hold it."""
    stop = threading.Event()

    def busy() -> None:
        while not stop.is_set():
            time.sleep(0.001)

    threads = [threading.Thread(target=busy, daemon=True) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.01)
    yield
    stop.set()


def _signal_and_wait(signum: int) -> None:
    """Send ``signum`` to the process and return once a thread has taken it: the kernel may hand
    it to any thread, and on a loaded machine that one may run only after os.kill has returned
    and the block under test is over. The signal's wakeup write says it has been taken."""
    taken, wakeup = socket.socketpair()
    wakeup.setblocking(False)
    previous = signal.set_wakeup_fd(wakeup.fileno())
    try:
        os.kill(os.getpid(), signum)
        taken.settimeout(30)
        assert taken.recv(1) == bytes([signum])
    finally:
        signal.set_wakeup_fd(previous)
        taken.close()
        wakeup.close()


def test_a_signal_right_after_the_file_is_made_still_removes_it(tmp_path, monkeypatch):
    real = tempfile.mkstemp

    def made_then_signalled(*args, **kwargs):
        made = real(*args, **kwargs)
        _signal_and_wait(signal.SIGINT)  # before temporary_file has taken the name
        return made

    monkeypatch.setattr(output_files.tempfile, "mkstemp", made_then_signalled)
    with pytest.raises(Cancelled), cancellable():
        with temporary_file(tmp_path, ".mp4") as part:
            part.write_bytes(b"half a clip")
    assert list(tmp_path.iterdir()) == []


def test_a_signal_during_the_removal_does_not_cut_it_short(tmp_path, monkeypatch):
    real_unlink = Path.unlink

    def signalled_then_removed(self, *args, **kwargs):
        _signal_and_wait(signal.SIGTERM)  # arrives while the part is being removed
        return real_unlink(self, *args, **kwargs)

    with pytest.raises(Cancelled), cancellable():
        with temporary_file(tmp_path, ".mp4") as part:
            part.write_bytes(b"half a clip")
            monkeypatch.setattr(Path, "unlink", signalled_then_removed)
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []

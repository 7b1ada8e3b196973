"""A signal that lands inside a finalizer is kept, not printed and lost, and raised before writing."""

from __future__ import annotations

import gc
import os
import signal

import pytest

from talkies.cli.cancel import Cancelled, cancellable, raise_if_cancelled


class SignalsWhileFinalized:
    def __del__(self) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        sum(range(10_000))  # the handler runs at a bytecode boundary inside this finalizer


def test_a_signal_inside_a_finalizer_is_raised_at_the_next_check(capsys):
    with pytest.raises(Cancelled) as stop, cancellable():
        SignalsWhileFinalized()
        gc.collect()
        raise_if_cancelled()
    assert stop.value.exit_code == 128 + signal.SIGTERM
    assert "Exception ignored" not in capsys.readouterr().err


def test_without_a_signal_the_check_does_nothing():
    with cancellable():
        raise_if_cancelled()


def test_a_signal_during_an_import_is_a_cancellation_not_a_bug(monkeypatch, capsys):
    """Raised while Python builds a class (__set_name__), the Cancelled arrives wrapped in a RuntimeError."""
    import talkies.__main__ as entry

    class Descriptor:
        def __set_name__(self, owner, name):
            raise Cancelled(signal.SIGINT)

    def run_command(argv):
        type("Imported", (), {"field": Descriptor()})

    monkeypatch.setattr(entry, "_run", run_command)
    assert entry.main(["generate", "x"]) == 128 + signal.SIGINT
    err = capsys.readouterr().err
    assert "cancelled, nothing written" in err and "Traceback" not in err

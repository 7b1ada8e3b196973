"""A cancelled command whose earlier saves had finished says which files it kept, not "nothing written"."""

import signal
import sys
import types

from talkies import __main__ as cli
from talkies.cli.cancel import Cancelled
from talkies.model.media.output_files import publish, temporary_file


def _command(folder, saves):
    def run(args):
        for name in saves:
            with temporary_file(folder, ".mp4") as part:
                part.write_bytes(b"a finished clip")
                publish(part, folder / name)
        raise Cancelled(signal.SIGTERM)

    module = types.ModuleType("fake_two_saves")
    module.add_arguments = lambda parser: None
    module.run = run
    return module


def _cancel_after(monkeypatch, tmp_path, capsys, saves):
    monkeypatch.setitem(sys.modules, "fake_two_saves", _command(tmp_path, saves))
    monkeypatch.setitem(cli.COMMANDS, "two-saves", ("fake_two_saves", "test"))
    code = cli.main(["two-saves"])
    return code, capsys.readouterr().err


def test_files_finished_before_the_stop_are_kept_and_named(monkeypatch, tmp_path, capsys):
    code, err = _cancel_after(monkeypatch, tmp_path, capsys, ["first.mp4", "second.mp4"])
    assert code == 128 + signal.SIGTERM
    assert "nothing written" not in err
    assert f"kept: {tmp_path / 'first.mp4'}, {tmp_path / 'second.mp4'}" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["first.mp4", "second.mp4"]


def test_nothing_published_says_nothing_written(monkeypatch, tmp_path, capsys):
    code, err = _cancel_after(monkeypatch, tmp_path, capsys, [])
    assert code == 128 + signal.SIGTERM
    assert "cancelled, nothing written" in err
    assert list(tmp_path.iterdir()) == []

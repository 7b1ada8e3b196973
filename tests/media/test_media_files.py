"""Where clips land: ComfyUI-style numbering, no overwriting, nothing left by failed saves."""

from __future__ import annotations

import os
import sys

import pytest
import torch

import talkies.model.media.mp4 as media
import talkies.model.media.output_files as output_files
from talkies.model.media.destination import Destination
from talkies.model.media.mp4 import probe_clip, write_clip

from media_samples import audio, moving_frames, tone


def names(folder) -> list[str]:
    return sorted(os.listdir(folder))


def test_prefix_numbers_files_comfyui_style(tmp_path):
    frames = moving_frames(3)
    first = write_clip(tmp_path, frames, 25, prefix="take")
    second = write_clip(tmp_path, frames, 25, prefix="take")
    assert (first.name, second.name) == ("take_00001_.mp4", "take_00002_.mp4")
    nested = write_clip(tmp_path, frames, 25, prefix="video/talkies")
    assert nested == tmp_path / "video" / "talkies_00001_.mp4"
    assert probe_clip(nested).first("video").frames == 3


def test_numbering_continues_after_the_highest_existing_number(tmp_path):
    (tmp_path / "take_00007_.mp4").write_bytes(b"someone else's clip")
    (tmp_path / "takeover_00050_.mp4").write_bytes(b"another prefix")
    saved = write_clip(tmp_path, moving_frames(3), 25, prefix="take")
    assert saved.name == "take_00008_.mp4"
    assert (tmp_path / "take_00007_.mp4").read_bytes() == b"someone else's clip"


def test_a_name_taken_meanwhile_is_not_overwritten(tmp_path, monkeypatch):
    # Another save takes number 1 after ours counted the folder: ours must move on to 2.
    (tmp_path / "take_00001_.mp4").write_bytes(b"the other save")
    monkeypatch.setattr(media, "next_counter", lambda *args: 1)
    saved = write_clip(tmp_path, moving_frames(3), 25, prefix="take")
    assert saved.name == "take_00002_.mp4"
    assert (tmp_path / "take_00001_.mp4").read_bytes() == b"the other save"
    assert names(tmp_path) == ["take_00001_.mp4", "take_00002_.mp4"]


def test_names_are_never_overwritten_without_hard_links(tmp_path, monkeypatch):
    def no_links(*args):
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(output_files.os, "link", no_links)
    (tmp_path / "take_00001_.mp4").write_bytes(b"kept")
    monkeypatch.setattr(media, "next_counter", lambda *args: 1)
    saved = write_clip(tmp_path, moving_frames(3), 25, prefix="take")
    assert saved.name == "take_00002_.mp4" and probe_clip(saved).first("video").frames == 3
    assert (tmp_path / "take_00001_.mp4").read_bytes() == b"kept"
    assert names(tmp_path) == ["take_00001_.mp4", "take_00002_.mp4"]


def test_an_existing_path_is_kept(tmp_path):
    target = tmp_path / "mine.mp4"
    target.write_bytes(b"precious")
    with pytest.raises(FileExistsError, match="already exists"):
        write_clip(target, moving_frames(3), 25)
    assert target.read_bytes() == b"precious" and names(tmp_path) == ["mine.mp4"]


@pytest.mark.parametrize("failure", [KeyboardInterrupt, RuntimeError])
def test_an_interrupted_save_leaves_nothing(tmp_path, monkeypatch, failure):
    real = media._frame_pixels
    calls = []

    def failing(*args):
        calls.append(1)
        if len(calls) == 12:
            raise failure("stopped mid-encode")
        return real(*args)

    monkeypatch.setattr(media, "_frame_pixels", failing)
    with pytest.raises(failure):
        write_clip(tmp_path, moving_frames(25), 25, audio(tone(1.0, 48000), 48000), prefix="cut")
    assert len(calls) == 12 and names(tmp_path) == []
    calls.clear()
    with pytest.raises(failure):
        write_clip(tmp_path / "cut.mp4", moving_frames(25), 25)
    assert len(calls) == 12 and names(tmp_path) == []


def test_a_failed_publish_leaves_nothing(tmp_path, monkeypatch):
    def broken(finished, final):
        raise OSError(5, "I/O error")

    monkeypatch.setattr(output_files, "_take_name", broken)
    with pytest.raises(OSError, match="I/O error"):
        write_clip(tmp_path, moving_frames(3), 25)
    assert names(tmp_path) == []


@pytest.fixture
def unwritable_folder(tmp_path):
    if os.geteuid() != 0:
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o500)
        yield folder
        folder.chmod(0o700)
    elif sys.platform.startswith("linux") and os.path.isdir("/proc/self"):
        yield "/proc/self"  # root may write anywhere a mode allows; procfs takes no new files
    else:
        pytest.skip("no folder this user cannot write to")


def test_an_unwritable_folder_is_refused_before_encoding(unwritable_folder, monkeypatch):
    def must_not_encode(*args):
        raise AssertionError("encoding started")

    monkeypatch.setattr(media, "_encode", must_not_encode)
    with pytest.raises(PermissionError, match="not writable"):
        write_clip(unwritable_folder, moving_frames(3), 25)


def test_a_file_in_place_of_the_folder_is_refused(tmp_path):
    blocker = tmp_path / "clips"
    blocker.write_bytes(b"")
    with pytest.raises(NotADirectoryError, match="give a folder"):
        write_clip(Destination.in_folder(blocker), moving_frames(3), 25)
    with pytest.raises(NotADirectoryError, match="goes through"):
        write_clip(Destination.in_folder(blocker / "more"), moving_frames(3), 25)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"frames": torch.rand(3, 16, 16, 4)}, "drop the alpha"),
        ({"frames": torch.rand(0, 16, 16, 3)}, "empty"),
        ({"frames": torch.zeros(3, 16, 16, 3, dtype=torch.int64)}, "float 0..1 or uint8"),
        ({"frames": torch.full((3, 16, 16, 3), float("nan"))}, "NaN"),
        ({"crf": 0}, "crf"),
        ({"audio_rate": 47000}, "not an AAC rate"),
        ({"channels": 4}, "channels must be"),
        ({"loudness": -20}, "loudness must be"),
        ({"audio": {"waveform": torch.zeros(2, 1, 4800), "sample_rate": 48000}}, "batch of 2"),
        ({"audio": {"waveform": torch.full((1, 4800), float("nan")), "sample_rate": 48000}}, "NaN"),
        ({"audio": {"waveform": torch.zeros(1, 4800), "sample_rate": 0}}, "sample_rate"),
        ({"audio": torch.zeros(1, 4800)}, "AUDIO dict"),
        ({"audio": {"waveform": torch.zeros(7, 4800), "sample_rate": 48000}}, "cannot remix 7"),
        ({"prefix": "../outside"}, "without '..'"),
        ({"target": "clip.mov"}, "extension '.mov': name an .mp4 file"),
        ({"target": "clip"}, "no extension: name an .mp4 file"),
    ],
)
def test_bad_input_is_refused_with_a_fix(tmp_path, kwargs, message):
    call = {"target": tmp_path, "frames": moving_frames(3), "fps": 25} | kwargs
    call["target"] = tmp_path / call["target"]
    with pytest.raises(ValueError, match=message):
        write_clip(call.pop("target"), call.pop("frames"), call.pop("fps"), **call)
    assert names(tmp_path) == []


def test_parts_left_by_dead_processes_are_swept_and_live_ones_kept(tmp_path):
    import subprocess

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    stale = tmp_path / f".talkies-{int(dead.stdout)}-abcd1234.mp4.part"
    stale.write_bytes(b"half a clip")
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        busy = tmp_path / f".talkies-{alive.pid}-efgh5678.mp4.part"
        busy.write_bytes(b"being written")
        saved = write_clip(tmp_path, moving_frames(3), 25, prefix="take")
        assert not stale.exists() and busy.exists()
        assert names(tmp_path) == sorted([busy.name, saved.name])
    finally:
        alive.kill()
        alive.wait()


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_outputs_get_the_mode_the_umask_gives(tmp_path, umask):
    previous = os.umask(umask)
    try:
        saved = write_clip(tmp_path / "shared.mp4", moving_frames(3), 25)
    finally:
        os.umask(previous)
    assert saved.stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_folder_named_like_a_file_is_a_folder_when_said_so(tmp_path):
    saved = write_clip(Destination.in_folder(tmp_path / "out.v2", "take"), moving_frames(3), 25)
    assert saved == tmp_path / "out.v2" / "take_00001_.mp4"
    assert write_clip(str(tmp_path / "new") + "/", moving_frames(3), 25).parent == tmp_path / "new"

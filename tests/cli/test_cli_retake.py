"""``python -m talkies retake``: a window of an MP4 redone with the tiny checkpoint, the rest kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

import talkies.cli.model_options as model_options
from talkies.__main__ import main
from talkies.model.media.mp4 import probe_clip, read_clip, write_clip

from media_samples import audio, moving_frames, tone
from tiny_checkpoint import shared_tiny_checkpoint

RATE = 48000


@pytest.fixture
def source(tmp_path) -> Path:
    # 33 frames at 24 fps: 1.375 s
    return write_clip(tmp_path / "source.mp4", moving_frames(33), 24, audio(tone(1.375, RATE), RATE))


def _rms(x: torch.Tensor) -> float:
    return x.pow(2).mean().sqrt().item()


def test_retake_redoes_the_window_of_the_sound_and_keeps_the_rest(tmp_path, source, capsys):
    out = tmp_path / "fixed.mp4"
    argv = ["retake", str(source), "a glass shatters", "--start", "0.5", "--end", "1.0", "--streams", "sound"]
    assert main([*argv, "--model", str(shared_tiny_checkpoint()), "--steps", "2", "-o", str(out)]) == 0
    assert Path(capsys.readouterr().out.strip()) == out
    info = probe_clip(out)
    video, sound = info.first("video"), info.first("audio")
    assert (video.frames, sound.samples) == (33, 33 * RATE // 24)
    assert info.metadata["retakes"] == "source.mp4 sound 0.5-1 s"
    before, after = read_clip(source), read_clip(out)
    # Both went through H.264 and AAC once more; the picture was not redone, nor the sound outside.
    assert (after.frames.int() - before.frames.int()).abs().float().mean() < 3.0
    a, b = before.waveform[:, : after.waveform.shape[1]], after.waveform
    outside = torch.cat([(b - a)[:, :20000], (b - a)[:, 50000:]], dim=1)
    inside = (b - a)[:, 26000:46000]
    assert _rms(outside) < 0.05 * _rms(a) and _rms(inside) > 0.3 * _rms(a)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("1.0", "2.0", "ends after the clip does (1.375 s): choose an end of at most 1.375"),
        ("1.0", "0.5", "window end (0.5 s) must be after its start (1.0 s)"),
        ("nan", "1.0", "window start must be a finite number of seconds"),
        ("-1", "0.5", "before the clip begins"),
    ],
)
def test_a_bad_window_is_one_line_and_nothing_is_opened_or_written(
    tmp_path, source, capsys, monkeypatch, start, end, message
):
    def no_work(*_args, **_kwargs):
        raise AssertionError("the model was opened for a window that was refused")

    monkeypatch.setattr(model_options, "TalkiesModel", no_work)
    before = sorted(os.listdir(tmp_path))
    argv = ["retake", str(source), "a glass shatters", f"--start={start}", f"--end={end}"]
    assert main([*argv, "-o", str(tmp_path / "fixed.mp4")]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err
    assert sorted(os.listdir(tmp_path)) == before

"""``foley`` and ``animate`` end to end with the tiny checkpoint: lengths follow the input exactly,
the given stream survives, and a user's mistake is one line, exit 2, nothing written."""

from __future__ import annotations

import os
from pathlib import Path

import av
import numpy as np
import pytest
import torch

import talkies.cli.model_options as model_options
from talkies.__main__ import main
from talkies.model.media.mp4 import probe_clip, read_clip, write_clip

from media_samples import audio, moving_frames, tone
from tiny_checkpoint import shared_tiny_checkpoint


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as stop:
        code = stop.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def model_args() -> list[str]:
    return ["--model", str(shared_tiny_checkpoint()), "--steps", "2"]


def write_wav(path: Path, samples: np.ndarray, rate: int) -> Path:
    """(C, N) float samples as 16-bit PCM."""
    layout = "mono" if samples.shape[0] == 1 else "stereo"
    pcm = np.ascontiguousarray((np.clip(samples, -1, 1) * 32767).astype(np.int16).T.reshape(1, -1))
    with av.open(str(path), "w") as container:
        stream = container.add_stream("pcm_s16le", rate=rate, layout=layout)
        container.start_encoding()  # a header even for no samples at all
        if pcm.shape[1]:
            frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout=layout)
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def voice_memo(seconds: float, rate: int) -> np.ndarray:
    """A mono 'voice': a 180 Hz buzz that swells and fades twice a second."""
    t = np.arange(round(seconds * rate)) / rate
    return (0.4 * np.sin(2 * np.pi * 180 * t) * (0.5 - 0.5 * np.cos(2 * np.pi * 2 * t)))[None]


def rms_db(samples: torch.Tensor) -> float:
    return 20 * float(torch.log10(samples.pow(2).mean().sqrt()))


def test_foley_keeps_the_videos_frames_and_length(tmp_path, capsys):
    frames = moving_frames(14, 240, 320)
    source = write_clip(tmp_path / "source.mp4", frames, 30, audio(tone(14 / 30, 48000), 48000))
    target = tmp_path / "out.mp4"
    code, out, err = run_cli(["foley", str(source), "-o", str(target), "--seed", "4", *model_args()], capsys)
    assert code == 0, err
    assert out.strip() == str(target)
    assert "saw it at 64×64" in err and "14 frames as 17" in err and "own sound is replaced" in err
    info = probe_clip(target)
    video, sound = info.first("video"), info.first("audio")
    assert (video.frames, video.width, video.height, video.fps) == (14, 320, 240, 30)
    assert sound.samples == 14 * 48000 // 30 and sound.start_time == 0
    given, made = read_clip(source).frames.float(), read_clip(target).frames.float()
    assert (made - given).abs().mean() < 2.0, "the picture is the video's own, not a VAE's reconstruction"


def test_animate_follows_a_voice_memo_and_keeps_its_length_and_level(tmp_path, capsys):
    memo = write_wav(tmp_path / "memo.wav", voice_memo(0.7, 8000), 8000)
    target = tmp_path / "animated.mp4"
    code, out, err = run_cli(
        ["animate", str(memo), "a cartoon face talks", "--fps", "30", "-o", str(target), *model_args()],
        capsys,
    )
    assert code == 0, err
    assert out.strip() == str(target)
    assert "cut to the 21 the sound lasts" in err and "given: 8000 Hz, 1" in err
    clip = read_clip(target)
    sound = probe_clip(target).first("audio")
    assert clip.frames.shape[0] == 21 and sound.samples == 48000 * 7 // 10
    heard = rms_db(clip.waveform[0])
    assert abs(heard - rms_db(torch.from_numpy(voice_memo(0.7, 8000)).float())) < 1.0, "its level is kept"


def test_animate_takes_stereo_at_44k1_and_a_first_frame(tmp_path, capsys):
    t = np.arange(44100 // 2 + 100) / 44100
    stereo = write_wav(tmp_path / "s.wav", np.stack([0.3 * np.sin(2 * np.pi * 440 * t)] * 2), 44100)
    picture = tmp_path / "first.png"
    from PIL import Image

    Image.new("RGB", (80, 48), (200, 30, 30)).save(picture)
    target = tmp_path / "stereo.mp4"
    argv = ["animate", str(stereo), "a red ball", "--image", str(picture), "-o", str(target), *model_args()]
    code, _, err = run_cli(argv, capsys)
    assert code == 0, err
    video, sound = probe_clip(target).first("video"), probe_clip(target).first("audio")
    assert video.frames == 13 and "fills with silence" in err  # 22150 samples: 12.05 frames at 24 fps
    assert sound.samples == 13 * 48000 // 24


def _empty_file(path: Path) -> Path:
    path.write_bytes(b"")
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda d: ["foley", str(write_wav(d / "a.wav", voice_memo(0.5, 8000), 8000))],
            "has no video stream",
        ),
        (lambda d: ["foley", str(_empty_file(d / "empty.mp4"))], "is not a readable media file"),
        (lambda d: ["animate", str(write_wav(d / "quiet.wav", np.zeros((2, 8000)), 8000)), "x"], "is silent"),
        (lambda d: ["animate", str(write_wav(d / "none.wav", np.zeros((1, 0)), 8000)), "x"], "is empty"),
        (lambda d: ["animate", str(write_clip(d / "mute.mp4", moving_frames(9), 24)), "x"], "has no sound"),
        (lambda d: ["animate", str(d / "missing.wav"), "x"], "no clip at"),
    ],
    ids=["foley-wav", "foley-zero-bytes", "animate-silent", "animate-empty", "animate-mute-mp4", "missing"],
)
def test_inputs_without_what_is_needed_are_one_line_and_nothing_is_written(tmp_path, capsys, make, message):
    inputs = tmp_path / "in"
    inputs.mkdir()
    argv = make(inputs)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code, out, err = run_cli([*argv, "-o", f"{out_dir}/", *model_args()], capsys)
    assert code == 2 and message in err and err.count("\n") == 1, err
    assert out == "" and os.listdir(out_dir) == []


@pytest.mark.parametrize("command", ["foley", "animate"])
def test_a_taken_destination_is_refused_before_the_input_or_the_model_is_opened(
    tmp_path, capsys, monkeypatch, command
):
    def no_work(*_args, **_kwargs):
        raise AssertionError("the model was opened before the destination was checked")

    monkeypatch.setattr(model_options, "TalkiesModel", no_work)
    taken = tmp_path / "mine.mp4"
    taken.write_bytes(b"precious")
    head = [command, str(tmp_path / "not-read-yet.mp4")] + (["x"] if command == "animate" else [])
    code, _, err = run_cli([*head, "-o", str(taken)], capsys)
    assert code == 2 and "already exists; it is kept" in err
    assert taken.read_bytes() == b"precious"

"""The command line: generate, extend and bench with a tiny checkpoint."""

from __future__ import annotations

from pathlib import Path

from talkies.__main__ import main
from talkies.model.media.mp4 import probe_clip

from tiny_checkpoint import shared_tiny_checkpoint


def test_generate_then_extend_writes_synced_clips(tmp_path, capsys):
    ckpt = str(shared_tiny_checkpoint())
    first = tmp_path / "first.mp4"
    assert main(["generate", "a red ball bounces", "--model", ckpt, "--frames", "9", "-o", str(first)]) == 0
    assert Path(capsys.readouterr().out.strip()) == first
    longer = tmp_path / "longer.mp4"
    assert (
        main(
            [
                "extend",
                str(first),
                "then it rolls away",
                "--model",
                ckpt,
                "--seconds",
                "0.4",
                "--overlap",
                "1",
                "-o",
                str(longer),
            ]
        )
        == 0
    )
    info = probe_clip(longer)
    video, sound = info.first("video"), info.first("audio")
    assert video.frames == 17 and video.start_time == 0 and sound.start_time == 0
    assert sound.samples == 17 * 48000 // 24
    assert "first.mp4" in info.metadata["extends"]


def test_bad_input_is_an_error_message_not_a_traceback(tmp_path, capsys):
    ckpt = str(shared_tiny_checkpoint())
    assert main(["generate", "a ball", "--model", ckpt, "--frames", "10", "-o", str(tmp_path / "x.mp4")]) == 2
    assert "frames must be 8k+1; nearest valid: 9 or 17" in capsys.readouterr().err
    assert main(["extend", str(tmp_path / "missing.mp4"), "more", "--model", ckpt]) == 2
    assert not list(tmp_path.glob("*.mp4"))


def test_bench_times_fresh_processes(capsys):
    assert main(["bench", "--runs", "1", "--seconds", "0.4", "--model", str(shared_tiny_checkpoint())]) == 0
    out = capsys.readouterr().out
    assert "wall (model load included)" in out and "peak memory" in out

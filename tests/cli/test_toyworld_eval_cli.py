"""The eval command and the batch table, on in-memory clips (the MP4 reader is replaced)."""

from __future__ import annotations

import argparse
import csv
import json
import sys
import types
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from talkies.cli.eval import add_arguments, run
from talkies.toyworld import BallSpec, build_spec, render
from talkies.toyworld.metrics import ClipInput, evaluate_many, summary_row, write_table


@pytest.fixture(scope="module")
def clips():
    ball = render(
        build_spec(
            "impacts", balls=[BallSpec(colour="red", size="big", x=0.3, fall_frames=8)], ambience="rain"
        )
    )
    voice = render(build_spec("voice", manner="says", pacing="fast", seed=2))
    return {"ball.mp4": ball, "voice.mp4": voice}


@pytest.fixture
def fake_media(monkeypatch, clips):
    """Stand in for model/media/mp4.py's read_clip: tensors, a Fraction fps and stream facts."""

    def read_clip(path):
        clip = clips[Path(path).name]
        seconds = len(clip.frames) / float(clip.fps)
        streams = [
            SimpleNamespace(kind="video", codec="h264", duration=seconds, start_time=0.0),
            SimpleNamespace(kind="audio", codec="aac", duration=seconds, start_time=0.0),
        ]
        return SimpleNamespace(
            frames=torch.from_numpy(clip.frames),
            fps=clip.fps,
            waveform=torch.from_numpy(clip.waveform),
            sample_rate=clip.sample_rate,
            streams=streams,
        )

    module = types.ModuleType("talkies.model.media.mp4")
    module.read_clip = read_clip
    monkeypatch.setitem(sys.modules, "talkies.model.media.mp4", module)


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(list(argv))


def test_one_clip_prints_one_json_object(tmp_path, fake_media, clips, capsys):
    path = tmp_path / "ball.mp4"
    path.touch()
    assert run(_args(str(path), "--caption", clips["ball.mp4"].caption, "--json")) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["impacts"]["within_1_frame"] == 1.0
    assert result["impacts"]["lag_ms"] == pytest.approx(0.0, abs=1000 / 24)
    assert result["adherence"]["score"] == 1.0
    assert result["delivery"]["audio_start_offset_ms"] == 0.0
    assert [s["codec"] for s in result["delivery"]["streams"]] == ["h264", "aac"]


def test_one_clip_prints_a_readable_summary(tmp_path, fake_media, capsys):
    path = tmp_path / "voice.mp4"
    path.touch()
    assert run(_args(str(path))) == 0
    text = capsys.readouterr().out
    assert "voice.mp4" in text and "lip sync  r = " in text and "LUFS" in text


def test_a_folder_is_a_batch_with_a_table(tmp_path, fake_media, clips, capsys):
    for name, clip in clips.items():
        (tmp_path / name).touch()
        (tmp_path / name).with_suffix(".txt").write_text(clip.caption)
    table = tmp_path / "out" / "table.csv"
    assert run(_args(str(tmp_path), "--table", str(table))) == 0
    rows = list(csv.DictReader(table.open()))
    assert [r["clip"] for r in rows] == ["ball.mp4", "voice.mp4", "mean"]
    assert float(rows[0]["impacts.within_1_frame"]) == 1.0
    assert float(rows[1]["lip_sync.correlation"]) > 0.9
    assert float(rows[2]["adherence.score"]) == 1.0
    assert "ball.mp4" in capsys.readouterr().out


def test_bad_inputs_say_how_to_fix_them(tmp_path, fake_media):
    with pytest.raises(FileNotFoundError, match="no such clip"):
        run(_args(str(tmp_path / "missing.mp4")))
    with pytest.raises(FileNotFoundError, match="no .mp4 files"):
        run(_args(str(tmp_path)))
    (tmp_path / "ball.mp4").touch()
    (tmp_path / "voice.mp4").touch()
    with pytest.raises(ValueError, match="txt beside each"):
        run(_args(str(tmp_path), "--caption", "a red ball"))


def test_batch_rows_and_tables_in_memory(tmp_path, clips):
    inputs = [
        ClipInput(
            name=name,
            frames=c.frames,
            fps=c.fps,
            waveform=c.waveform,
            sample_rate=c.sample_rate,
            caption=c.caption,
        )
        for name, c in clips.items()
    ]
    results, rows = evaluate_many(inputs)
    assert len(results) == len(rows) == 2
    assert rows[0]["impacts.visual_contacts"] == len(clips["ball.mp4"].truth.contacts)
    mean = summary_row(rows)
    assert mean["adherence.score"] == pytest.approx(
        (rows[0]["adherence.score"] + rows[1]["adherence.score"]) / 2
    )
    path = write_table(rows + [mean], tmp_path / "table.json")
    assert json.loads(path.read_text())[2]["clip"] == "mean"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.json"]
    with pytest.raises(ValueError, match=r"\.csv or \.json"):
        write_table(rows, tmp_path / "table.txt")

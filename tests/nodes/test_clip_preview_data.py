"""What the server hands the front end for a clip preview: the envelope at 50 points per second, the
onset times of the sound, and the UI dict of the save and preview nodes (real MP4s, standalone host)."""

import json
import math

import pytest
import torch

from talkies.model.media.mp4 import read_clip
from talkies.model.media.sound_preview import sound_preview
from talkies.nodes.preview_clip import TalkiesPreviewClip
from talkies.nodes.save_clip import TalkiesSaveClip
from talkies.nodes.standalone import runtime

KNOCKS_S = (0.25, 0.9, 1.4)


def knocks(sample_rate: int, seconds: float, channels: int = 2) -> torch.Tensor:
    """(channels, T): faint noise with a decaying 700 Hz knock starting at each of KNOCKS_S."""
    t = torch.arange(round(seconds * sample_rate), dtype=torch.float64) / sample_rate
    wave = 0.002 * torch.randn(t.shape, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    for start in KNOCKS_S:
        after = (t - start).clamp(min=0)
        wave += (t >= start) * 0.6 * torch.exp(-after / 0.03) * torch.sin(2 * math.pi * 700 * after)
    return wave.float().expand(channels, -1).clone()


@pytest.mark.parametrize("sample_rate", [16000, 44100, 48000])
def test_the_envelope_has_fifty_points_a_second_whatever_the_sample_rate(sample_rate):
    marks = sound_preview(knocks(sample_rate, 1.5), sample_rate)
    envelope = marks["envelope"]
    assert envelope["points_per_second"] == 50 and len(envelope["min"]) == len(envelope["max"]) == 75
    low, high = torch.tensor(envelope["min"]), torch.tensor(envelope["max"])
    assert bool((low <= high).all())
    for start in KNOCKS_S:
        bucket = int(start * 50)
        assert float(high[bucket]) > 0.3 and float(low[bucket]) < -0.3, f"the knock at {start} s is drawn"
        assert float(high[bucket - 1]) < 0.02, "the bucket before the knock is quiet"
    coarse = sound_preview(knocks(sample_rate, 1.5), sample_rate, points_per_second=10)["envelope"]
    assert len(coarse["min"]) == len(coarse["max"]) == 15


def test_onsets_are_where_the_sounds_start_and_quiet_has_none():
    for waveform in (knocks(48000, 1.5), knocks(48000, 1.5, channels=1)[None]):
        onsets = sound_preview(waveform, 48000)["onsets"]
        assert len(onsets) == len(KNOCKS_S)
        assert all(abs(found - start) < 0.005 for found, start in zip(onsets, KNOCKS_S, strict=True))
    quiet = sound_preview(0.002 * torch.randn(2, 48000, generator=torch.Generator().manual_seed(1)), 48000)
    assert quiet["onsets"] == []
    assert sound_preview(torch.zeros(2, 0), 48000) == {
        "envelope": {"points_per_second": 50, "min": [], "max": []},
        "onsets": [],
    }


def _frames(count: int) -> torch.Tensor:
    return torch.linspace(0, 1, count)[:, None, None, None].expand(count, 32, 48, 3).contiguous()


def _check_entry(entry: dict, folder_type: str, subfolder: str) -> None:
    assert entry["type"] == folder_type and entry["subfolder"] == subfolder
    assert (entry["frames"], entry["fps"], entry["fps_fraction"], entry["seconds"]) == (24, 12.0, "12/1", 2.0)
    assert (entry["width"], entry["height"], entry["sample_rate"], entry["channels"]) == (48, 32, 48000, 2)
    assert len(entry["envelope"]["max"]) == 100, "2 s at 50 points a second"
    heard = entry["onsets"]
    assert len(heard) == len(KNOCKS_S), "the knocks survive loudness normalisation and AAC"
    assert all(abs(found - start) < 0.01 for found, start in zip(heard, KNOCKS_S, strict=True))


def test_preview_clip_writes_to_the_temp_folder_only_and_describes_the_clip(tmp_path):
    runtime.configure_standalone(output=tmp_path / "output", temp=tmp_path / "temp")
    sound = {"waveform": knocks(24000, 2.0)[None], "sample_rate": 24000}
    out = TalkiesPreviewClip.execute(_frames(24), 12.0, "-14 LUFS (ready to post)", sound)
    assert out.args == () and not (tmp_path / "output").exists()
    assert out.ui["images"] == [{"filename": "talkies_preview_00001_.mp4", "subfolder": "", "type": "temp"}]
    assert out.ui["animated"] == [True]
    (entry,) = out.ui["talkies_clips"]
    _check_entry(entry, "temp", "")
    assert entry["loudness"] == -14.0
    written = read_clip(tmp_path / "temp" / entry["filename"])
    assert written.frames.shape[0] == 24 and written.waveform.shape[-1] == 2 * 48000
    json.dumps(out.ui, allow_nan=False)
    silent = TalkiesPreviewClip.execute(_frames(6), 12.0, "off").ui["talkies_clips"][0]
    assert silent["filename"] == "talkies_preview_00002_.mp4"
    assert (silent["sample_rate"], silent["envelope"], silent["onsets"]) == (None, None, [])


def test_save_clip_entries_carry_the_onsets_too(tmp_path):
    runtime.configure_standalone(output=tmp_path)
    sound = {"waveform": knocks(44100, 2.0)[None], "sample_rate": 44100}
    out = TalkiesSaveClip.execute(_frames(24), 12.0, "talkies/knocks", "off", 23, False, sound)
    (entry,) = out.ui["talkies_clips"]
    _check_entry(entry, "output", "talkies")
    assert out.ui["images"] == [{"filename": "knocks_00001_.mp4", "subfolder": "talkies", "type": "output"}]
    json.dumps(out.ui, allow_nan=False)

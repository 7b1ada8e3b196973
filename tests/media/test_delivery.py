"""Delivery: every clip at -14 LUFS by default, decoded true peak under -1 dBTP, recorded in its tags."""

from __future__ import annotations

import math

import pytest
import torch

from talkies.model.media.aac import FRAME
from talkies.model.media.delivery import (
    DEFAULT_LOUDNESS_LUFS,
    PEAK_CEILING_DBTP,
    Delivery,
    deliver,
    parse_target,
)
from talkies.model.media.loudness import integrated_loudness
from talkies.model.media.mp4 import delivery_report, probe_clip, read_clip, write_clip
from talkies.toyworld import render, sample_spec
from talkies.toyworld.sample import SCENE_KINDS

from media_samples import audio, moving_frames, tone

RATE = 48000


def hot(seconds: float = 1.0) -> torch.Tensor:
    """A tone driven past full scale (+3.5 dBFS), as the built-in model's shouts and bounces can be."""
    return tone(seconds, RATE, channels=2, hz=440.0, level=1.5)


def decoded_sample_peak_db(path) -> float:
    return 20 * math.log10(float(read_clip(path, pictures=False).waveform.abs().max()))


def test_the_default_is_minus_14_lufs_under_the_ceiling_after_aac(tmp_path):
    path = write_clip(tmp_path / "hot.mp4", moving_frames(25), 25, audio(hot(), RATE))
    report = delivery_report(path)
    assert report["integrated_lufs"] == pytest.approx(DEFAULT_LOUDNESS_LUFS, abs=1.0)
    assert report["true_peak_dbtp"] <= PEAK_CEILING_DBTP
    recorded = Delivery.from_tags(probe_clip(path).metadata)
    assert recorded.target_lufs == DEFAULT_LOUDNESS_LUFS and recorded.note is None
    # The tags give what the decoded file measures, not a figure from before the codec.
    assert recorded.integrated_lufs == pytest.approx(report["integrated_lufs"], abs=0.05)
    assert recorded.true_peak_dbtp == pytest.approx(report["true_peak_dbtp"], abs=0.05)


def test_with_loudness_off_the_peak_guard_still_holds_and_the_level_stays(tmp_path):
    path = write_clip(tmp_path / "off.mp4", moving_frames(25), 25, audio(hot(), RATE), loudness=None)
    assert delivery_report(path)["true_peak_dbtp"] <= PEAK_CEILING_DBTP
    assert decoded_sample_peak_db(path) <= PEAK_CEILING_DBTP
    recorded = Delivery.from_tags(probe_clip(path).metadata)
    assert recorded.target_lufs is None and recorded.true_peak_dbtp <= PEAK_CEILING_DBTP
    quiet = tone(1.0, RATE, channels=2) * 0.3  # peaks near -20 dBFS: nothing to guard
    out, delivery = deliver(quiet, RATE, None)
    assert torch.equal(out, quiet)
    assert delivery.integrated_lufs == pytest.approx(integrated_loudness(quiet, RATE), abs=0.2)


def test_sound_too_short_to_measure_says_so_and_keeps_its_peaks_under_the_ceiling():
    out, delivery = deliver(hot(0.2), RATE, -14.0)
    assert delivery.integrated_lufs is None and "too short to measure" in delivery.note
    assert delivery.true_peak_dbtp <= PEAK_CEILING_DBTP
    assert float(out.abs().max()) < 1.0


def test_a_target_out_of_reach_is_said(monkeypatch):
    import talkies.model.media.delivery as delivery_module

    # A limiter that could not raise the level: the delivery must say the target was missed.
    monkeypatch.setattr(delivery_module, "normalize_loudness", lambda x, **_: x * 0.01)
    _, delivery = deliver(tone(1.0, RATE, channels=2), RATE, -14.0)
    assert delivery.integrated_lufs < -20
    assert "short of the -14 LUFS target" in delivery.note
    recorded = Delivery.from_tags(delivery.tags())
    assert recorded.note == delivery.note and recorded.target_lufs == -14.0
    assert recorded.integrated_lufs == pytest.approx(delivery.integrated_lufs, abs=0.01)


@pytest.mark.parametrize(("text", "target"), [("-14", -14.0), ("-23", -23.0), ("off", None), ("OFF", None)])
def test_loudness_choices_as_typed(text, target):
    assert parse_target(text) == target


@pytest.mark.parametrize("text", ["-20", "loud", "nan", "inf", ""])
def test_other_loudness_choices_are_refused(text):
    with pytest.raises(ValueError, match="loudness must be one of -14, -16, -23 LUFS or off"):
        parse_target(text)


# The toy world's sounds are what the built-in model learnt to make: sparse impacts, a glass,
# whispers, shouts and songs, ambience and music beds.
@pytest.mark.parametrize("kind", SCENE_KINDS)
def test_delivery_over_seeds_and_kinds_of_sound(tmp_path, kind):
    for seed in range(3):
        clip = render(sample_spec(100 + seed, kinds=(kind,)))
        sound = torch.as_tensor(clip.waveform, dtype=torch.float32)
        # Louder than a real mix would be, so the limiter has work to do on every clip.
        sound = sound / sound.abs().max().clamp_min(1e-6) * (1.0 + 0.5 * seed)
        frames = torch.as_tensor(clip.frames[::4])  # fewer pictures: the sound is under test
        path = write_clip(
            tmp_path / f"{kind}{seed}.mp4", frames, clip.fps / 4, audio(sound, clip.sample_rate)
        )
        report = delivery_report(path)
        assert decoded_sample_peak_db(path) <= PEAK_CEILING_DBTP, (kind, seed)
        assert report["true_peak_dbtp"] <= PEAK_CEILING_DBTP, (kind, seed)
        assert report["integrated_lufs"] == pytest.approx(DEFAULT_LOUDNESS_LUFS, abs=1.0), (kind, seed)
        assert report["video_start"] == 0 and report["audio_start"] == 0
        assert report["duration_difference"] <= FRAME / RATE


def sparse_impacts(seconds: float = 6.0) -> torch.Tensor:
    """Hard hits twice a second over a faint bed, peaking at +6 dBTP: the limiter takes back
    much of every dB the gain adds, as on the built-in model's own bounces and shouts."""
    t = torch.arange(round(seconds * RATE)) / RATE
    since = t % 0.5
    hits = 2.0 * torch.exp(-since / 0.03) * torch.sin(2 * math.pi * 180 * t) * (since < 0.2)
    return torch.randn(2, t.numel(), generator=torch.Generator().manual_seed(1)) * 0.003 + hits


def test_the_limiter_reaches_the_target_on_sparse_hard_hits():
    from talkies.model.media.loudness import normalize_loudness, true_peak_dbtp

    out = normalize_loudness(sparse_impacts(), RATE, -14.0, PEAK_CEILING_DBTP)
    assert integrated_loudness(out, RATE) == pytest.approx(-14.0, abs=0.2)
    assert true_peak_dbtp(out, RATE) <= PEAK_CEILING_DBTP + 1e-6

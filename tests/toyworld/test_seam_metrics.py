"""Seam metrics tell a continuous clip from one with a cut in picture or sound."""

from __future__ import annotations

import numpy as np

from talkies.toyworld import render, sample_spec
from talkies.toyworld.metrics.seams import seam_report, seamless


def _clip(seed: int):
    clip = render(sample_spec(seed, kinds=("impacts",)))
    return clip.frames, clip.waveform, clip.sample_rate


def _quiet_frames(seed: int) -> list[int]:
    """Frames at least three frames away from any contact (an impact is a sharp sound by design)."""
    contacts = [c.frame for c in render(sample_spec(seed, kinds=("impacts",))).truth.contacts]
    return [f for f in range(9, 45) if all(abs(f - c) > 3 for c in contacts)]


def test_an_uncut_clip_is_seamless_away_from_its_impacts():
    frames, wave, sr = _clip(3)
    quiet = _quiet_frames(3)
    assert len(quiet) >= 2
    report = seam_report(frames, 24, wave, sr, [quiet[0], quiet[-1]])
    assert seamless(report), report


def test_a_picture_cut_is_caught():
    a, wave, sr = _clip(3)
    b, _, _ = _clip(8)
    frames = np.concatenate([a[:25], b[25:]])
    report = seam_report(frames, 24, wave, sr, [25])
    assert report["seams"][0]["picture_ratio"] > 1.5 and not seamless(report)


def test_an_audio_click_or_cut_is_caught():
    frames, wave, sr = _clip(3)
    clicked = wave.copy()
    at = round(25 / 24 * sr)
    clicked[:, at:] += 0.5  # a step: the sound jumps at the seam
    report = seam_report(frames, 24, clicked, sr, [25])
    assert report["seams"][0]["audio_jump_over_p99"] > 1.0 and not seamless(report)
    swapped = wave.copy()
    noise = np.random.default_rng(0).normal(scale=0.3, size=swapped[:, at:].shape)
    swapped[:, at:] = noise  # the sound changes abruptly into loud noise
    report = seam_report(frames, 24, swapped, sr, [25])
    assert report["seams"][0]["flux_percentile"] > 0.99 and not seamless(report)

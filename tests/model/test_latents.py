"""Latent layouts, positions in seconds, and the size rules users meet first."""

from __future__ import annotations

from fractions import Fraction

import pytest
import torch

from talkies.model.sampling.latents import (
    audio_frames_for_seconds,
    audio_latent,
    audio_positions,
    audio_tokens,
    check_pixel_size,
    latent_frames_for,
    snap_frames,
    snap_pixel_size,
    video_latent,
    video_positions,
    video_tokens,
)


def test_token_layouts_round_trip():
    v = torch.randn(2, 128, 3, 4, 5)
    a = torch.randn(2, 8, 7, 16)
    assert torch.equal(video_latent(video_tokens(v), 3, 4, 5), v)
    assert torch.equal(audio_latent(audio_tokens(a)), a)
    assert video_tokens(v).shape == (2, 60, 128) and audio_tokens(a).shape == (2, 7, 128)


def test_video_positions_are_causal_seconds_and_pixels():
    pos = video_positions(1, 3, 1, 2, Fraction(24))
    t = pos[0, 0, ::2]  # one token per frame (2 columns per frame)
    assert t[0].tolist() == [0.0, pytest.approx(1 / 24)]  # frame 0 alone
    assert t[1].tolist() == [pytest.approx(1 / 24), pytest.approx(9 / 24)]  # frames 1..8
    assert t[2].tolist() == [pytest.approx(9 / 24), pytest.approx(17 / 24)]
    assert pos[0, 2, :2].tolist() == [[0.0, 32.0], [32.0, 64.0]]


def test_audio_positions_run_at_25_latents_per_second():
    pos = audio_positions(1, 26)[0, 0]
    assert pos[0].tolist() == [0.0, pytest.approx(0.01)]
    assert pos[25, 0].item() == pytest.approx(25 * 0.04 - 0.03)
    assert audio_frames_for_seconds(Fraction(121, 24)) == 126


def test_frame_and_size_errors_name_the_nearest_valid_values():
    assert latent_frames_for(121) == 16
    with pytest.raises(ValueError, match="frames must be 8k\\+1; nearest valid: 97 or 105"):
        latent_frames_for(100)
    with pytest.raises(ValueError, match="width 500 must be a multiple of 32; nearest valid: 480 or 512"):
        check_pixel_size(500, 512)
    with pytest.raises(ValueError, match="height 20 .* nearest valid: 32"):
        check_pixel_size(64, 20)
    check_pixel_size(768, 512)


def test_snapping():
    assert snap_pixel_size(500, 10) == (512, 32)
    assert snap_frames(100) == 97 and snap_frames(0) == 1 and snap_frames(121) == 121

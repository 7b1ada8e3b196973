"""The sync score that ranks best-of-N candidates: it prefers sound on the motion to sound off it,
and says None, not a made-up number, for a clip without motion or without sound."""

from __future__ import annotations

import numpy as np
import pytest

from talkies.model.media.sync.score import combined_score, score_clip

from toyworld_cases import foreign_clip


def _score(audio_delay_s: float):
    frames, fps, waveform, sr, _ = foreign_clip(audio_delay_s=audio_delay_s)
    return score_clip(frames, fps, waveform, sr)


def test_synced_sound_outscores_sound_shifted_either_way():
    synced = _score(0.0)
    assert abs(synced.lag_ms) < 1000 / 30
    for delay in (0.15, 0.25, -0.15):
        shifted = _score(delay)
        assert shifted.lag_ms == pytest.approx(delay * 1000, abs=1000 / 30)
        assert shifted.score < synced.score, f"{delay:+} s: {shifted} is not below {synced}"


def test_a_clip_without_motion_or_without_sound_has_no_score():
    frames, fps, waveform, sr, _ = foreign_clip()
    still = score_clip(np.repeat(frames[:1], len(frames), axis=0), fps, waveform, sr)
    silent = score_clip(frames, fps, np.zeros_like(waveform), sr)
    for unmeasured in (still, silent):
        assert unmeasured.lag_ms is None and unmeasured.correlation is None and unmeasured.score is None


def test_float_frames_and_uint8_frames_score_alike():
    frames, fps, waveform, sr, _ = foreign_clip()
    assert score_clip(frames / 255.0, fps, waveform[None], sr) == score_clip(frames, fps, waveform, sr)


def test_the_score_is_the_mean_of_av_align_and_the_lag_agreement():
    assert combined_score(1.0, 0.0, 1.0) == 1.0
    assert combined_score(0.5, 250.0, 0.8) == pytest.approx(0.5 * (0.5 + 0.8 * 0.5))
    assert combined_score(0.5, -250.0, 0.8) == combined_score(0.5, 250.0, 0.8)
    assert combined_score(0.2, 0.0, -0.9) == pytest.approx(0.1)  # sound against the motion: no agreement
    assert combined_score(0.2, 900.0, 0.9) == pytest.approx(0.1)  # beyond the searched lag: none either
    assert combined_score(None, 0.0, 1.0) is None and combined_score(0.3, None, None) is None

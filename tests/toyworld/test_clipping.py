"""Clipping is found by its flat, cornered tops, also after AAC, and a clean wave is not clipped."""

import numpy as np
import pytest
import torch

from talkies.model.media.aac import round_trip
from talkies.toyworld import render, sample_spec
from talkies.toyworld.metrics.clipping import clipped_share
from talkies.toyworld.metrics.delivery import delivery

SR = 48_000


def _tone(hz: float, clipped: float, gain: float = 0.99) -> np.ndarray:
    """A 2 s sine with ``clipped`` of its samples cut flat, scaled so the flat tops sit at ``gain``."""
    wave = np.sin(2 * np.pi * hz * np.arange(2 * SR) / SR)
    level = np.sin((1 - clipped) * np.pi / 2)
    return np.clip(wave, -level, level) / level * gain


def _through_aac(mono: np.ndarray) -> np.ndarray:
    stereo = torch.tensor(np.stack([mono, mono]), dtype=torch.float32)
    return round_trip(stereo, SR).numpy()[:, : len(mono)]


@pytest.mark.parametrize("hz", [60, 440, 2000])
def test_a_tone_clipped_hard_is_found_after_aac(hz):
    # the case: 78 % of a tone's samples clipped read as 0.2 % by a full-scale count
    decoded = _through_aac(_tone(hz, 0.78))
    assert np.mean(np.abs(decoded) >= 0.999) < 0.01
    assert clipped_share(decoded) > 0.6
    assert clipped_share(_through_aac(_tone(hz, 0.5, gain=0.5))) > 0.4, "clipped, then turned down"


@pytest.mark.parametrize("hz", [40, 60, 220, 440, 2000, 5000])
def test_a_clean_tone_at_full_scale_is_not_clipped(hz):
    clean = _tone(hz, 0.0)
    assert clipped_share(clean) == 0
    assert clipped_share(_through_aac(clean)) < 0.001


def test_pcm_clipping_is_counted_close_to_the_truth():
    assert clipped_share(_tone(440, 0.78)) == pytest.approx(0.78, abs=0.03)
    assert clipped_share(_tone(440, 0.5)) == pytest.approx(0.5, abs=0.1)


def test_toy_world_sound_is_clean_until_it_is_driven_into_the_ceiling():
    sound = np.asarray(render(sample_spec(10_005_009)).waveform)
    sound = sound / np.abs(sound).max() * 0.95
    assert clipped_share(_through_aac(sound[0])) < 0.002
    driven = np.clip(sound[0] * 4, -0.95, 0.95)
    truth = np.mean(np.abs(sound[0] * 4) >= 0.95)
    assert clipped_share(_through_aac(driven)) == pytest.approx(truth, rel=0.25)


def test_delivery_reports_no_clipping_figure_for_no_sound():
    assert delivery(np.zeros((2, 0)), SR, frames=24, fps=24.0)["clipped_share"] is None

"""The toy world's delivery figures are the model's own meters, with None where nothing can be measured."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from talkies.model.media.loudness import integrated_loudness, true_peak_dbtp
from talkies.toyworld.metrics.delivery import delivery
from talkies.toyworld.metrics.delivery import integrated_loudness as metric_loudness
from talkies.toyworld.metrics.delivery import true_peak_db as metric_true_peak

SR = 16000


def _tone(channels: int, seconds: float = 1.0, amplitude: float = 0.3) -> np.ndarray:
    t = np.arange(int(SR * seconds)) / SR
    return np.repeat((amplitude * np.sin(2 * np.pi * 440 * t))[None], channels, 0).astype(np.float32)


@pytest.mark.parametrize("channels", [1, 2, 6])
def test_metrics_and_model_measure_the_same_loudness_and_peak(channels):
    x = _tone(channels)
    assert metric_loudness(x, SR) == integrated_loudness(torch.from_numpy(x), SR)
    assert metric_true_peak(x, SR) == true_peak_dbtp(torch.from_numpy(x), SR)


def test_the_lfe_of_5_1_is_left_out_in_the_metrics_too():
    x = np.zeros((6, SR), dtype=np.float32)
    x[3] = _tone(1)[0]  # only the LFE channel sounds
    assert metric_loudness(x, SR) is None
    x[0] = _tone(1)[0]
    assert metric_loudness(x, SR) == pytest.approx(metric_loudness(_tone(1), SR), abs=0.01)


def test_what_cannot_be_measured_is_none_not_a_number():
    silence = np.zeros((1, SR), dtype=np.float32)
    report = delivery(silence, SR, frames=24, fps=24.0)
    assert report["loudness_lufs"] is None and report["true_peak_dbtp"] is None
    assert report["sample_peak_dbfs"] is None
    assert metric_loudness(_tone(1, seconds=0.1), SR) is None  # shorter than one gating block

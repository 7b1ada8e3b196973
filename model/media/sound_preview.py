"""What a clip preview draws under its frames: the sound's min/max envelope and where sounds start.

Both are small lists sized for a browser: the envelope has ``points_per_second`` buckets per
second whatever the sample rate (see :func:`waveform_envelope`), and the onsets are the times,
in seconds from the clip's start, at which the weight-free detector of the toy world's metrics
hears a sound begin. Drawn over the frames they make a sound that lands early or late visible.
"""

from __future__ import annotations

import torch

from .envelope import waveform_envelope
from .onsets import detect_onsets

ENVELOPE_DECIMALS = 4
ONSET_DECIMALS = 3  # milliseconds: finer than any frame, coarse enough to keep the list short


def _mono(waveform: torch.Tensor) -> torch.Tensor:
    """The first clip's channels mixed down to (T,) float64."""
    samples = waveform.detach().to(torch.float64)
    while samples.dim() > 2:
        samples = samples[0]
    return samples.mean(dim=0) if samples.dim() == 2 else samples


def sound_preview(waveform: torch.Tensor, sample_rate: int, points_per_second: int = 50) -> dict:
    """``{"envelope": {"points_per_second", "min": [...], "max": [...]}, "onsets": [seconds, ...]}``.

    ``waveform`` is (T,), (C,T) or (B,C,T); the envelope spans all channels (and clips), the onsets
    are found in the first clip's mono mix. Values are rounded so the lists stay small in JSON.
    """
    low, high = waveform_envelope(waveform, sample_rate, points_per_second)
    mono = _mono(waveform)
    onsets = detect_onsets(mono.cpu().numpy(), sample_rate).times if mono.numel() else []
    seconds = mono.numel() / sample_rate
    return {
        "envelope": {
            "points_per_second": points_per_second,
            "min": [round(v, ENVELOPE_DECIMALS) for v in low.tolist()],
            "max": [round(v, ENVELOPE_DECIMALS) for v in high.tolist()],
        },
        "onsets": [round(float(t), ONSET_DECIMALS) for t in onsets if 0.0 <= t < seconds],
    }

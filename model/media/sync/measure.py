"""AV-Align and the onset-versus-motion lag of one clip, from one optical-flow pass.

Times are in seconds, lags in milliseconds, positive = audio late.
"""

from __future__ import annotations

import numpy as np

from ..onsets import onset_envelope
from .av_align import av_align
from .flow import frame_flows
from .motion_lag import audio_flux_per_frame, motion_change, motion_lag


def measure_sync(frames: np.ndarray, fps: float, mono: np.ndarray, sample_rate: int) -> dict:
    """``{"av_align": {...}, "motion_lag": {...}}`` of (F, H, W, 3) uint8 ``frames`` and a mono
    float64 waveform; see :func:`av_align` and :func:`motion_lag` for the figures."""
    flows, scale = frame_flows(frames)
    flux, hop_s, _ = onset_envelope(mono, sample_rate)
    audio_per_frame = audio_flux_per_frame(flux, hop_s, len(frames), fps)
    return {
        "av_align": av_align(flows, scale, mono, sample_rate, fps),
        "motion_lag": motion_lag(motion_change(flows, scale), audio_per_frame, fps),
    }

"""A general onset-versus-motion lag: when do sounds start relative to changes of motion?

Visual side: per frame, the mean magnitude of the change of the flow field followed along
the motion (what moves at frame k-1 -> k, where does it go at k -> k+1): large when
something is knocked, turned or stopped, small in free flight. Audio side: the spectral
flux, its maximum within each frame's interval. The lag of their best cross-correlation
within +-``max_lag_s`` is reported (positive = audio late), with that correlation.
"""

from __future__ import annotations

import numpy as np

from .flow import warp
from .xcorr import best_lag

MAX_LAG_S = 0.5  # the widest audio-motion offset searched, either way


def motion_change(flows: np.ndarray, scale: float) -> np.ndarray:
    """(F,) mean |acceleration| of the flow at each frame, original pixels per frame squared
    (0 at the first and last frame). ``flows`` are on a grid ``scale`` times the original."""
    out = np.zeros(len(flows) + 1)
    if len(flows) < 2:
        return out
    before, after = flows[:-1], flows[1:]
    followed = np.stack([warp(after[..., c], before) for c in range(2)], axis=-1)
    out[1:-1] = np.hypot(*np.moveaxis(followed - before, -1, 0)).mean(axis=(1, 2)) / scale
    return out


def audio_flux_per_frame(flux: np.ndarray, hop_s: float, frames: int, fps: float) -> np.ndarray:
    out = np.zeros(frames)
    times = np.arange(len(flux)) * hop_s
    slot = np.floor(times * fps + 0.5).astype(int)
    inside = (slot >= 0) & (slot < frames)
    np.maximum.at(out, slot[inside], flux[inside])
    return out


def motion_lag(
    change: np.ndarray, audio_per_frame: np.ndarray, fps: float, max_lag_s: float = MAX_LAG_S
) -> dict:
    found = best_lag(change, audio_per_frame, max(1, round(max_lag_s * fps)))
    if found is None:
        return {"lag_ms": None, "correlation": None}
    lag, corr = found
    return {"lag_ms": lag / fps * 1000, "correlation": corr}

"""One sync score per clip, from AV-Align and the onset-versus-motion lag, to rank clips by.

    score = (AV-Align + agreement) / 2,   agreement = max(correlation, 0) · (1 − |lag| / max lag)

Both halves run from 0 to 1: AV-Align counts sound onsets that land within a frame of a motion
peak; the agreement is how strongly the sound's flux follows the changes of motion
(their best cross-correlation) and how near zero the lag of that best match is. A clip without
motion or without sound has no lag, and one with neither peaks nor onsets no AV-Align: its
score is then None, not a number made up for it, and it ranks below every scored clip.

Lip sync and impact timing need to know what is a face or a ball, which only the toy world
tells (``toyworld/metrics``); a caller that knows them passes them in as ``measures``, figures
from 0 to 1, and the score is then the mean of the one above and each of those.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..arrays import Array, as_channels, as_frames
from .measure import measure_sync
from .motion_lag import MAX_LAG_S

# A caller's own figures for a clip, by name, each from 0 (bad) to 1 (good): called with the
# frames (F, H, W, 3) uint8, the fps, the sound (C, T) and its sample rate.
ClipMeasures = Callable[[np.ndarray, float, np.ndarray, int], dict[str, float]]


@dataclass(frozen=True)
class SyncScore:
    """A clip's raw figures (None where undefined) and the score combining them."""

    av_align: float | None
    lag_ms: float | None  # positive: the sound comes late
    correlation: float | None
    score: float | None
    measured: tuple[tuple[str, float], ...] = ()  # the caller's own figures, by name


def combined_score(av_align: float | None, lag_ms: float | None, correlation: float | None) -> float | None:
    """The sync score of the module docstring; None when any figure is."""
    if av_align is None or lag_ms is None or correlation is None:
        return None
    agreement = max(correlation, 0.0) * max(0.0, 1.0 - abs(lag_ms) / (MAX_LAG_S * 1000.0))
    return 0.5 * (av_align + agreement)


def score_clip(
    frames: Array,
    fps: float | Fraction,
    waveform: Array,
    sample_rate: int,
    measures: ClipMeasures | None = None,
) -> SyncScore:
    """``frames``: (F, H, W, 3) uint8 or float 0..1; ``waveform``: (T,), (C, T) or (1, C, T)."""
    pictures, sound = as_frames(frames), as_channels(waveform)
    measured = measure_sync(pictures, float(fps), sound.mean(axis=0), int(sample_rate))
    av_align = measured["av_align"]["score"]
    lag_ms, correlation = measured["motion_lag"]["lag_ms"], measured["motion_lag"]["correlation"]
    general = combined_score(av_align, lag_ms, correlation)
    own = tuple(sorted(measures(pictures, float(fps), sound, int(sample_rate)).items())) if measures else ()
    parts = ([] if general is None else [general]) + [value for _, value in own]
    score = sum(parts) / len(parts) if parts else None
    return SyncScore(av_align, lag_ms, correlation, score, own)

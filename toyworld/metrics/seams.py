"""Seams: is there a visible or audible join where one generated part meets the next?

For each seam (the first frame of a new part) it compares what happens across the seam with
what happens everywhere else in the same clip:

- picture: mean absolute difference between the two frames either side of the seam, divided
  by the median of all consecutive-frame differences (≤ 1.5 reads as seamless);
- sound: the largest sample-to-sample jump within ±1 ms of the seam's sample, against the
  clip's own 99th percentile of jumps (a click or a cut stands above it);
- spectral flux at the seam, as a percentile of the clip's flux (a sudden change of sound
  lands near the top).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ...model.media.arrays import as_channels, as_frames
from ...model.media.onsets import onset_envelope

JUMP_WINDOW_S = 0.001


def _frame_differences(frames: np.ndarray) -> np.ndarray:
    f = frames.astype(np.float32)
    return np.abs(np.diff(f, axis=0)).mean(axis=(1, 2, 3))


def seam_report(frames, fps: float | Fraction, waveform, sample_rate: int, seams: list[int]) -> dict:
    """One row per seam (frame index where a new part starts), plus the clip's own baselines."""
    frames = as_frames(frames)
    mono = as_channels(waveform).astype(np.float64).mean(axis=0)
    diffs = _frame_differences(frames)
    inside = np.delete(diffs, [s - 1 for s in seams if 0 < s <= len(diffs)])
    median_diff = float(np.median(inside)) if inside.size else 0.0
    jumps = np.abs(np.diff(mono))
    jump_p99 = float(np.percentile(jumps, 99)) if jumps.size else 0.0
    flux, hop_s, _ = onset_envelope(mono, sample_rate)
    rows = []
    for s in seams:
        picture = float(diffs[s - 1]) if 0 < s <= len(diffs) else float("nan")
        at = round(s / float(fps) * sample_rate)
        half = max(1, round(JUMP_WINDOW_S * sample_rate))
        near = jumps[max(0, at - half) : at + half]
        jump = float(near.max()) if near.size else 0.0
        k = min(len(flux) - 1, max(0, round(s / float(fps) / hop_s)))
        window = flux[max(0, k - 2) : k + 3] if len(flux) else np.zeros(1)
        seam_flux = float(window.max())
        rank = float(np.mean(flux <= seam_flux)) if len(flux) else 0.0
        rows.append(
            {
                "frame": s,
                "picture_ratio": picture / median_diff if median_diff > 0 else float("inf"),
                "audio_jump": jump,
                "audio_jump_over_p99": jump / jump_p99 if jump_p99 > 0 else float("inf"),
                "flux_percentile": rank,
            }
        )
    return {"median_frame_difference": median_diff, "audio_jump_p99": jump_p99, "seams": rows}


def seamless(report: dict, picture_ratio: float = 1.5, flux_percentile: float = 0.99) -> bool:
    """The issue's thresholds: picture ≤ 1.5× the clip's median, no audio jump above its own
    99th percentile, flux at the seam not an outlier."""
    return all(
        r["picture_ratio"] <= picture_ratio
        and r["audio_jump_over_p99"] <= 1.0
        and r["flux_percentile"] <= flux_percentile
        for r in report["seams"]
    )

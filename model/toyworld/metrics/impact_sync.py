"""Impact sync: does each sound land on the frame where its visible contact happens?

First a global lag is found: the shift of the audio onsets that lines up the most of them
with the visual contacts (events counted with a Gaussian kernel a quarter frame wide). Then
every visual contact takes the audio onset nearest to where that lag puts it, within
``max_offset_s``; its offset is onset time minus contact time (positive = audio late).
"""

from __future__ import annotations

import numpy as np

LEAD_TOLERANCE_FRAMES = 0.5
DETECTOR_SLACK_S = 0.002


def global_lag(contacts: np.ndarray, onsets: np.ndarray, fps: float, max_lag_s: float) -> float | None:
    """Seconds to add to contact times to best meet the onsets; None without events."""
    if not len(contacts) or not len(onsets):
        return None
    sigma = 0.25 / fps
    lags = np.arange(-max_lag_s, max_lag_s + 5e-4, 1e-3)
    differences = (onsets[None, :] - contacts[:, None]).ravel()
    near = differences[np.abs(differences) <= max_lag_s + 4 * sigma]
    if not len(near):
        return None
    score = np.exp(-0.5 * ((near[None, :] - lags[:, None]) / sigma) ** 2).sum(axis=1)
    best = np.flatnonzero(score >= score.max() - 1e-9)
    return float(lags[best[np.argmin(np.abs(lags[best]))]])


def impact_sync(
    contact_times: np.ndarray,
    onset_times: np.ndarray,
    fps: float,
    max_offset_s: float = 0.25,
    max_lag_s: float = 0.5,
) -> dict:
    """Impact-sync figures for visual contacts and audio onsets (both in seconds)."""
    contacts = np.sort(np.asarray(contact_times, dtype=np.float64))
    onsets = np.sort(np.asarray(onset_times, dtype=np.float64))
    frame = 1.0 / fps
    lag = global_lag(contacts, onsets, fps, max_lag_s)
    offsets: list[float | None] = []
    for c in contacts:
        if lag is None:
            offsets.append(None)
            continue
        candidates = onsets[np.abs(onsets - c) <= max_offset_s]
        if not len(candidates):
            offsets.append(None)
            continue
        offsets.append(float(candidates[np.argmin(np.abs(candidates - (c + lag)))] - c))
    matched = np.array([o for o in offsets if o is not None])
    tolerance = frame + DETECTOR_SLACK_S
    within = (
        float(np.mean([o is not None and abs(o) <= tolerance for o in offsets])) if len(contacts) else None
    )
    explained = (
        float(np.mean([np.min(np.abs(contacts - o)) <= tolerance for o in onsets]))
        if len(onsets) and len(contacts)
        else None
    )
    lead = LEAD_TOLERANCE_FRAMES * frame
    return {
        "visual_contacts": int(len(contacts)),
        "audio_onsets": int(len(onsets)),
        "matched": int(len(matched)),
        "within_1_frame": within,
        "mean_offset_ms": float(matched.mean() * 1000) if len(matched) else None,
        "median_offset_ms": float(np.median(matched) * 1000) if len(matched) else None,
        "mean_abs_offset_ms": float(np.abs(matched).mean() * 1000) if len(matched) else None,
        "lag_ms": None if lag is None else lag * 1000,
        "audio_leads": bool(np.median(matched) < -lead) if len(matched) else None,
        "lead_share": float(np.mean(matched < -lead)) if len(matched) else None,
        "onsets_explained": explained,
        "contact_times_s": [float(c) for c in contacts],
        "offsets_ms": [None if o is None else o * 1000 for o in offsets],
    }

"""Impact sync: does each sound land on the frame where its visible contact happens?

First a global lag is found: the shift (within +-``max_lag_s``) of the audio onsets that
lines up the most of them with the visual contacts (events counted with a Gaussian kernel a
quarter frame wide; of two lags within a tenth of an event, the one nearer zero). Then
every visual contact takes the audio onset nearest to where that lag puts it, within
``match_window_s``; its offset is onset time minus contact time (positive = audio late).
A contact with no onset there is unmatched.
"""

from __future__ import annotations

import numpy as np

LEAD_TOLERANCE_FRAMES = 0.5
SYNC_PRIOR = 0.1
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
    # A mild prior towards sync: a lag must line up at least a tenth of an event more.
    score -= SYNC_PRIOR * np.abs(lags) / max_lag_s
    return float(lags[int(np.argmax(score))])


def impact_sync(
    contact_times: np.ndarray,
    onset_times: np.ndarray,
    fps: float,
    match_window_s: float = 0.125,
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
        distance = np.abs(onsets - (c + lag))
        nearest = int(np.argmin(distance))
        offsets.append(float(onsets[nearest] - c) if distance[nearest] <= match_window_s else None)
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

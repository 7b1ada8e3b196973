"""Delivery figures that need only the arrays: loudness, peaks, stream durations.

Loudness and true peak are the model's own meters (``model.media.loudness``: ITU-R BS.1770-4,
4x oversampled true peak), so a clip is measured here exactly as it was normalised. Clipping is
found by the shape of flat tops (``clipping``), which survives AAC where a full-scale count does not. A figure
that cannot be measured (silence, sound shorter than one 400 ms gating block) is None.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ...model.media.loudness import gain_to_db, true_peak
from ...model.media.loudness import integrated_loudness as measured_loudness
from .clipping import clipped_share


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _tensor(waveform: np.ndarray) -> torch.Tensor:
    return torch.as_tensor(np.asarray(waveform, dtype=np.float32))


def integrated_loudness(waveform: np.ndarray, sr: int) -> float | None:
    """LUFS of a (C, T) waveform; None for silence or audio shorter than one 400 ms block."""
    return _finite(measured_loudness(_tensor(waveform), sr))


def true_peak_db(waveform: np.ndarray, sr: int) -> float | None:
    """dBTP: the peak of the 4x oversampled signal (None for silence)."""
    x = _tensor(waveform)
    return _finite(gain_to_db(true_peak(x, sr))) if x.numel() else None


def delivery(waveform: np.ndarray, sr: int, frames: int, fps: float) -> dict:
    x = np.asarray(waveform)
    video_s = frames / fps
    audio_s = x.shape[-1] / sr
    peak = float(np.abs(x).max()) if x.size else 0.0
    return {
        "loudness_lufs": integrated_loudness(x, sr),
        "true_peak_dbtp": true_peak_db(x, sr),
        "sample_peak_dbfs": _finite(gain_to_db(peak)) if x.size else None,
        "clipped_share": clipped_share(x),
        "video_duration_s": video_s,
        "audio_duration_s": audio_s,
        "duration_gap_ms": (audio_s - video_s) * 1000.0,
    }


def stream_timing(streams: list) -> dict:
    """Durations and start times per stream (objects or dicts with kind, duration, start_time),
    and the audio start relative to the video start."""
    rows = []
    for stream in streams:
        get = stream.get if isinstance(stream, dict) else lambda key, s=stream: getattr(s, key, None)
        duration, start = get("duration"), get("start_time")
        rows.append(
            {
                "kind": get("kind"),
                "codec": get("codec"),
                "duration_s": None if duration is None else float(duration),
                "start_s": None if start is None else float(start),
            }
        )
    starts = {row["kind"]: row["start_s"] for row in rows if row["start_s"] is not None}
    offset = (starts["audio"] - starts["video"]) * 1000.0 if {"audio", "video"} <= starts.keys() else None
    return {"streams": rows, "audio_start_offset_ms": offset}

"""Delivery figures that need only the arrays: loudness, peaks, stream durations.

Integrated loudness follows ITU-R BS.1770-4 (torchaudio's implementation). torchaudio's
K-weighting filters clamp their output to [-1, 1], so the signal is measured at a fixed
low peak and the gain added back. True peak is the sample peak after 4x polyphase oversampling.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torchaudio.functional as AF
from scipy import signal

OVERSAMPLING = 4
MIN_LOUDNESS_S = 0.4
_MEASURE_PEAK = 0.25


def _db(value: float) -> float | None:
    return 20.0 * math.log10(value) if value > 0 else None


def integrated_loudness(waveform: np.ndarray, sr: int) -> float | None:
    """LUFS of a (C, T) waveform; None for silence or audio shorter than one 400 ms block."""
    x = torch.as_tensor(np.asarray(waveform, dtype=np.float64))
    peak = float(x.abs().max()) if x.numel() else 0.0
    if peak == 0.0 or x.shape[-1] < MIN_LOUDNESS_S * sr:
        return None
    gain = _MEASURE_PEAK / peak
    value = float(AF.loudness((x * gain).to(torch.float32), sr))
    return value - 20.0 * math.log10(gain) if math.isfinite(value) else None


def true_peak_db(waveform: np.ndarray, sr: int) -> float | None:
    """dBTP: the peak of the 4x oversampled signal (None for silence)."""
    x = np.asarray(waveform, dtype=np.float64)
    if not x.size:
        return None
    up = signal.resample_poly(x, OVERSAMPLING, 1, axis=-1)
    return _db(float(np.abs(up).max()))


def delivery(waveform: np.ndarray, sr: int, frames: int, fps: float) -> dict:
    x = np.asarray(waveform)
    video_s = frames / fps
    audio_s = x.shape[-1] / sr
    return {
        "loudness_lufs": integrated_loudness(x, sr),
        "true_peak_dbtp": true_peak_db(x, sr),
        "sample_peak_dbfs": _db(float(np.abs(x).max())) if x.size else None,
        "clipped_share": float(np.mean(np.abs(x) >= 0.999)) if x.size else 0.0,
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

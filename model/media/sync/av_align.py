"""AV-Align (Yariv et al., "Diverse and Aligned Audio-to-Video Generation via Text-to-Video
Model Adaptation", AAAI 2024), computed as published, for comparison with papers.

Audio peaks: onsets as librosa's defaults find them (audio at 22.05 kHz, 128-band mel
power in dB from 2048-sample windows every 512 samples, mean positive first difference,
normalised to 0..1, then peak picking with pre/post max 1/1 frames, pre/post average 4/5
frames, delta 0.07, wait 1 frame). Video peaks: strict local maxima of the mean optical-flow
magnitude between consecutive frames (the first pair counted twice, so index i means frame
i). Score: audio peaks that have a video peak strictly within one frame, over the union:
hits / (|A| + |V| - hits).

The published code uses OpenCV's Farneback flow and librosa; this module uses its own
Lucas-Kanade flow and onset code (no OpenCV or librosa needed), so scores are comparable,
not bit-identical.
"""

from __future__ import annotations

from math import gcd

import numpy as np
from scipy import signal

from ..spectral import mel_filterbank, power_spectrogram

LIBROSA_SR = 22050
N_FFT, HOP, N_MELS = 2048, 512, 128
TOP_DB = 80.0
PRE_MAX, POST_MAX, PRE_AVG, POST_AVG, WAIT, DELTA = 1, 1, 4, 5, 1, 0.07


def librosa_onset_times(waveform: np.ndarray, sr: int) -> np.ndarray:
    """Onset times (s) of a mono signal with librosa's default onset detector settings."""
    x = np.asarray(waveform, dtype=np.float64)
    if sr != LIBROSA_SR:
        common = gcd(sr, LIBROSA_SR)
        x = signal.resample_poly(x, LIBROSA_SR // common, sr // common)
    power = power_spectrogram(x, N_FFT, HOP, center=True, pad="constant") * (N_FFT / 2.0) ** 2
    mel = power @ mel_filterbank(LIBROSA_SR, N_FFT, N_MELS).T
    db = 10.0 * np.log10(np.maximum(mel, 1e-10))
    db = np.maximum(db, db.max() - TOP_DB)
    flux = np.maximum(db[1:] - db[:-1], 0.0).mean(axis=1)
    lag_pad = 1 + N_FFT // (2 * HOP)
    envelope = np.concatenate([np.zeros(lag_pad), flux])[: len(db)]
    envelope = envelope - envelope.min()
    if envelope.max() <= 0:
        return np.zeros(0)
    envelope = envelope / envelope.max()
    peaks, last = [], -np.inf
    for n in range(len(envelope)):
        if envelope[n] != envelope[max(0, n - PRE_MAX) : n + POST_MAX].max():
            continue
        if envelope[n] < envelope[max(0, n - PRE_AVG) : n + POST_AVG].mean() + DELTA:
            continue
        if n - last > WAIT:
            peaks.append(n)
            last = n
    return np.array(peaks) * HOP / LIBROSA_SR


def flow_trajectory(flows: np.ndarray, scale: float) -> np.ndarray:
    """Mean flow magnitude per frame in original pixels: [m(0,1), m(0,1), m(1,2), ..., m(F-2,F-1)]."""
    if not len(flows):
        return np.zeros(1)
    magnitude = np.hypot(flows[..., 0], flows[..., 1]).mean(axis=(1, 2)) / scale
    return np.concatenate([magnitude[:1], magnitude])


def video_peak_times(trajectory: np.ndarray, fps: float) -> np.ndarray:
    m = trajectory
    i = np.flatnonzero((m[1:-1] > m[:-2]) & (m[1:-1] > m[2:])) + 1
    return i / fps


def intersection_over_union(audio_peaks: np.ndarray, video_peaks: np.ndarray, fps: float) -> float | None:
    if not len(audio_peaks) and not len(video_peaks):
        return None
    window = 1.0 / fps
    hits = sum(1 for a in audio_peaks if np.any((video_peaks - window < a) & (a < video_peaks + window)))
    return hits / (len(audio_peaks) + len(video_peaks) - hits)


def av_align(flows: np.ndarray, scale: float, waveform: np.ndarray, sr: int, fps: float) -> dict:
    audio = librosa_onset_times(waveform, sr)
    video = video_peak_times(flow_trajectory(flows, scale), fps)
    return {
        "score": intersection_over_union(audio, video, fps),
        "audio_peaks": int(len(audio)),
        "video_peaks": int(len(video)),
    }

"""Audio onsets: log-mel spectral flux, peak picking, then a sample-accurate refinement.

The flux (32 ms windows every 4 ms) finds *that* something starts; where exactly it starts
is then read from a 4 ms-window energy envelope taken only in the frequency bins whose
level rose at that onset, as the point where that envelope first climbs halfway (in dB)
from the level before to the peak. So a click reads at its first sample within about a
millisecond, whatever bed it sits on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .spectral import mel_filterbank, power_spectrogram, to_db

FLUX_WINDOW_S = 0.032
FLUX_HOP_S = 0.004
FLUX_LAG = 4  # frames compared (16 ms apart), so a rise spread over a window is seen whole
N_MELS = 40
PEAK_HALF_WINDOW_S = 0.03
MEDIAN_HALF_WINDOW_S = 0.25
MIN_RISE_DB = 2.5
MAD_FACTOR = 5.0
MIN_GAP_S = 0.03
SILENCE_DB = -70.0
FINE_WINDOW_S = 0.004
FINE_HOP_S = 0.001


@dataclass(frozen=True)
class Onsets:
    times: np.ndarray  # seconds, refined
    strengths: np.ndarray  # flux at the peak (mean dB rise per band)


def _pow2(seconds: float, sr: int) -> int:
    return int(2 ** round(np.log2(max(8.0, seconds * sr))))


def onset_envelope(x: np.ndarray, sr: int) -> tuple[np.ndarray, float, np.ndarray]:
    """(flux per frame, frame hop in seconds, log-mel spectrogram). Frame j is centred on j*hop."""
    n_fft = _pow2(FLUX_WINDOW_S, sr)
    hop = max(1, round(FLUX_HOP_S * sr))
    power = power_spectrogram(x, n_fft, hop)
    bank = mel_filterbank(sr, n_fft, N_MELS, fmin=30.0)
    mel_db = to_db(power @ bank.T * (n_fft / 2.0))
    flux = np.zeros(len(mel_db))
    rise = mel_db[FLUX_LAG:] - mel_db[:-FLUX_LAG]
    flux[FLUX_LAG:] = np.maximum(rise, 0.0).mean(axis=1)
    # The first frames have nothing to compare with: hold the first real value there.
    flux[:FLUX_LAG] = flux[FLUX_LAG] if len(flux) > FLUX_LAG else 0.0
    return flux, hop / sr, mel_db


def _running_median(x: np.ndarray, half: int) -> np.ndarray:
    padded = np.pad(x, half, mode="edge")
    return np.median(np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1), axis=1)


def pick_peaks(flux: np.ndarray, hop_s: float) -> np.ndarray:
    """Frames that are local maxima above an adaptive threshold; of two closer than
    MIN_GAP_S the stronger is kept."""
    if not flux.any():
        return np.zeros(0, dtype=int)
    half = max(1, round(PEAK_HALF_WINDOW_S / hop_s))
    padded = np.pad(flux, half, mode="constant")
    local_max = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1).max(axis=1)
    median = _running_median(flux, max(1, round(MEDIAN_HALF_WINDOW_S / hop_s)))
    mad = np.median(np.abs(flux - np.median(flux)))
    threshold = median + max(MIN_RISE_DB, MAD_FACTOR * 1.4826 * mad)
    candidates = np.flatnonzero((flux >= local_max) & (flux > threshold))
    gap = round(MIN_GAP_S / hop_s)
    picked: list[int] = []
    for j in candidates[np.argsort(-flux[candidates], kind="stable")]:
        if all(abs(int(j) - p) > gap for p in picked):
            picked.append(int(j))
    picked.sort()
    return np.array(picked, dtype=int)


def _refine(x: np.ndarray, sr: int, coarse_t: float, rise_bins: np.ndarray) -> float | None:
    """Sample-accurate onset near ``coarse_t``: where the level first climbs halfway (in dB)
    from its low point in the 35 ms before the peak. None if it is too quiet to be a sound;
    ``coarse_t`` itself if the rise is too small to place more finely."""
    n_fine = _pow2(FINE_WINDOW_S, sr)
    hop = max(1, round(FINE_HOP_S * sr))
    lo = max(0, round((coarse_t - 0.08) * sr))
    hi = min(len(x), round((coarse_t + 0.04) * sr))
    if hi - lo < 4 * n_fine:
        return None
    power = power_spectrogram(x[lo:hi], n_fine, hop)
    weights = rise_bins[: power.shape[1]]
    if weights.sum() <= 0:
        weights = np.ones(power.shape[1])
    level = to_db(power @ weights / weights.sum(), floor_db=-120.0)
    times = lo / sr + np.arange(len(level)) * hop / sr
    near = np.flatnonzero(np.abs(times - coarse_t) <= 0.03)
    if not len(near):
        return None
    top = int(near[np.argmax(level[near])])
    peak = float(level[top])
    if peak < SILENCE_DB:
        return None
    rising = level[(times >= times[top] - 0.035) & (times <= times[top])]
    floor = float(rising.min())
    if peak - floor < 3.0:
        return coarse_t
    halfway = floor + 0.5 * (peak - floor)
    j = top
    while j > 0 and level[j - 1] >= halfway:
        j -= 1
    return float(times[j])


def _rise_weights(x: np.ndarray, sr: int, t: float, n_fine: int) -> np.ndarray:
    """Per fine-STFT bin, how much louder the 30 ms after ``t`` are than the 30 ms before."""
    span = round(0.03 * sr)
    c = round(t * sr)
    before, after = x[max(0, c - 2 * span) : max(0, c - span)], x[c : c + span]
    if len(before) < n_fine or len(after) < n_fine:
        return np.ones(n_fine // 2 + 1)
    hop = n_fine // 2
    p_before = power_spectrogram(before, n_fine, hop, center=False).mean(axis=0)
    p_after = power_spectrogram(after, n_fine, hop, center=False).max(axis=0)
    return np.maximum(to_db(p_after) - to_db(p_before), 0.0)


def detect_onsets(waveform: np.ndarray, sr: int) -> Onsets:
    """Onsets of a mono (T,) signal."""
    x = np.asarray(waveform, dtype=np.float64)
    flux, hop_s, _ = onset_envelope(x, sr)
    peaks = pick_peaks(flux, hop_s)
    n_fine = _pow2(FINE_WINDOW_S, sr)
    times, strengths = [], []
    for j in peaks:
        coarse = j * hop_s - FLUX_LAG * hop_s / 2.0
        refined = _refine(x, sr, coarse, _rise_weights(x, sr, coarse, n_fine))
        if refined is not None:
            times.append(refined)
            strengths.append(float(flux[j]))
    return Onsets(times=np.array(times), strengths=np.array(strengths))

"""Short-time spectra and mel bands, in numpy."""

from __future__ import annotations

import numpy as np


def frame_signal(
    x: np.ndarray, n_fft: int, hop: int, center: bool = True, pad: str = "reflect"
) -> np.ndarray:
    """(frames, n_fft) windows; with ``center`` frame j is centred on sample j * hop, the
    signal padded at both ends by ``pad`` (an np.pad mode)."""
    if center:
        mode = pad if len(x) > n_fft // 2 else "constant"
        x = np.pad(x, (n_fft // 2, n_fft // 2), mode=mode)
    if len(x) < n_fft:
        x = np.pad(x, (0, n_fft - len(x)))
    count = 1 + (len(x) - n_fft) // hop
    return np.lib.stride_tricks.sliding_window_view(x, n_fft)[::hop][:count]


def power_spectrogram(
    x: np.ndarray, n_fft: int, hop: int, center: bool = True, pad: str = "reflect"
) -> np.ndarray:
    """(frames, n_fft // 2 + 1) power, scaled so a full-scale sine peaks near 0.25."""
    window = np.hanning(n_fft + 1)[:-1]
    spectrum = np.fft.rfft(frame_signal(x, n_fft, hop, center, pad) * window, axis=-1)
    return (np.abs(spectrum) / window.sum()) ** 2


def hz_to_mel(f: np.ndarray) -> np.ndarray:
    """Slaney's mel scale: linear to 1 kHz, logarithmic above."""
    f = np.asarray(f, dtype=np.float64)
    linear = f / (200.0 / 3.0)
    log_step = np.log(6.4) / 27.0
    return np.where(f >= 1000.0, 15.0 + np.log(np.maximum(f, 1e-9) / 1000.0) / log_step, linear)


def mel_to_hz(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float64)
    log_step = np.log(6.4) / 27.0
    return np.where(m >= 15.0, 1000.0 * np.exp(log_step * (m - 15.0)), m * (200.0 / 3.0))


def mel_filterbank(
    sr: int, n_fft: int, n_mels: int, fmin: float = 0.0, fmax: float | None = None
) -> np.ndarray:
    """(n_mels, n_fft // 2 + 1) triangular filters with Slaney area normalisation."""
    fmax = sr / 2.0 if fmax is None else fmax
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    freqs = np.linspace(0.0, sr / 2.0, n_fft // 2 + 1)
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (freqs[None] - lower) / (centre - lower)
    falling = (upper - freqs[None]) / (upper - centre)
    bank = np.maximum(0.0, np.minimum(rising, falling))
    return bank * (2.0 / (upper - lower))


def to_db(power: np.ndarray, floor_db: float = -100.0) -> np.ndarray:
    return 10.0 * np.log10(np.maximum(power, 10.0 ** (floor_db / 10.0)))


def frame_rms(x: np.ndarray, sr: int, frames: int, fps: float) -> np.ndarray:
    """RMS of ``x`` over each video frame's interval [k - 1/2, k + 1/2) / fps."""
    out = np.zeros(frames)
    for k in range(frames):
        lo = max(0, round((k - 0.5) / fps * sr))
        hi = min(len(x), round((k + 0.5) / fps * sr))
        if hi > lo:
            out[k] = np.sqrt(np.mean(np.square(x[lo:hi])))
    return out

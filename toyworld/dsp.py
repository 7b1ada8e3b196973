"""Small signal helpers shared by the sound synthesisers."""

from __future__ import annotations

import numpy as np
from scipy import signal


def db_to_gain(db: float) -> float:
    return float(10.0 ** (db / 20.0))


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0


def rms_db(x: np.ndarray) -> float:
    value = rms(x)
    return 20.0 * np.log10(value) if value > 0 else float("-inf")


def normalise_rms(x: np.ndarray) -> np.ndarray:
    value = rms(x)
    return x / value if value > 0 else x


def filtered(
    x: np.ndarray, kind: str, cutoff: float | tuple[float, float], sr: int, order: int = 2
) -> np.ndarray:
    """Butterworth filter ('lowpass', 'highpass' or 'bandpass')."""
    sos = signal.butter(order, cutoff, btype=kind, fs=sr, output="sos")
    return signal.sosfilt(sos, x)


def resonator(x: np.ndarray, freq: float, bandwidth: float, sr: int) -> np.ndarray:
    """Two-pole resonance at ``freq`` Hz with the given -3 dB bandwidth (a formant)."""
    r = np.exp(-np.pi * bandwidth / sr)
    a = [1.0, -2.0 * r * np.cos(2.0 * np.pi * freq / sr), r * r]
    return signal.lfilter([1.0 - r], a, x)


def ramps(n: int, attack: int, release: int) -> np.ndarray:
    """A 0→1→0 envelope with raised-cosine attack and release (lengths in samples)."""
    env = np.ones(n)
    attack, release = min(attack, n // 2), min(release, n // 2)
    if attack:
        env[:attack] = 0.5 - 0.5 * np.cos(np.pi * np.arange(attack) / attack)
    if release:
        env[n - release :] = 0.5 + 0.5 * np.cos(np.pi * (np.arange(release) + 1) / release)
    return env


def damped_modes(
    freqs: np.ndarray, decays: np.ndarray, amps: np.ndarray, n: int, sr: int, rng: np.random.Generator
) -> np.ndarray:
    """Sum of exponentially decaying sines (a struck object's modes), random phases."""
    t = np.arange(n) / sr
    phase = rng.uniform(0, 2 * np.pi, len(freqs))[:, None]
    modes = (
        amps[:, None] * np.exp(-t[None] / decays[:, None]) * np.sin(2 * np.pi * freqs[:, None] * t + phase)
    )
    return modes.sum(axis=0)


def pan_gains(position: float) -> tuple[float, float]:
    """Equal-power left/right gains for a position 0 (left) .. 1 (right)."""
    angle = 0.5 * np.pi * float(np.clip(position, 0.0, 1.0))
    return float(np.cos(angle)), float(np.sin(angle))

"""Contact sounds: what a ball hitting wood, metal or a soft rug sounds like, and a shattering glass.

Every sound starts with a short broadband (or, on soft surfaces, dull) click at the exact
contact sample, so its onset is sharp; the body that follows carries the timbre: a few fast
decaying low modes for wood, long inharmonic high partials for metal, a falling low thump
for soft surfaces. Bigger balls sound lower. Metal partials sit above 2 kHz and clear of
the crickets' band, so they are never taken for a melody or for crickets.
"""

from __future__ import annotations

import numpy as np

from .dsp import damped_modes, filtered

_PITCH_BY_SIZE = {"small": 1.2, "big": 0.8}
_METAL_PITCH_BY_SIZE = {"small": 1.08, "big": 0.92}


def _click(n: int, sr: int, rng: np.random.Generator, dull: bool) -> np.ndarray:
    length = max(8, int(0.003 * sr))
    burst = rng.standard_normal(length) * np.exp(-np.arange(length) / (0.0008 * sr))
    if dull:
        burst = filtered(burst, "lowpass", 3000.0, sr)
    out = np.zeros(n)
    out[:length] = burst
    return out


def ball_impact(surface: str, size: str, sr: int, rng: np.random.Generator) -> np.ndarray:
    """One contact sound, peak-normalised to 1."""
    if surface == "wood":
        k = _PITCH_BY_SIZE[size]
        n = int(0.25 * sr)
        body = damped_modes(
            np.array([440.0, 1180.0, 2300.0]) * k * rng.uniform(0.97, 1.03),
            np.array([0.035, 0.02, 0.012]),
            np.array([1.0, 0.6, 0.35]),
            n,
            sr,
            rng,
        )
        sound = body + 0.6 * _click(n, sr, rng, dull=False)
    elif surface == "metal":
        k = _METAL_PITCH_BY_SIZE[size]
        n = int(0.6 * sr)
        body = damped_modes(
            np.array([2700.0, 3350.0, 5300.0, 6100.0]) * k * rng.uniform(0.99, 1.01),
            np.array([0.35, 0.25, 0.18, 0.12]),
            np.array([1.0, 0.7, 0.5, 0.3]),
            n,
            sr,
            rng,
        )
        sound = body + 0.8 * _click(n, sr, rng, dull=False)
    elif surface == "soft":
        k = _PITCH_BY_SIZE[size]
        n = int(0.2 * sr)
        t = np.arange(n) / sr
        freq = 95.0 * k * (0.6 + 0.4 * np.exp(-t / 0.03))
        thump = np.sin(2 * np.pi * np.cumsum(freq) / sr) * np.exp(-t / 0.05)
        noise = filtered(rng.standard_normal(n), "lowpass", 1000.0, sr) * np.exp(-t / 0.02)
        sound = thump + 0.8 * noise / max(np.abs(noise).max(), 1e-9) + 0.7 * _click(n, sr, rng, dull=True)
    else:
        raise ValueError(f"surface must be wood, metal or soft; got {surface!r}")
    return sound / np.abs(sound).max()


def glass_shatter(sr: int, rng: np.random.Generator) -> np.ndarray:
    """A bright noise burst with scattered high tinkles, peak-normalised to 1."""
    n = int(0.6 * sr)
    t = np.arange(n) / sr
    burst = filtered(rng.standard_normal(n), "highpass", 1500.0, sr) * np.exp(-t / 0.08)
    burst[: int(0.003 * sr)] *= 2.0
    tinkles = np.zeros(n)
    length = int(0.06 * sr)
    tt = np.arange(length) / sr
    for _ in range(10):
        start = int(rng.uniform(0.02, 0.4) * sr)
        ping = np.sin(2 * np.pi * rng.uniform(3000.0, 7000.0) * tt) * np.exp(-tt / 0.015)
        end = min(n, start + length)
        tinkles[start:end] += 0.25 * ping[: end - start]
    sound = burst / np.abs(burst).max() + tinkles
    return sound / np.abs(sound).max()

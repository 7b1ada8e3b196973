"""Ambience beds, one per setting, each with a clearly different spectrum.

room: very quiet low room tone with a mains hum; rain: steady bright hiss; wind: low rumble in gusts;
seaside: mid-band surf that swells with the visible waterline; night: 4.6 kHz cricket
chirps over a faint floor. Each bed comes back at unit RMS; the mixer sets its level.
"""

from __future__ import annotations

import numpy as np

from .dsp import filtered, normalise_rms
from .weather import gust_envelope, swell_envelope

CRICKET_HZ = 4600.0


def _crickets(n: int, sr: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n) / sr
    period = rng.uniform(0.45, 0.6)
    phase = rng.uniform(0, period)
    within = np.mod(t + phase, period)
    chirp = np.where(within < 0.16, np.sin(np.pi * np.minimum(within, 0.16) / 0.16) ** 2, 0.0)
    pulses = 0.6 + 0.4 * np.cos(2 * np.pi * 30.0 * t)
    tone = np.sin(2 * np.pi * CRICKET_HZ * t + rng.uniform(0, 2 * np.pi))
    floor = 0.05 * filtered(rng.standard_normal(n), "lowpass", 800.0, sr)
    return tone * pulses * chirp + floor


def ambience_bed(setting: str, n: int, sr: int, seed: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` samples of the setting's bed at unit RMS. ``seed`` ties slow envelopes to the picture."""
    t = np.arange(n) / sr
    noise = rng.standard_normal(n)
    if setting == "room":
        bed = filtered(noise, "lowpass", 500.0, sr) + np.sin(2 * np.pi * 100.0 * t)
    elif setting == "rain":
        bed = filtered(noise, "bandpass", (2000.0, min(7000.0, 0.45 * sr)), sr, order=3)
    elif setting == "wind":
        bed = filtered(noise, "lowpass", 350.0, sr, order=3) * gust_envelope(t, seed)
    elif setting == "seaside":
        bed = filtered(noise, "bandpass", (350.0, 1400.0), sr, order=2) * swell_envelope(t, seed)
    elif setting == "night":
        bed = _crickets(n, sr, rng)
    else:
        raise ValueError(f"unknown ambience {setting!r}")
    return normalise_rms(bed)

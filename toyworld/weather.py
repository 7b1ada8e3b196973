"""Slow envelopes that the ambience sound and its picture share (gusts, waves)."""

from __future__ import annotations

import numpy as np


def gust_envelope(t: np.ndarray, seed: int) -> np.ndarray:
    """Wind strength 0.3..1 over time ``t`` (seconds): two slow incommensurate swells."""
    rng = np.random.default_rng([seed, 71])
    f1, f2 = rng.uniform(0.3, 0.6), rng.uniform(0.8, 1.3)
    p1, p2 = rng.uniform(0, 2 * np.pi, 2)
    wave = 0.6 * np.sin(2 * np.pi * f1 * t + p1) + 0.4 * np.sin(2 * np.pi * f2 * t + p2)
    return 0.65 + 0.35 * wave


def swell_envelope(t: np.ndarray, seed: int) -> np.ndarray:
    """Surf strength 0.35..1: a wave rolling in and out, period 2.5..4 s."""
    rng = np.random.default_rng([seed, 72])
    period, phase = rng.uniform(2.5, 4.0), rng.uniform(0, 2 * np.pi)
    return 0.675 + 0.325 * np.sin(2 * np.pi * t / period + phase)

"""A simple melody bed: soft mallet notes on a pentatonic scale above the voice's range."""

from __future__ import annotations

import numpy as np

from .dsp import normalise_rms, ramps
from .spec import MusicSpec

PENTATONIC_HZ = (523.25, 587.33, 659.26, 783.99, 880.0)


def melody(music: MusicSpec, n: int, sr: int) -> np.ndarray:
    """The notes rendered at unit RMS over the clip."""
    out = np.zeros(n)
    for note in music.notes:
        start = round(note.onset * sr)
        length = min(round(note.duration * sr), n - start)
        if length <= 0:
            continue
        t = np.arange(length) / sr
        tone = np.sin(2 * np.pi * note.pitch * t) + 0.15 * np.sin(4 * np.pi * note.pitch * t)
        env = np.exp(-t / 0.35) * ramps(length, int(0.025 * sr), int(0.03 * sr))
        out[start : start + length] += tone * env
    return normalise_rms(out)

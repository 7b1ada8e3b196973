"""Formant speech: syllables of a voiced buzz (or, whispered, of noise) through vowel formants.

Intelligibility is not the point; timing and manner are. Each syllable's source is brought
to unit RMS before its amplitude envelope is applied, so the sound's loudness frame by frame
is the envelope itself, and the mouth in the picture opens with exactly that envelope.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .dsp import filtered, normalise_rms, ramps, resonator
from .spec import Syllable, VoiceSpec

# Formant frequencies (F1, F2, F3) of five vowels, adult averages, and how wide each opens the mouth.
VOWELS: dict[str, tuple[tuple[float, float, float], float]] = {
    "a": ((730.0, 1090.0, 2440.0), 1.0),
    "e": ((530.0, 1840.0, 2480.0), 0.7),
    "i": ((270.0, 2290.0, 3010.0), 0.45),
    "o": ((570.0, 840.0, 2410.0), 0.8),
    "u": ((300.0, 870.0, 2240.0), 0.5),
}
_BANDWIDTHS = (90.0, 110.0, 160.0)
_CONSONANT_S = 0.03
_CONSONANT_GAIN = 0.35
_ATTACK_S = {"says": 0.015, "whispers": 0.02, "shouts": 0.01, "sings": 0.04}
_RELEASE_S = {"says": 0.04, "whispers": 0.04, "shouts": 0.035, "sings": 0.06}


@dataclass(frozen=True)
class SpeechTrack:
    audio: np.ndarray  # (T,) unscaled speech: its local RMS equals ``amplitude``
    amplitude: np.ndarray  # (T,) 0..1 amplitude envelope (what the mouth follows)


def _voiced_source(n: int, pitch: float, manner: str, sr: int) -> np.ndarray:
    t = np.arange(n) / sr
    if manner == "sings":
        contour = pitch * (1.0 + 0.015 * np.sin(2 * np.pi * 5.5 * t))
    else:
        contour = pitch * (1.0 - 0.12 * t / max(t[-1], 1e-9))
    phase = 2 * np.pi * np.cumsum(contour) / sr
    harmonics = np.arange(1, int(4000.0 / pitch) + 1)
    tilt = 0.7 if manner == "shouts" else 1.0
    amps = harmonics ** (-tilt)
    return (amps[:, None] * np.sin(harmonics[:, None] * phase[None])).sum(axis=0)


def _vowel(syllable: Syllable, n: int, manner: str, sr: int, rng: np.random.Generator) -> np.ndarray:
    formants, _ = VOWELS[syllable.vowel]
    if manner == "whispers":
        source = rng.standard_normal(n)
        widen = 1.6
    else:
        source = _voiced_source(n, syllable.pitch, manner, sr)
        widen = 1.0
    out = source
    for freq, bw in zip(formants, _BANDWIDTHS, strict=True):
        out = resonator(out, freq, bw * widen, sr)
    return normalise_rms(out)


def speech(voice: VoiceSpec, n: int, sr: int, rng: np.random.Generator) -> SpeechTrack:
    audio = np.zeros(n)
    amplitude = np.zeros(n)
    attack, release = int(_ATTACK_S[voice.manner] * sr), int(_RELEASE_S[voice.manner] * sr)
    for syl in voice.syllables:
        start = round(syl.onset * sr)
        length = min(round(syl.duration * sr), n - start)
        if length <= 0:
            continue
        openness = VOWELS[syl.vowel][1]
        gain = np.zeros(length)
        source = np.zeros(length)
        vowel_from = 0
        if syl.consonant:
            c = min(int(_CONSONANT_S * sr), length // 3)
            burst = normalise_rms(filtered(rng.standard_normal(c), "highpass", 2000.0, sr))
            source[:c] = burst
            gain[:c] = _CONSONANT_GAIN * ramps(c, c // 4, c // 3)
            vowel_from = c
        vowel_n = length - vowel_from
        source[vowel_from:] = _vowel(syl, vowel_n, voice.manner, sr, rng)
        gain[vowel_from:] = openness * ramps(vowel_n, attack, release)
        audio[start : start + length] += source * gain
        amplitude[start : start + length] = np.maximum(amplitude[start : start + length], gain)
    return SpeechTrack(audio=audio, amplitude=amplitude)


def mouth_opening(amplitude: np.ndarray, frames: int, fps: float, sr: int) -> np.ndarray:
    """Per-frame opening 0..1: the envelope's RMS over each frame's own interval, centred on
    its display time k/fps, so it matches what an RMS meter hears during that frame."""
    out = np.zeros(frames)
    half = 0.5 / fps
    for k in range(frames):
        lo = max(0, round((k / fps - half) * sr))
        hi = min(len(amplitude), round((k / fps + half) * sr))
        if hi > lo:
            out[k] = float(np.sqrt(np.mean(np.square(amplitude[lo:hi]))))
    return out

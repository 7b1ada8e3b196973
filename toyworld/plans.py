"""Timelines for the voice (syllables) and the music (notes), drawn from a random generator."""

from __future__ import annotations

import numpy as np

from .sound_music import PENTATONIC_HZ
from .sound_speech import VOWELS
from .spec import MusicSpec, Note, Syllable, VoiceSpec

# (syllable seconds, gap seconds) ranges per pacing; singing holds its notes longer.
_SPEECH_TIMING = {"slow": ((0.2, 0.26), (0.12, 0.18)), "fast": ((0.11, 0.14), (0.06, 0.09))}
_SONG_TIMING = {"slow": ((0.5, 0.65), (0.1, 0.14)), "fast": ((0.34, 0.42), (0.08, 0.1))}
_SEMITONES = (0, 2, 4, 7, 9)
_END_MARGIN_S = 0.1


def plan_voice(manner: str, pacing: str, duration: float, rng: np.random.Generator) -> VoiceSpec:
    sings = manner == "sings"
    (dur_lo, dur_hi), (gap_lo, gap_hi) = (_SONG_TIMING if sings else _SPEECH_TIMING)[pacing]
    base = rng.uniform(110.0, 140.0) if sings else rng.uniform(110.0, 190.0)
    if manner == "shouts":
        base *= 1.4
    vowels = tuple(VOWELS)
    syllables: list[Syllable] = []
    t = rng.uniform(0.1, 0.3)
    while True:
        phrase = int(rng.integers(3, 5 if sings else 6))
        for position in range(phrase):
            length = rng.uniform(dur_lo, dur_hi)
            if t + length > duration - _END_MARGIN_S:
                return VoiceSpec(manner=manner, pacing=pacing, syllables=tuple(syllables))
            if sings:
                pitch = base * 2.0 ** (_SEMITONES[int(rng.integers(len(_SEMITONES)))] / 12.0)
            else:
                pitch = base * (1.0 - 0.1 * position / phrase)
            syllables.append(
                Syllable(
                    onset=round(t, 4),
                    duration=round(length, 4),
                    vowel=vowels[int(rng.integers(len(vowels)))],
                    pitch=round(pitch, 2),
                    consonant=bool(rng.random() < (0.3 if sings else 0.6)),
                )
            )
            t += length + rng.uniform(gap_lo, gap_hi)
        t += rng.uniform(0.2, 0.3)


def plan_music(level: str, duration: float, rng: np.random.Generator) -> MusicSpec:
    beat = rng.uniform(0.28, 0.42)
    notes: list[Note] = []
    t = rng.uniform(0.0, 0.1)
    previous = -1
    while t < duration:
        choice = int(rng.integers(len(PENTATONIC_HZ)))
        if choice == previous:
            choice = (choice + 1) % len(PENTATONIC_HZ)
        previous = choice
        length = beat * int(rng.integers(1, 3))
        notes.append(Note(onset=round(t, 4), duration=round(length, 4), pitch=PENTATONIC_HZ[choice]))
        t += length
    return MusicSpec(level=level, notes=tuple(notes))

"""Reading a caption back into the properties it claims, with the generator's vocabulary.

Works on any caption written in that vocabulary, not only on generated ones: a word the
parser does not know is ignored, and a property the caption does not mention stays None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .vocabulary import (
    AMBIENCE_KEYWORDS,
    AMBIENCE_LEVEL_KEYWORDS,
    BALL_COLOURS,
    BALL_SIZES,
    IMPACT_LEVEL_WORDS,
    IMPACT_NOUNS,
    MANNER_KEYWORDS,
    MUSIC_LEVEL_WORDS,
    MUSIC_NOUNS,
    NUMBER_WORDS,
    PACING_KEYWORDS,
    TIMES_WORDS,
)

_COUNTS = {"a": 1, "an": 1, **{word: n for n, word in NUMBER_WORDS.items()}}
_TIMES = {"once": 1, "twice": 2}
_TIMES_NUMBERS = {word.split()[0]: n for n, word in TIMES_WORDS.items() if " " in word}
_SURFACE_NOUNS = {"rug": "soft", "mat": "soft"}
_SURFACE_ADJECTIVES = {"wooden": "wood", "metal": "metal"}
_IMPACT_SOUNDS = {noun: surface for surface, noun in IMPACT_NOUNS.items()}
_IMPACT_LEVELS = {word: level for level, words in IMPACT_LEVEL_WORDS.items() for word in words}
_MUSIC_LEVELS = {word: level for level, words in MUSIC_LEVEL_WORDS.items() for word in words}
_NEGATIONS = ("no", "without")


@dataclass(frozen=True)
class ObjectClaim:
    count: int
    colour: str | None
    size: str | None


@dataclass(kw_only=True)
class CaptionClaims:
    balls: list[ObjectClaim] = field(default_factory=list)
    bounces: int | None = None
    walls: bool = False
    glass: bool = False
    shatters: bool = False
    surface: str | None = None
    impact_sound: str | None = None  # surface named by the sound noun (knocks = wood, ...)
    impact_level: str | None = None
    ambience: str | None = None
    ambience_level: str | None = None
    manner: str | None = None
    pacing: str | None = None
    music: bool | None = None
    music_level: str | None = None
    speaker: bool = False
    understood: set[int] = field(default_factory=set)  # indices of the words that were read

    @property
    def ball_count(self) -> int:
        return sum(claim.count for claim in self.balls)


def caption_words(caption: str) -> list[str]:
    return re.findall(r"[a-z]+", caption.lower())


def _read_balls(words: list[str], i: int, claims: CaptionClaims) -> None:
    """Read '<count> [size] [colour] ball(s)' ending at word i."""
    colour = size = None
    count = 1 if words[i] == "ball" else None
    used = [i]
    j = i - 1
    while j >= 0:
        w = words[j]
        if w in BALL_COLOURS and colour is None:
            colour = w
        elif w in BALL_SIZES and size is None:
            size = w
        elif w in _COUNTS:
            count = _COUNTS[w]
            used.append(j)
            break
        else:
            break
        used.append(j)
        j -= 1
    claims.balls.append(ObjectClaim(count=count or 1, colour=colour, size=size))
    claims.understood.update(used)


def parse_caption(caption: str) -> CaptionClaims:
    words = caption_words(caption)
    claims = CaptionClaims()
    for i, w in enumerate(words):
        prev = words[i - 1] if i else ""
        if w in ("ball", "balls"):
            _read_balls(words, i, claims)
        elif w == "glass":
            claims.glass = True
            claims.understood.add(i)
        elif w == "shatters":
            claims.shatters = True
            claims.understood.add(i)
        elif w == "walls":
            claims.walls = True
            claims.understood.add(i)
        elif w in _TIMES and prev == "bounces":
            claims.bounces = _TIMES[w]
            claims.understood.add(i)
        elif w == "times" and prev in _TIMES_NUMBERS:
            claims.bounces = _TIMES_NUMBERS[prev]
            claims.understood.update((i - 1, i))
        elif w in _SURFACE_ADJECTIVES:
            claims.surface = _SURFACE_ADJECTIVES[w]
            claims.understood.add(i)
        elif w in _SURFACE_NOUNS and prev == "soft":
            claims.surface = _SURFACE_NOUNS[w]
            claims.understood.update((i - 1, i))
        elif w in _IMPACT_SOUNDS or w == "crash":
            claims.impact_sound = _IMPACT_SOUNDS.get(w)
            claims.understood.add(i)
            if prev in _IMPACT_LEVELS:
                claims.impact_level = _IMPACT_LEVELS[prev]
                claims.understood.add(i - 1)
        elif w in AMBIENCE_KEYWORDS:
            claims.ambience = AMBIENCE_KEYWORDS[w]
            claims.understood.add(i)
            if w == "room" and prev == "quiet":
                claims.ambience_level = "soft"
                claims.understood.add(i - 1)
            elif prev in AMBIENCE_LEVEL_KEYWORDS:
                claims.ambience_level = AMBIENCE_LEVEL_KEYWORDS[prev]
                claims.understood.add(i - 1)
        elif w in MANNER_KEYWORDS:
            claims.manner = MANNER_KEYWORDS[w]
            claims.understood.add(i)
        elif w in PACING_KEYWORDS:
            claims.pacing = PACING_KEYWORDS[w]
            claims.understood.add(i)
        elif w in MUSIC_NOUNS:
            claims.understood.add(i)
            if prev in _NEGATIONS:
                claims.music = False
                claims.understood.add(i - 1)
            else:
                claims.music = True
                if prev in _MUSIC_LEVELS:
                    claims.music_level = _MUSIC_LEVELS[prev]
                    claims.understood.add(i - 1)
        elif w == "face":
            claims.speaker = True
            claims.understood.add(i)
    return claims


def property_words() -> set[str]:
    """Every word that names a property somewhere in the vocabulary (for consistency checks)."""
    words = set(BALL_COLOURS) | set(BALL_SIZES) | set(NUMBER_WORDS.values()) | set(_TIMES)
    words |= set(_SURFACE_ADJECTIVES) | set(_SURFACE_NOUNS) | set(_IMPACT_SOUNDS) | {"crash"}
    words |= set(_IMPACT_LEVELS) | set(AMBIENCE_KEYWORDS) | set(AMBIENCE_LEVEL_KEYWORDS)
    words |= set(MANNER_KEYWORDS) | set(PACING_KEYWORDS) | set(MUSIC_NOUNS) | set(_MUSIC_LEVELS)
    words |= {"glass", "shatters", "walls", "quiet", "ball", "balls"}
    return words

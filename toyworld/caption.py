"""Captions from scene specs, with varied wording over the closed vocabulary.

Every word that names a property (colour, count, size, surface, sound, setting, level,
manner, pacing, music) is true of the rendered clip; ``caption_parse.parse_caption`` reads
the same words back.
"""

from __future__ import annotations

import numpy as np

from .layout import Layout
from .physics import ball_trajectory
from .spec import BallSpec, SceneSpec
from .vocabulary import (
    AMBIENCE_NOUNS,
    AMBIENCE_PHRASES,
    IMPACT_LEVEL_WORDS,
    IMPACT_NOUNS,
    MUSIC_LEVEL_WORDS,
    MUSIC_NOUNS,
    NUMBER_WORDS,
    SPEAKER_PHRASES,
    SURFACE_PHRASES,
    TIMES_WORDS,
)


def _pick(rng: np.random.Generator, options: tuple[str, ...] | list[str]) -> str:
    return options[int(rng.integers(len(options)))]


def _ball_groups(balls: tuple[BallSpec, ...], with_size: bool) -> list[tuple[int, str | None, str]]:
    groups: dict[tuple[str | None, str], int] = {}
    for ball in balls:
        key = (ball.size if with_size else None, ball.colour)
        groups[key] = groups.get(key, 0) + 1
    return [(count, size, colour) for (size, colour), count in groups.items()]


def _noun_phrase(count: int, size: str | None, colour: str) -> str:
    words = ["a" if count == 1 else NUMBER_WORDS[count]]
    if size:
        words.append(size)
    words.append(colour)
    words.append("ball" if count == 1 else "balls")
    return " ".join(words)


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _music_phrase(spec: SceneSpec, rng: np.random.Generator) -> str:
    if spec.music is None:
        return _pick(rng, ("no music", "without music", "and no music"))
    level = _pick(rng, MUSIC_LEVEL_WORDS[spec.music.level])
    noun = _pick(rng, MUSIC_NOUNS)
    article = "" if noun == "music" else "a "
    return _pick(rng, (f"with {article}{level} {noun}", f"and {article}{level} {noun} plays"))


def _impact_sentence(spec: SceneSpec, noun: str, rng: np.random.Generator) -> str:
    sound = f"{_pick(rng, IMPACT_LEVEL_WORDS[spec.impact_level])} {noun}"
    if spec.ambience == "room":
        return sound
    bed = AMBIENCE_NOUNS[(spec.ambience, spec.ambience_level)]
    return _pick(rng, (sound, f"{sound} over {bed}", f"{bed} under {sound}"))


def floor_contacts_in_clip(spec: SceneSpec, ball: BallSpec) -> int:
    layout = Layout.of(spec.format)
    trajectory = ball_trajectory(layout, spec.format.frames, ball, spec.surface or "wood")
    return sum(1 for c in trajectory.contacts if c.side == "floor")


def _impacts_caption(spec: SceneSpec, rng: np.random.Generator) -> str:
    groups = _ball_groups(spec.balls, with_size=bool(rng.integers(2)))
    subject = _join([_noun_phrase(*g) for g in groups])
    surface = _pick(rng, SURFACE_PHRASES[spec.surface])
    single = len(spec.balls) == 1
    if single and spec.balls[0].cross_frames:
        motion = f"bounces off the walls on {surface}"
    elif single:
        hits = floor_contacts_in_clip(spec, spec.balls[0])
        options = [f"drops onto {surface}", f"falls onto {surface}"]
        if hits in TIMES_WORDS:
            options.append(f"bounces {TIMES_WORDS[hits]} on {surface}")
        motion = _pick(rng, options)
    else:
        motion = _pick(rng, (f"drop onto {surface}", f"fall onto {surface}", f"bounce on {surface}"))
    setting = _pick(rng, AMBIENCE_PHRASES[(spec.ambience, spec.ambience_level)])
    sound = _impact_sentence(spec, IMPACT_NOUNS[spec.surface], rng)
    return f"{subject} {motion} {setting}. {sound.capitalize()}, {_music_phrase(spec, rng)}."


def _glass_caption(spec: SceneSpec, rng: np.random.Generator) -> str:
    surface = _pick(rng, SURFACE_PHRASES[spec.surface])
    setting = _pick(rng, AMBIENCE_PHRASES[(spec.ambience, spec.ambience_level)])
    sound = _impact_sentence(spec, "crash", rng).capitalize()
    return f"a glass falls and shatters on {surface} {setting}. {sound}, {_music_phrase(spec, rng)}."


def _voice_caption(spec: SceneSpec, rng: np.random.Generator) -> str:
    voice = spec.voice
    pace = "slowly" if voice.pacing == "slow" else _pick(rng, ("quickly", "fast"))
    setting = _pick(rng, AMBIENCE_PHRASES[(spec.ambience, spec.ambience_level)])
    speaker = _pick(rng, SPEAKER_PHRASES)
    return f"{speaker} {voice.manner} {pace} {setting}, {_music_phrase(spec, rng)}."


def _ambience_caption(spec: SceneSpec, rng: np.random.Generator) -> str:
    setting = _pick(rng, AMBIENCE_PHRASES[(spec.ambience, spec.ambience_level)])
    opening = _pick(rng, ("an empty scene", "nothing moves", "a still view"))
    return f"{opening} {setting}, {_music_phrase(spec, rng)}."


def describe(spec: SceneSpec, seed: int = 0) -> str:
    """A caption for ``spec``; ``seed`` picks among the equivalent wordings."""
    rng = np.random.default_rng([seed, 31])
    text = {
        "impacts": _impacts_caption,
        "glass": _glass_caption,
        "voice": _voice_caption,
        "ambience": _ambience_caption,
    }[spec.kind](spec, rng)
    return text[0].upper() + text[1:]

"""Scene specs from explicit parameters (for tests, demos and first-frame checks)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .plans import plan_music, plan_voice
from .spec import BallSpec, ClipFormat, GlassSpec, SceneSpec
from .vocabulary import IMPACT_KINDS


def build_spec(
    kind: str,
    *,
    fmt: ClipFormat | None = None,
    balls: Sequence[BallSpec] = (),
    glass: GlassSpec | None = None,
    manner: str | None = None,
    pacing: str = "slow",
    ambience: str = "room",
    ambience_level: str = "soft",
    surface: str | None = None,
    impact_level: str | None = None,
    music: str | None = None,
    seed: int = 0,
) -> SceneSpec:
    """A spec from what matters; the voice's syllables and the melody's notes are planned
    from ``seed``. ``music`` is a level ('soft' or 'loud') or None for no music.
    Impact scenes default to a wooden floor and loud impacts."""
    fmt = fmt or ClipFormat()
    rng = np.random.default_rng([seed, 41])
    voice = None
    if kind == "voice":
        if manner is None:
            raise ValueError("a voice scene needs a manner: says, whispers, shouts or sings")
        voice = plan_voice(manner, pacing, fmt.duration, rng)
    if kind in IMPACT_KINDS:
        surface = surface or "wood"
        impact_level = impact_level or "loud"
    return SceneSpec(
        kind=kind,
        format=fmt,
        ambience=ambience,
        ambience_level=ambience_level,
        surface=surface,
        impact_level=impact_level,
        balls=tuple(balls),
        glass=glass,
        voice=voice,
        music=plan_music(music, fmt.duration, rng) if music else None,
        texture_seed=seed,
    )

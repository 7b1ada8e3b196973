"""Random scene specs from a seed, covering every kind of scene and sound in the world.

Impact scenes are drawn so that contacts are at least two frames apart and none falls on
the last frame (where a contact cannot be seen to happen), so every sound has one visible
cause. When many balls leave no room for that, one ball fewer is tried.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .layout import Layout
from .physics import ball_trajectory, glass_size
from .plans import plan_music, plan_voice
from .spec import BallSpec, ClipFormat, GlassSpec, SceneSpec
from .vocabulary import (
    AMBIENCES,
    BALL_COLOURS,
    IMPACT_KINDS,
    LEVELS,
    MANNERS,
    PACINGS,
    SCENE_KINDS,
    SURFACES,
)

KIND_WEIGHTS = {"impacts": 0.45, "glass": 0.1, "voice": 0.3, "ambience": 0.15}
MIN_CONTACT_GAP = 2
_TRIES = 60


def _choice(rng: np.random.Generator, options: Sequence[str]) -> str:
    return options[int(rng.integers(len(options)))]


def _contact_frames_ok(frames: list[float], last_frame: int) -> bool:
    times = sorted(frames)
    if any(t > last_frame - 1 for t in times):
        return False
    return all(b - a >= MIN_CONTACT_GAP for a, b in zip(times, times[1:], strict=False))


def _wall_ball(rng: np.random.Generator, colour: str, size: str, release: int, fall: int) -> BallSpec:
    cross = int(rng.integers(14, 31))
    direction = int(rng.choice([-1, 1]))
    first_hit = int(rng.integers(3, cross + 1))
    # Start where the first wall contact lands exactly on frame release + first_hit.
    x = 1.0 - first_hit / cross if direction > 0 else first_hit / cross
    return BallSpec(
        colour=colour,
        size=size,
        x=x,
        release_frame=release,
        fall_frames=fall,
        cross_frames=cross,
        direction=direction,
    )


def _balls(rng: np.random.Generator, fmt: ClipFormat, surface: str) -> tuple[BallSpec, ...]:
    count = int(rng.choice([1, 2, 3, 4], p=[0.4, 0.25, 0.2, 0.15]))
    while count >= 1:
        balls = _place_balls(rng, fmt, surface, count)
        if balls:
            return balls
        count -= 1
    raise RuntimeError("could not place a ball whose contacts fit in the clip; try a longer clip")


def _place_balls(rng: np.random.Generator, fmt: ClipFormat, surface: str, count: int) -> tuple[BallSpec, ...]:
    """Balls in lanes, drawn one at a time until each one's contacts keep clear of the others'."""
    layout = Layout.of(fmt)
    same_colour = rng.random() < 0.3
    colours = list(BALL_COLOURS)
    first_colour = _choice(rng, colours)
    lane = (fmt.width - 2 * layout.wall) / count
    big_fits = 2 * layout.radius("big") + 2 <= lane
    walls = count == 1 and rng.random() < 0.35
    balls: list[BallSpec] = []
    taken: list[float] = []
    for i in range(count):
        colour = first_colour if same_colour else _choice(rng, colours)
        size = _choice(rng, ("small", "big")) if big_fits else "small"
        r = layout.radius(size)
        longest = layout.max_fall_frames(r)
        for _ in range(_TRIES):
            fall = int(rng.integers(5, longest + 1))
            release = int(rng.integers(0, max(1, fmt.frames // 3)))
            if walls:
                ball = _wall_ball(rng, colour, size, release, fall)
            else:
                left, right = layout.x_range(r)
                centre = layout.wall + lane * (i + 0.5) + rng.uniform(-0.15, 0.15) * (lane - 2 * r)
                ball = BallSpec(
                    colour=colour,
                    size=size,
                    x=float(np.clip((centre - left) / (right - left), 0, 1)),
                    release_frame=release,
                    fall_frames=fall,
                )
            times = [c.time_frames for c in ball_trajectory(layout, fmt.frames, ball, surface).contacts]
            if times and _contact_frames_ok(taken + times, fmt.frames - 1):
                balls.append(ball)
                taken += times
                break
        else:
            return ()
    return tuple(balls)


def _glass(rng: np.random.Generator, fmt: ClipFormat) -> GlassSpec:
    layout = Layout.of(fmt)
    longest = layout.max_fall_frames(glass_size(layout)[1])
    fall = int(rng.integers(5, longest + 1))
    release = int(rng.integers(0, max(1, min(fmt.frames // 3, fmt.frames - 8 - fall))))
    return GlassSpec(x=float(rng.uniform(0.2, 0.8)), release_frame=release, fall_frames=fall)


def sample_spec(seed: int, fmt: ClipFormat | None = None, kinds: Sequence[str] = SCENE_KINDS) -> SceneSpec:
    """A random scene, the same for the same seed (and format) on every machine."""
    fmt = fmt or ClipFormat()
    if not kinds or any(k not in SCENE_KINDS for k in kinds):
        raise ValueError(f"kinds must be a non-empty subset of {', '.join(SCENE_KINDS)}; got {kinds!r}")
    rng = np.random.default_rng([seed, 1])
    weights = np.array([KIND_WEIGHTS[k] for k in kinds])
    kind = str(kinds[int(rng.choice(len(kinds), p=weights / weights.sum()))])
    ambience = _choice(rng, AMBIENCES)
    ambience_level = "soft" if ambience == "room" or kind == "voice" else _choice(rng, LEVELS)
    music_level = "soft" if kind == "voice" else _choice(rng, LEVELS)
    music = plan_music(music_level, fmt.duration, rng) if rng.random() < 0.5 else None
    fields: dict = {}
    if kind in IMPACT_KINDS:
        fields["surface"] = _choice(rng, SURFACES)
        fields["impact_level"] = _choice(rng, LEVELS)
        if kind == "impacts":
            fields["balls"] = _balls(rng, fmt, fields["surface"])
        else:
            fields["glass"] = _glass(rng, fmt)
    elif kind == "voice":
        fields["voice"] = plan_voice(_choice(rng, MANNERS), _choice(rng, PACINGS), fmt.duration, rng)
    return SceneSpec(
        kind=kind,
        format=fmt,
        ambience=ambience,
        ambience_level=ambience_level,
        music=music,
        texture_seed=seed,
        **fields,
    )

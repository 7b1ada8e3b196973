"""Trajectories and contacts: balls that drop, bounce and hit walls; a glass that falls.

Vertical motion is built from its contact frames: a fall from rest that lands exactly on a
frame, then parabolic hops whose flight times shrink with the surface's restitution. So
every floor contact happens *on* a frame, as the ground truth says. Sideways motion is a
constant speed folded between the walls; its contacts happen at exact (possibly
fractional) frame times.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .layout import Layout
from .spec import BallSpec, GlassSpec
from .vocabulary import RESTITUTION

MIN_HOP_FRAMES = 3
WALL_STRENGTH = 0.7


@dataclass(kw_only=True, frozen=True)
class ContactEvent:
    time_frames: float  # exact time in frames (frame k is shown at k / fps)
    side: str  # "floor", "left wall" or "right wall"
    strength: float  # 0..1, how hard the hit is (drives loudness)
    x: float  # centre of the object at the contact, pixels


@dataclass(frozen=True)
class Trajectory:
    x: np.ndarray  # (F,) centre, pixels
    y: np.ndarray  # (F,) centre, pixels
    contacts: tuple[ContactEvent, ...]


def _fall_height(layout: Layout, frames: float) -> float:
    return 0.5 * layout.gravity * frames**2


def _strength(layout: Layout, drop_height: float) -> float:
    """Impact strength from the height fallen: speed grows as its square root."""
    return float(np.clip((drop_height / (0.45 * layout.height)) ** 0.5, 0.5, 1.0))


def hop_frames(fall_frames: int, restitution: float, limit: int) -> list[int]:
    """Flight times of the hops after the first landing, until they get too short."""
    hops: list[int] = []
    flight = 2.0 * fall_frames * restitution
    total = 0
    while round(flight) >= MIN_HOP_FRAMES and total < limit:
        hops.append(round(flight))
        total += hops[-1]
        flight *= restitution
    return hops


def _check_fall(layout: Layout, what: str, fall_frames: int, half_height: float) -> None:
    longest = layout.max_fall_frames(half_height)
    if fall_frames > longest:
        raise ValueError(
            f"{what} fall_frames={fall_frames} would start above the picture at this size; "
            f"use at most {longest}"
        )


def _vertical(
    layout: Layout, frames: int, release: int, fall: int, rest_y: float, restitution: float | None
) -> tuple[np.ndarray, list[tuple[int, float]]]:
    """Centre heights per frame and the floor contacts as (frame, height fallen)."""
    k = np.arange(frames, dtype=np.float64)
    g = layout.gravity
    landing = release + fall
    h0 = _fall_height(layout, fall)
    y = np.full(frames, rest_y - h0)
    falling = (k > release) & (k <= landing)
    y[falling] = rest_y - h0 + 0.5 * g * (k[falling] - release) ** 2
    contacts = [(landing, h0)]
    after = k > landing
    y[after] = rest_y
    if restitution is not None:
        start = landing
        for hop in hop_frames(fall, restitution, limit=frames):
            end = start + hop
            inside = (k > start) & (k < end)
            y[inside] = rest_y - 0.5 * g * (k[inside] - start) * (end - k[inside])
            contacts.append((end, g * hop**2 / 8.0))
            start = end
    return y, [(f, h) for f, h in contacts if f < frames]


def ball_trajectory(layout: Layout, frames: int, ball: BallSpec, surface: str) -> Trajectory:
    r = layout.radius(ball.size)
    _check_fall(layout, "ball", ball.fall_frames, r)
    rest_y = layout.floor_top - r
    y, floor_hits = _vertical(
        layout, frames, ball.release_frame, ball.fall_frames, rest_y, RESTITUTION[surface]
    )
    left, right = layout.x_range(r)
    k = np.arange(frames, dtype=np.float64)
    events: list[ContactEvent] = []
    if ball.cross_frames == 0:
        x = np.full(frames, left + ball.x * (right - left))
    else:
        # Unfolded position in wall-to-wall spans; a whole number means touching a wall.
        moving = np.maximum(k - ball.release_frame, 0.0)
        p = ball.x + ball.direction * moving / ball.cross_frames
        folded = np.mod(p, 2.0)
        share = np.where(folded <= 1.0, folded, 2.0 - folded)
        x = left + share * (right - left)
        last = ball.x + ball.direction * (frames - 1 - ball.release_frame) / ball.cross_frames
        lo, hi = sorted((ball.x, last))
        for m in range(int(np.floor(lo)), int(np.ceil(hi)) + 1):
            t = ball.release_frame + (m - ball.x) * ball.direction * ball.cross_frames
            if ball.release_frame < t <= frames - 1:
                side = "right wall" if m % 2 else "left wall"
                events.append(
                    ContactEvent(
                        time_frames=float(t), side=side, strength=WALL_STRENGTH, x=right if m % 2 else left
                    )
                )
    for frame, height in floor_hits:
        events.append(
            ContactEvent(
                time_frames=float(frame), side="floor", strength=_strength(layout, height), x=float(x[frame])
            )
        )
    events.sort(key=lambda e: e.time_frames)
    return Trajectory(x=x, y=y, contacts=tuple(events))


def glass_size(layout: Layout) -> tuple[float, float]:
    """Half width and half height of the glass."""
    return 0.05 * layout.short_side, 0.08 * layout.short_side


def glass_trajectory(layout: Layout, frames: int, glass: GlassSpec) -> Trajectory:
    """The glass falls and is gone from its landing frame on (it has shattered)."""
    half_w, half_h = glass_size(layout)
    _check_fall(layout, "glass", glass.fall_frames, half_h)
    rest_y = layout.floor_top - half_h
    y, hits = _vertical(layout, frames, glass.release_frame, glass.fall_frames, rest_y, None)
    x = np.full(frames, layout.x_at(glass.x, half_w))
    contacts = tuple(
        ContactEvent(time_frames=float(f), side="floor", strength=1.0, x=float(x[0])) for f, _ in hits
    )
    return Trajectory(x=x, y=y, contacts=contacts)


@dataclass(kw_only=True, frozen=True)
class Fragments:
    """Shards of a shattered glass: start at the landing point, fly, land and stay."""

    x: np.ndarray  # (F, n)
    y: np.ndarray  # (F, n)
    size: int  # side of each square shard, pixels
    visible_from: int  # first frame they are drawn


def shatter_fragments(
    layout: Layout, frames: int, landing_frame: int, x0: float, rng: np.random.Generator, count: int = 10
) -> Fragments:
    size = max(2, round(0.025 * layout.short_side))
    scale = layout.short_side / 128.0
    vx = rng.uniform(-3.0, 3.0, count) * scale
    vy = -rng.uniform(1.0, 4.0, count) * scale
    t = np.maximum(np.arange(frames, dtype=np.float64) - landing_frame, 0.0)[:, None]
    floor_y = layout.floor_top - size / 2.0
    x = np.clip(x0 + vx * t, layout.wall + size, layout.width - layout.wall - size)
    y = np.minimum(floor_y + vy * t + 0.5 * layout.gravity * t**2, floor_y)
    return Fragments(x=x, y=y, size=size, visible_from=landing_frame)

"""Drawing a scene's frames from its trajectories."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .draw import fill_disc, fill_ellipse, fill_rect
from .layout import Layout
from .physics import Fragments, Trajectory, glass_size
from .scenery import MovingCue, Scenery, static_background
from .spec import SceneSpec
from .vocabulary import BALL_COLOURS, EYE_COLOUR, GLASS_COLOUR, MOUTH_COLOUR, SKIN_COLOUR


@dataclass(kw_only=True, frozen=True)
class Actors:
    """Everything that moves, already laid out in pixels per frame."""

    balls: tuple[tuple[Trajectory, float, str], ...] = ()  # (trajectory, radius, colour name)
    glass: Trajectory | None = None
    glass_landing: int | None = None
    fragments: Fragments | None = None
    mouth: np.ndarray | None = None  # (F,) opening 0..1


def draw_face(frame: np.ndarray, layout: Layout) -> None:
    """The cartoon face without its mouth (it does not move, so it is drawn once)."""
    cx, cy = layout.face_centre
    r = layout.face_radius
    fill_disc(frame, cx, cy, r, SKIN_COLOUR)
    for side in (-1, 1):
        fill_disc(frame, cx + side * 0.38 * r, cy - 0.3 * r, 0.1 * r, EYE_COLOUR)


def draw_mouth(frame: np.ndarray, layout: Layout, opening: float) -> None:
    """An ellipse whose height, and so its area, is proportional to the opening 0..1."""
    cx, cy = layout.face_centre
    r = layout.face_radius
    half_height = 0.3 * r * opening
    if half_height >= 0.5:
        fill_ellipse(frame, cx, cy + 0.42 * r, 0.45 * r, half_height, MOUTH_COLOUR)


def render_frames(spec: SceneSpec, layout: Layout, actors: Actors) -> np.ndarray:
    fmt = spec.format
    scenery = Scenery(spec.ambience, spec.surface, spec.texture_seed)
    background = static_background(scenery, layout)
    cue = MovingCue(scenery, layout, float(fmt.fps), fmt.frames)
    frames = np.empty((fmt.frames, fmt.height, fmt.width, 3), dtype=np.uint8)
    frames[:] = background
    for k in range(fmt.frames):
        cue.draw(frames[k], k)
    if actors.mouth is not None:
        # The face does not move and sits in front of the cue: drawn once, pasted into every frame.
        face = np.zeros_like(background)
        draw_face(face, layout)
        footprint = face.any(axis=-1)
        frames[:, footprint] = face[footprint]
    glass_half = glass_size(layout)
    for k in range(fmt.frames):
        frame = frames[k]
        for trajectory, radius, colour in actors.balls:
            fill_disc(frame, trajectory.x[k], trajectory.y[k], radius, BALL_COLOURS[colour])
        if actors.glass is not None and (actors.glass_landing is None or k < actors.glass_landing):
            gx, gy = actors.glass.x[k], actors.glass.y[k]
            hw, hh = glass_half
            fill_rect(frame, gx - hw, gy - hh, gx + hw, gy + hh, GLASS_COLOUR)
        if actors.fragments is not None and k >= actors.fragments.visible_from:
            s = actors.fragments.size / 2.0
            for fx, fy in zip(actors.fragments.x[k], actors.fragments.y[k], strict=True):
                fill_rect(frame, fx - s, fy - s, fx + s, fy + s, GLASS_COLOUR)
        if actors.mouth is not None:
            draw_mouth(frame, layout, float(actors.mouth[k]))
    return frames

"""Backgrounds: one plain colour per setting, its simple visual cue, and the floor and walls.

Static parts are drawn once; the moving cues (rain streaks, swaying grass, the sea's
waterline) are drawn per frame. Cues are thin, tiny or huge on purpose, so they can never be
mistaken for an object by colour, size or shape.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .draw import draw_lines, fill_rect
from .layout import Layout
from .vocabulary import BACKGROUND_COLOURS, CUE_COLOURS, SAND_COLOUR, SURFACE_COLOURS
from .weather import gust_envelope, swell_envelope


@dataclass(frozen=True)
class Scenery:
    ambience: str
    surface: str | None  # None: no floor or walls are drawn
    seed: int

    def ground_top(self, layout: Layout) -> int:
        """Row where the ground (floor band or sand) starts."""
        return layout.floor_top if self.surface else round(0.84 * layout.height)


def static_background(scenery: Scenery, layout: Layout) -> np.ndarray:
    h, w = layout.height, layout.width
    img = np.empty((h, w, 3), dtype=np.uint8)
    img[:] = BACKGROUND_COLOURS[scenery.ambience]
    rng = np.random.default_rng([scenery.seed, 11])
    if scenery.ambience == "room":
        fill_rect(img, 0.1 * w, 0.12 * h, 0.3 * w, 0.3 * h, CUE_COLOURS["room"])
    elif scenery.ambience == "night":
        dot = max(1, round(layout.short_side / 128))
        for _ in range(round(24 * w * h / 128**2)):
            x, y = rng.uniform(0, w - dot), rng.uniform(0, 0.6 * h)
            fill_rect(img, x, y, x + dot, y + dot, CUE_COLOURS["night"])
    if scenery.surface:
        colour = SURFACE_COLOURS[scenery.surface]
        fill_rect(img, 0, layout.floor_top, w, h, colour)
        fill_rect(img, 0, 0, layout.wall, h, colour)
        fill_rect(img, w - layout.wall, 0, w, h, colour)
    elif scenery.ambience == "seaside":
        fill_rect(img, 0, scenery.ground_top(layout), w, h, SAND_COLOUR)
    return img


class MovingCue:
    """Draws the setting's moving cue onto frame k."""

    def __init__(self, scenery: Scenery, layout: Layout, fps: float, frames: int) -> None:
        self.scenery, self.layout, self.fps = scenery, layout, fps
        times = np.arange(frames) / fps
        self.gust = gust_envelope(times, scenery.seed)
        self.swell = swell_envelope(times, scenery.seed)
        rng = np.random.default_rng([scenery.seed, 12])
        h, w = layout.height, layout.width
        self.line = max(1, round(layout.short_side / 128))
        self.ground = scenery.ground_top(layout)
        if scenery.ambience == "rain":
            count = round(28 * w * h / 128**2)
            self.streak_x = rng.uniform(0, w, count)
            self.streak_phase = rng.uniform(0, self.ground, count)
            self.streak_len = 0.07 * h
            self.streak_speed = 0.1 * h  # pixels per frame
        elif scenery.ambience == "wind":
            roots = np.arange(0.06 * w, 0.92 * w, 0.09 * w)
            self.blade_x = roots + rng.uniform(-1.0, 1.0, len(roots))
            self.blade_phase = rng.uniform(0, 2 * np.pi, len(self.blade_x))
            self.blade_len = 0.11 * h

    def draw(self, frame: np.ndarray, k: int) -> None:
        t = k / self.fps
        ambience, colour = self.scenery.ambience, CUE_COLOURS[self.scenery.ambience]
        h, w = self.layout.height, self.layout.width
        if ambience == "rain":
            span = self.ground + self.streak_len
            top = np.mod(self.streak_phase + self.streak_speed * k, span) - self.streak_len
            bottom = np.minimum(top + self.streak_len, self.ground - 1)
            shown = bottom > top
            top, bottom, x = top[shown], bottom[shown], self.streak_x[shown]
            draw_lines(frame, x, top, x - 0.3 * (bottom - top), bottom, colour, self.line)
        elif ambience == "wind":
            sway = 0.05 * w * self.gust[k] * (0.6 + 0.4 * np.sin(2 * np.pi * 1.5 * t + self.blade_phase))
            root = np.full(len(self.blade_x), self.ground - 1.0)
            tip = np.full(len(self.blade_x), self.ground - self.blade_len)
            draw_lines(frame, self.blade_x, root, self.blade_x + sway, tip, colour, self.line)
        elif ambience == "seaside":
            waterline = h * (0.5 - 0.06 * self.swell[k])
            side = self.layout.wall if self.scenery.surface else 0
            fill_rect(frame, side, waterline, w - side, self.ground, colour)

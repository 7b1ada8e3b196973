"""Where things sit in the picture, in pixels, for a given frame size and rate."""

from __future__ import annotations

from dataclasses import dataclass

from .spec import ClipFormat
from .vocabulary import BALL_SIZES

# Gravity in frame heights per second squared: a drop from half the frame takes ~0.35 s.
GRAVITY_HEIGHTS_PER_S2 = 8.0


@dataclass(kw_only=True, frozen=True)
class Layout:
    height: int
    width: int
    floor_top: int  # first pixel row of the floor band
    wall: int  # width of each side wall band
    top_margin: int
    gravity: float  # pixels per frame squared

    @staticmethod
    def of(fmt: ClipFormat) -> Layout:
        h, w = fmt.height, fmt.width
        fps = float(fmt.fps)
        return Layout(
            height=h,
            width=w,
            floor_top=h - round(h / 8),
            wall=max(2, round(w / 32)),
            top_margin=max(2, round(0.06 * h)),
            gravity=GRAVITY_HEIGHTS_PER_S2 * h / fps**2,
        )

    @property
    def short_side(self) -> int:
        return min(self.height, self.width)

    def radius(self, size: str) -> float:
        return max(3.0, round(BALL_SIZES[size] * self.short_side))

    def x_range(self, half_width: float) -> tuple[float, float]:
        """Leftmost and rightmost centre of an object of this half width between the walls."""
        return self.wall + half_width, self.width - self.wall - half_width

    def x_at(self, share: float, half_width: float) -> float:
        left, right = self.x_range(half_width)
        return left + share * (right - left)

    def max_fall_frames(self, half_height: float) -> int:
        """Longest fall (in frames) that starts inside the picture and ends on the floor."""
        drop = (self.floor_top - half_height) - (self.top_margin + half_height)
        return int((2.0 * max(drop, 0.0) / self.gravity) ** 0.5)

    # The cartoon face used by voice scenes.
    @property
    def face_centre(self) -> tuple[float, float]:
        return self.width / 2.0, 0.46 * self.height

    @property
    def face_radius(self) -> float:
        return 0.35 * self.short_side

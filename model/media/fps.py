"""Frame rates: exact Fractions, so every frame count and sample count is exact too."""

from __future__ import annotations

import math
import numbers
from fractions import Fraction

MIN_FPS = 1
MAX_FPS = 240


def as_fps(fps: int | float | Fraction) -> Fraction:
    """``fps`` as an exact Fraction; floats near the NTSC rates become n*1000/1001."""
    if isinstance(fps, bool) or not isinstance(fps, numbers.Real):
        raise ValueError(f"fps must be a number such as 24, 25 or Fraction(24000, 1001), got {fps!r}")
    if isinstance(fps, numbers.Rational):
        rate = Fraction(fps.numerator, fps.denominator)
    else:
        value = float(fps)
        if not math.isfinite(value):
            raise ValueError(f"fps must be finite, got {fps!r}")
        if not MIN_FPS - 0.5 <= value <= MAX_FPS + 0.5:  # far out of range: no NTSC rounding to do
            raise ValueError(f"fps must be from {MIN_FPS} to {MAX_FPS} frames per second, got {fps!r}")
        ntsc = round(value * 1.001)
        if ntsc > 0 and abs(value - ntsc / 1.001) < 5e-3 and abs(value - ntsc) > 5e-3:
            rate = Fraction(ntsc * 1000, 1001)
        else:
            rate = Fraction(value).limit_denominator(1001)
    if not MIN_FPS <= rate <= MAX_FPS:
        raise ValueError(f"fps must be from {MIN_FPS} to {MAX_FPS} frames per second, got {fps!r}")
    return rate

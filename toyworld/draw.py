"""Hard-edged raster primitives on one (H, W, 3) uint8 frame.

Pixel (row i, column j) covers [j, j+1) x [i, i+1); shapes are filled where the pixel centre
(j + 0.5, i + 0.5) lies inside. No anti-aliasing: every object keeps one exact colour.
"""

from __future__ import annotations

import numpy as np

Rgb = tuple[int, int, int]


def _box(frame: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> tuple[slice, slice] | None:
    h, w = frame.shape[:2]
    i0, i1 = max(0, int(np.floor(y0))), min(h, int(np.ceil(y1)) + 1)
    j0, j1 = max(0, int(np.floor(x0))), min(w, int(np.ceil(x1)) + 1)
    if i0 >= i1 or j0 >= j1:
        return None
    return slice(i0, i1), slice(j0, j1)


def fill_ellipse(frame: np.ndarray, cx: float, cy: float, rx: float, ry: float, colour: Rgb) -> None:
    if rx <= 0 or ry <= 0:
        return
    box = _box(frame, cx - rx, cy - ry, cx + rx, cy + ry)
    if box is None:
        return
    rows, cols = box
    yy = (np.arange(rows.start, rows.stop) + 0.5 - cy)[:, None] / ry
    xx = (np.arange(cols.start, cols.stop) + 0.5 - cx)[None, :] / rx
    frame[rows, cols][yy * yy + xx * xx <= 1.0] = colour


def fill_disc(frame: np.ndarray, cx: float, cy: float, r: float, colour: Rgb) -> None:
    fill_ellipse(frame, cx, cy, r, r, colour)


def fill_rect(frame: np.ndarray, x0: float, y0: float, x1: float, y1: float, colour: Rgb) -> None:
    """Fill the pixels whose centres lie in [x0, x1) x [y0, y1)."""
    h, w = frame.shape[:2]
    i0, i1 = max(0, round(y0)), min(h, round(y1))
    j0, j1 = max(0, round(x0)), min(w, round(x1))
    if i0 < i1 and j0 < j1:
        frame[i0:i1, j0:j1] = colour


def draw_lines(
    frame: np.ndarray,
    x0: np.ndarray,
    y0: np.ndarray,
    x1: np.ndarray,
    y1: np.ndarray,
    colour: Rgb,
    width: int = 1,
) -> None:
    """Many straight lines at once (arrays of end points), ``width`` pixels wide to the right."""
    x0, y0, x1, y1 = (np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in (x0, y0, x1, y1))
    if not x0.size:
        return
    h, w = frame.shape[:2]
    steps = int(np.max(np.maximum(np.abs(x1 - x0), np.abs(y1 - y0))) * 2) + 2
    t = np.linspace(0.0, 1.0, steps)[None]
    cols = np.floor(x0[:, None] + (x1 - x0)[:, None] * t).astype(int).ravel()
    rows = np.floor(y0[:, None] + (y1 - y0)[:, None] * t).astype(int).ravel()
    for dj in range(width):
        c = cols + dj
        keep = (rows >= 0) & (rows < h) & (c >= 0) & (c < w)
        frame[rows[keep], c[keep]] = colour

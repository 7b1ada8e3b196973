"""Dense optical flow (pyramidal Lucas-Kanade), batched over all frame pairs, in numpy.

Frames are turned to grey and reduced to at most 64 px on their longer side first; flow
vectors are in pixels of that reduced grid (divide by the returned scale for original pixels).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

ANALYSIS_SIDE = 64
LEVELS = 2
WINDOW_SIGMA = 2.0
ITERATIONS = 2
MIN_DETERMINANT = 1e-12
RELATIVE_DETERMINANT = 1e-4  # of the largest in the batch: flat regions get no flow


def grey_frames(frames: np.ndarray) -> tuple[np.ndarray, float]:
    """(F, h, w) luminance 0..1 reduced by block averaging, and the reduction factor."""
    f, h, w, _ = frames.shape
    step = max(1, int(np.ceil(max(h, w) / ANALYSIS_SIDE)))
    rgb = frames.astype(np.float32) / 255.0
    luma = 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]
    if step > 1:
        hh, ww = h // step * step, w // step * step
        luma = luma[:, :hh, :ww].reshape(f, hh // step, step, ww // step, step).mean(axis=(2, 4))
    return luma, 1.0 / step


def _smooth(x: np.ndarray, sigma: float) -> np.ndarray:
    return ndimage.gaussian_filter(x, sigma=(0, sigma, sigma), mode="nearest", truncate=2.5)


def warp(images: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """Sample (N, H, W) images at (x + u, y + v), bilinearly, clamped at the edges."""
    n, h, w = images.shape
    rows, cols = np.meshgrid(np.arange(h, dtype=np.float32), np.arange(w, dtype=np.float32), indexing="ij")
    x = np.clip(cols + flow[..., 0], 0, w - 1)
    y = np.clip(rows + flow[..., 1], 0, h - 1)
    x0, y0 = np.minimum(x, w - 2).astype(np.int32), np.minimum(y, h - 2).astype(np.int32)
    fx, fy = x - x0, y - y0
    flat = images.reshape(-1)
    base = (np.arange(n, dtype=np.int32) * (h * w))[:, None, None] + y0 * w + x0
    top = flat[base] * (1 - fx) + flat[base + 1] * fx
    bottom = flat[base + w] * (1 - fx) + flat[base + w + 1] * fx
    return top * (1 - fy) + bottom * fy


def _lk_step(a: np.ndarray, b: np.ndarray, flow: np.ndarray) -> np.ndarray:
    warped = warp(b, flow)
    mean = 0.5 * (a + warped)
    iy, ix = np.gradient(mean, axis=(1, 2))
    it = warped - a
    sxx, syy, sxy = (
        _smooth(ix * ix, WINDOW_SIGMA),
        _smooth(iy * iy, WINDOW_SIGMA),
        _smooth(ix * iy, WINDOW_SIGMA),
    )
    sxt, syt = _smooth(ix * it, WINDOW_SIGMA), _smooth(iy * it, WINDOW_SIGMA)
    det = sxx * syy - sxy * sxy
    ok = det > max(MIN_DETERMINANT, RELATIVE_DETERMINANT * float(det.max()))
    safe = np.where(ok, det, 1.0)
    du = np.where(ok, (-syy * sxt + sxy * syt) / safe, 0.0)
    dv = np.where(ok, (sxy * sxt - sxx * syt) / safe, 0.0)
    return flow + np.stack([du, dv], axis=-1)


def lucas_kanade(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, H, W, 2) flow (u right, v down) taking each image of ``a`` to the same image of ``b``."""
    pyramid = [(a, b)]
    for _ in range(LEVELS - 1):
        pa, pb = pyramid[-1]
        if min(pa.shape[1:]) < 16:
            break
        pyramid.append((_smooth(pa, 1.0)[:, ::2, ::2], _smooth(pb, 1.0)[:, ::2, ::2]))
    flow = np.zeros(pyramid[-1][0].shape + (2,), dtype=np.float32)
    for level, (pa, pb) in enumerate(reversed(pyramid)):
        if level:
            h, w = pa.shape[1:]
            flow = (2.0 * flow.repeat(2, axis=1).repeat(2, axis=2))[:, :h, :w]
            flow = np.pad(flow, ((0, 0), (0, h - flow.shape[1]), (0, w - flow.shape[2]), (0, 0)), mode="edge")
        for _ in range(ITERATIONS):
            flow = _lk_step(pa, pb, flow)
    return flow


def frame_flows(frames: np.ndarray) -> tuple[np.ndarray, float]:
    """(F-1, h, w, 2) flow between consecutive frames on the reduced grid, and the reduction
    (reduced pixels per original pixel)."""
    grey, scale = grey_frames(frames)
    if len(grey) < 2:
        return np.zeros((0,) + grey.shape[1:] + (2,), dtype=np.float32), scale
    return lucas_kanade(grey[:-1], grey[1:]), scale

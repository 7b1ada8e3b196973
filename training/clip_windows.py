"""Windows of toy-world clips for the video VAE: which frames and pixels a training step sees.

A window is cut from a clip given its seed and a seed of its own for where to cut, so the
same job gives the same window whether a worker process or the training loop cuts it.
Windows travel as 8-bit pixels (what the world renders), a quarter of float32's bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .toy_data import clip_for_seed

# Windows start on the VAE's coarsest pixel grid, as whole frames are tiled.
GRID = 32
CAUSAL_START_SHARE = 0.3


def object_mask(pixels: torch.Tensor) -> torch.Tensor:
    """Pixels (B, 3, F, H, W) that differ from the clip's most common colour (the background)."""
    flat = pixels.flatten(2)
    background = flat.median(dim=2).values[:, :, None, None, None]
    return (pixels - background).abs().amax(dim=1, keepdim=True) > 0.1


def _window_start(total: int, frames: int, rng: np.random.Generator) -> int:
    """Often the clip's causal start, else anywhere."""
    return 0 if rng.random() < CAUSAL_START_SHARE else int(rng.integers(0, total - frames + 1))


def random_window(pixels: torch.Tensor, frames: int, side: int, rng: np.random.Generator) -> torch.Tensor:
    """A random window of ``frames`` frames (often the clip's causal start) and side×side pixels,
    aligned to the VAE's pixel grid; the VAE is convolutional, so windows train it as well."""
    _, total, h, w = pixels.shape
    start = _window_start(total, frames, rng)
    top = GRID * int(rng.integers(0, (h - side) // GRID + 1))
    left = GRID * int(rng.integers(0, (w - side) // GRID + 1))
    return pixels[:, start : start + frames, top : top + side, left : left + side]


def object_window(pixels: torch.Tensor, frames: int, side: int, rng: np.random.Generator) -> torch.Tensor:
    """Like ``random_window``, but the grid-aligned window that holds the most object pixels,
    so small balls, which a random window often misses, are what the VAE sees."""
    _, total, h, w = pixels.shape
    start = _window_start(total, frames, rng)
    window = pixels[:, start : start + frames]
    mask = object_mask(window[None])[0, 0].float().sum(0)
    best, where = -1.0, (0, 0)
    for top in range(0, h - side + 1, GRID):
        for left in range(0, w - side + 1, GRID):
            count = float(mask[top : top + side, left : left + side].sum())
            if count > best:
                best, where = count, (top, left)
    top, left = where
    return window[:, :, top : top + side, left : left + side]


def to_bytes(pixels: torch.Tensor) -> torch.Tensor:
    """Pixels in -1..1 back to the 8-bit values they were rendered as (exact for rendered ones)."""
    return ((pixels + 1.0) * 127.5).round().clamp(0, 255).to(torch.uint8)


def from_bytes(values: torch.Tensor) -> torch.Tensor:
    """8-bit pixels to -1..1, as ``clip_for_seed`` converts them."""
    return values.float() / 127.5 - 1.0


@dataclass(frozen=True)
class WindowCut:
    """Cuts (clip seed, window seed) jobs into 8-bit windows of ``frames`` × ``side`` × ``side``."""

    frames: int
    side: int
    objects: bool = False

    def __call__(self, job: tuple[int, int]) -> torch.Tensor:
        clip_seed, window_seed = job
        cut = object_window if self.objects else random_window
        rng = np.random.default_rng(window_seed)
        return to_bytes(cut(clip_for_seed(clip_seed).pixels, self.frames, self.side, rng))


def waveform_of(clip_seed: int) -> torch.Tensor:
    """A clip's sound (C, T), for the audio VAE's jobs."""
    return clip_for_seed(clip_seed).waveform

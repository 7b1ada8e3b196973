"""Bringing any clip's arrays (numpy or torch, uint8 or float) into one working form."""

from __future__ import annotations

from typing import TYPE_CHECKING, Union

import numpy as np

if TYPE_CHECKING:
    import torch

Array = Union[np.ndarray, "torch.Tensor"]  # noqa: UP007 (a string member needs Union)


def _numpy(x: Array) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach().cpu()
        if str(x.dtype) == "torch.bfloat16":
            x = x.float()
        x = x.numpy()
    return np.asarray(x)


def as_frames(frames: Array) -> np.ndarray:
    """(F, H, W, 3) uint8 from uint8 or float 0..1 frames; a leading batch of one is dropped."""
    x = _numpy(frames)
    if x.ndim == 5 and x.shape[0] == 1:
        x = x[0]
    if x.ndim != 4 or x.shape[-1] != 3:
        raise ValueError(f"frames must be (F, H, W, 3) RGB; got shape {x.shape}")
    if x.dtype != np.uint8:
        x = np.clip(np.rint(x.astype(np.float64) * 255.0), 0, 255).astype(np.uint8)
    return x


def as_channels(waveform: Array) -> np.ndarray:
    """(C, T) float64 from (T,), (C, T) or (1, C, T)."""
    x = _numpy(waveform).astype(np.float64)
    if x.ndim == 3 and x.shape[0] == 1:
        x = x[0]
    if x.ndim == 1:
        x = x[None]
    if x.ndim != 2:
        raise ValueError(f"waveform must be (T,), (C, T) or (1, C, T); got shape {x.shape}")
    return x

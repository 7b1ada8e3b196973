"""Putting a redone span of a signal back into the original, cross-faded at its edges.

Signals run along their last axis (audio samples; frames once moved there). Outside
[start, end) the result is the original, bit for bit; inside, the new signal, reached through a
cross-fade of ``fade`` steps lying just inside each edge that is not an end of the signal.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

Crossfade = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def linear_crossfade(old: torch.Tensor, new: torch.Tensor) -> torch.Tensor:
    """Blend two equally long signals (..., N) with weights that sum to one (for pictures)."""
    n = old.shape[-1]
    weight = (torch.arange(n, dtype=torch.float32, device=old.device) + 0.5) / n
    return old * (1 - weight) + new * weight


def edge_fade(start: int, end: int, fade: int) -> int:
    """The fade at each edge of [start, end): ``fade`` steps, at most half the span."""
    return max(0, min(fade, (end - start) // 2))


def splice(
    old: torch.Tensor, new: torch.Tensor, start: int, end: int, fade: int, crossfade: Crossfade
) -> torch.Tensor:
    """``old`` with [start, end) of its last axis taken from ``new`` (as long as ``old``)."""
    if new.shape != old.shape:
        raise ValueError(f"the redone signal has shape {tuple(new.shape)}, the original {tuple(old.shape)}")
    n = edge_fade(start, end, fade)
    out = old.clone()
    out[..., start:end] = new[..., start:end]
    if start > 0 and n:
        out[..., start : start + n] = crossfade(old[..., start : start + n], new[..., start : start + n])
    if end < old.shape[-1] and n:
        out[..., end - n : end] = crossfade(new[..., end - n : end], old[..., end - n : end])
    return out

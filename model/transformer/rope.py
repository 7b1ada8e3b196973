"""Rotary position embeddings over fractional positions (time in seconds, pixels).

Each token carries a [start, end) bound per axis; the midpoint divided by the axis'
maximum gives a fraction in [0, 1], which is mapped to [-1, 1] and multiplied by a
geometric frequency grid. Two layouts exist in LTX-2 checkpoints:

- ``interleaved``: frequencies span the whole inner dimension and rotate adjacent pairs.
- ``split``: frequencies are laid out per head and rotate the first half against the second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

from ..config import RopeType


# Both are cached per device: copying host values in on every call would make the host wait
# for the device (a blocking host-to-device copy) inside the sampling loop.
@lru_cache(maxsize=32)
def _frequency_grid(theta: float, axes: int, dim: int, float64: bool, device: torch.device) -> torch.Tensor:
    """theta ** linspace(0, 1, n) · π/2, with n = dim // (2 · axes)."""
    n = dim // (2 * axes)
    if float64:
        grid = np.power(theta, np.linspace(0.0, 1.0, n, dtype=np.float64))
        return torch.tensor(grid * math.pi / 2, dtype=torch.float32).to(device)
    return (torch.pow(theta, torch.linspace(0.0, 1.0, n, dtype=torch.float32)) * math.pi / 2).to(device)


@lru_cache(maxsize=32)
def _axis_scale(max_pos: tuple[int, ...], dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    return torch.tensor(max_pos, dtype=dtype).view(1, len(max_pos), 1).to(device)


@dataclass(kw_only=True, frozen=True)
class Rope:
    """Cosines and signed sines (B, T, H·D) laid out like the queries they rotate.

    Rotating is then ``x · cos + partner(x) · sin`` with ``partner`` swapping each value
    with the one it rotates against (its pair neighbour, or the other half of its head):
    three passes over x instead of a gather of halves and a re-interleave.
    """

    cos: torch.Tensor
    sin: torch.Tensor
    layout: RopeType
    heads: int

    def to(self, dtype: torch.dtype) -> Rope:
        return Rope(cos=self.cos.to(dtype), sin=self.sin.to(dtype), layout=self.layout, heads=self.heads)


def rope_angles(
    positions: torch.Tensor,
    max_pos: tuple[int, ...],
    dim: int,
    theta: float,
    float64: bool,
    middle: bool = True,
) -> torch.Tensor:
    """Angles (B, T, n·axes) for positions (B, axes, T, 2) or (B, axes, T)."""
    if positions.ndim == 4:
        positions = (positions[..., 0] + positions[..., 1]) / 2.0 if middle else positions[..., 0]
    axes = positions.shape[1]
    if axes != len(max_pos):
        raise ValueError(f"positions have {axes} axes but the model expects {len(max_pos)}")
    scale = _axis_scale(tuple(max_pos), positions.dtype, positions.device)
    fraction = (positions / scale).permute(0, 2, 1)  # (B, T, axes)
    grid = _frequency_grid(float(theta), axes, dim, float64, positions.device)
    angles = grid * (fraction.unsqueeze(-1) * 2 - 1)  # (B, T, axes, n)
    return angles.transpose(-1, -2).flatten(2)


def make_rope(
    positions: torch.Tensor,
    *,
    max_pos: tuple[int, ...],
    dim: int,
    heads: int,
    theta: float,
    layout: RopeType,
    float64: bool,
    dtype: torch.dtype,
    middle: bool = True,
) -> Rope:
    """Build the rotation for ``heads`` heads spanning ``dim`` channels in total."""
    angles = rope_angles(positions, max_pos, dim, theta, float64, middle)
    cos, sin = angles.cos(), angles.sin()
    if layout == "interleaved":
        cos, sin = cos.repeat_interleave(2, dim=-1), sin.repeat_interleave(2, dim=-1)
        pad = dim - cos.shape[-1]
    else:
        pad = dim // 2 - cos.shape[-1]
    if pad:
        cos = torch.cat([torch.ones_like(cos[..., :pad]), cos], dim=-1)
        sin = torch.cat([torch.zeros_like(sin[..., :pad]), sin], dim=-1)
    if layout == "interleaved":
        # Pairs (a, b) → (a·c − b·s, b·c + a·s): the first of each pair takes −sin.
        sin = torch.stack((-sin[..., 0::2], sin[..., 1::2]), dim=-1).flatten(-2)
    else:
        # Halves (a, b) of each head → (a·c − b·s, b·c + a·s).
        cos, sin = (t.unflatten(-1, (heads, -1)) for t in (cos, sin))
        cos = torch.cat((cos, cos), dim=-1).flatten(-2)
        sin = torch.cat((-sin, sin), dim=-1).flatten(-2)
    return Rope(cos=cos.to(dtype), sin=sin.to(dtype), layout=layout, heads=heads)


def _partners(x: torch.Tensor, rope: Rope) -> torch.Tensor:
    if rope.layout == "interleaved":
        return x.unflatten(-1, (-1, 2)).flip(-1).flatten(-2)
    return x.unflatten(-1, (rope.heads, 2, -1)).flip(-2).flatten(-3)


def apply_rope(x: torch.Tensor, rope: Rope) -> torch.Tensor:
    """Rotate x (B, T, H·D) and return the same layout."""
    return torch.addcmul(x * rope.cos, _partners(x, rope), rope.sin)

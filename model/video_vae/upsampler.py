"""LTX-2 latent upsamplers: the spatial ×2 (or rational ×1.5) and temporal ×2 stages of two-stage generation.

They ship as their own safetensors files, keys without a prefix, with a top-level ``config``
metadata JSON. An upsampler works on raw latents: :func:`upsample_latent` takes a normalized
latent, undoes the VAE's per-channel statistics, upsamples and normalizes again.
Parameter names follow the checkpoint keys.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .blocks import LatentStatistics, depth_to_space

RATIONAL_SCALES = {0.75: (3, 4), 1.5: (3, 2), 2.0: (2, 1), 4.0: (4, 1)}  # scale → (up, down)


@dataclass(kw_only=True, frozen=True)
class UpsamplerConfig:
    in_channels: int = 128
    mid_channels: int = 512
    num_blocks_per_stage: int = 4
    dims: int = 3
    spatial: bool = True
    temporal: bool = False
    spatial_scale: float = 2.0
    rational: bool = False

    @property
    def describe(self) -> str:
        parts = []
        if self.spatial:
            parts.append(f"spatial ×{self.spatial_scale if self.rational else 2:g}")
        if self.temporal:
            parts.append("temporal ×2")
        return " + ".join(parts) + " latent upsampler"


def upsampler_config(raw: dict[str, Any]) -> UpsamplerConfig:
    """Parse an upsampler file's ``config`` metadata; missing keys take the reference defaults."""
    cfg = UpsamplerConfig(
        in_channels=int(raw.get("in_channels", 128)),
        mid_channels=int(raw.get("mid_channels", 512)),
        num_blocks_per_stage=int(raw.get("num_blocks_per_stage", 4)),
        dims=int(raw.get("dims", 3)),
        spatial=bool(raw.get("spatial_upsample", True)),
        temporal=bool(raw.get("temporal_upsample", False)),
        spatial_scale=float(raw.get("spatial_scale", 2.0)),
        rational=bool(raw.get("rational_resampler", False)),
    )
    if not (cfg.spatial or cfg.temporal):
        raise ValueError("upsampler config: spatial_upsample and temporal_upsample are both false")
    if cfg.dims not in (2, 3) or (cfg.dims == 2 and (cfg.temporal or cfg.rational)):
        raise ValueError(
            f"upsampler config: dims={cfg.dims} with temporal_upsample={cfg.temporal}, "
            f"rational_resampler={cfg.rational} is not supported; dims=2 is for plain spatial ×2 only"
        )
    if cfg.rational and cfg.spatial and not cfg.temporal and cfg.spatial_scale not in RATIONAL_SCALES:
        raise ValueError(
            f"upsampler config: spatial_scale {cfg.spatial_scale} is not supported; use one of "
            f"{', '.join(f'{s:g}' for s in RATIONAL_SCALES)}"
        )
    if cfg.mid_channels % 32:
        raise ValueError(
            f"upsampler config: mid_channels={cfg.mid_channels} must be a multiple of 32 (GroupNorm)"
        )
    return cfg


def _conv(dims: int, cin: int, cout: int) -> nn.Module:
    return (nn.Conv2d if dims == 2 else nn.Conv3d)(cin, cout, kernel_size=3, padding=1)


def _per_frame(fn, x: torch.Tensor) -> torch.Tensor:
    """Apply a 2-D op to every frame of (B, C, F, H, W)."""
    b, _, f = x.shape[:3]
    y = fn(x.transpose(1, 2).flatten(0, 1))
    return y.unflatten(0, (b, f)).transpose(1, 2)


class DepthToSpace3d(nn.Module):
    """Channels → (time, height, width) of a (B, C, F, H, W) tensor."""

    def __init__(self, stride: tuple[int, int, int]) -> None:
        super().__init__()
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return depth_to_space(x, self.stride)


class ResBlock(nn.Module):
    def __init__(self, channels: int, dims: int) -> None:
        super().__init__()
        self.conv1 = _conv(dims, channels, channels)
        self.norm1 = nn.GroupNorm(32, channels)
        self.conv2 = _conv(dims, channels, channels)
        self.norm2 = nn.GroupNorm(32, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.silu(self.norm1(self.conv1(x)))
        return F.silu(self.norm2(self.conv2(h)) + x)


class BlurDownsample(nn.Module):
    """Anti-aliased 2-D downsampling: a normalised 5×5 binomial blur with stride."""

    def __init__(self, stride: int, size: int = 5) -> None:
        super().__init__()
        self.stride = stride
        self.size = size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride == 1:
            return x
        taps = [math.comb(self.size - 1, k) for k in range(self.size)]
        kernel = torch.tensor([[a * b for b in taps] for a in taps], dtype=x.dtype, device=x.device)
        weight = (kernel / kernel.sum()).expand(x.shape[1], 1, -1, -1)
        return F.conv2d(x, weight, stride=self.stride, padding=self.size // 2, groups=x.shape[1])


class RationalResampler(nn.Module):
    """Spatial ×up/down per frame: conv + pixel shuffle by ``up``, then blur-downsample by ``down``."""

    def __init__(self, channels: int, scale: float) -> None:
        super().__init__()
        up, down = RATIONAL_SCALES[scale]
        self.conv = nn.Conv2d(channels, up * up * channels, kernel_size=3, padding=1)
        self.pixel_shuffle = nn.PixelShuffle(up)
        self.blur_down = BlurDownsample(down)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _per_frame(lambda y: self.blur_down(self.pixel_shuffle(self.conv(y))), x)


class LatentUpsampler(nn.Module):
    """Raw latent (B, C, F, H, W) → (B, C, F or 2F-1, H·s, W·s)."""

    def __init__(self, cfg: UpsamplerConfig) -> None:
        super().__init__()
        self.cfg = cfg
        mid = cfg.mid_channels
        self.initial_conv = _conv(cfg.dims, cfg.in_channels, mid)
        self.initial_norm = nn.GroupNorm(32, mid)
        self.res_blocks = nn.ModuleList(ResBlock(mid, cfg.dims) for _ in range(cfg.num_blocks_per_stage))
        if cfg.spatial and cfg.temporal:
            self.upsampler = nn.Sequential(nn.Conv3d(mid, 8 * mid, 3, padding=1), DepthToSpace3d((2, 2, 2)))
        elif cfg.temporal:
            self.upsampler = nn.Sequential(nn.Conv3d(mid, 2 * mid, 3, padding=1), DepthToSpace3d((2, 1, 1)))
        elif cfg.rational:
            self.upsampler = RationalResampler(mid, cfg.spatial_scale)
        else:
            self.upsampler = nn.Sequential(nn.Conv2d(mid, 4 * mid, 3, padding=1), nn.PixelShuffle(2))
        self.post_upsample_res_blocks = nn.ModuleList(
            ResBlock(mid, cfg.dims) for _ in range(cfg.num_blocks_per_stage)
        )
        self.final_conv = _conv(cfg.dims, mid, cfg.in_channels)

    def _body(self, x: torch.Tensor) -> torch.Tensor:
        """Everything from initial_conv to final_conv, on (B, C, F, H, W) for 3-D or (N, C, H, W) for 2-D."""
        x = F.silu(self.initial_norm(self.initial_conv(x)))
        for block in self.res_blocks:
            x = block(x)
        if self.cfg.temporal:
            # A temporal ×2 turns F latent frames into 2F-1: the first latent frame holds one pixel frame.
            x = self.upsampler(x)[:, :, 1:]
        elif self.cfg.dims == 3 and not self.cfg.rational:
            x = _per_frame(self.upsampler, x)
        else:
            x = self.upsampler(x)
        for block in self.post_upsample_res_blocks:
            x = block(x)
        return self.final_conv(x)

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        if self.cfg.dims == 2:
            return _per_frame(self._body, latent)
        return self._body(latent)


@torch.no_grad()
def upsample_latent(
    latent: torch.Tensor, upsampler: LatentUpsampler, statistics: LatentStatistics
) -> torch.Tensor:
    """Normalized video latent → upsampled normalized latent, using the VAE's per-channel statistics."""
    c = upsampler.cfg.in_channels
    if latent.ndim != 5 or latent.shape[1] != c:
        raise ValueError(
            f"the upsampler takes a video latent (B, {c}, F, H, W); got shape {tuple(latent.shape)}"
        )
    param = upsampler.initial_conv.weight
    raw = statistics.denormalize(latent.to(param.device, param.dtype))
    return statistics.normalize(upsampler(raw))

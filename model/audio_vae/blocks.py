"""Building blocks of the audio VAE, on (B, C, time, mel) feature maps.

"Causal" means causal in time (the height axis): a 3×3 convolution sees the current and
two previous frames and one mel bin either side. Parameter names follow the LTX-2
checkpoint keys (``conv.weight`` inside every padded convolution, ``nin_shortcut``,
``q``/``k``/``v``/``proj_out``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .config import NormType

NORM_EPS = 1e-6
GROUPS = 32


class PixelNorm(nn.Module):
    """RMS over channels at each (time, mel) position: no statistics across time."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + NORM_EPS)


def make_norm(channels: int, norm: NormType) -> nn.Module:
    if norm == "group":
        return nn.GroupNorm(GROUPS, channels, eps=NORM_EPS)
    return PixelNorm()


class PaddedConv2d(nn.Module):
    """Stride-1 convolution that keeps the (time, mel) size; padding all in the past if causal."""

    def __init__(self, cin: int, cout: int, kernel: int, causal: bool) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel)
        p = kernel - 1
        time_pad = (p, 0) if causal else (p // 2, p - p // 2)
        self.padding = (p // 2, p - p // 2, *time_pad)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.pad(x, self.padding))


class ResnetBlock(nn.Module):
    def __init__(self, cin: int, cout: int, norm: NormType, causal: bool) -> None:
        super().__init__()
        self.norm1 = make_norm(cin, norm)
        self.conv1 = PaddedConv2d(cin, cout, 3, causal)
        self.norm2 = make_norm(cout, norm)
        self.conv2 = PaddedConv2d(cout, cout, 3, causal)
        if cin != cout:
            self.nin_shortcut = PaddedConv2d(cin, cout, 1, causal)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        skip = self.nin_shortcut(x) if hasattr(self, "nin_shortcut") else x
        return skip + h


class AttnBlock(nn.Module):
    """Single-head self-attention over all (time, mel) positions."""

    def __init__(self, channels: int, norm: NormType) -> None:
        super().__init__()
        self.norm = make_norm(channels, norm)
        self.q = nn.Conv2d(channels, channels, 1)
        self.k = nn.Conv2d(channels, channels, 1)
        self.v = nn.Conv2d(channels, channels, 1)
        self.proj_out = nn.Conv2d(channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, t, m = x.shape
        h = self.norm(x)
        q, k, v = (proj(h).flatten(2).transpose(1, 2) for proj in (self.q, self.k, self.v))
        out = F.scaled_dot_product_attention(q, k, v)
        return x + self.proj_out(out.transpose(1, 2).reshape(b, c, t, m))


class Downsample(nn.Module):
    """Halve time and mel: a stride-2 3×3 convolution (time padded in the past if causal)."""

    def __init__(self, channels: int, causal: bool, with_conv: bool = True) -> None:
        super().__init__()
        self.pad = (0, 1, 2, 0) if causal else (0, 1, 0, 1)
        if with_conv:
            self.conv = nn.Conv2d(channels, channels, 3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not hasattr(self, "conv"):
            return F.avg_pool2d(x, 2, 2)
        return self.conv(F.pad(x, self.pad))


class Upsample(nn.Module):
    """Double time and mel (nearest, then a 3×3 convolution).

    Causal: the first output frame is dropped, so T frames become 2T − 1 and the first
    input frame maps to exactly one output frame, mirroring the encoder's downsampling.
    """

    def __init__(self, channels: int, causal: bool) -> None:
        super().__init__()
        self.causal = causal
        self.conv = PaddedConv2d(channels, channels, 3, causal)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))
        return x[:, :, 1:] if self.causal else x


class MidBlock(nn.Module):
    def __init__(self, channels: int, norm: NormType, causal: bool, attention: bool) -> None:
        super().__init__()
        self.block_1 = ResnetBlock(channels, channels, norm, causal)
        self.attn_1 = AttnBlock(channels, norm) if attention else nn.Identity()
        self.block_2 = ResnetBlock(channels, channels, norm, causal)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block_2(self.attn_1(self.block_1(x)))


class Level(nn.Module):
    """One resolution of the encoder or decoder: resnet blocks, each optionally followed by attention."""

    def __init__(self, blocks: list[ResnetBlock], attention: list[AttnBlock]) -> None:
        super().__init__()
        self.block = nn.ModuleList(blocks)
        self.attn = nn.ModuleList(attention)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, block in enumerate(self.block):
            x = block(x)
            if len(self.attn):
                x = self.attn[i](x)
        return x

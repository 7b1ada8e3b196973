"""Anti-aliased resampling for BigVGAN-style vocoders.

Kaiser-windowed sinc filters (the classic Kaiser design rule for the window's β from the
stop-band attenuation), integer up/down-sampling with replicate-padded edges, an
activation run at twice the rate, and the Hann-windowed sinc upsampler LTX-2.3 uses as the
bandwidth extension's skip path (the filter ``torchaudio.functional.resample`` uses).
Filters of the 2× paths are buffers because LTX-2 checkpoints store them.
"""

from __future__ import annotations

import math
from functools import lru_cache

import torch
import torch.nn.functional as F
from torch import nn


def kaiser_sinc(cutoff: float, half_width: float, taps: int) -> torch.Tensor:
    """(1, 1, taps) low-pass filter with unit DC gain; cutoff and half_width in cycles per sample."""
    if cutoff == 0:
        return torch.zeros(1, 1, taps)
    half = taps // 2
    attenuation = 2.285 * (half - 1) * math.pi * (4 * half_width) + 7.95
    if attenuation > 50.0:
        beta = 0.1102 * (attenuation - 8.7)
    elif attenuation >= 21.0:
        beta = 0.5842 * (attenuation - 21.0) ** 0.4 + 0.07886 * (attenuation - 21.0)
    else:
        beta = 0.0
    window = torch.kaiser_window(taps, periodic=False, beta=beta)
    t = torch.arange(-half, half) + 0.5 if taps % 2 == 0 else torch.arange(taps) - half
    h = 2 * cutoff * window * torch.sinc(2 * cutoff * t)
    return (h / h.sum()).view(1, 1, taps)


class LowPass(nn.Module):
    """Kaiser low-pass, optionally strided (decimating), edges replicate-padded."""

    def __init__(self, cutoff: float, half_width: float, taps: int, stride: int = 1) -> None:
        super().__init__()
        self.stride = stride
        self.pad = (taps // 2 - (taps % 2 == 0), taps // 2)
        self.register_buffer("filter", kaiser_sinc(cutoff, half_width, taps))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = x.shape[1]
        x = F.pad(x, self.pad, mode="replicate")
        return F.conv1d(x, self.filter.to(x).expand(c, -1, -1), stride=self.stride, groups=c)


class Downsample1d(nn.Module):
    def __init__(self, ratio: int = 2, taps: int = 12) -> None:
        super().__init__()
        self.lowpass = LowPass(0.5 / ratio, 0.6 / ratio, taps, stride=ratio)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lowpass(x)


class Upsample1d(nn.Module):
    """Zero-stuffing by ``ratio`` then the Kaiser low-pass (a strided transposed convolution)."""

    def __init__(self, ratio: int = 2, taps: int = 12) -> None:
        super().__init__()
        self.ratio = ratio
        self.edge = taps // ratio - 1
        self.crop = (
            self.edge * ratio + (taps - ratio) // 2,
            self.edge * ratio + (taps - ratio + 1) // 2,
        )
        self.register_buffer("filter", kaiser_sinc(0.5 / ratio, 0.6 / ratio, taps))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = x.shape[1]
        x = F.pad(x, (self.edge, self.edge), mode="replicate")
        x = self.ratio * F.conv_transpose1d(
            x, self.filter.to(x).expand(c, -1, -1), stride=self.ratio, groups=c
        )
        return x[..., self.crop[0] : x.shape[-1] - self.crop[1]]


class AntiAliased(nn.Module):
    """Run a pointwise activation at twice the sample rate so its harmonics do not alias."""

    def __init__(self, act: nn.Module) -> None:
        super().__init__()
        self.act = act
        self.upsample = Upsample1d(2)
        self.downsample = Downsample1d(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.downsample(self.act(self.upsample(x)))


HANN_ZERO_CROSSINGS = 6
HANN_ROLLOFF = 0.99


@lru_cache(maxsize=8)
def _hann_sinc(ratio: int) -> tuple[torch.Tensor, int]:
    width = math.ceil(HANN_ZERO_CROSSINGS / HANN_ROLLOFF)
    taps = 2 * width * ratio + 1
    t = (torch.arange(taps) / ratio - width) * HANN_ROLLOFF
    window = (
        torch.cos(t.clamp(-HANN_ZERO_CROSSINGS, HANN_ZERO_CROSSINGS) * math.pi / HANN_ZERO_CROSSINGS / 2) ** 2
    )
    return (torch.sinc(t) * window * HANN_ROLLOFF / ratio).view(1, 1, taps), width


def hann_sinc_upsample(x: torch.Tensor, ratio: int) -> torch.Tensor:
    """(B, C, T) → (B, C, T·ratio), band-limited, edges replicate-padded."""
    filt, width = _hann_sinc(ratio)
    c = x.shape[1]
    taps = filt.shape[-1]
    x = F.pad(x, (width, width), mode="replicate")
    y = ratio * F.conv_transpose1d(x, filt.to(x).expand(c, -1, -1), stride=ratio, groups=c)
    return y[..., 2 * width * ratio : y.shape[-1] - (taps - ratio)]

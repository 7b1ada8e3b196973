"""LTX-2.0's vocoder: a HiFi-GAN generator from stereo log-mel to a 24 kHz stereo waveform.

mel (B, S, T, M) → channels S·M (channel-major) → conv_pre → per stage: leaky ReLU,
transposed convolution ×rate, mean of parallel dilated residual blocks (kernels 3/7/11)
→ leaky ReLU → conv_post → tanh. Every stage keeps frames aligned: T mel frames become
exactly T·∏rates samples, frame t owning samples [t·∏rates, (t+1)·∏rates).

``MelGenerator`` is the skeleton that LTX-2.3's BigVGAN (``vocoder_bigvgan``) reuses with
other residual blocks and activations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

LRELU_SLOPE = 0.1
POST_LRELU_SLOPE = 0.01  # the final activation is torch's default LeakyReLU in LTX-2.0
EDGE_KERNEL = 7


@dataclass(kw_only=True, frozen=True)
class GeneratorConfig:
    """One mel → waveform generator (the ``vocoder`` section, or a subsection of it in LTX-2.3)."""

    sample_rate: int = 24000
    upsample_initial_channel: int = 1024
    upsample_rates: tuple[int, ...] = (6, 5, 2, 2, 2)
    upsample_kernel_sizes: tuple[int, ...] = (16, 15, 8, 4, 4)
    resblock_kernel_sizes: tuple[int, ...] = (3, 7, 11)
    resblock_dilation_sizes: tuple[tuple[int, ...], ...] = ((1, 3, 5), (1, 3, 5), (1, 3, 5))
    resblock: str = "1"
    activation: str = "snake"
    in_channels: int = 128
    out_channels: int = 2
    final_activation: str | None = "tanh"  # "tanh", "clamp" or None
    bias_at_final: bool = True

    @property
    def hop(self) -> int:
        """Output samples per input frame."""
        return math.prod(self.upsample_rates)

    def validate(self, what: str) -> None:
        n = len(self.upsample_rates)
        if n == 0 or len(self.upsample_kernel_sizes) != n:
            raise ValueError(
                f"{what}: upsample_rates and upsample_kernel_sizes must be non-empty and of equal length"
            )
        if (
            len(self.resblock_kernel_sizes) != len(self.resblock_dilation_sizes)
            or not self.resblock_kernel_sizes
        ):
            raise ValueError(f"{what}: resblock_kernel_sizes and resblock_dilation_sizes must pair up")
        for rate, kernel in zip(self.upsample_rates, self.upsample_kernel_sizes, strict=True):
            if rate < 1 or kernel < rate or (kernel - rate) % 2:
                raise ValueError(
                    f"{what}: upsample kernel {kernel} for rate {rate} must be at least the rate and differ "
                    "from it by an even number, so frames stay aligned"
                )
        if any(k % 2 == 0 for k in self.resblock_kernel_sizes):
            raise ValueError(
                f"{what}: resblock_kernel_sizes must be odd, got {list(self.resblock_kernel_sizes)}"
            )
        if self.upsample_initial_channel % 2**n:
            raise ValueError(f"{what}: upsample_initial_channel must be divisible by 2^{n}")


def same_conv(channels: int, kernel: int, dilation: int = 1) -> nn.Conv1d:
    return nn.Conv1d(channels, channels, kernel, dilation=dilation, padding=(kernel - 1) * dilation // 2)


class ResBlock(nn.Module):
    """HiFi-GAN's residual block type 1: pairs of (dilated conv, plain conv), leaky ReLU before each."""

    def __init__(self, channels: int, kernel: int, dilations: tuple[int, ...]) -> None:
        super().__init__()
        self.convs1 = nn.ModuleList(same_conv(channels, kernel, d) for d in dilations)
        self.convs2 = nn.ModuleList(same_conv(channels, kernel) for _ in dilations)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for c1, c2 in zip(self.convs1, self.convs2, strict=True):
            x = x + c2(F.leaky_relu(c1(F.leaky_relu(x, LRELU_SLOPE)), LRELU_SLOPE))
        return x


def residual_reach(kernel: int, dilations: tuple[int, ...]) -> int:
    """Samples a residual block looks to either side."""
    return sum((kernel - 1) * d // 2 + (kernel - 1) // 2 for d in dilations)


class MelGenerator(nn.Module):
    """conv_pre → [activation, ups[i], mean of resblocks] per stage → act_post → conv_post."""

    def __init__(self, cfg: GeneratorConfig) -> None:
        super().__init__()
        self.cfg = cfg
        width = cfg.upsample_initial_channel
        self.conv_pre = nn.Conv1d(cfg.in_channels, width, EDGE_KERNEL, padding=EDGE_KERNEL // 2)
        self.ups = nn.ModuleList()
        self.resblocks = nn.ModuleList()
        for rate, kernel in zip(cfg.upsample_rates, cfg.upsample_kernel_sizes, strict=True):
            self.ups.append(nn.ConvTranspose1d(width, width // 2, kernel, rate, padding=(kernel - rate) // 2))
            width //= 2
            for k, d in zip(cfg.resblock_kernel_sizes, cfg.resblock_dilation_sizes, strict=True):
                self.resblocks.append(self.residual_block(width, k, tuple(d)))
        self.act_post = self.post_activation(width)
        self.conv_post = nn.Conv1d(
            width, cfg.out_channels, EDGE_KERNEL, padding=EDGE_KERNEL // 2, bias=cfg.bias_at_final
        )

    def residual_block(self, channels: int, kernel: int, dilations: tuple[int, ...]) -> nn.Module:
        return ResBlock(channels, kernel, dilations)

    def post_activation(self, channels: int) -> nn.Module:
        return nn.LeakyReLU(POST_LRELU_SLOPE)

    def stage_input(self, x: torch.Tensor) -> torch.Tensor:
        return F.leaky_relu(x, LRELU_SLOPE)

    def activation_reach(self) -> int:
        """Samples each pointwise activation adds to the reach (0: truly pointwise)."""
        return 0

    @property
    def sample_rate(self) -> int:
        return self.cfg.sample_rate

    @property
    def hop(self) -> int:
        return self.cfg.hop

    def context_frames(self) -> int:
        """Input frames to either side that make a chunk's interior equal to a whole run."""
        cfg = self.cfg
        frames = float(EDGE_KERNEL // 2)
        scale = 1
        block_reach = max(
            residual_reach(k, tuple(d)) + 2 * len(d) * self.activation_reach()
            for k, d in zip(cfg.resblock_kernel_sizes, cfg.resblock_dilation_sizes, strict=True)
        )
        for rate, kernel in zip(cfg.upsample_rates, cfg.upsample_kernel_sizes, strict=True):
            frames += math.ceil(kernel / rate) / scale
            scale *= rate
            frames += block_reach / scale
        frames += (self.activation_reach() + EDGE_KERNEL // 2) / scale
        return math.ceil(frames) + 1

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        """(B, S, T, M) log-mel → (B, out_channels, T·hop) waveform."""
        b, s, t, m = mel.shape
        x = self.conv_pre(mel.transpose(2, 3).reshape(b, s * m, t))
        n = len(self.cfg.resblock_kernel_sizes)
        for i, up in enumerate(self.ups):
            x = up(self.stage_input(x))
            x = sum(block(x) for block in self.resblocks[i * n : (i + 1) * n]) / n
        x = self.conv_post(self.act_post(x))
        if self.cfg.final_activation == "tanh":
            return torch.tanh(x)
        if self.cfg.final_activation == "clamp":
            return x.clamp(-1, 1)
        return x

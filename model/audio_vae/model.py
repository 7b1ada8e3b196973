"""The LTX-2 audio VAE: log-mel (B, 2, T, 64) ↔ normalised latent (B, 8, L, 16).

Both halves are 2-D convolution stacks over (time, mel). LTX-2's is causal in time, so
with three levels (4× in time and mel) ``T`` mel frames encode to ``L = (T − 1) // 4 + 1``
latent frames and ``L`` latent frames decode to ``4L − 3`` mel frames: latent frame 0
stands for mel frame 0 alone, latent frame k ≥ 1 for mel frames 4k − 3 … 4k. At 16 kHz
with hop 160 that is 25 latent frames per second.

Latents are normalised with per-channel statistics over the flattened (channel, mel) axis
(``audio_vae.per_channel_statistics``, shared by both halves). The encoder keeps only the
mean half of its output (no sampling).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .blocks import (
    AttnBlock,
    Downsample,
    Level,
    MidBlock,
    PaddedConv2d,
    ResnetBlock,
    Upsample,
    make_norm,
)
from .config import AudioVAEConfig


class LatentStatistics(nn.Module):
    """Mean and std of the latent features (channel-major over channel × mel bin)."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.register_buffer("std-of-means", torch.ones(size))
        self.register_buffer("mean-of-means", torch.zeros(size))

    def _stats(self, latent: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        _, c, _, m = latent.shape
        std = self.get_buffer("std-of-means").to(latent).view(c, 1, m)
        mean = self.get_buffer("mean-of-means").to(latent).view(c, 1, m)
        return mean, std

    def normalize(self, latent: torch.Tensor) -> torch.Tensor:
        mean, std = self._stats(latent)
        return (latent - mean) / std

    def denormalize(self, latent: torch.Tensor) -> torch.Tensor:
        mean, std = self._stats(latent)
        return latent * std + mean


class AudioEncoder(nn.Module):
    """log-mel (B, in_channels, T, mel_bins) → normalised latent (B, z_channels, L, latent_mel_bins)."""

    def __init__(self, cfg: AudioVAEConfig) -> None:
        super().__init__()
        self.cfg = cfg
        causal, norm = cfg.causal, cfg.norm_type
        self.conv_in = PaddedConv2d(cfg.in_channels, cfg.ch, 3, causal)
        self.down = nn.ModuleList()
        width, res = cfg.ch, cfg.resolution
        for i, mult in enumerate(cfg.ch_mult):
            blocks, attention = [], []
            for _ in range(cfg.num_res_blocks):
                blocks.append(ResnetBlock(width, cfg.ch * mult, norm, causal))
                width = cfg.ch * mult
                if cfg.encoder_attention and res in cfg.attn_resolutions:
                    attention.append(AttnBlock(width, norm))
            level = Level(blocks, attention)
            if i < cfg.levels - 1:
                level.downsample = Downsample(width, causal, cfg.resample_with_conv)
                res //= 2
            self.down.append(level)
        self.mid = MidBlock(width, norm, causal, cfg.mid_attention and cfg.encoder_attention)
        self.norm_out = make_norm(width, norm)
        self.conv_out = PaddedConv2d(width, cfg.z_channels * (2 if cfg.double_z else 1), 3, causal)
        self.per_channel_statistics = LatentStatistics(cfg.statistics_size)

    def moments(self, mel: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Raw (un-normalised) latent mean and, with ``double_z``, its log-variance (for training)."""
        h = self.conv_in(mel)
        for level in self.down:
            h = level(h)
            if hasattr(level, "downsample"):
                h = level.downsample(h)
        h = self.conv_out(F.silu(self.norm_out(self.mid(h))))
        z = self.cfg.z_channels
        return h[:, :z], (h[:, z:] if self.cfg.double_z else None)

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        return self.per_channel_statistics.normalize(self.moments(mel)[0])


class AudioDecoder(nn.Module):
    """Normalised latent (B, z_channels, L, latent_mel_bins) → log-mel (B, out_channels, M, mel_bins).

    M = ``cfg.mel_frames(L)``.
    """

    def __init__(self, cfg: AudioVAEConfig) -> None:
        super().__init__()
        self.cfg = cfg
        causal, norm = cfg.causal, cfg.norm_type
        width = cfg.ch * cfg.ch_mult[-1]
        res = cfg.resolution // 2 ** (cfg.levels - 1)
        self.per_channel_statistics = LatentStatistics(cfg.statistics_size)
        self.conv_in = PaddedConv2d(cfg.z_channels, width, 3, causal)
        self.mid = MidBlock(width, norm, causal, cfg.mid_attention)
        levels: list[Level] = []
        for i in reversed(range(cfg.levels)):
            blocks, attention = [], []
            for _ in range(cfg.num_res_blocks + 1):
                blocks.append(ResnetBlock(width, cfg.ch * cfg.ch_mult[i], norm, causal))
                width = cfg.ch * cfg.ch_mult[i]
                if res in cfg.attn_resolutions:
                    attention.append(AttnBlock(width, norm))
            level = Level(blocks, attention)
            if i > 0:
                level.upsample = Upsample(width, causal)
                res *= 2
            levels.insert(0, level)
        self.up = nn.ModuleList(levels)
        self.norm_out = make_norm(width, norm)
        self.conv_out = PaddedConv2d(width, cfg.out_channels, 3, causal)

    @property
    def has_attention(self) -> bool:
        return any(isinstance(m, AttnBlock) for m in self.modules())

    def context_frames(self) -> int | None:
        """Past latent frames a chunk must be decoded with to equal a whole decode (None: not chunkable).

        Each causal 3-wide convolution looks two frames back at its own time resolution;
        summed in latent frames, plus one frame per level for the nearest-upsampling offsets.
        """
        cfg = self.cfg
        if not cfg.causal or self.has_attention:
            return None
        frames = 2 + 4 * 2  # conv_in, mid block
        scale = 1
        for i in reversed(range(cfg.levels)):
            frames += (cfg.num_res_blocks + 1) * 2 * 2 / scale
            if i > 0:
                scale *= 2
                frames += 2 / scale
        frames += 2 / scale  # conv_out
        return math.ceil(frames) + cfg.levels

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        frames = self.cfg.mel_frames(latent.shape[2])
        h = self.conv_in(self.per_channel_statistics.denormalize(latent))
        h = self.mid(h)
        for level in reversed(self.up):
            h = level(h)
            if hasattr(level, "upsample"):
                h = level.upsample(h)
        h = self.conv_out(F.silu(self.norm_out(h)))
        return _fit(h, frames, self.cfg.mel.mel_bins)


def _fit(mel: torch.Tensor, frames: int, bins: int) -> torch.Tensor:
    """Crop or zero-pad (time, mel) to the size the latent length promises."""
    mel = mel[:, :, :frames, :bins]
    return F.pad(mel, (0, bins - mel.shape[3], 0, frames - mel.shape[2]))

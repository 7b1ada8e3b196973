"""Cheap preview pictures of a video latent: a linear map from latent channels to RGB.

The map is fitted to the model's own video encoder, once: pictures made of flat colour
blocks are encoded, and a ridge regression finds the channel weights that give each latent
cell's colour back. Applying it costs one small matrix product per step, so a sampler can
show the current estimate at every step without decoding. Colours are approximate and the
picture has one pixel per latent cell (it is upscaled for display).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ..sampling.latents import video_latent

_PROBE_IMAGES = 16
_PROBE_CELLS = 8  # latent cells per side of one probe picture
_BLOCK_CELLS = 4  # colour blocks span 4×4 cells, so most cells see one colour only
_RIDGE = 1e-3


@dataclass(frozen=True)
class LatentColours:
    """RGB ≈ latent · weight + bias, per latent cell; weight (C, 3), bias (3,)."""

    weight: torch.Tensor
    bias: torch.Tensor

    def _rgb(self, latent: torch.Tensor, frame: int) -> torch.Tensor:
        """(3, H, W) colours of one latent frame of the first clip, one pixel per latent cell."""
        cells = latent[0, :, frame].float().cpu()
        return torch.einsum("chw,cr->rhw", cells, self.weight) + self.bias[:, None, None]

    def picture(self, latent: torch.Tensor, frame: int | None = None, longest: int = 256) -> torch.Tensor:
        """(H', W', 3) in 0..1 for one latent frame (the middle one by default) of the first clip
        of a (B, C, F, H, W) latent, upscaled so its longer side is at most ``longest``."""
        rgb = self._rgb(latent, latent.shape[2] // 2 if frame is None else frame)
        h, w = rgb.shape[1:]
        return _upscaled(rgb, max(1, longest // max(h, w))).clamp(0, 1).permute(1, 2, 0)

    def filmstrip(
        self, latent: torch.Tensor, count: int = 4, longest: int = 512, gap: int = 2
    ) -> torch.Tensor:
        """(H', W', 3) in 0..1: ``count`` latent frames spread evenly from the first to the last (fewer
        if the clip has fewer), side by side with ``gap`` black pixels between them, upscaled by a
        whole factor so the strip's longer side is at most ``longest``; so a preview shows the motion."""
        frames = latent.shape[2]
        chosen = sorted({round(i * (frames - 1) / max(1, count - 1)) for i in range(count)})
        h, w = latent.shape[3:]
        width = len(chosen) * w
        scale = max(1, min((longest - gap * (len(chosen) - 1)) // width, longest // h))
        pictures = [_upscaled(self._rgb(latent, f), scale).clamp(0, 1) for f in chosen]
        spacer = torch.zeros(3, h * scale, gap)
        strip = [part for picture in pictures for part in (spacer, picture)][1:]
        return torch.cat(strip, dim=2).permute(1, 2, 0)

    def picture_from_tokens(
        self, tokens: torch.Tensor, frames: int, height: int, width: int, longest: int = 256
    ) -> torch.Tensor:
        """As :meth:`picture`, from video tokens (B, N, C) whose first F·H·W tokens are the clip's."""
        return self.picture(_clip_latent(tokens, frames, height, width), longest=longest)

    def filmstrip_from_tokens(
        self, tokens: torch.Tensor, frames: int, height: int, width: int, count: int = 4, longest: int = 512
    ) -> torch.Tensor:
        """As :meth:`filmstrip`, from video tokens (B, N, C) whose first F·H·W tokens are the clip's."""
        return self.filmstrip(_clip_latent(tokens, frames, height, width), count=count, longest=longest)


def _clip_latent(tokens: torch.Tensor, frames: int, height: int, width: int) -> torch.Tensor:
    return video_latent(tokens[:, : frames * height * width], frames, height, width)


def _upscaled(rgb: torch.Tensor, scale: int) -> torch.Tensor:
    if scale == 1:
        return rgb
    return F.interpolate(rgb[None], scale_factor=scale, mode="bilinear", align_corners=False)[0]


def _probe_colours(generator: torch.Generator) -> torch.Tensor:
    """(images, 3, cells, cells): random colours in blocks of _BLOCK_CELLS × _BLOCK_CELLS cells."""
    blocks = _PROBE_CELLS // _BLOCK_CELLS
    colours = torch.rand(_PROBE_IMAGES, 3, blocks, blocks, generator=generator)
    return colours.repeat_interleave(_BLOCK_CELLS, 2).repeat_interleave(_BLOCK_CELLS, 3)


def fit_latent_colours(encoder: torch.nn.Module, *, seed: int = 0) -> LatentColours:
    """Fit the latent → RGB map of ``encoder`` (a VideoEncoder: pixels (B,3,F,H,W) in -1..1 → latent)."""
    colours = _probe_colours(torch.Generator().manual_seed(seed))
    space = encoder.space_factor
    pixels = colours.repeat_interleave(space, 2).repeat_interleave(space, 3)
    with torch.inference_mode():
        latent = encoder.encode(pixels[:, :, None] * 2.0 - 1.0)[:, :, 0].float().cpu()
    if latent.shape[-2:] != colours.shape[-2:]:
        raise ValueError(
            f"the video encoder maps {pixels.shape[-1]} pixels to {latent.shape[-1]} cells; "
            f"its config says {space}× spatial compression"
        )
    x = latent.permute(0, 2, 3, 1).reshape(-1, latent.shape[1])
    y = colours.permute(0, 2, 3, 1).reshape(-1, 3)
    x_mean, y_mean = x.mean(0), y.mean(0)
    xc, yc = (x - x_mean).double(), (y - y_mean).double()
    gram = xc.T @ xc
    ridge = _RIDGE * gram.diagonal().mean().clamp(min=1e-12)
    weight = torch.linalg.solve(gram + ridge * torch.eye(gram.shape[0], dtype=gram.dtype), xc.T @ yc).float()
    return LatentColours(weight, y_mean - x_mean @ weight)

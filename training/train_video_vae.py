"""Stage 1: the built-in video VAE (LTX-2 architecture, small config) on toy-world clips.

The world is mostly flat background, so the reconstruction loss weighs pixels by how far
they are from the clip's background colour, and adds a loss on frame-to-frame differences
so motion (and the exact frame of a bounce) survives the 8× temporal compression.

It trains as an autoencoder with a little latent noise (a tiny model cannot afford the
unit-variance sampling of a full VAE); the latent's scale is fixed afterwards by the
per-channel statistics the diffusion model sees.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .progress import Progress
from .toy_data import batches, clip_for_seed
from .vae_files import new_video_vae, save_pair

log = logging.getLogger(__name__)

LATENT_NOISE = 0.02


def _crop(pixels: torch.Tensor, frames: int, side: int, rng: np.random.Generator) -> torch.Tensor:
    """A random window of ``frames`` frames (often the clip's causal start) and side×side pixels,
    aligned to the VAE's 32-pixel grid; the VAE is convolutional, so windows train it as well."""
    _, total, h, w = pixels.shape
    start = 0 if rng.random() < 0.3 else int(rng.integers(0, total - frames + 1))
    top = 32 * int(rng.integers(0, (h - side) // 32 + 1))
    left = 32 * int(rng.integers(0, (w - side) // 32 + 1))
    return pixels[:, start : start + frames, top : top + side, left : left + side]


def _object_weights(pixels: torch.Tensor) -> torch.Tensor:
    """1 on background, up to 8 where a pixel differs from the clip's most common colour."""
    flat = pixels.flatten(2)
    background = flat.median(dim=2).values[:, :, None, None, None]
    distance = (pixels - background).abs().amax(dim=1, keepdim=True)
    return 1.0 + 3.0 * (distance > 0.1).float()


def reconstruction_loss(recon: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    weights = _object_weights(target)
    pixel = (weights * (recon - target).pow(2)).mean()
    motion = (torch.diff(recon, dim=2) - torch.diff(target, dim=2)).pow(2).mean()
    return pixel, motion


def train_video_vae(
    out: Path,
    *,
    steps: int,
    batch: int = 4,
    crop_frames: int = 17,
    crop_side: int = 64,
    train_seeds: range,
    seed: int = 0,
    device: str = "cpu",
    lr: float = 3e-4,
) -> Path:
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    encoder, decoder = (m.to(device) for m in new_video_vae())
    params = list(encoder.parameters()) + list(decoder.parameters())
    opt = torch.optim.Adam(params, lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.02)
    progress = Progress("video VAE", steps)
    feed = batches(list(train_seeds), batch, rng)
    encoder.train()
    decoder.train()
    for step in range(1, steps + 1):
        clips = [clip_for_seed(s).pixels for s in next(feed)]
        target = torch.stack([_crop(c, crop_frames, crop_side, rng) for c in clips]).to(device)
        mean, _ = encoder(target)
        z = mean + LATENT_NOISE * mean.detach().std() * torch.randn_like(mean)
        recon = decoder(z)
        pixel, motion = reconstruction_loss(recon, target)
        loss = pixel + motion
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        mse = F.mse_loss(recon.detach(), target)
        progress.update(step, loss=loss.item(), pixel=pixel.item(), motion=motion.item(), mse=mse.item())
    out.parent.mkdir(parents=True, exist_ok=True)
    return save_pair(out, encoder, decoder)

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

from .optimizer import OneCycle
from .progress import Progress
from .toy_data import batches, clip_for_seed
from .vae_files import load_pair, new_video_vae, save_pair

log = logging.getLogger(__name__)

LATENT_NOISE = 0.02


def _window_start(total: int, frames: int, rng: np.random.Generator) -> int:
    """Often the clip's causal start, else anywhere."""
    return 0 if rng.random() < 0.3 else int(rng.integers(0, total - frames + 1))


def _crop(pixels: torch.Tensor, frames: int, side: int, rng: np.random.Generator) -> torch.Tensor:
    """A random window of ``frames`` frames (often the clip's causal start) and side×side pixels,
    aligned to the VAE's 32-pixel grid; the VAE is convolutional, so windows train it as well."""
    _, total, h, w = pixels.shape
    start = _window_start(total, frames, rng)
    top = 32 * int(rng.integers(0, (h - side) // 32 + 1))
    left = 32 * int(rng.integers(0, (w - side) // 32 + 1))
    return pixels[:, start : start + frames, top : top + side, left : left + side]


def _object_crop(pixels: torch.Tensor, frames: int, side: int, rng: np.random.Generator) -> torch.Tensor:
    """Like ``_crop``, but the 32-aligned window that holds the most object pixels, so small
    balls, which a random window often misses, are what the VAE sees."""
    _, total, h, w = pixels.shape
    start = _window_start(total, frames, rng)
    window = pixels[:, start : start + frames]
    mask = _object_mask(window[None])[0, 0].float().sum(0)
    best, where = -1.0, (0, 0)
    for top in range(0, h - side + 1, 32):
        for left in range(0, w - side + 1, 32):
            count = float(mask[top : top + side, left : left + side].sum())
            if count > best:
                best, where = count, (top, left)
    top, left = where
    return window[:, :, top : top + side, left : left + side]


def _object_mask(pixels: torch.Tensor) -> torch.Tensor:
    """Pixels that differ from the clip's most common colour (the background)."""
    flat = pixels.flatten(2)
    background = flat.median(dim=2).values[:, :, None, None, None]
    return (pixels - background).abs().amax(dim=1, keepdim=True) > 0.1


def reconstruction_loss(
    recon: torch.Tensor, target: torch.Tensor, focus_objects: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    """Weighted pixel error plus frame-difference error. Focused on objects, the weight on
    object pixels goes from 4 to 16 and an L1 term joins the squared one: L1 does not let a
    small ball fade into the background the way a squared error alone does."""
    weights = 1.0 + (15.0 if focus_objects else 3.0) * _object_mask(target).float()
    error = recon - target
    per_pixel = error.pow(2) + error.abs() if focus_objects else error.pow(2)
    pixel = (weights * per_pixel).mean()
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
    start_from: Path | None = None,
    focus_objects: bool = False,
    save_every: int = 0,
) -> Path:
    """Train (or, from ``start_from``, go on training) the video VAE; ``focus_objects``
    crops around the objects and weighs them up (the second phase of the recipe)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    encoder, decoder = new_video_vae()
    if start_from is not None:
        load_pair(start_from, encoder, decoder)
    encoder, decoder = encoder.to(device), decoder.to(device)
    params = list(encoder.parameters()) + list(decoder.parameters())
    optimizer = OneCycle(torch.optim.Adam(params, lr=lr), steps=steps, warmup=0.02)
    progress = Progress("video VAE (objects)" if focus_objects else "video VAE", steps)
    crop = _object_crop if focus_objects else _crop
    feed = batches(list(train_seeds), batch, rng)
    encoder.train()
    decoder.train()
    for step in range(1, steps + 1):
        clips = [clip_for_seed(s).pixels for s in next(feed)]
        target = torch.stack([crop(c, crop_frames, crop_side, rng) for c in clips]).to(device)
        mean, _ = encoder(target)
        z = mean + LATENT_NOISE * mean.detach().std() * torch.randn_like(mean)
        recon = decoder(z)
        pixel, motion = reconstruction_loss(recon, target, focus_objects)
        loss = pixel + motion
        optimizer.step(loss)
        mse = F.mse_loss(recon.detach(), target)
        progress.update(step, loss=loss.item(), pixel=pixel.item(), motion=motion.item(), mse=mse.item())
        if save_every and step % save_every == 0:
            save_pair(out.with_suffix(".partial.safetensors"), encoder, decoder)
    out.parent.mkdir(parents=True, exist_ok=True)
    return save_pair(out, encoder, decoder)

"""Stage 2: the built-in audio VAE (LTX-2 architecture, small config) on toy-world sound.

It learns to reproduce the log-mel spectrogram the front end computes; the Griffin-Lim
vocoder turns decoded mels back into sound, so no vocoder is trained. Like the video VAE it
trains as an autoencoder with a little latent noise.
"""

from __future__ import annotations

import logging
import time
from multiprocessing.pool import Pool
from pathlib import Path

import numpy as np
import torch

from ..model.audio_vae.mel import log_mel
from .clip_windows import waveform_of
from .optimizer import OneCycle
from .prefetch import prefetched
from .progress import Progress
from .toy_data import batches
from .vae_files import new_audio_vae, save_pair

log = logging.getLogger(__name__)

LATENT_NOISE = 0.02


def mel_loss(recon: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """L1 on log-mels, with loud cells (sound, not the quiet floor) weighted up."""
    loud = (target > target.amax(dim=(2, 3), keepdim=True) - 6.0).float()
    return ((1.0 + 3.0 * loud) * (recon - target).abs()).mean()


def train_audio_vae(
    out: Path,
    *,
    steps: int,
    batch: int = 8,
    train_seeds: range,
    seed: int = 0,
    device: str = "cpu",
    lr: float = 5e-4,
    pool: Pool | None = None,
    stop_at: float | None = None,
) -> Path:
    """Train the audio VAE into ``out``; a ``pool``'s workers render the next batches' sound.
    At ``stop_at`` (``time.time()``) it ends early and writes what it has."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed + 1)
    encoder, decoder = (m.to(device) for m in new_audio_vae())
    cfg = encoder.cfg
    params = list(encoder.parameters()) + list(decoder.parameters())
    optimizer = OneCycle(torch.optim.Adam(params, lr=lr), steps=steps, warmup=0.02)
    progress = Progress("audio VAE", steps)
    feed = prefetched(batches(list(train_seeds), batch, rng), waveform_of, pool)
    for step in range(1, steps + 1):
        target = log_mel(torch.stack(next(feed)), cfg.mel).to(device)
        mean, _ = encoder.moments(target)
        z = mean + LATENT_NOISE * mean.detach().std() * torch.randn_like(mean)
        recon = decoder(z)
        loss = mel_loss(recon, target)
        optimizer.step(loss)
        progress.update(step, loss=loss.item(), l1=(recon - target).abs().mean().item())
        if stop_at is not None and time.time() >= stop_at:
            log.info("audio VAE: stopped at step %d of %d (time is up)", step, steps)
            break
    out.parent.mkdir(parents=True, exist_ok=True)
    return save_pair(out, encoder, decoder)

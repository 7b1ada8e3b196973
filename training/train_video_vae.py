"""Stage 1: the built-in video VAE (LTX-2 architecture, small config) on toy-world clips.

The world is mostly flat background, so the reconstruction loss weighs pixels by how far
they are from the clip's background colour, and adds a loss on frame-to-frame differences
so motion (and the exact frame of a bounce) survives the temporal compression.

It trains as an autoencoder with a little latent noise (a tiny model cannot afford the
unit-variance sampling of a full VAE); the latent's scale is fixed afterwards by the
per-channel statistics the diffusion model sees.
"""

from __future__ import annotations

import logging
import time
from multiprocessing.pool import Pool
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .builtin_config import VIDEO_VAE
from .clip_windows import WindowCut, from_bytes, object_mask
from .optimizer import OneCycle
from .prefetch import prefetched
from .progress import Progress
from .toy_data import batches
from .vae_files import load_pair, new_video_vae, save_pair

log = logging.getLogger(__name__)

LATENT_NOISE = 0.02


def moving_mask(pixels: torch.Tensor) -> torch.Tensor:
    """Pixels near something solid that moves: where a frame differs from the one before or
    after, opened by 3×3 (thin movers, rain streaks and twinkling stars, drop out) and grown
    by 9×9 so the whole moving ball is covered, not only its leading and trailing edges."""
    change = torch.diff(pixels, dim=2).abs().amax(dim=1, keepdim=True) > 0.15
    change = F.pad(change.float(), (0, 0, 0, 0, 1, 1))
    moved = torch.maximum(change[:, :, 1:], change[:, :, :-1])
    flat = moved.transpose(1, 2).flatten(0, 1)
    opened = F.max_pool2d(-F.max_pool2d(-flat, 3, 1, 1), 3, 1, 1)
    grown = F.max_pool2d(opened, 9, 1, 4)
    return grown.unflatten(0, moved.shape[0:1] + moved.shape[2:3]).transpose(1, 2) > 0


def reconstruction_loss(
    recon: torch.Tensor,
    target: torch.Tensor,
    focus_objects: bool = False,
    moving_weight: float = 0.0,
    motion_weight: float = 1.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Weighted pixel error plus frame-difference error. Focused on objects, the weight on
    object pixels goes from 4 to 16 and an L1 term joins the squared one: L1 does not let a
    small ball fade into the background the way a squared error alone does. ``moving_weight``
    adds weight around moving solid objects (balls, a falling glass, a mouth): a floor or a
    wall also differs from the background, so the object weight alone spends most of its
    push on them. ``motion_weight`` scales the frame-difference term; with ``moving_weight``
    that term is weighed up around moving objects too, so a bounce that the decoder rounds
    off over three frames costs as much as a wrong colour does."""
    weights = 1.0 + (15.0 if focus_objects else 3.0) * object_mask(target).float()
    if moving_weight:
        weights = weights + moving_weight * moving_mask(target).float()
    error = recon - target
    per_pixel = error.pow(2) + error.abs() if focus_objects else error.pow(2)
    pixel = (weights * per_pixel).mean()
    motion_error = (torch.diff(recon, dim=2) - torch.diff(target, dim=2)).pow(2)
    if moving_weight:
        motion_error = (1.0 + moving_weight * moving_mask(target)[:, :, 1:].float()) * motion_error
    return pixel, motion_weight * motion_error.mean()


def _save_state(path: Path, step: int, encoder, decoder, opt, sched) -> None:
    """Everything a resumed run needs, written to a temporary name and renamed."""
    tmp = path.with_suffix(".tmp")
    torch.save(
        {
            "step": step,
            "encoder": encoder.state_dict(),
            "decoder": decoder.state_dict(),
            "opt": opt.state_dict(),
            "sched": sched.state_dict(),
            "torch_rng": torch.get_rng_state(),
        },
        tmp,
    )
    tmp.replace(path)


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
    moving_weight: float = 0.0,
    motion_weight: float = 1.0,
    decoder_only: bool = False,
    save_every: int = 0,
    section: dict = VIDEO_VAE,
    state: Path | None = None,
    state_every_s: float = 300.0,
    stop_at: float | None = None,
    pool: Pool | None = None,
) -> Path:
    """Train (or, from ``start_from``, go on training) the video VAE; ``focus_objects``
    crops around the objects and weighs them up (the second phase of the recipe).

    With ``state``, the run saves weights, optimizer and schedule there every
    ``state_every_s`` seconds and resumes from it when it exists; at ``stop_at``
    (``time.time()``) it saves and returns early, without writing ``out``: the weights so far
    go to ``out``'s ``.partial.safetensors`` beside it, which it returns.

    A ``pool`` of worker processes cuts the next batches' windows while a step trains (None:
    the loop cuts them); the batches are the same either way.

    ``decoder_only`` trains the decoder alone on a frozen encoder: the latents a transformer
    was trained on stay as they were, and a sharper decoder can replace the old one."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    encoder, decoder = new_video_vae(section)
    if start_from is not None:
        load_pair(start_from, encoder, decoder)
    encoder, decoder = encoder.to(device), decoder.to(device)
    encoder.requires_grad_(not decoder_only)
    params = list(decoder.parameters()) + ([] if decoder_only else list(encoder.parameters()))
    optimizer = OneCycle(torch.optim.Adam(params, lr=lr), steps=steps, warmup=0.02)
    first = 1
    if state is not None and state.exists():
        saved = torch.load(state, weights_only=False)
        encoder.load_state_dict(saved["encoder"])
        decoder.load_state_dict(saved["decoder"])
        optimizer.optimizer.load_state_dict(saved["opt"])
        optimizer.schedule.load_state_dict(saved["sched"])
        torch.set_rng_state(saved["torch_rng"])
        first = saved["step"] + 1
        rng = np.random.default_rng([seed, first])
        log.info("video VAE: resuming at step %d of %d from %s", first, steps, state)
    progress = Progress("video VAE (objects)" if focus_objects else "video VAE", steps)
    cut = WindowCut(crop_frames, crop_side, objects=focus_objects)
    clips = batches(list(train_seeds), batch, rng)
    jobs = ([(s, int(rng.integers(2**62))) for s in seeds] for seeds in clips)
    encoder.train(not decoder_only)
    decoder.train()
    last_state = time.monotonic()
    partial = out.with_suffix(".partial.safetensors")
    feed = prefetched(jobs, cut, pool)
    for step in range(first, steps + 1):
        target = from_bytes(torch.stack(next(feed))).to(device)
        with torch.set_grad_enabled(not decoder_only):
            mean, _ = encoder(target)
        z = mean + LATENT_NOISE * mean.detach().std() * torch.randn_like(mean)
        recon = decoder(z)
        pixel, motion = reconstruction_loss(recon, target, focus_objects, moving_weight, motion_weight)
        loss = pixel + motion
        optimizer.step(loss)
        mse = F.mse_loss(recon.detach(), target)
        progress.update(step, loss=loss.item(), pixel=pixel.item(), motion=motion.item(), mse=mse.item())
        if save_every and step % save_every == 0:
            save_pair(partial, encoder, decoder)
        late = stop_at is not None and time.time() >= stop_at
        if state is not None and (late or time.monotonic() - last_state >= state_every_s):
            _save_state(state, step, encoder, decoder, optimizer.optimizer, optimizer.schedule)
            save_pair(partial, encoder, decoder)
            last_state = time.monotonic()
        if late:
            log.info("video VAE: stopped at step %d of %d (time is up); state: %s", step, steps, state)
            return save_pair(partial, encoder, decoder)
    out.parent.mkdir(parents=True, exist_ok=True)
    return save_pair(out, encoder, decoder)

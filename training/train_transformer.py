"""Stage 4: the audio-video transformer (and its text connectors) by flow matching on toy-world latents.

x_σ = (1 − σ)·x0 + σ·ε and the model predicts the velocity ε − x0 of every noisy token.
Some samples keep a clean prefix (the first frame: image-to-video; the first latent frames
and the audio up to the same time: extension), with per-token timesteps of 0 there, so the
model learns to continue what it is given. Captions are dropped 10 % of the time so
classifier-free guidance has an unconditional prediction to push away from.
"""

from __future__ import annotations

import copy
import logging
import math
from dataclasses import dataclass

import numpy as np
import torch

from ..model.sampling.latents import audio_positions, audio_tokens, video_positions, video_tokens
from ..model.sampling.schedule import ltx2_shift
from ..model.text.conditioner import EncodedText, TextConditioner
from ..model.transformer.model import AVTransformer, Stream
from .builtin_config import COMPRESSION, FPS
from .latent_dataset import LatentDataset
from .optimizer import OneCycle
from .progress import Progress

log = logging.getLogger(__name__)

CAPTION_DROPOUT = 0.1
FIRST_FRAME_SHARE = 0.2
PREFIX_SHARE = 0.2


def schedule_shift(video_tokens_count: int) -> float:
    """The LTX-2 schedule's shift factor at this token count (what inference uses)."""
    return math.exp(ltx2_shift(video_tokens_count))


def text_batch(states: list[torch.Tensor], max_tokens: int) -> EncodedText:
    b = len(states)
    _, d, layers = states[0].shape
    hidden = torch.zeros(b, max_tokens, d, layers)
    mask = torch.zeros(b, max_tokens, dtype=torch.long)
    for i, s in enumerate(states):
        n = min(len(s), max_tokens)
        hidden[i, :n] = s[:n].float()
        mask[i, :n] = 1
    return EncodedText(hidden, mask)


@dataclass(kw_only=True)
class FlowBatch:
    video: Stream
    audio: Stream
    video_target: torch.Tensor
    audio_target: torch.Tensor
    text: EncodedText


def conditioning_masks(
    b: int,
    frames: int,
    per_frame: int,
    audio_pos: torch.Tensor,
    video_pos: torch.Tensor,
    rng: np.random.Generator,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Denoise masks (1 = generate) with a clean first frame or a clean prefix on some samples."""
    vmask = torch.ones(b, frames * per_frame)
    amask = torch.ones(b, audio_pos.shape[2])
    for i in range(b):
        r = rng.random()
        if r < FIRST_FRAME_SHARE:
            vmask[i, :per_frame] = 0
        elif r < FIRST_FRAME_SHARE + PREFIX_SHARE:
            k = int(rng.integers(1, frames))
            vmask[i, : k * per_frame] = 0
            prefix_end = float(video_pos[i, 0, k * per_frame - 1, 1])
            amask[i] = (audio_pos[i, 0, :, 1] > prefix_end + 1e-6).float()
    return vmask, amask


def make_batch(
    ds: LatentDataset,
    idx: list[int],
    empty: torch.Tensor,
    max_tokens: int,
    shift: float,
    rng: np.random.Generator,
    device,
) -> FlowBatch:
    b = len(idx)
    v0 = video_tokens(ds.video[idx].float())
    a0 = audio_tokens(ds.audio[idx].float())
    _, _, f, h, w = ds.video.shape
    vpos = video_positions(b, f, h, w, FPS, compression=COMPRESSION)
    apos = audio_positions(b, ds.audio.shape[2])
    vmask, amask = conditioning_masks(b, f, h * w, apos, vpos, rng)
    t = torch.sigmoid(torch.from_numpy(rng.normal(size=b)).float())
    sigma = shift * t / (1 + (shift - 1) * t)
    ve, ae = torch.randn_like(v0), torch.randn_like(a0)
    vs, as_ = (sigma[:, None] * vmask)[..., None], (sigma[:, None] * amask)[..., None]
    vx = (1 - vs) * v0 + vs * ve
    ax = (1 - as_) * a0 + as_ * ae
    states = [empty if rng.random() < CAPTION_DROPOUT else ds.text[i] for i in idx]
    text = text_batch(states, max_tokens)
    placeholder = torch.zeros(0)  # the text context is filled in per step

    def stream(x: torch.Tensor, positions: torch.Tensor, mask: torch.Tensor) -> Stream:
        on = {"latent": x, "positions": positions, "sigma": sigma, "denoise_mask": mask}
        return Stream(**{k: v.to(device) for k, v in on.items()}, context=placeholder)

    return FlowBatch(
        video=stream(vx, vpos, vmask),
        audio=stream(ax, apos, amask),
        video_target=(ve - v0).to(device),
        audio_target=(ae - a0).to(device),
        text=EncodedText(text.hidden.to(device), text.mask.to(device)),
    )


def _masked_mse(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    err = (pred.float() - target).pow(2).mean(dim=-1)
    return (err * mask).sum() / mask.sum().clamp(min=1)


class EMA:
    def __init__(self, modules: list[torch.nn.Module], decay: float) -> None:
        self.decay = decay
        self.shadow = [copy.deepcopy(m).eval().requires_grad_(False) for m in modules]
        self.modules = modules

    @torch.no_grad()
    def update(self) -> None:
        for s, m in zip(self.shadow, self.modules, strict=True):
            for ps, pm in zip(s.parameters(), m.parameters(), strict=True):
                ps.lerp_(pm, 1 - self.decay)


def train_transformer(
    transformer: AVTransformer,
    conditioner: TextConditioner,
    ds: LatentDataset,
    empty_text: torch.Tensor,
    *,
    steps: int,
    batch: int,
    lr: float,
    seed: int,
    max_tokens: int,
    device: str = "cpu",
    ema_decay: float = 0.999,
) -> tuple[AVTransformer, TextConditioner]:
    """Train in place; returns the EMA copies (the weights that ship)."""
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    modules = [transformer.to(device).train(), conditioner.to(device).train()]
    params = [p for m in modules for p in m.parameters()]
    adamw = torch.optim.AdamW(params, lr=lr, weight_decay=0.01, betas=(0.9, 0.99))
    optimizer = OneCycle(adamw, steps=steps, warmup=0.05)
    ema = EMA(modules, ema_decay)
    shift = schedule_shift(ds.video.shape[2] * ds.video.shape[3] * ds.video.shape[4])
    progress = Progress("transformer", steps, report_every=100)
    n = len(ds)
    for step in range(1, steps + 1):
        idx = [int(i) for i in rng.integers(0, n, size=batch)]
        fb = make_batch(ds, idx, empty_text, max_tokens, shift, rng, device)
        prompt = conditioner(fb.text)
        fb.video.context, fb.audio.context = prompt.video, prompt.audio
        v_pred, a_pred = transformer(fb.video, fb.audio)
        v_loss = _masked_mse(v_pred, fb.video_target, fb.video.denoise_mask)
        a_loss = _masked_mse(a_pred, fb.audio_target, fb.audio.denoise_mask)
        loss = v_loss + a_loss
        optimizer.step(loss)
        ema.update()
        progress.update(step, loss=loss.item(), video=v_loss.item(), audio=a_loss.item())
    return ema.shadow[0], ema.shadow[1]

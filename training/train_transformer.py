"""Stage 4: the audio-video transformer (and its text connectors) by flow matching on toy-world latents.

x_σ = (1 − σ)·x0 + σ·ε and the model predicts the velocity ε − x0 of every noisy token.
Some samples keep a clean prefix (the first frame: image-to-video; the first latent frames
and the audio up to the same time: extension), or one whole stream clean (the picture: sound
for a given video; the sound: a picture that follows a given soundtrack), with per-token
timesteps of 0 there, so the model learns to continue or accompany what it is given. Captions
are dropped 10 % of the time so classifier-free guidance has an unconditional prediction to
push away from.

A step may see a window of each clip's latent frames instead of the whole clip (the cost of
attention grows with the square of the tokens): the window's tokens keep their true positions
in the clip, and the audio frames covering the same time go with them.

With ``state``, the run saves weights, EMA, optimizer and schedule there now and then and
resumes from it, so the stage can span several sessions.
"""

from __future__ import annotations

import copy
import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..model.sampling.latents import (
    AUDIO_LATENTS_PER_SECOND,
    audio_positions,
    audio_tokens,
    video_frame_bounds,
    video_positions,
    video_tokens,
)
from ..model.sampling.schedule import ltx2_shift
from ..model.text.conditioner import EncodedText, TextConditioner
from ..model.transformer.model import AVTransformer, Stream
from .builtin_config import COMPRESSION, FPS
from .latent_dataset import LatentDataset
from .optimizer import OneCycle
from .progress import Progress

log = logging.getLogger(__name__)

CAPTION_DROPOUT = 0.1
# Shares of the samples that are given part of the clip clean (the rest are generated whole):
# the first frame (image-to-video), a prefix of both streams (extension), and one whole stream
# (the picture: sound for a given video; the sound: a picture for a given soundtrack).
FIRST_FRAME_SHARE = 0.2
PREFIX_SHARE = 0.2
HELD_STREAM_SHARE = 0.1  # of samples with the picture held clean, and as many with the sound
# Loss weight of a token whose latent changes most between frames, over the clip's mean change
# (1 + strength × change, the change capped here).
CHANGE_CAP = 4.0


@dataclass(frozen=True)
class Focus:
    """Where a phase spends its loss: on moving video cells (``motion``), on the audio frames
    around onsets (``onsets``), and which share of the samples is given what clean: the first
    frame, a prefix, the whole picture with the sound generated against it (``held_picture``),
    or the whole sound with the picture generated (``held_sound``). The held samples are where
    the model must read the other stream's timing."""

    motion: float = 0.0
    onsets: float = 0.0
    first_frame: float = FIRST_FRAME_SHARE
    prefix: float = PREFIX_SHARE
    held_picture: float = HELD_STREAM_SHARE
    held_sound: float = HELD_STREAM_SHARE

    def __post_init__(self) -> None:
        shares = (self.first_frame, self.prefix, self.held_picture, self.held_sound)
        if min(shares) < 0.0 or sum(shares) > 1.0 + 1e-9:
            raise ValueError(
                "the shares of first-frame, prefix, held-picture and held-sound samples must be at "
                f"least 0 and add up to at most 1, got {shares}"
            )


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
    video_weight: torch.Tensor  # (B, tokens) loss weights of the video tokens
    audio_weight: torch.Tensor  # (B, tokens) loss weights of the audio tokens


def conditioning_masks(
    b: int,
    frames: int,
    per_frame: int,
    audio_pos: torch.Tensor,
    video_pos: torch.Tensor,
    rng: np.random.Generator,
    focus: Focus = Focus(),
) -> tuple[torch.Tensor, torch.Tensor]:
    """Denoise masks (1 = generate): on ``focus``'s shares of the samples a clean first frame, a
    clean prefix of both streams, or one whole stream clean."""
    vmask = torch.ones(b, frames * per_frame)
    amask = torch.ones(b, audio_pos.shape[2])
    bounds = np.cumsum([focus.first_frame, focus.prefix, focus.held_picture, focus.held_sound])
    for i in range(b):
        kind = int(np.searchsorted(bounds, rng.random(), side="right"))
        if kind == 0:
            vmask[i, :per_frame] = 0
        elif kind == 1 and frames > 1:
            k = int(rng.integers(1, frames))
            vmask[i, : k * per_frame] = 0
            prefix_end = float(video_pos[i, 0, k * per_frame - 1, 1])
            amask[i] = (audio_pos[i, 0, :, 1] > prefix_end + 1e-6).float()
        elif kind == 2:
            vmask[i] = 0
        elif kind == 3:
            amask[i] = 0
    return vmask, amask


@dataclass(frozen=True)
class Window:
    """Latent frames [video, video + video_frames) and audio frames [audio, audio + audio_frames)."""

    video: int
    audio: int


def window_lengths(video_frames: int, audio_frames: int, window: int | None) -> tuple[int, int]:
    """(video, audio) latent frames a training window holds: the audio frames of the same time."""
    if window is None or window >= video_frames:
        return video_frames, audio_frames
    seconds = window * COMPRESSION.time / FPS  # a window's frames are whole (no causal first frame)
    return window, min(audio_frames, math.ceil(seconds * AUDIO_LATENTS_PER_SECOND) + 1)


def pick_window(video_frames: int, audio_frames: int, window: int | None, rng: np.random.Generator) -> Window:
    """A random window whose audio starts where its first video frame starts (or the clip ends)."""
    v_len, a_len = window_lengths(video_frames, audio_frames, window)
    start = int(rng.integers(0, video_frames - v_len + 1))
    begins = float(video_frame_bounds(video_frames, compression=COMPRESSION)[start, 0]) / float(FPS)
    audio = int((audio_positions(1, audio_frames)[0, 0, :, 1] <= begins + 1e-6).sum())
    return Window(video=start, audio=min(audio, audio_frames - a_len))


def _change_weights(change: torch.Tensor, strength: float) -> torch.Tensor:
    """(B, T·…) weights from (B, T − 1, …) changes between neighbouring frames: each frame takes
    the larger change to or from it, over the sample's mean (capped at CHANGE_CAP)."""
    edge = torch.zeros_like(change[:, :1])
    padded = torch.cat([edge, change, edge], dim=1)
    around = torch.maximum(padded[:, 1:], padded[:, :-1])
    dims = tuple(range(1, around.dim()))
    relative = around / around.mean(dim=dims, keepdim=True).clamp(min=1e-6)
    return 1.0 + strength * relative.clamp(max=CHANGE_CAP).flatten(1)


def motion_weights(video: torch.Tensor, strength: float) -> torch.Tensor:
    """(B, F·H·W) loss weights of a clean latent's video tokens: 1, plus ``strength`` times how
    much the token's cell changes to or from a neighbouring latent frame. The world is mostly
    still background; this spends the loss on the moving ball and mouth, whose timing the sync
    figures measure. It leans the model towards clips with motion, which a small model under-draws."""
    if strength == 0 or video.shape[2] < 2:
        return torch.ones(video.shape[0], video[0, 0].numel())
    return _change_weights(video.diff(dim=2).abs().mean(dim=1), strength)


def onset_weights(audio: torch.Tensor, strength: float) -> torch.Tensor:
    """(B, T) loss weights of a clean (B, C, T, M) audio latent's tokens: 1, plus ``strength``
    times how much the latent changes to or from its neighbour in time. Ambience and music are
    steady textures that fill most of the loss; a knock's onset is where its timing is, and that
    timing can only come from the picture."""
    if strength == 0 or audio.shape[2] < 2:
        return torch.ones(audio.shape[0], audio.shape[2])
    return _change_weights(audio.diff(dim=2).abs().mean(dim=(1, 3)), strength)


def make_batch(
    ds: LatentDataset,
    idx: list[int],
    empty: torch.Tensor,
    max_tokens: int,
    shift: float,
    rng: np.random.Generator,
    device,
    window: int | None = None,
    focus: Focus = Focus(),
) -> FlowBatch:
    b = len(idx)
    _, _, f, h, w = ds.video.shape
    t_all = ds.audio.shape[2]
    v_len, a_len = window_lengths(f, t_all, window)
    spans = [pick_window(f, t_all, window, rng) for _ in idx]
    video = torch.stack([ds.video[i, :, s.video : s.video + v_len] for i, s in zip(idx, spans, strict=True)])
    audio = torch.stack([ds.audio[i, :, s.audio : s.audio + a_len] for i, s in zip(idx, spans, strict=True)])
    v0, a0 = video_tokens(video.float()), audio_tokens(audio.float())
    clip_bounds = video_frame_bounds(f, compression=COMPRESSION)
    vpos = torch.cat(
        [
            video_positions(
                1,
                v_len,
                h,
                w,
                FPS,
                frame_bounds=clip_bounds[s.video : s.video + v_len],
                compression=COMPRESSION,
            )
            for s in spans
        ]
    )
    apos = torch.cat([audio_positions(1, t_all)[:, :, s.audio : s.audio + a_len] for s in spans])
    vmask, amask = conditioning_masks(b, v_len, h * w, apos, vpos, rng, focus)
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
        video_weight=motion_weights(video.float(), focus.motion).to(device),
        audio_weight=onset_weights(audio.float(), focus.onsets).to(device),
    )


def _masked_mse(pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Mean squared error over tokens, weighted (0 for tokens given clean)."""
    err = (pred.float() - target).pow(2).mean(dim=-1)
    return (err * weight).sum() / weight.sum().clamp(min=1e-6)


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


@dataclass
class TrainedTransformer:
    """The EMA copies (the weights that ship) and whether all the steps were done."""

    transformer: AVTransformer
    conditioner: TextConditioner
    finished: bool
    step: int


def _save_state(path: Path, step: int, modules, ema: EMA, optimizer: OneCycle, rng) -> None:
    """Everything a resumed run needs, written to a temporary name and renamed."""
    tmp = path.with_suffix(".tmp")
    torch.save(
        {
            "step": step,
            "modules": [m.state_dict() for m in modules],
            "ema": [m.state_dict() for m in ema.shadow],
            "opt": optimizer.optimizer.state_dict(),
            "sched": optimizer.schedule.state_dict(),
            "numpy_rng": rng.bit_generator.state,
            "torch_rng": torch.get_rng_state(),
        },
        tmp,
    )
    tmp.replace(path)


def _load_state(path: Path, modules, ema: EMA, optimizer: OneCycle, rng) -> int:
    saved = torch.load(path, weights_only=False)
    for module, weights in zip(modules, saved["modules"], strict=True):
        module.load_state_dict(weights)
    for shadow, weights in zip(ema.shadow, saved["ema"], strict=True):
        shadow.load_state_dict(weights)
    optimizer.optimizer.load_state_dict(saved["opt"])
    optimizer.schedule.load_state_dict(saved["sched"])
    rng.bit_generator.state = saved["numpy_rng"]
    torch.set_rng_state(saved["torch_rng"])
    return saved["step"]


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
    window: int | None = None,
    state: Path | None = None,
    state_every_s: float = 300.0,
    stop_at: float | None = None,
    focus: Focus = Focus(),
) -> TrainedTransformer:
    """Train in place, on ``window`` latent frames of each clip (None: whole clips).

    With ``state`` the run saves there every ``state_every_s`` seconds and resumes from it;
    at ``stop_at`` (``time.time()``) it saves and returns early, ``finished`` False."""
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    modules = [transformer.to(device).train(), conditioner.to(device).train()]
    params = [p for m in modules for p in m.parameters()]
    adamw = torch.optim.AdamW(params, lr=lr, weight_decay=0.01, betas=(0.9, 0.99))
    optimizer = OneCycle(adamw, steps=steps, warmup=0.05)
    ema = EMA(modules, ema_decay)
    first = 1
    if state is not None and state.exists():
        first = _load_state(state, modules, ema, optimizer, rng) + 1
        log.info("transformer: resuming at step %d of %d from %s", first, steps, state)
    # The schedule's shift at the whole clip's token count: what inference uses.
    shift = schedule_shift(ds.video.shape[2] * ds.video.shape[3] * ds.video.shape[4])
    progress = Progress("transformer", steps, report_every=100)
    n = len(ds)
    last_state = time.monotonic()
    for step in range(first, steps + 1):
        idx = [int(i) for i in rng.integers(0, n, size=batch)]
        fb = make_batch(ds, idx, empty_text, max_tokens, shift, rng, device, window, focus)
        prompt = conditioner(fb.text)
        fb.video.context, fb.audio.context = prompt.video, prompt.audio
        v_pred, a_pred = transformer(fb.video, fb.audio)
        v_loss = _masked_mse(v_pred, fb.video_target, fb.video.denoise_mask * fb.video_weight)
        a_loss = _masked_mse(a_pred, fb.audio_target, fb.audio.denoise_mask * fb.audio_weight)
        loss = v_loss + a_loss
        optimizer.step(loss)
        ema.update()
        progress.update(step, loss=loss.item(), video=v_loss.item(), audio=a_loss.item())
        late = stop_at is not None and time.time() >= stop_at
        if state is not None and (late or time.monotonic() - last_state >= state_every_s):
            _save_state(state, step, modules, ema, optimizer, rng)
            last_state = time.monotonic()
        if late:
            log.info("transformer: stopped at step %d of %d (time is up); resume from %s", step, steps, state)
            return TrainedTransformer(ema.shadow[0], ema.shadow[1], finished=False, step=step)
    return TrainedTransformer(ema.shadow[0], ema.shadow[1], finished=True, step=steps)

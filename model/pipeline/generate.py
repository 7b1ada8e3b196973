"""Text (and optionally an image) → a clip with sound: the whole flow, stage after stage.

prompt ─► encode_prompts ─► (positive, negative) context
empty_latent ─► condition_on_image (optional) ─► sample ─► decode_video / decode_audio
                     (or, with candidates=N: best_of, N seeds sampled, decoded, scored, the best kept)

Each stage is its own module here, the one its node calls; this one runs them in order with
the checkpoint's defaults, for the CLI, the evaluation and the tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import torch

from ..media.fps import as_fps
from ..media.sync.score import ClipMeasures
from ..media.waveform import Waveform
from ..sampling.av_latent import AVLatent
from ..sampling.guidance import Guidance
from ..sampling.loop import StepPreview
from .best_of import CandidateScore, best_of, candidate_seeds
from .decode import decode_audio, decode_video
from .defaults import defaults_for
from .empty_clip import clip_frames, empty_latent
from .image_conditioning import condition_on_image
from .load import TalkiesModel
from .sample import sample, sigmas_for
from .text_encode import encode_prompts


@dataclass(kw_only=True)
class GeneratedClip:
    images: torch.Tensor  # (B·F, H, W, 3) in 0..1
    audio: Waveform
    fps: Fraction
    latent: AVLatent
    candidates: tuple[CandidateScore, ...] = ()  # with candidates=N: every seed's scores, in order
    kept: int = 0  # which of them this clip is


@dataclass(kw_only=True, frozen=True)
class ClipRequest:
    """What a whole generation is asked for; anything left None takes the checkpoint's default."""

    negative: str = ""
    image: torch.Tensor | None = None
    image_strength: float = 1.0
    width: int | None = None
    height: int | None = None
    frames: int | None = None
    seconds: float | None = None
    fps: Fraction | float | None = None
    seed: int = 0
    steps: int | None = None
    sigmas: Any = None
    video_guidance: Guidance | None = None
    audio_guidance: Guidance | None = None
    on_step: Callable[[StepPreview], None] | None = None
    isolate_modalities: bool = False
    candidates: int = 1  # N > 1: the best of seeds seed … seed + N − 1 by measured sync
    measures: ClipMeasures | None = None  # the caller's own figures that rank the candidates too


@dataclass(kw_only=True, frozen=True)
class ClipPlan:
    """A request with every default filled in from the checkpoint and every length checked."""

    width: int
    height: int
    frames: int
    fps: Fraction
    sigmas: torch.Tensor
    video_guidance: Guidance
    audio_guidance: Guidance


def plan_clip(model: TalkiesModel, request: ClipRequest) -> ClipPlan:
    """Defaults filled in and everything checked before any work: frame rate, length (long enough
    for sound), seed range, size, and the schedule on the latent's shape (before the latent is made)."""
    d = defaults_for(model)
    fps = as_fps(request.fps if request.fps is not None else d.fps)
    frames = clip_frames(
        fps, d.frames, model.video_compression, seconds=request.seconds, frames=request.frames
    )
    candidate_seeds(request.seed, request.candidates)  # the seed and every candidate's
    width, height = request.width or d.width, request.height or d.height
    shape = empty_latent(model, width, height, frames, fps, device="meta")
    return ClipPlan(
        width=width,
        height=height,
        frames=frames,
        fps=fps,
        sigmas=sigmas_for(model, shape, request.steps, request.sigmas),
        video_guidance=request.video_guidance or d.video,
        audio_guidance=request.audio_guidance or d.audio,
    )


def generate(model: TalkiesModel, prompt: str, **options: Any) -> GeneratedClip:
    """The whole flow; ``options`` are a :class:`ClipRequest`'s fields, defaults from the checkpoint."""
    request = ClipRequest(**options)
    plan = plan_clip(model, request)
    latent = empty_latent(model, plan.width, plan.height, plan.frames, plan.fps)
    if request.image is not None:
        latent = condition_on_image(model, latent, request.image, strength=request.image_strength)
    pos, neg = encode_prompts(model, prompt, request.negative)
    guided = {"video_guidance": plan.video_guidance, "audio_guidance": plan.audio_guidance}
    run = {"seed": request.seed, "on_step": request.on_step, "isolate_modalities": request.isolate_modalities}
    if request.candidates > 1:
        best = best_of(
            model,
            latent,
            pos,
            neg,
            candidates=request.candidates,
            sigmas=plan.sigmas,
            measures=request.measures,
            **guided,
            **run,
        )
        return GeneratedClip(
            images=best.images,
            audio=best.audio,
            fps=plan.fps,
            latent=best.latent,
            candidates=best.scores,
            kept=best.kept,
        )
    out = sample(model, latent, pos, neg, sigmas=plan.sigmas, **guided, **run)
    return GeneratedClip(
        images=decode_video(model, out), audio=decode_audio(model, out), fps=plan.fps, latent=out
    )

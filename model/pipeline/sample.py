"""The Sampler stage: the σ schedule, and the guided denoising of a clip's latents."""

from __future__ import annotations

from typing import Any

import torch

from ..parallel.mesh import split_sequence
from ..sampling.av_latent import AVLatent
from ..sampling.denoise import sample_clip
from ..sampling.guidance import Guidance
from ..sampling.latents import pixel_frames_for
from ..sampling.loop import StepPreview
from ..sampling.schedule import check_sigmas, ltx2_sigmas, parse_sigmas
from ..text.conditioner import PromptEmbedding
from ..transformer.perturbations import Skip, skip
from ..video_vae.preview import LatentColours, fit_latent_colours
from .defaults import defaults_for
from .load import TalkiesModel

__all__ = [
    "MAX_SEED",
    "MAX_STEPS",
    "LatentColours",
    "check_seed",
    "StepPreview",
    "fit_latent_colours",
    "parse_sigmas",
    "sample",
    "sigmas_for",
]


# Seeds are what ComfyUI's seed widgets hold (a signed 64-bit integer, from 0 up).
MAX_SEED = 2**63 - 1
MAX_STEPS = 1000


def check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be a whole number from 0 to {MAX_SEED} (2**63 - 1); got {seed!r}")
    return seed


def _decreasing(sigmas: torch.Tensor) -> bool:
    return bool(torch.all(sigmas[1:] < sigmas[:-1]))


def _longest_schedulable(steps: int, tokens: int) -> int:
    """The most video tokens for which the token-shifted schedule of ``steps`` still descends."""
    lo, hi = 1, tokens
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if _decreasing(ltx2_sigmas(steps, mid)) else (lo, mid - 1)
    return lo


def sigmas_for(model: TalkiesModel, latent: AVLatent, steps: int | None = None, sigmas=None) -> torch.Tensor:
    """The σ schedule for ``latent``: the user's list, or the model's schedule for its size.

    The LTX-2 schedule's shift grows with the clip's token count; past a length it pushes
    every σ to 1 and the schedule no longer descends. Such a clip is refused with the longest
    one this size and step count allow."""
    if sigmas is not None:
        return check_sigmas(sigmas)
    d = defaults_for(model)
    steps = steps or d.steps
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
        raise ValueError(
            f"steps must be a whole number from 1 to {MAX_STEPS} (0: the model's); got {steps!r}"
        )
    tokens = latent.video[0, 0].numel() if d.shift_by_tokens else None
    schedule = ltx2_sigmas(steps, tokens)
    if tokens is not None and not _decreasing(schedule):
        per_frame = latent.video[0, 0, 0].numel()
        frames = pixel_frames_for(_longest_schedulable(steps, tokens) // per_frame)
        width, height = latent.pixel_size
        raise ValueError(
            f"a clip of {latent.pixel_frames} frames at {width}x{height} is longer than this model's "
            f"schedule supports; the longest at this size is {frames} frames "
            f"({float(frames / latent.fps):.1f} s at {float(latent.fps):g} fps): make it shorter or "
            "smaller, or extend a shorter clip"
        )
    return schedule


ISOLATION = (skip(Skip.AUDIO_TO_VIDEO), skip(Skip.VIDEO_TO_AUDIO))


def sample(
    model: TalkiesModel,
    latent: AVLatent,
    prompt: PromptEmbedding,
    negative: PromptEmbedding | None,
    *,
    sigmas: torch.Tensor,
    video_guidance: Guidance,
    audio_guidance: Guidance,
    isolate_modalities: bool = False,
    **noise_and_progress: Any,
) -> AVLatent:
    """The model's transformer denoising ``latent``; ``noise_and_progress``: ``seed``, ``seeds`` (one
    per clip of the batch) or ``generator`` (the stages of one generation share one), ``on_step``,
    as :func:`sample_clip` takes them.
    ``isolate_modalities`` switches the audio↔video cross-attention off in every pass."""
    if noise_and_progress.get("seed") is not None:
        check_seed(noise_and_progress["seed"])
    for seed in noise_and_progress.get("seeds") or ():
        check_seed(seed)
    needs_negative = video_guidance.uses_uncond or audio_guidance.uses_uncond
    if model.pool is not None:
        on_step = noise_and_progress.pop("on_step", None)
        loras = [(lora.path, strength) for lora, strength in model.loras]
        stage = {
            "sigmas": sigmas,
            "isolate_modalities": isolate_modalities,
            "loras": loras,
            **noise_and_progress,
        }
        out, noise_state = model.pool.run(
            "sample",
            latent,
            prompt,
            negative,
            on_step=on_step,
            video_guidance=video_guidance,
            audio_guidance=audio_guidance,
            **stage,
        )
        if noise_state is not None:
            noise_and_progress["generator"].set_state(noise_state)
        return out
    guidance = {"video_guidance": video_guidance, "audio_guidance": audio_guidance}
    skips = ISOLATION if isolate_modalities else ()
    mesh = model.mesh
    with model.working("transformer") as transformer:
        split_sequence(transformer, None if mesh is None else mesh.sequence_group)
        negative = negative if needs_negative else None
        return sample_clip(
            transformer,
            latent,
            prompt,
            negative,
            sigmas,
            always_skip=skips,
            guidance_group=None if mesh is None else mesh.guidance_group,
            **guidance,
            **noise_and_progress,
        )

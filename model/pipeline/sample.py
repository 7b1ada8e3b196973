"""The Sampler stage: the σ schedule, and the guided denoising of a clip's latents."""

from __future__ import annotations

from typing import Any

import torch

from ..sampling.av_latent import AVLatent
from ..sampling.denoise import sample_clip
from ..sampling.guidance import Guidance
from ..sampling.loop import StepPreview
from ..sampling.schedule import check_sigmas, ltx2_sigmas, parse_sigmas
from ..text.conditioner import PromptEmbedding
from ..transformer.perturbations import Skip, skip
from ..video_vae.preview import LatentColours, fit_latent_colours
from .defaults import defaults_for
from .load import TalkiesModel

__all__ = ["LatentColours", "StepPreview", "fit_latent_colours", "parse_sigmas", "sample", "sigmas_for"]


def sigmas_for(model: TalkiesModel, latent: AVLatent, steps: int | None = None, sigmas=None) -> torch.Tensor:
    if sigmas is not None:
        return check_sigmas(sigmas)
    d = defaults_for(model)
    tokens = latent.video[0, 0].numel() if d.shift_by_tokens else None
    return ltx2_sigmas(steps or d.steps, tokens)


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
    """The model's transformer denoising ``latent``; ``noise_and_progress``: ``seed`` or ``generator``
    (the stages of one generation share one), ``on_step``, as :func:`sample_clip` takes them.
    ``isolate_modalities`` switches the audio↔video cross-attention off in every pass."""
    needs_negative = video_guidance.uses_uncond or audio_guidance.uses_uncond
    guidance = {"video_guidance": video_guidance, "audio_guidance": audio_guidance}
    skips = ISOLATION if isolate_modalities else ()
    with model.working("transformer") as transformer:
        negative = negative if needs_negative else None
        return sample_clip(
            transformer, latent, prompt, negative, sigmas, always_skip=skips, **guidance, **noise_and_progress
        )

"""The Sampler stage: the σ schedule, and the guided denoising of a clip's latents."""

from __future__ import annotations

from collections.abc import Callable

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
    seed: int | None = None,
    generator: torch.Generator | None = None,
    video_guidance: Guidance,
    audio_guidance: Guidance,
    on_step: Callable[[StepPreview], None] | None = None,
    isolate_modalities: bool = False,
) -> AVLatent:
    """Noise from ``seed``, or from ``generator`` as it stands (the stages of one generation).
    ``isolate_modalities`` switches the audio↔video cross-attention off in every pass."""
    needs_negative = video_guidance.uses_uncond or audio_guidance.uses_uncond
    with model.working("transformer") as transformer:
        return sample_clip(
            transformer,
            latent,
            prompt,
            negative if needs_negative else None,
            sigmas,
            seed=seed,
            generator=generator,
            video_guidance=video_guidance,
            audio_guidance=audio_guidance,
            on_step=on_step,
            always_skip=ISOLATION if isolate_modalities else (),
        )

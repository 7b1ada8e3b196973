"""How a stage samples what it generates: the options Add Sound, Animate to Sound, Extend and
Retake take as one value, and the schedule and sampling pass they make of them.

Every option left None takes the checkpoint's default (its steps, its guidance); the seed is
checked once, when the options are made.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from ..sampling.av_latent import AVLatent
from ..sampling.guidance import Guidance
from ..sampling.loop import StepPreview
from ..text.conditioner import PromptEmbedding
from .defaults import defaults_for
from .load import TalkiesModel
from .sample import check_seed, sample, sigmas_for


@dataclass(kw_only=True, frozen=True)
class SamplingOptions:
    """How the generated part is sampled; None takes the checkpoint's default."""

    seed: int = 0
    steps: int | None = None
    sigmas: Sequence[float] | torch.Tensor | None = None  # a σ list of one's own, instead of ``steps``
    video_guidance: Guidance | None = None
    audio_guidance: Guidance | None = None
    on_step: Callable[[StepPreview], None] | None = None
    isolate_modalities: bool = False  # the audio↔video cross-attention off (to measure what it does)

    def __post_init__(self) -> None:
        check_seed(self.seed)


MODEL_DEFAULTS = SamplingOptions()  # seed 0, the rest the checkpoint's


def schedule_for(model: TalkiesModel, shape: AVLatent, options: SamplingOptions) -> torch.Tensor:
    """The σ schedule for a clip of ``shape`` (a ``device="meta"`` latent will do)."""
    return sigmas_for(model, shape, options.steps, options.sigmas)


def sample_with(
    model: TalkiesModel,
    latent: AVLatent,
    prompt: PromptEmbedding,
    negative: PromptEmbedding | None,
    sigmas: torch.Tensor,
    options: SamplingOptions,
) -> AVLatent:
    """``latent`` sampled over ``sigmas`` (:func:`schedule_for` its shape) as ``options`` say."""
    d = defaults_for(model)
    return sample(
        model,
        latent,
        prompt,
        negative,
        sigmas=sigmas,
        seed=options.seed,
        video_guidance=d.video if options.video_guidance is None else options.video_guidance,
        audio_guidance=d.audio if options.audio_guidance is None else options.audio_guidance,
        on_step=options.on_step,
        isolate_modalities=options.isolate_modalities,
    )

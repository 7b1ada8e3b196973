"""One stream given, the other generated: the sampling pass Add Sound and Animate to Sound share.

The given stream's latent is held clean everywhere (its denoise mask all 0), so the sampler keeps
it bit-exact and spends no guidance passes on it; the other stream is generated against it at
its true positions in seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import torch

from ..media.waveform import Waveform
from ..sampling.av_latent import AVLatent
from ..sampling.guidance import Guidance
from ..sampling.loop import StepPreview
from ..sampling.time_window import keep_stream
from ..text.conditioner import PromptEmbedding
from .defaults import defaults_for
from .load import TalkiesModel
from .sample import check_seed, sample, sigmas_for


@dataclass(kw_only=True, frozen=True)
class HeldStreamClip:
    """The finished clip, and what was done to the given media to fit the model (one line each)."""

    images: torch.Tensor  # (F, H, W, 3) in 0..1
    audio: Waveform
    fps: Fraction
    notes: tuple[str, ...]


@dataclass(kw_only=True, frozen=True)
class HeldStreamOptions:
    """How the generated stream is sampled; None takes the checkpoint's default."""

    seed: int = 0
    steps: int | None = None
    video_guidance: Guidance | None = None
    audio_guidance: Guidance | None = None
    on_step: Callable[[StepPreview], None] | None = None
    isolate_modalities: bool = False  # the audio↔video cross-attention off (to measure what it does)

    def __post_init__(self) -> None:
        check_seed(self.seed)


MODEL_DEFAULTS = HeldStreamOptions()  # seed 0, the rest the checkpoint's


def schedule_for(model: TalkiesModel, shape: AVLatent, options: HeldStreamOptions) -> torch.Tensor:
    """The σ schedule for a clip of ``shape`` (a ``device="meta"`` latent will do)."""
    return sigmas_for(model, shape, options.steps)


def generate_other_stream(
    model: TalkiesModel,
    latent: AVLatent,
    held: str,
    prompt: PromptEmbedding,
    negative: PromptEmbedding | None,
    sigmas: torch.Tensor,
    options: HeldStreamOptions,
) -> AVLatent:
    """``latent`` with its ``held`` stream ("picture" or "sound") kept and the other one generated
    over ``sigmas`` (:func:`schedule_for` the latent's shape, found before any encoding)."""
    d = defaults_for(model)
    return sample(
        model,
        keep_stream(latent, held),
        prompt,
        negative,
        sigmas=sigmas,
        seed=options.seed,
        video_guidance=options.video_guidance or d.video,
        audio_guidance=options.audio_guidance or d.audio,
        on_step=options.on_step,
        isolate_modalities=options.isolate_modalities,
    )

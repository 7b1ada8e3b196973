"""One stream given, the other generated: the sampling pass Add Sound and Animate to Sound share.

The given stream's latent is held clean everywhere (its denoise mask all 0), so the sampler keeps
it bit-exact and spends no guidance passes on it; the other stream is generated against it at
its true positions in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import torch

from ..media.waveform import Waveform
from ..sampling.av_latent import AVLatent
from ..sampling.time_window import keep_stream
from ..text.conditioner import PromptEmbedding
from .load import TalkiesModel
from .sampling_options import SamplingOptions, sample_with


@dataclass(kw_only=True, frozen=True)
class HeldStreamClip:
    """The finished clip, and what was done to the given media to fit the model (one line each)."""

    images: torch.Tensor  # (F, H, W, 3) in 0..1
    audio: Waveform
    fps: Fraction
    notes: tuple[str, ...]


def generate_other_stream(
    model: TalkiesModel,
    latent: AVLatent,
    held: str,
    prompt: PromptEmbedding,
    negative: PromptEmbedding | None,
    sigmas: torch.Tensor,
    options: SamplingOptions,
) -> AVLatent:
    """``latent`` with its ``held`` stream ("picture" or "sound") kept and the other one generated
    over ``sigmas`` (:func:`schedule_for` the latent's shape, found before any encoding)."""
    return sample_with(model, keep_stream(latent, held), prompt, negative, sigmas, options)

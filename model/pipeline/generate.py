"""Text (and optionally an image) → a clip with sound: the whole flow, stage after stage.

prompt ─► encode_prompts ─► (positive, negative) context
empty_latent ─► condition_on_image (optional) ─► sample ─► decode_video / decode_audio

Each stage is its own module here, the one its node calls; this one runs them in order with
the checkpoint's defaults, for the CLI, the evaluation and the tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import torch

from ..media.fps import as_fps
from ..media.waveform import Waveform
from ..sampling.av_latent import AVLatent
from ..sampling.guidance import Guidance
from ..sampling.loop import StepPreview
from .decode import decode_audio, decode_video
from .defaults import defaults_for
from .empty_clip import clip_frames, empty_latent
from .image_conditioning import condition_on_image
from .load import TalkiesModel
from .sample import check_seed, sample, sigmas_for
from .text_encode import encode_prompts


@dataclass(kw_only=True)
class GeneratedClip:
    images: torch.Tensor  # (B·F, H, W, 3) in 0..1
    audio: Waveform
    fps: Fraction
    latent: AVLatent


def generate(
    model: TalkiesModel,
    prompt: str,
    *,
    negative: str = "",
    image: torch.Tensor | None = None,
    image_strength: float = 1.0,
    width: int | None = None,
    height: int | None = None,
    frames: int | None = None,
    seconds: float | None = None,
    fps: Fraction | float | None = None,
    seed: int = 0,
    steps: int | None = None,
    sigmas=None,
    video_guidance: Guidance | None = None,
    audio_guidance: Guidance | None = None,
    on_step: Callable[[StepPreview], None] | None = None,
    isolate_modalities: bool = False,
) -> GeneratedClip:
    """The whole flow with the checkpoint's defaults for anything not given."""
    d = defaults_for(model)
    fps = as_fps(fps if fps is not None else d.fps)
    frames = clip_frames(fps, d.frames, seconds=seconds, frames=frames)
    check_seed(seed)
    size = (width or d.width, height or d.height)
    # The schedule is checked on the latent's shape before the latent is made.
    schedule = sigmas_for(model, empty_latent(model, *size, frames, fps, device="meta"), steps, sigmas)
    latent = empty_latent(model, *size, frames, fps)
    if image is not None:
        latent = condition_on_image(model, latent, image, strength=image_strength)
    pos, neg = encode_prompts(model, prompt, negative)
    out = sample(
        model,
        latent,
        pos,
        neg,
        sigmas=schedule,
        seed=seed,
        video_guidance=video_guidance or d.video,
        audio_guidance=audio_guidance or d.audio,
        on_step=on_step,
        isolate_modalities=isolate_modalities,
    )
    return GeneratedClip(images=decode_video(model, out), audio=decode_audio(model, out), fps=fps, latent=out)

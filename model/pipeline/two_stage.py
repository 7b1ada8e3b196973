"""Two-stage generation, as LTX-2's recommended quality path runs it.

Stage 1 generates at half width and height with full guidance; the video latent is upsampled ×2
by a latent upsampler (with the VAE's statistics); stage 2 refines picture and sound at full
size along the distilled σ list, without guidance (usually with the distilled LoRA on the
model). One noise stream runs through both stages, as the reference draws it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from fractions import Fraction

import torch

from ..loading.parts import load_upsampler
from ..media.fps import as_fps
from ..sampling.av_latent import AVLatent
from ..sampling.guidance import Guidance
from ..sampling.latents import audio_frames_for_seconds, frames_for_seconds, latent_frames_for
from ..sampling.loop import StepPreview
from ..sampling.schedule import DISTILLED_STAGE2_SIGMAS, check_sigmas
from ..video_vae.upsampler import LatentUpsampler, upsample_latent
from .decode import decode_audio, decode_video
from .defaults import defaults_for
from .empty_clip import empty_latent
from .generate import GeneratedClip
from .image_conditioning import condition_on_image
from .load import TalkiesModel
from .sample import sample, sigmas_for
from .text_encode import encode_prompts

NO_GUIDANCE = Guidance()

__all__ = ["generate_two_stage", "load_upsampler", "upscale_latent", "upsampled_into"]


def upscale_latent(model: TalkiesModel, latent: AVLatent, upsampler: LatentUpsampler) -> AVLatent:
    """The clip's video latent upsampled, for a refining second stage: ×2 in space (the sound as it
    is), and with a temporal upsampler ×2 in time too (2F−1 latent frames at twice the frame rate:
    the clip then ends one new frame earlier, and its sound is cut to match).

    What was pinned at the small size is not carried over: condition the bigger clip again (a
    first frame at full size) before refining it."""
    if upsampler.cfg.rational:
        raise ValueError(
            f"this upsampler is {upsampler.cfg.describe}; Talkies runs the ×2 spatial and temporal "
            "upsamplers (ltx-2-spatial-upscaler-x2, ltx-2-temporal-upscaler-x2)"
        )
    if latent.keyframes or latent.references:
        raise ValueError("upscale a sampled clip (from Talkies Sampler), not one that still has keyframes")
    with model.working("video_encoder") as encoder:
        video = upsample_latent(latent.video, upsampler, encoder.per_channel_statistics)
    out = replace(latent, video=video.to(latent.video), video_mask=None, audio_mask=None)
    if upsampler.cfg.temporal:
        out = replace(out, fps=latent.fps * 2)
        out = replace(out, audio=latent.audio[:, :, : audio_frames_for_seconds(out.seconds)])
    return out


def upsampled_into(high: AVLatent, video: torch.Tensor, audio: torch.Tensor) -> AVLatent:
    """The full-size clip ``high`` starting from stage 1's upsampled ``video`` and its ``audio``:
    what ``high`` pins (a first frame, at full size) stays pinned, the rest starts from stage 1."""
    if video.shape != high.video.shape:
        raise ValueError(
            f"the upsampled latent is {tuple(video.shape)} but the clip needs {tuple(high.video.shape)}: "
            "use a ×2 spatial upsampler and a size that halves onto the model's grid"
        )
    if high.video_mask is not None:
        video = torch.where(high.video_mask.expand_as(video) < 1, high.video, video.to(high.video))
    return replace(high, video=video.to(high.video), audio=audio.to(high.audio))


def generate_two_stage(
    model: TalkiesModel,
    prompt: str,
    *,
    upsampler: LatentUpsampler,
    refiner: TalkiesModel | None = None,
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
    refine_sigmas=DISTILLED_STAGE2_SIGMAS,
    video_guidance: Guidance | None = None,
    audio_guidance: Guidance | None = None,
    on_step: Callable[[StepPreview], None] | None = None,
) -> GeneratedClip:
    """``refiner``: the stage-2 model (``model`` with the distilled LoRA, typically); ``model`` if None."""
    refiner = refiner or model
    d = defaults_for(model)
    fps = as_fps(fps if fps is not None else d.fps)
    comp = model.video_compression
    frames = frames_for_seconds(seconds, fps, comp) if seconds is not None else frames or d.frames
    latent_frames_for(frames, comp)
    width, height = width or d.width, height or d.height
    if width % (2 * comp.space) or height % (2 * comp.space):
        raise ValueError(
            f"two-stage generation makes the clip at half size first: {width}×{height} must be multiples of "
            f"{2 * comp.space}"
        )
    if upsampler.cfg.temporal or not upsampler.cfg.spatial:
        raise ValueError(
            f"two-stage generation takes the spatial ×2 upsampler; this one is {upsampler.cfg.describe}"
        )
    low = empty_latent(model, width // 2, height // 2, frames, fps)
    high = empty_latent(refiner, width, height, frames, fps)
    if image is not None:
        low = condition_on_image(model, low, image, strength=image_strength)
        high = condition_on_image(refiner, high, image, strength=image_strength)
    pos, neg = encode_prompts(model, prompt, negative)
    generator = torch.Generator().manual_seed(int(seed))
    guided = {"video_guidance": video_guidance or d.video, "audio_guidance": audio_guidance or d.audio}
    first = sample(model, low, pos, neg, sigmas=sigmas_for(model, low, steps), generator=generator, **guided)
    start = upsampled_into(high, upscale_latent(model, first, upsampler).video, first.audio)
    refined = sample(
        refiner,
        start,
        pos,
        None,
        sigmas=check_sigmas(refine_sigmas),
        generator=generator,
        video_guidance=NO_GUIDANCE,
        audio_guidance=NO_GUIDANCE,
        on_step=on_step,
    )
    return GeneratedClip(
        images=decode_video(refiner, refined), audio=decode_audio(refiner, refined), fps=fps, latent=refined
    )

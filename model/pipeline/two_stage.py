"""Two-stage generation, as LTX-2's recommended quality path runs it.

Stage 1 generates at half width and height with full guidance; the video latent is upsampled ×2
by a latent upsampler (with the VAE's statistics); stage 2 refines picture and sound at full
size along the distilled σ list, without guidance (usually with the distilled LoRA on the
model). One noise stream runs through both stages, as the reference draws it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import torch

from ..loading.parts import load_upsampler
from ..sampling.av_latent import AVLatent
from ..sampling.guidance import Guidance
from ..sampling.latents import audio_frames_for_seconds
from ..sampling.schedule import DISTILLED_STAGE2_SIGMAS, check_sigmas
from ..video_vae.upsampler import LatentUpsampler, upsample_latent
from .decode import decode_audio, decode_video
from .empty_clip import empty_latent
from .generate import ClipRequest, GeneratedClip, plan_clip
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
    refine_sigmas=DISTILLED_STAGE2_SIGMAS,
    **options: Any,
) -> GeneratedClip:
    """The two stages; ``options`` are a :class:`ClipRequest`'s fields (the size and length are the
    final clip's). ``refiner``: the stage-2 model (``model`` with the distilled LoRA, typically)."""
    if upsampler.cfg.temporal or not upsampler.cfg.spatial:
        raise ValueError(
            f"two-stage generation takes the spatial ×2 upsampler; this one is {upsampler.cfg.describe}"
        )
    refiner = refiner or model
    request = ClipRequest(**options)
    if request.candidates != 1:
        raise ValueError("best of N candidates runs one-stage generation; leave out the two-stage upsampler")
    plan = plan_clip(model, request)
    space = model.video_compression.space
    if plan.width % (2 * space) or plan.height % (2 * space):
        raise ValueError(
            f"two-stage generation makes the clip at half size first: {plan.width}×{plan.height} must be "
            f"multiples of {2 * space}"
        )
    low = empty_latent(model, plan.width // 2, plan.height // 2, plan.frames, plan.fps)
    high = empty_latent(refiner, plan.width, plan.height, plan.frames, plan.fps)
    if request.image is not None:
        low = condition_on_image(model, low, request.image, strength=request.image_strength)
        high = condition_on_image(refiner, high, request.image, strength=request.image_strength)
    pos, neg = encode_prompts(model, prompt, request.negative)
    generator = torch.Generator().manual_seed(int(request.seed))
    guided = {"video_guidance": plan.video_guidance, "audio_guidance": plan.audio_guidance}
    sigmas = sigmas_for(model, low, request.steps, request.sigmas)  # stage 1's tokens, at half size
    first = sample(model, low, pos, neg, sigmas=sigmas, generator=generator, **guided)
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
        on_step=request.on_step,
    )
    images, audio = decode_video(refiner, refined), decode_audio(refiner, refined)
    return GeneratedClip(images=images, audio=audio, fps=plan.fps, latent=refined)

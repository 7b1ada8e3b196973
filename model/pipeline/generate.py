"""Text (and optionally an image) → a clip with sound: the stages nodes, CLI and tests share.

prompt ─► encode_prompts ─► (positive, negative) context
empty_latent ─► condition_on_image (optional) ─► sample ─► decode_video / decode_audio
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction

import torch

from ..audio_vae.codec import decode_audio as decode_audio_latent
from ..media.audio_conform import samples_for_frames
from ..media.image_prep import prepare_conditioning
from ..media.waveform import Waveform
from ..sampling.av_latent import AVLatent, Keyframe, empty_av_latent
from ..sampling.denoise import sample_clip
from ..sampling.guidance import (
    LTX2_AUDIO_GUIDANCE,
    LTX2_VIDEO_GUIDANCE,
    LTX23_AUDIO_GUIDANCE,
    LTX23_VIDEO_GUIDANCE,
    Guidance,
)
from ..sampling.latents import VIDEO_TIME_SCALE, latent_frames_for
from ..sampling.loop import StepPreview
from ..sampling.schedule import check_sigmas, ltx2_sigmas
from ..text.conditioner import PromptEmbedding
from ..transformer.perturbations import Skip, skip
from ..video_vae.tiling import VideoTiling
from .load import TalkiesModel


@dataclass(frozen=True)
class Defaults:
    width: int
    height: int
    frames: int
    fps: Fraction
    steps: int
    video: Guidance
    audio: Guidance
    shift_by_tokens: bool


def defaults_for(model: TalkiesModel) -> Defaults:
    """What a checkpoint generates best with: its own ``talkies`` section, else LTX-2's pipeline values."""
    t = model.defaults
    if t:
        return Defaults(
            int(t.get("width", 128)),
            int(t.get("height", 128)),
            int(t.get("frames", 49)),
            Fraction(t.get("fps", "24")),
            int(t.get("steps", 16)),
            Guidance(cfg=float(t.get("video_cfg", 1.0))),
            Guidance(cfg=float(t.get("audio_cfg", 1.0))),
            True,
        )
    if model.generation == "2.3":
        return Defaults(768, 512, 121, Fraction(24), 30, LTX23_VIDEO_GUIDANCE, LTX23_AUDIO_GUIDANCE, False)
    return Defaults(768, 512, 121, Fraction(24), 40, LTX2_VIDEO_GUIDANCE, LTX2_AUDIO_GUIDANCE, False)


def empty_latent(
    model: TalkiesModel, width: int, height: int, frames: int, fps: Fraction, batch: int = 1
) -> AVLatent:
    channels, bins = model.audio_latent_shape
    return empty_av_latent(
        width,
        height,
        frames,
        Fraction(fps),
        batch,
        video_channels=model.video_latent_channels,
        audio_channels=channels,
        audio_bins=bins,
    )


def encode_prompts(
    model: TalkiesModel, prompt: str, negative: str = ""
) -> tuple[PromptEmbedding, PromptEmbedding]:
    both = model.encode_prompts([prompt, negative or ""], required=False) if prompt.strip() else None
    if both is None:
        model.encode_prompts([prompt])  # raises the empty-prompt message
    pos = PromptEmbedding(both.video[:1], both.audio[:1], both.mask[:1])
    neg = PromptEmbedding(both.video[1:], both.audio[1:], both.mask[1:])
    return pos, neg


def condition_on_image(
    model: TalkiesModel,
    latent: AVLatent,
    image: torch.Tensor,
    *,
    frame: int = 0,
    strength: float = 1.0,
    crf: int = 33,
) -> AVLatent:
    """Pin ``image`` (IMAGE (H,W,3) or (N,H,W,3), any size: resized and centre-cropped) at a
    pixel ``frame``: frame 0 replaces the first latent frame (image-to-video); any other frame
    adds a guiding keyframe."""
    if not 0 <= frame < latent.pixel_frames:
        raise ValueError(f"frame {frame} is outside the clip (0..{latent.pixel_frames - 1})")
    width, height = latent.pixel_size
    pixels = prepare_conditioning(image, height, width, crf)
    with model.working("video_encoder") as encoder:
        encoded = encoder.encode(pixels[:, :, :1]).to(latent.video)
    encoded = encoded.expand(latent.batch, -1, -1, -1, -1)
    if frame == 0:
        video = latent.video.clone()
        video[:, :, :1] = encoded[:, :, :1]
        b, _, f, h, w = latent.video.shape
        mask = (
            torch.ones(b, 1, f, h, w)
            if latent.video_mask is None
            else latent.video_mask.expand(b, 1, f, h, w).clone()
        )
        mask[:, :, :1] = 1.0 - strength
        return replace(latent, video=video, video_mask=mask)
    return replace(latent, keyframes=latent.keyframes + (Keyframe(encoded[:, :, :1], frame, strength),))


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
    seed: int,
    video_guidance: Guidance,
    audio_guidance: Guidance,
    on_step: Callable[[StepPreview], None] | None = None,
    isolate_modalities: bool = False,
) -> AVLatent:
    """``isolate_modalities`` switches the audio↔video cross-attention off in every pass."""
    needs_negative = video_guidance.uses_uncond or audio_guidance.uses_uncond
    with model.working("transformer") as transformer:
        return sample_clip(
            transformer,
            latent,
            prompt,
            negative if needs_negative else None,
            sigmas,
            seed=seed,
            video_guidance=video_guidance,
            audio_guidance=audio_guidance,
            on_step=on_step,
            always_skip=ISOLATION if isolate_modalities else (),
        )


DEFAULT_TILING = VideoTiling()


def decode_video(
    model: TalkiesModel, latent: AVLatent, tiling: VideoTiling | None = DEFAULT_TILING
) -> torch.Tensor:
    """IMAGE (B·F, H, W, 3) in 0..1."""
    with model.working("video_decoder") as decoder, torch.inference_mode():
        return decoder.decode_images(latent.video.to(model.compute_dtype), tiling=tiling).float()


def decode_audio(model: TalkiesModel, latent: AVLatent) -> Waveform:
    """The waveform at the vocoder's true rate, exactly as long as the video's frames last."""
    with (
        model.working("audio_decoder") as decoder,
        model.working("vocoder") as vocoder,
        torch.inference_mode(),
    ):
        rate = vocoder.sample_rate
        samples = samples_for_frames(latent.pixel_frames, latent.fps, rate)
        return decode_audio_latent(
            latent.audio.to(model.compute_dtype), decoder, vocoder, num_samples=samples
        )


@dataclass
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
    fps = Fraction(fps if fps is not None else d.fps).limit_denominator(1001)
    if seconds is not None:
        if seconds <= 0:
            raise ValueError(f"seconds must be positive, got {seconds}")
        frames = round(float(seconds) * fps / VIDEO_TIME_SCALE) * VIDEO_TIME_SCALE + 1
    frames = frames or d.frames
    latent_frames_for(frames)
    latent = empty_latent(model, width or d.width, height or d.height, frames, fps)
    if image is not None:
        latent = condition_on_image(model, latent, image, strength=image_strength)
    pos, neg = encode_prompts(model, prompt, negative)
    out = sample(
        model,
        latent,
        pos,
        neg,
        sigmas=sigmas_for(model, latent, steps, sigmas),
        seed=seed,
        video_guidance=video_guidance or d.video,
        audio_guidance=audio_guidance or d.audio,
        on_step=on_step,
        isolate_modalities=isolate_modalities,
    )
    return GeneratedClip(decode_video(model, out), decode_audio(model, out), fps, out)

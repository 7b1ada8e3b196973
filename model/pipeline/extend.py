"""Extending a clip with picture and sound: the next seconds, conditioned on the clip's tail.

The last latent video frames and the audio latent frames covering the same time are written
in as clean tokens at their true positions in seconds; the new frames are generated after
them in one joint pass. Every length is counted in frames and samples from one fps and one
sample rate, so any number of extensions keeps sync and sums exactly.

Two inputs are accepted:
- our latents (``extend_latent``): the new latent frames are appended to the clip's latent,
  which is decoded once at the end, so there is no seam at all;
- frames + sound from anywhere (``extend_media``): the tail is encoded on the fly, the new
  part decoded and appended; the sound cross-fades (equal power) only inside the overlap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import torch

from ..audio_vae.codec import encode_audio
from ..media.audio_conform import samples_for_frames
from ..media.image_prep import image_to_pixels
from ..media.waveform import Waveform
from ..sampling.av_latent import AVLatent
from ..sampling.compression import VideoCompression
from ..sampling.latents import (
    AUDIO_HOP,
    AUDIO_LATENT_DOWNSAMPLE,
    AUDIO_SAMPLE_RATE,
    audio_frames_for_seconds,
    latent_frame_start,
    latent_frames_for_seconds,
    snap_pixel_size,
)
from ..text.conditioner import PromptEmbedding
from .decode import decode_audio, decode_video
from .load import TalkiesModel
from .sampling_options import MODEL_DEFAULTS, SamplingOptions, sample_with, schedule_for

MEL_PER_SECOND = AUDIO_SAMPLE_RATE / AUDIO_HOP


@dataclass(kw_only=True, frozen=True)
class Window:
    """Where an extension window starts inside the whole clip."""

    video_from: int  # first latent video frame of the tail
    audio_from: int  # first latent audio frame of the tail
    new_video: int
    new_audio: int


def check_overlap(overlap: int) -> int:
    if isinstance(overlap, bool) or not isinstance(overlap, int) or overlap < 1:
        raise ValueError(
            f"overlap must be a whole number of latent frames (8 frames each for LTX-2), at least 1; "
            f"got {overlap!r}"
        )
    return overlap


def plan_window(clip: AVLatent, seconds: float, overlap: int) -> Window:
    if clip.video_start or clip.audio_start or not clip.causal_start:
        raise ValueError("extend a whole clip, not a window cut from one")
    check_overlap(overlap)
    f, t, comp = clip.video.shape[2], clip.audio.shape[2], clip.compression
    n = latent_frames_for_seconds(seconds, clip.fps, comp)
    total_audio = audio_frames_for_seconds(Fraction(clip.pixel_frames + comp.time * n) / clip.fps)
    g0 = max(0, f - overlap)
    tail_start_seconds = Fraction(latent_frame_start(g0, comp)) / clip.fps
    j0 = min(
        t,
        math.floor(
            (float(tail_start_seconds) * MEL_PER_SECOND + AUDIO_LATENT_DOWNSAMPLE - 1)
            / AUDIO_LATENT_DOWNSAMPLE
        ),
    )
    if g0 == 0 or j0 == 0:
        g0 = j0 = 0
    return Window(video_from=g0, audio_from=j0, new_video=n, new_audio=max(0, total_audio - t))


def continuation(
    tail_video: torch.Tensor,
    new_video: int,
    tail_audio: torch.Tensor,
    new_audio: int,
    fps: Fraction,
    *,
    video_start: int,
    audio_start: int,
    causal_start: bool,
    compression: VideoCompression,
) -> AVLatent:
    """A window of clean tail latents followed by ``new_*`` frames to generate."""
    b, c, _, h, w = tail_video.shape
    video = torch.cat([tail_video, tail_video.new_zeros(b, c, new_video, h, w)], dim=2)
    ac, m = tail_audio.shape[1], tail_audio.shape[3]
    audio = torch.cat([tail_audio, tail_audio.new_zeros(b, ac, new_audio, m)], dim=2)
    vmask = torch.ones(b, 1, video.shape[2], 1, 1)
    vmask[:, :, : tail_video.shape[2]] = 0.0
    amask = torch.ones(b, 1, audio.shape[2], 1)
    amask[:, :, : tail_audio.shape[2]] = 0.0
    return AVLatent(
        video=video,
        audio=audio,
        fps=fps,
        video_mask=vmask,
        audio_mask=amask,
        video_start=video_start,
        audio_start=audio_start,
        causal_start=causal_start,
        compression=compression,
    )


def extend_latent(
    model: TalkiesModel,
    clip: AVLatent,
    prompt: PromptEmbedding,
    negative: PromptEmbedding | None,
    *,
    seconds: float,
    overlap: int = 2,
    options: SamplingOptions = MODEL_DEFAULTS,
) -> AVLatent:
    """The whole clip, ``seconds`` longer (in whole latent frames); earlier frames unchanged."""
    w = plan_window(clip, seconds, overlap)
    window = continuation(
        clip.video[:, :, w.video_from :],
        w.new_video,
        clip.audio[:, :, w.audio_from :],
        w.new_audio,
        clip.fps,
        video_start=latent_frame_start(w.video_from, clip.compression),
        audio_start=max(0, AUDIO_LATENT_DOWNSAMPLE * w.audio_from + 1 - AUDIO_LATENT_DOWNSAMPLE),
        causal_start=w.video_from == 0,
        compression=clip.compression,
    )
    out = sample_with(model, window, prompt, negative, schedule_for(model, window, options), options)
    return AVLatent(
        video=torch.cat([clip.video[:, :, : w.video_from], out.video], dim=2),
        audio=torch.cat([clip.audio[:, :, : w.audio_from], out.audio], dim=2),
        fps=clip.fps,
        compression=clip.compression,
    )


def equal_power_crossfade(old: torch.Tensor, new: torch.Tensor) -> torch.Tensor:
    """Blend two equally long signals (..., N): old fades out as new fades in, power kept constant."""
    n = old.shape[-1]
    if n == 0:
        return new
    theta = (torch.arange(n, dtype=torch.float32, device=old.device) + 0.5) / n * (math.pi / 2)
    return old * torch.cos(theta) + new * torch.sin(theta)


def check_media(model: TalkiesModel, images: torch.Tensor, fps: Fraction) -> None:
    """Frames the model can encode as they are: an IMAGE batch with sides on its grid."""
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"frames must be an IMAGE batch (F, H, W, 3), got shape {tuple(images.shape)}")
    _, h, w, _ = images.shape
    comp = model.video_compression
    if (w, h) != snap_pixel_size(w, h, comp):
        near_w, near_h = snap_pixel_size(w, h, comp)
        raise ValueError(
            f"the clip is {w}×{h}; the model needs sides that are multiples of {comp.space}: "
            f"resize it to {near_w}×{near_h} first"
        )
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")


def encode_media(
    model: TalkiesModel, images: torch.Tensor, audio: Waveform
) -> tuple[torch.Tensor, torch.Tensor, float]:
    """Frames (tk+1 of them) and their sound → (video latent, audio latent, level), where the sound
    was divided by ``level`` (its peak, when above full scale) for the encoder, which expects
    full-scale float audio; only the level changes."""
    with model.working("video_encoder") as encoder:
        video = encoder.encode(image_to_pixels(images).to(model.compute_dtype))
    samples = audio.samples.float()
    peak = float(samples.abs().max()) if samples.numel() else 0.0
    level = peak if peak > 1.0 else 1.0
    with model.working("audio_encoder") as encoder:
        sound = encode_audio(Waveform(samples / level, audio.sample_rate), encoder)
    return video, sound, level


def extend_media(
    model: TalkiesModel,
    images: torch.Tensor,
    audio: Waveform,
    fps: Fraction,
    prompt: PromptEmbedding,
    negative: PromptEmbedding | None,
    *,
    seconds: float,
    overlap: int = 2,
    options: SamplingOptions = MODEL_DEFAULTS,
) -> tuple[torch.Tensor, Waveform]:
    """Frames (F, H, W, 3) + sound from anywhere → the same frames and sound, ``seconds`` longer.

    The original frames and samples before the overlap are kept exactly; the sound is
    cross-faded only over the overlap, and the result lasts exactly as long as its frames.
    """
    fps = Fraction(fps)
    check_overlap(overlap)
    latent_frames_for_seconds(seconds, fps, model.video_compression)
    check_media(model, images, fps)
    frames, comp = images.shape[0], model.video_compression
    tail = min(frames, comp.time * overlap + 1)
    tail = (tail - 1) // comp.time * comp.time + 1
    start = frames - tail
    start_sample = samples_for_frames(start, fps, audio.sample_rate)
    tail_video, tail_audio, _ = encode_media(
        model, images[start:], Waveform(audio.samples[..., start_sample:], audio.sample_rate)
    )
    n = latent_frames_for_seconds(seconds, fps, comp)
    total_audio = audio_frames_for_seconds(Fraction(tail + comp.time * n) / fps)
    t = min(tail_audio.shape[2], total_audio)
    mel_start = round(start / fps * MEL_PER_SECOND)
    window = continuation(
        tail_video,
        n,
        tail_audio[:, :, :t],
        total_audio - t,
        fps,
        video_start=start,
        audio_start=mel_start,
        causal_start=True,
        compression=comp,
    )
    out = sample_with(model, window, prompt, negative, schedule_for(model, window, options), options)
    new_images = decode_video(model, out)[tail:].to(images)
    decoded = decode_audio(model, out)
    decoded = decoded.resampled(audio.sample_rate)
    total_frames = frames + new_images.shape[0]
    total_samples = samples_for_frames(total_frames, fps, audio.sample_rate)
    original = audio.samples[..., : samples_for_frames(frames, fps, audio.sample_rate)]
    overlap_samples = original.shape[-1] - start_sample
    channels = original.shape[1]
    fresh = decoded.samples.expand(-1, channels, -1) if decoded.samples.shape[1] == 1 else decoded.samples
    fresh = fresh[:, :channels]
    mixed = equal_power_crossfade(original[..., start_sample:], fresh[..., :overlap_samples])
    joined = torch.cat([original[..., :start_sample], mixed, fresh[..., overlap_samples:]], dim=-1)
    joined = torch.nn.functional.pad(joined, (0, max(0, total_samples - joined.shape[-1])))[
        ..., :total_samples
    ]
    return torch.cat([images, new_images], dim=0), Waveform(joined, audio.sample_rate)

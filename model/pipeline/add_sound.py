"""Add Sound: a video's frames → the same frames with generated sound.

The picture is encoded with the video VAE at the model's size and grid and at a frame count it
takes, held clean at its true positions in seconds (the clip's own frame rate), and only the sound
is generated, decoded and cut to exactly as long as the given frames last. The frames handed back
are the given ones, untouched: the VAE's reconstruction of the picture is never used.
"""

from __future__ import annotations

import math
from dataclasses import replace
from fractions import Fraction

import torch

from ..media.audio_conform import samples_for_frames
from ..media.fps import as_fps
from ..media.image_prep import image_to_pixels, resize_and_center_crop, to_rgb
from ..media.waveform import Waveform
from ..sampling.compression import VideoCompression
from ..sampling.latents import frames_covering, snap_pixel_size
from ..text.conditioner import PromptEmbedding
from .decode import decode_audio
from .defaults import defaults_for
from .empty_clip import empty_latent
from .held_stream import HeldStreamClip, generate_other_stream
from .load import TalkiesModel
from .sampling_options import MODEL_DEFAULTS, SamplingOptions, schedule_for

# What the sound is asked for when the user describes nothing (the command line's default).
DEFAULT_SOUND_PROMPT = "The natural sound of what happens in the picture."


def check_video_frames(images: torch.Tensor) -> None:
    if not isinstance(images, torch.Tensor) or images.ndim != 4 or images.shape[-1] != 3:
        shape = tuple(images.shape) if isinstance(images, torch.Tensor) else type(images).__name__
        raise ValueError(f"the video must be IMAGE frames (F, H, W, 3), got {shape}")
    if images.shape[0] == 0:
        raise ValueError("the video has no frames (zero length); give at least one frame to add sound to")
    if images.shape[1] == 0 or images.shape[2] == 0:
        raise ValueError(f"the video's frames have no pixels (shape {tuple(images.shape)})")


def model_size(width: int, height: int, most_pixels: int, compression: VideoCompression) -> tuple[int, int]:
    """The size the model sees a picture at: scaled down (never up) to at most ``most_pixels``,
    keeping its shape, then snapped to the VAE's stride."""
    scale = min(1.0, math.sqrt(most_pixels / (width * height)))
    return snap_pixel_size(round(width * scale), round(height * scale), compression)


def model_picture(
    images: torch.Tensor, most_pixels: int, compression: VideoCompression
) -> tuple[torch.Tensor, list[str]]:
    """The frames as VAE pixels (1, 3, F', H', W') the model can encode, and what was done to them:
    at :func:`model_size` (scaled and centre-cropped), frames padded to tk+1 by repeating the last one.
    The sound needs only what happens in the picture, not its detail: a picture larger than the
    model's own size would cost time and memory for nothing."""
    frames, height, width, _ = images.shape
    rgb, notes = to_rgb(images), []
    seen_w, seen_h = model_size(width, height, most_pixels, compression)
    if (seen_w, seen_h) != (width, height):
        rgb = resize_and_center_crop(rgb, seen_h, seen_w)
        notes.append(
            f"the picture is {width}×{height}; the model saw it at {seen_w}×{seen_h} (at most its own "
            f"{most_pixels} pixels, sides in multiples of {compression.space}), scaled and centre-cropped; "
            "the frames handed back are unchanged"
        )
    padded = frames_covering(frames, compression)
    if padded != frames:
        rgb = torch.cat([rgb, rgb[-1:].expand(padded - frames, -1, -1, -1)])
        notes.append(
            f"the model saw {frames} frames as {padded} ({compression.time}k+1), the last frame repeated; "
            f"the sound is cut back to the {frames} frames"
        )
    return image_to_pixels(rgb), notes


def add_sound(
    model: TalkiesModel,
    images: torch.Tensor,
    fps: Fraction | float,
    prompt: PromptEmbedding,
    negative: PromptEmbedding | None,
    options: SamplingOptions = MODEL_DEFAULTS,
) -> HeldStreamClip:
    """Frames (F, H, W, 3) in 0..1 at ``fps`` → the same frames with sound lasting exactly F / fps s."""
    fps = as_fps(fps)
    check_video_frames(images)
    d = defaults_for(model)
    pixels, notes = model_picture(images, d.width * d.height, model.video_compression)
    _, _, frames, height, width = pixels.shape
    shape = empty_latent(model, width, height, frames, fps, device="meta")
    sigmas = schedule_for(model, shape, options)
    latent = empty_latent(model, width, height, frames, fps)
    with model.working("video_encoder") as encoder:
        video = encoder.encode(pixels.to(model.compute_dtype)).to(latent.video)
    out = generate_other_stream(
        model, replace(latent, video=video), "picture", prompt, negative, sigmas, options
    )
    sound = decode_audio(model, out)
    kept = samples_for_frames(images.shape[0], fps, sound.sample_rate)
    return HeldStreamClip(
        images=images,
        audio=Waveform(sound.samples[..., :kept], sound.sample_rate),
        fps=fps,
        notes=tuple(notes),
    )

"""The Empty Clip stage: an empty joint latent of a size, a length and a frame rate.

Lengths and sizes follow one rule each (:mod:`..sampling.latents`): sizes snap to the VAE's
grid, a length in seconds becomes the frame count whose duration is nearest to it.
"""

from __future__ import annotations

from fractions import Fraction

import torch

from ..media.fps import as_fps
from ..sampling.av_latent import AVLatent, empty_av_latent
from ..sampling.compression import LTX2_COMPRESSION, VideoCompression
from ..sampling.latents import (
    audio_frames_for_seconds,
    frames_for_seconds,
    latent_frames_for,
    snap_frames,
    snap_pixel_size,
)
from .load import TalkiesModel

# The largest width or height a clip may have (the Empty Clip node's limit too).
MAX_PIXEL_SIZE = 8192

__all__ = [
    "MAX_PIXEL_SIZE",
    "check_size",
    "as_fps",
    "check_frames",
    "clip_frames",
    "empty_latent",
    "frames_for_seconds",
    "snap_frames",
    "snap_pixel_size",
]


def check_frames(frames: int, fps: Fraction, compression: VideoCompression = LTX2_COMPRESSION) -> int:
    """``frames`` if it is a valid count (tk+1; 8k+1 for LTX-2) long enough at ``fps`` to carry sound."""
    latent_frames_for(frames, compression)
    if audio_frames_for_seconds(Fraction(frames) / fps) < 1:
        step = compression.time
        shortest = next(n for n in range(1, 10**6, step) if audio_frames_for_seconds(Fraction(n) / fps))
        raise ValueError(
            f"{frames} frame(s) at {float(fps):g} fps last {float(frames / fps):.3f} s, too short for "
            f"any sound; the shortest clip at this frame rate is {shortest} frames "
            f"({float(shortest / fps):.3f} s)"
        )
    return frames


def clip_frames(
    fps: Fraction,
    default: int,
    compression: VideoCompression,
    *,
    seconds: float | None = None,
    frames: int | None = None,
) -> int:
    """The frame count a clip is asked for: ``seconds`` by the one seconds→frames rule, else
    ``frames``, else ``default``; checked by :func:`check_frames`."""
    if seconds is not None:
        frames = frames_for_seconds(seconds, fps, compression)
    return check_frames(default if frames is None else frames, fps, compression)


def check_size(width: int, height: int) -> None:
    for name, value in (("width", width), ("height", height)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PIXEL_SIZE:
            raise ValueError(f"{name} must be a whole number of pixels up to {MAX_PIXEL_SIZE}; got {value!r}")


def empty_latent(
    model: TalkiesModel,
    width: int,
    height: int,
    frames: int,
    fps: Fraction,
    batch: int = 1,
    *,
    device: torch.device | str = "cpu",
) -> AVLatent:
    """``device="meta"`` describes the latent's shape without allocating it."""
    check_size(width, height)
    check_frames(frames, Fraction(fps), model.video_compression)
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
        compression=model.video_compression,
        device=device,
    )

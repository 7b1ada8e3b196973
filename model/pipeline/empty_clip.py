"""The Empty Clip stage: an empty joint latent of a size, a length and a frame rate.

Lengths and sizes follow one rule each (:mod:`..sampling.latents`): sizes snap to the VAE's
grid, a length in seconds becomes the frame count whose duration is nearest to it.
"""

from __future__ import annotations

from fractions import Fraction

from ..media.fps import as_fps
from ..sampling.av_latent import AVLatent, empty_av_latent
from ..sampling.latents import frames_for_seconds, snap_frames, snap_pixel_size
from .load import TalkiesModel

__all__ = ["as_fps", "empty_latent", "frames_for_seconds", "snap_frames", "snap_pixel_size"]


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
        compression=model.video_compression,
    )

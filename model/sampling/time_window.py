"""Which streams a sampling pass generates, and over which span of time.

A retake regenerates [start, end) seconds of a clip and keeps the rest; Add Sound keeps the
whole picture and generates the sound; Animate to Sound the other way round. All of them are
denoise masks (1 = generate, 0 = keep): a latent frame is generated when the time it covers
overlaps the window, as the reference's retake masks them, with video frames covering their
pixel frames at the clip's frame rate and audio frames their mel frames.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import torch

from .av_latent import AVLatent
from .latents import audio_positions, video_frame_bounds

STREAMS = ("sound", "picture", "both")  # what a retake may redo


@dataclass(frozen=True)
class TimeWindow:
    """[start, end) in seconds from the clip's start."""

    start: float
    end: float

    def __post_init__(self) -> None:
        for name, value in (("start", self.start), ("end", self.end)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"window {name} must be a finite number of seconds, got {value!r}")
        if self.start < 0:
            raise ValueError(f"window start {self.start} s is before the clip begins; use 0 or later")
        if not self.end > self.start:
            raise ValueError(f"window end ({self.end} s) must be after its start ({self.start} s)")


def video_frame_seconds(latent: AVLatent) -> torch.Tensor:
    """(F, 2) [start, end) seconds of each video latent frame."""
    frames = latent.video.shape[2]
    bounds = video_frame_bounds(frames, latent.video_start, latent.causal_start, latent.compression)
    return bounds / float(latent.fps)


def audio_frame_seconds(latent: AVLatent) -> torch.Tensor:
    """(T, 2) [start, end) seconds of each audio latent frame."""
    frames = latent.audio.shape[2]
    return audio_positions(1, frames, start=latent.audio_start, causal=latent.causal_start)[0, 0]


def _overlaps(spans: torch.Tensor, window: TimeWindow) -> torch.Tensor:
    return (spans[:, 1] > window.start) & (spans[:, 0] < window.end)


def _kept(existing: torch.Tensor | None, generate: torch.Tensor) -> torch.Tensor:
    """Generate where the window says so and an earlier mask (a pinned frame) allows it."""
    return generate if existing is None else torch.minimum(existing.to(generate), generate)


def check_streams(streams: str) -> str:
    if streams not in STREAMS:
        raise ValueError(f"streams must be one of {', '.join(STREAMS)}; got {streams!r}")
    return streams


def retake_window(latent: AVLatent, window: TimeWindow, streams: str = "both") -> AVLatent:
    """``latent`` with only ``streams`` inside ``window`` left to generate; all else is kept."""
    check_streams(streams)
    seconds = float(latent.seconds)
    if window.start >= seconds:
        raise ValueError(
            f"window [{window.start}, {window.end}) s starts after the clip ends ({seconds:.3f} s); "
            f"choose a start below {seconds:.3f}"
        )
    b, _, f, _, _ = latent.video.shape
    t = latent.audio.shape[2]
    picture = _overlaps(video_frame_seconds(latent), window) & (streams != "sound")
    sound = _overlaps(audio_frame_seconds(latent), window) & (streams != "picture")
    video_mask = picture.float().reshape(1, 1, f, 1, 1).expand(b, 1, f, 1, 1).to(latent.video.device)
    audio_mask = sound.float().reshape(1, 1, t, 1).expand(b, 1, t, 1).to(latent.audio.device)
    return replace(
        latent,
        video_mask=_kept(latent.video_mask, video_mask),
        audio_mask=_kept(latent.audio_mask, audio_mask),
    )


def keep_stream(latent: AVLatent, stream: str) -> AVLatent:
    """``latent`` with one stream ("picture" or "sound") held clean everywhere."""
    if stream == "picture":
        return replace(latent, video_mask=torch.zeros_like(latent.video[:, :1]))
    if stream == "sound":
        return replace(latent, audio_mask=torch.zeros_like(latent.audio[:, :1, :, :1]))
    raise ValueError(f"the stream to keep must be 'picture' or 'sound'; got {stream!r}")

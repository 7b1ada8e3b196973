"""A clip in latent space: both streams, their denoise masks, guiding keyframes, and the frame rate."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction

import torch

from .compression import VideoCompression
from .latents import (
    AUDIO_CHANNELS,
    AUDIO_MEL_BINS,
    VIDEO_CHANNELS,
    audio_frames_for_seconds,
    check_pixel_size,
    latent_frames_for,
    pixel_frames_for,
)


@dataclass(frozen=True)
class Keyframe:
    """A guiding latent (B, C, f, H, W) placed at a pixel frame, with its strength."""

    latent: torch.Tensor
    pixel_frame: int
    strength: float


@dataclass(frozen=True)
class Reference:
    """A control video's latent (B, C, f, h, w) for an IC-LoRA (depth, pose, edges, ...): its tokens
    sit beside the clip's over the clip's first frames; ``downscale`` is how many times smaller
    than the clip it was encoded (positions are scaled back up to the clip's pixels)."""

    latent: torch.Tensor
    strength: float = 1.0
    downscale: int = 1


@dataclass(kw_only=True, frozen=True)
class AVLatent:
    """video (B, 128, F, H, W) and audio (B, 8, T, 16), normalised as the transformer expects.

    Masks follow ComfyUI's ``noise_mask``: 1 = generate, 0 = keep, in between = partly keep;
    video (B, 1, F, H, W), audio (B, 1, T, 1); None means generate everything.

    A latent may be a window of a longer clip: ``video_start`` (pixel frame) and
    ``audio_start`` (mel frame) say where it begins, ``causal_start`` whether its first latent
    frames are fresh causal starts (a clip's own beginning) or cut from inside a longer latent.
    """

    video: torch.Tensor
    audio: torch.Tensor
    fps: Fraction
    compression: VideoCompression  # the model's, from its checkpoint: never assumed
    video_mask: torch.Tensor | None = None
    audio_mask: torch.Tensor | None = None
    keyframes: tuple[Keyframe, ...] = field(default_factory=tuple)
    references: tuple[Reference, ...] = field(default_factory=tuple)
    video_start: int = 0
    audio_start: int = 0
    causal_start: bool = True

    @property
    def batch(self) -> int:
        return self.video.shape[0]

    @property
    def pixel_frames(self) -> int:
        return pixel_frames_for(self.video.shape[2], self.compression)

    @property
    def pixel_size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        s = self.compression.space
        return self.video.shape[4] * s, self.video.shape[3] * s

    @property
    def seconds(self) -> Fraction:
        return self.pixel_frames / self.fps

    def video_token_mask(self) -> torch.Tensor:
        b, _, f, h, w = self.video.shape
        if self.video_mask is None:
            return torch.ones(b, f * h * w, device=self.video.device)
        return self.video_mask.expand(b, 1, f, h, w).reshape(b, -1).float()

    def audio_token_mask(self) -> torch.Tensor:
        b, _, t, _ = self.audio.shape
        if self.audio_mask is None:
            return torch.ones(b, t, device=self.audio.device)
        return self.audio_mask.expand(b, 1, t, 1).reshape(b, -1).float()

    def with_video_mask(self, mask: torch.Tensor | None) -> AVLatent:
        return replace(self, video_mask=mask)

    def repeated(self, copies: int) -> AVLatent:
        """A batch of ``copies`` of this one clip, masks, keyframes and references with it."""
        if self.batch != 1:
            raise ValueError(f"repeat one clip, not a batch of {self.batch}")

        def rows(t: torch.Tensor | None) -> torch.Tensor | None:
            return None if t is None else t.expand(copies, *t.shape[1:]).clone()

        return replace(
            self,
            video=rows(self.video),
            audio=rows(self.audio),
            video_mask=rows(self.video_mask),
            audio_mask=rows(self.audio_mask),
            keyframes=tuple(replace(k, latent=rows(k.latent)) for k in self.keyframes),
            references=tuple(replace(r, latent=rows(r.latent)) for r in self.references),
        )

    def row(self, index: int) -> AVLatent:
        """Clip ``index`` of the batch alone (a mask shared by the whole batch stays shared)."""

        if not 0 <= index < self.batch:
            raise IndexError(f"clip {index} of a batch of {self.batch}")

        def one(t: torch.Tensor | None) -> torch.Tensor | None:
            return t if t is None or t.shape[0] == 1 else t[index : index + 1]

        return replace(
            self,
            video=one(self.video),
            audio=one(self.audio),
            video_mask=one(self.video_mask),
            audio_mask=one(self.audio_mask),
            keyframes=tuple(replace(k, latent=one(k.latent)) for k in self.keyframes),
            references=tuple(replace(r, latent=one(r.latent)) for r in self.references),
        )


def empty_av_latent(
    width: int,
    height: int,
    frames: int,
    fps: Fraction,
    batch: int = 1,
    *,
    video_channels: int = VIDEO_CHANNELS,
    audio_channels: int = AUDIO_CHANNELS,
    audio_bins: int = AUDIO_MEL_BINS,
    compression: VideoCompression,
    device: torch.device | str = "cpu",
) -> AVLatent:
    """Zeros for a clip of ``frames`` pixel frames (tk+1) at ``fps``, audio covering the same time."""
    check_pixel_size(width, height, compression)
    f = latent_frames_for(frames, compression)
    if batch < 1:
        raise ValueError(f"batch must be at least 1, got {batch}")
    t = audio_frames_for_seconds(Fraction(frames) / fps)
    s = compression.space
    video = torch.zeros(batch, video_channels, f, height // s, width // s, device=device)
    audio = torch.zeros(batch, audio_channels, t, audio_bins, device=device)
    return AVLatent(video=video, audio=audio, fps=Fraction(fps), compression=compression)

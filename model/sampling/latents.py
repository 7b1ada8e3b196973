"""Latent layouts, token order and where each token sits in time and space.

Video latent (B, C, F, H, W): t× in time with a causal first frame (latent frame 0 is pixel
frame 0 alone, latent frame k ≥ 1 covers pixel frames t·k−t+1 … t·k), s× in space. The
compression (t, s) comes from the checkpoint's video VAE: LTX-2's is 8× and 32× (128
channels); the built-in model may use less. Every rule below takes it as ``compression``.
Audio latent (B, 8, T, 16): one frame per 4 mel frames of 160 samples at 16 kHz, i.e.
25 latent frames per second, also causal.
Tokens are (B, N, C): video in (frame, row, column) order, audio one token per frame.
"""

from __future__ import annotations

import math
import numbers
from fractions import Fraction

import torch

from .compression import LTX2_COMPRESSION, VideoCompression

VIDEO_CHANNELS = 128
AUDIO_CHANNELS = 8
AUDIO_MEL_BINS = 16
AUDIO_SAMPLE_RATE = 16000
AUDIO_HOP = 160
AUDIO_LATENT_DOWNSAMPLE = 4
AUDIO_LATENTS_PER_SECOND = Fraction(AUDIO_SAMPLE_RATE, AUDIO_HOP * AUDIO_LATENT_DOWNSAMPLE)


def video_tokens(latent: torch.Tensor) -> torch.Tensor:
    return latent.flatten(2).transpose(1, 2)


def video_latent(tokens: torch.Tensor, frames: int, height: int, width: int) -> torch.Tensor:
    b, _, c = tokens.shape
    return tokens.transpose(1, 2).reshape(b, c, frames, height, width)


def audio_tokens(latent: torch.Tensor) -> torch.Tensor:
    return latent.permute(0, 2, 1, 3).flatten(2)


def audio_latent(tokens: torch.Tensor, channels: int = AUDIO_CHANNELS) -> torch.Tensor:
    b, t, _ = tokens.shape
    return tokens.reshape(b, t, channels, -1).permute(0, 2, 1, 3)


def latent_frames_for(pixel_frames: int, compression: VideoCompression = LTX2_COMPRESSION) -> int:
    t = compression.time
    if pixel_frames < 1 or (pixel_frames - 1) % t:
        lo = max(1, (pixel_frames - 1) // t * t + 1)
        raise ValueError(
            f"frames must be {t}k+1; nearest valid: {lo} or {lo + t}"
            if pixel_frames > 1
            else f"frames must be {t}k+1 and at least 1"
        )
    return (pixel_frames - 1) // t + 1


def pixel_frames_for(latent_frames: int, compression: VideoCompression = LTX2_COMPRESSION) -> int:
    return (latent_frames - 1) * compression.time + 1


def latent_frame_start(latent_frame: int, compression: VideoCompression = LTX2_COMPRESSION) -> int:
    """The first pixel frame of a latent frame of a clip (0 for the causal first one)."""
    return max(0, compression.time * (latent_frame - 1) + 1)


def video_frame_bounds(
    latent_frames: int,
    start: int = 0,
    causal: bool = True,
    compression: VideoCompression = LTX2_COMPRESSION,
) -> torch.Tensor:
    """[start, end) pixel frames of each latent frame of a latent that begins at pixel frame ``start``.

    ``causal``: its first latent frame is a fresh causal start (one pixel frame); otherwise
    every latent frame spans ``compression.time`` pixel frames (a window cut from a longer latent).
    """
    t = compression.time
    i = torch.arange(latent_frames, dtype=torch.float32)
    if causal:
        bounds = (torch.stack([i, i + 1], dim=-1) * t + 1 - t).clamp(min=0)
    else:
        bounds = torch.stack([i, i + 1], dim=-1) * t
    return bounds + start


def video_positions(
    batch: int,
    frames: int,
    height: int,
    width: int,
    fps: float | Fraction,
    *,
    start: int = 0,
    causal: bool = True,
    frame_bounds: torch.Tensor | None = None,
    compression: VideoCompression = LTX2_COMPRESSION,
    device: torch.device | str = "cpu",
) -> torch.Tensor:
    """(B, 3, F·H·W, 2) bounds: time in seconds, then pixel rows and columns."""
    if frame_bounds is None:
        frame_bounds = video_frame_bounds(frames, start, causal, compression)
    t = frame_bounds.to(torch.float32) / float(fps)
    rows = torch.arange(height, dtype=torch.float32)
    cols = torch.arange(width, dtype=torch.float32)
    rows = torch.stack([rows, rows + 1], -1) * compression.space
    cols = torch.stack([cols, cols + 1], -1) * compression.space
    grid = torch.stack(
        [
            t[:, None, None, :].expand(frames, height, width, 2),
            rows[None, :, None, :].expand(frames, height, width, 2),
            cols[None, None, :, :].expand(frames, height, width, 2),
        ]
    )
    return grid.reshape(1, 3, -1, 2).expand(batch, -1, -1, -1).to(device)


def audio_positions(
    batch: int,
    frames: int,
    *,
    start: int = 0,
    causal: bool = True,
    device: torch.device | str = "cpu",
) -> torch.Tensor:
    """(B, 1, T, 2) bounds in seconds of each audio latent frame of a latent beginning at mel
    frame ``start``; ``causal``: its first frame is a fresh causal start (one mel frame)."""
    j = torch.arange(frames + 1, dtype=torch.float32) * AUDIO_LATENT_DOWNSAMPLE
    mel = (j + 1 - AUDIO_LATENT_DOWNSAMPLE).clamp(min=0) if causal else j
    seconds = (mel + start) * AUDIO_HOP / AUDIO_SAMPLE_RATE
    bounds = torch.stack([seconds[:-1], seconds[1:]], dim=-1)
    return bounds.reshape(1, 1, frames, 2).expand(batch, -1, -1, -1).to(device)


def audio_frames_for_seconds(seconds: float | Fraction) -> int:
    """Audio latent frames covering ``seconds``, as the reference rounds them."""
    return round(float(seconds) * float(AUDIO_LATENTS_PER_SECOND))


def _nearest_multiples(value: int, step: int) -> tuple[int, int]:
    lo = max(step, value // step * step)
    return lo, lo + step if lo < value else lo


def check_pixel_size(width: int, height: int, compression: VideoCompression = LTX2_COMPRESSION) -> None:
    """Width and height must be positive multiples of the VAE's spatial stride (32 for LTX-2)."""
    s = compression.space
    for name, value in (("width", width), ("height", height)):
        if value < s or value % s:
            lo, hi = _nearest_multiples(value, s)
            options = f"{lo}" if lo == hi else f"{lo} or {hi}"
            raise ValueError(f"{name} {value} must be a multiple of {s}; nearest valid: {options}")


def snap_pixel_size(
    width: int, height: int, compression: VideoCompression = LTX2_COMPRESSION
) -> tuple[int, int]:
    """The nearest valid (width, height): multiples of the spatial stride, at least one stride."""
    s = compression.space
    return max(s, round(width / s) * s), max(s, round(height / s) * s)


def _seconds(seconds: float | Fraction) -> Fraction:
    if isinstance(seconds, bool) or not isinstance(seconds, numbers.Real) or not math.isfinite(seconds):
        raise ValueError(f"a length in seconds must be a finite number, got {seconds!r}")
    if not seconds > 0:
        raise ValueError(f"a clip needs a positive length in seconds, got {seconds!r}")
    return Fraction(seconds)


def _nearest_count(value: Fraction, step: int, offset: int) -> int:
    """k ≥ 0 with ``offset + step·k`` nearest ``value``; halfway goes to the larger k."""
    return max(0, math.floor((value - offset) / step + Fraction(1, 2)))


def frames_for_seconds(
    seconds: float | Fraction, fps: Fraction, compression: VideoCompression = LTX2_COMPRESSION
) -> int:
    """The frame count (tk+1; 8k+1 for LTX-2) of a clip ``seconds`` long at ``fps``: the one whose duration,
    frames / fps, is nearest to ``seconds`` (halfway goes to the longer clip; at least one frame).

    Every front end (CLI, Empty Clip, extension) uses this one rule, so a length typed anywhere
    gives the same clip: 1.85 s at 24 fps is 41 frames (1.71 s; 49 frames would be 2.04 s).
    """
    t = compression.time
    return 1 + t * _nearest_count(_seconds(seconds) * Fraction(fps), t, 1)


def latent_frames_for_seconds(
    seconds: float | Fraction, fps: Fraction, compression: VideoCompression = LTX2_COMPRESSION
) -> int:
    """Latent frames (``compression.time`` pixel frames each) that add ``seconds`` to a clip: the
    count whose added duration is nearest to ``seconds`` (halfway goes to the longer), at least one."""
    return max(1, _nearest_count(_seconds(seconds) * Fraction(fps), compression.time, 0))


def snap_frames(frames: int, compression: VideoCompression = LTX2_COMPRESSION) -> int:
    """The nearest valid frame count tk+1 (at least 1)."""
    t = compression.time
    return max(1, round((frames - 1) / t) * t + 1)


def frames_covering(frames: int, compression: VideoCompression = LTX2_COMPRESSION) -> int:
    """The fewest valid frames (tk+1) that hold ``frames`` frames (at least 1)."""
    t = compression.time
    return 1 + t * max(0, math.ceil((frames - 1) / t))

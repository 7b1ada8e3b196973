"""Joining clips that were made separately, with the same sample-exact rules as extension.

Each part's sound is first fitted to exactly the duration of its own frames, so the joined
sound lasts exactly as long as the joined frames and every seam falls on a frame boundary.
Parts may differ in sample rate and channel count (the first part's rate and the widest
layout win); they must share fps and picture size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import torch

from ..media.audio_conform import fit_length, remix, samples_for_frames
from ..media.waveform import Waveform

SEAM_FADE_SECONDS = 0.002


@dataclass(frozen=True)
class ClipPart:
    images: torch.Tensor  # (F, H, W, 3) in 0..1
    audio: Waveform
    fps: Fraction


def _seam_fade(samples: int) -> torch.Tensor:
    """A quarter-sine ramp 0 → 1 over ``samples`` (equal-power shape)."""
    t = (torch.arange(samples, dtype=torch.float32) + 0.5) / max(1, samples)
    return torch.sin(t * math.pi / 2)


def join_clips(parts: Sequence[ClipPart], *, seam_fade: float = SEAM_FADE_SECONDS) -> ClipPart:
    """One clip: frames back to back, sound back to back and exactly as long as the frames.

    ``seam_fade`` (seconds, 0 to disable) ramps the sound out and in at each seam so two
    unrelated sounds do not click; it never moves a sample in time.
    """
    if not parts:
        raise ValueError("give at least one clip to join")
    fps = Fraction(parts[0].fps)
    size = tuple(parts[0].images.shape[1:])
    for i, p in enumerate(parts[1:], 2):
        if Fraction(p.fps) != fps:
            raise ValueError(f"clip {i} runs at {p.fps} fps, clip 1 at {fps}; resample one before joining")
        if tuple(p.images.shape[1:]) != size:
            raise ValueError(
                f"clip {i} is {tuple(p.images.shape[1:3])} pixels, clip 1 {size[:2]}; "
                "resize one before joining"
            )
    rate = parts[0].audio.sample_rate
    channels = max(p.audio.samples.shape[1] for p in parts)
    fade = round(seam_fade * rate)
    pieces = []
    for i, p in enumerate(parts):
        wave = p.audio.resampled(rate).samples[0].float()
        wave = remix(wave, channels) if wave.shape[0] != channels else wave
        wave = fit_length(wave, samples_for_frames(p.images.shape[0], fps, rate))
        if fade and wave.shape[-1] >= 2 * fade:
            wave = wave.clone()
            if i > 0:
                wave[..., :fade] *= _seam_fade(fade)
            if i < len(parts) - 1:
                wave[..., -fade:] *= _seam_fade(fade).flip(0)
        pieces.append(wave)
    images = torch.cat([p.images for p in parts], dim=0)
    return ClipPart(images, Waveform(torch.cat(pieces, dim=-1)[None], rate), fps)

"""Conditioning as clean tokens: images, keyframes and the tail of a previous clip.

A conditioning latent is written into the token sequence with a denoise mask of
1 − strength (strength 1 = kept exactly, 0 = ignored). Frames inside the clip replace the
tokens at their index; a keyframe anywhere else is appended as extra tokens positioned at
its true time, and removed again after sampling.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import torch

from .compression import LTX2_COMPRESSION, VideoCompression
from .latents import (
    audio_tokens,
    video_frame_bounds,
    video_positions,
    video_tokens,
)
from .loop import LatentState


def _check_strength(strength: float) -> None:
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"conditioning strength must be within 0..1, got {strength}")


def _write(state: LatentState, tokens: torch.Tensor, start: int, strength: float) -> LatentState:
    stop = start + tokens.shape[1]
    if start < 0 or stop > state.latent.shape[1]:
        raise ValueError(
            "conditioning frames fall outside the clip; choose an earlier frame or a longer clip"
        )
    latent, clean, mask = state.latent.clone(), state.clean.clone(), state.mask.clone()
    tokens = tokens.to(latent)
    latent[:, start:stop] = tokens
    clean[:, start:stop] = tokens
    mask[:, start:stop] = 1.0 - strength
    return replace(state, latent=latent, clean=clean, mask=mask)


def condition_video_frames(
    state: LatentState, latent: torch.Tensor, first_frame: int, strength: float = 1.0
) -> LatentState:
    """Pin latent frames [first_frame, first_frame + f) to ``latent`` (B, C, f, H, W)."""
    _check_strength(strength)
    per_frame = latent.shape[3] * latent.shape[4]
    return _write(state, video_tokens(latent), first_frame * per_frame, strength)


def condition_audio_frames(
    state: LatentState, latent: torch.Tensor, first_frame: int, strength: float = 1.0
) -> LatentState:
    """Pin audio latent frames [first_frame, first_frame + t) to ``latent`` (B, C, t, M)."""
    _check_strength(strength)
    return _write(state, audio_tokens(latent), first_frame, strength)


def _appended(
    state: LatentState, tokens: torch.Tensor, positions: torch.Tensor, strength: float
) -> LatentState:
    """``state`` with clean ``tokens`` after its own, at ``positions``, held at ``strength``."""
    mask = torch.full(tokens.shape[:2], 1.0 - strength, device=state.mask.device)
    return LatentState(
        latent=torch.cat([state.latent, tokens], 1),
        clean=torch.cat([state.clean, tokens], 1),
        mask=torch.cat([state.mask, mask], 1),
        positions=torch.cat([state.positions, positions.to(state.positions)], 2),
        attention_bias=state.attention_bias,
        single_frame=None
        if state.single_frame is None
        else torch.cat([state.single_frame, torch.zeros_like(mask, dtype=torch.bool)], 1),
    )


def append_keyframe(
    state: LatentState,
    latent: torch.Tensor,
    pixel_frame: int,
    fps: float | Fraction,
    strength: float = 1.0,
    *,
    compression: VideoCompression = LTX2_COMPRESSION,
) -> LatentState:
    """Add guiding tokens for ``latent`` (B, C, f, H, W) placed at ``pixel_frame`` of the clip."""
    _check_strength(strength)
    b, _, f, h, w = latent.shape
    tokens = video_tokens(latent).to(state.latent)
    # Only a clip's first latent frame is causal; a keyframe elsewhere keeps whole-latent-frame bounds.
    causal = pixel_frame == 0
    bounds = video_frame_bounds(f, pixel_frame, causal, compression)
    positions = video_positions(
        b, f, h, w, fps, frame_bounds=bounds, compression=compression, device=state.latent.device
    )
    return _appended(state, tokens, positions, strength)


def append_reference(
    state: LatentState,
    latent: torch.Tensor,
    fps: float | Fraction,
    strength: float = 1.0,
    *,
    downscale: int = 1,
    compression: VideoCompression = LTX2_COMPRESSION,
) -> LatentState:
    """Add an IC-LoRA control video's tokens (B, C, f, h, w): positions from the clip's start, as a
    causal clip of its own, with rows and columns scaled by ``downscale`` to the clip's pixels."""
    _check_strength(strength)
    if downscale < 1:
        raise ValueError(f"a reference's downscale factor must be at least 1, got {downscale}")
    b, _, f, h, w = latent.shape
    tokens = video_tokens(latent).to(state.latent)
    positions = video_positions(b, f, h, w, fps, compression=compression, device=state.latent.device)
    positions[:, 1:] *= downscale
    return _appended(state, tokens, positions, strength)


def drop_appended(state: LatentState, tokens: int) -> LatentState:
    """Keep only the clip's own first ``tokens`` tokens (after sampling with keyframes)."""
    return LatentState(
        latent=state.latent[:, :tokens],
        clean=state.clean[:, :tokens],
        mask=torch.ones_like(state.mask[:, :tokens]),
        positions=state.positions[:, :, :tokens],
        attention_bias=None,
        single_frame=None if state.single_frame is None else state.single_frame[:, :tokens],
    )

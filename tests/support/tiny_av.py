"""Tiny random audio-video transformers built directly from a config (no reference needed)."""

from __future__ import annotations

from dataclasses import replace

import torch

from talkies.model.config import TransformerConfig
from talkies.model.sampling.latents import audio_positions, video_positions
from talkies.model.transformer.model import AVTransformer, Stream

LTX23_TINY = TransformerConfig(
    num_layers=3,
    video_heads=2,
    video_head_dim=16,
    audio_heads=2,
    audio_head_dim=8,
    video_in_channels=16,
    video_out_channels=16,
    audio_in_channels=16,
    audio_out_channels=16,
    video_context_dim=32,
    audio_context_dim=16,
    caption_projection=False,
    rope_type="split",
    rope_float64=True,
    av_timestep_scale=1000.0,
    gated_attention=True,
    cross_attention_adaln=True,
    generation="2.3",
)


def tiny_config(**overrides) -> TransformerConfig:
    return replace(LTX23_TINY, **overrides)


def tiny_transformer(seed: int = 0, dtype: torch.dtype = torch.float32, **overrides) -> AVTransformer:
    """An LTX-2.3-shaped transformer with seeded random weights (std 0.1)."""
    model = AVTransformer(tiny_config(**overrides))
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, p in sorted(model.named_parameters()):
            p.copy_(torch.randn(p.shape, generator=g) * 0.1)
    return model.to(dtype).eval().requires_grad_(False)


def tiny_streams(
    model: AVTransformer, batch: int = 1, seed: int = 1, sigma: float = 0.7, frames: int = 2
) -> tuple[Stream, Stream]:
    """Random video (frames×2×3 latent) and audio (5 frames) streams with 4 text tokens."""
    c = model.cfg
    g = torch.Generator().manual_seed(seed)
    dtype, device = model.dtype, model.patchify_proj.weight.device
    rnd = lambda *shape: torch.randn(*shape, generator=g).to(device, dtype)  # noqa: E731
    sig = torch.full((batch,), sigma, device=device)
    video = Stream(
        latent=rnd(batch, frames * 6, c.video_in_channels),
        positions=video_positions(batch, frames, 2, 3, 24.0, device=device),
        sigma=sig,
        context=rnd(batch, 4, c.video_context_dim),
    )
    audio = Stream(
        latent=rnd(batch, 5, c.audio_in_channels),
        positions=audio_positions(batch, 5, device=device),
        sigma=sig,
        context=rnd(batch, 4, c.audio_context_dim),
    )
    return video, audio

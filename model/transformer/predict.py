"""One denoiser evaluation in latent layouts: the transformer as outside code calls it."""

from __future__ import annotations

from fractions import Fraction

import torch

from ..sampling.compression import LTX2_COMPRESSION, VideoCompression
from ..sampling.latents import (
    audio_latent,
    audio_positions,
    audio_tokens,
    video_latent,
    video_positions,
    video_tokens,
)
from .model import AVTransformer, Stream


def _token_mask(
    mask: torch.Tensor | None, batch: int, tokens: int, name: str, device: torch.device
) -> torch.Tensor | None:
    if mask is None:
        return None
    if mask.numel() != batch * tokens:
        raise ValueError(
            f"{name} must hold one value per token ({batch}×{tokens}), got shape {tuple(mask.shape)}"
        )
    return mask.reshape(batch, tokens).float().to(device)


def first_frame_tokens(batch: int, frames: int, height: int, width: int, device=None) -> torch.Tensor:
    """(B, F·H·W) bool marking a whole clip's first latent frame: the only one that encodes a single
    pixel frame (the video VAE is causal)."""
    marked = torch.zeros(batch, frames, height * width, dtype=torch.bool, device=device)
    marked[:, 0] = True
    return marked.flatten(1)


def predict_velocity(
    model: AVTransformer,
    video_latent_in: torch.Tensor,
    audio_latent_in: torch.Tensor,
    sigma: float | torch.Tensor,
    *,
    video_context: torch.Tensor,
    audio_context: torch.Tensor,
    fps: float | Fraction,
    video_mask: torch.Tensor | None = None,
    audio_mask: torch.Tensor | None = None,
    video_context_mask: torch.Tensor | None = None,
    audio_context_mask: torch.Tensor | None = None,
    compression: VideoCompression = LTX2_COMPRESSION,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Velocity predictions for a video latent (B,128,F,H,W) and an audio latent (B,8,T,16).

    ``compression``: the video VAE's (it places each latent cell in seconds and pixels); LTX-2's
    8× in time and 32× in space unless a checkpoint says otherwise (``TalkiesModel.video_compression``).

    sigma: a float or (B,); masks: per-token denoise masks (1 = noisy, 0 = clean), any shape
    holding F·H·W (video) or T (audio) values per sample; contexts: each stream's text
    context as the transformer receives it (the connectors' output).
    """
    if video_latent_in.ndim != 5 or audio_latent_in.ndim != 4:
        raise ValueError(
            f"expected a video latent (B,C,F,H,W) and an audio latent (B,C,T,M); got shapes "
            f"{tuple(video_latent_in.shape)} and {tuple(audio_latent_in.shape)}"
        )
    b, _, f, h, w = video_latent_in.shape
    t = audio_latent_in.shape[2]
    dev, dtype = video_latent_in.device, model.dtype
    sig = torch.as_tensor(sigma, dtype=torch.float32, device=dev).reshape(-1).expand(b).clone()
    video = Stream(
        latent=video_tokens(video_latent_in).to(dtype),
        positions=video_positions(b, f, h, w, fps, compression=compression, device=dev),
        sigma=sig,
        context=video_context.to(dev, dtype),
        context_mask=video_context_mask,
        denoise_mask=_token_mask(video_mask, b, f * h * w, "video_mask", dev),
        single_frame_tokens=first_frame_tokens(b, f, h, w, dev),
    )
    audio = Stream(
        latent=audio_tokens(audio_latent_in).to(dtype),
        positions=audio_positions(b, t, device=dev),
        sigma=sig,
        context=audio_context.to(dev, dtype),
        context_mask=audio_context_mask,
        denoise_mask=_token_mask(audio_mask, b, t, "audio_mask", dev),
    )
    with torch.no_grad():
        v, a = model(video, audio)
    return video_latent(v, f, h, w), audio_latent(a, audio_latent_in.shape[1])

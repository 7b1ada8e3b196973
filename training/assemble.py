"""Latent statistics for the trained VAEs, and the single-file checkpoint in LTX-2's layout."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import torch

from ..model.audio_vae.mel import log_mel
from ..model.audio_vae.model import AudioEncoder
from ..model.loading.checkpoint import TEXT_PROJECTION_PREFIX, TRANSFORMER_PREFIX
from ..model.loading.safetensors_file import write_safetensors
from ..model.text.conditioner import TextConditioner
from ..model.transformer.model import AVTransformer
from ..model.video_vae.model import VideoEncoder
from .builtin_config import MODEL_VERSION
from .toy_data import clip_for_seed

STATISTICS = "per_channel_statistics."


def _set_statistics(module: torch.nn.Module, mean: torch.Tensor, std: torch.Tensor) -> None:
    stats = module.per_channel_statistics
    stats.get_buffer("mean-of-means").copy_(mean)
    stats.get_buffer("std-of-means").copy_(std.clamp(min=1e-4))


@torch.no_grad()
def fit_video_statistics(encoder: VideoEncoder, seeds: Iterable[int]) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and std of the raw latent means over toy-world clips; stored in the encoder."""
    device = next(encoder.parameters()).device
    means = [encoder(clip_for_seed(s).pixels[None].to(device))[0] for s in seeds]
    flat = torch.cat([m.transpose(0, 1).flatten(1) for m in means], dim=1)
    mean, std = flat.mean(dim=1), flat.std(dim=1)
    _set_statistics(encoder, mean, std)
    return mean, std


@torch.no_grad()
def fit_audio_statistics(encoder: AudioEncoder, seeds: Iterable[int]) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and std of each (channel, mel bin) latent feature; stored in the encoder."""
    raws, device = [], next(encoder.parameters()).device
    for s in seeds:
        mel = log_mel(clip_for_seed(s).waveform[None].to(device), encoder.cfg.mel)
        raws.append(encoder.moments(mel)[0])
    lat = torch.cat(raws, dim=2)  # (1, C, L, M)
    flat = lat[0].permute(0, 2, 1).reshape(-1, lat.shape[2])  # (C·M, L), channel-major
    mean, std = flat.mean(dim=1), flat.std(dim=1)
    _set_statistics(encoder, mean, std)
    return mean, std


def _split_vae(prefix: str, encoder: torch.nn.Module, decoder: torch.nn.Module) -> dict[str, torch.Tensor]:
    """Encoder and decoder weights under ``prefix``, their shared statistics stored once."""
    out: dict[str, torch.Tensor] = {}
    for part, module in (("encoder.", encoder), ("decoder.", decoder)):
        for k, v in module.state_dict().items():
            if k.startswith(STATISTICS):
                out[prefix + k] = v
            else:
                out[prefix + part + k] = v
    return out


def write_builtin_checkpoint(
    path: Path,
    config: dict,
    *,
    transformer: AVTransformer,
    conditioner: TextConditioner,
    video: tuple[torch.nn.Module, torch.nn.Module],
    audio: tuple[torch.nn.Module, torch.nn.Module],
    dtype: torch.dtype = torch.float16,
) -> Path:
    """One safetensors file with LTX-2's prefixes and ``config`` metadata; weights in ``dtype``
    (latent statistics stay float32)."""
    tensors: dict[str, torch.Tensor] = {}
    for k, v in transformer.state_dict().items():
        tensors[TRANSFORMER_PREFIX + k] = v
    for k, v in conditioner.state_dict().items():
        if k.startswith("feature_extractor."):
            tensors[TEXT_PROJECTION_PREFIX + k.removeprefix("feature_extractor.")] = v
        else:
            tensors[TRANSFORMER_PREFIX + k] = v
    tensors.update(_split_vae("vae.", *video))
    tensors.update(_split_vae("audio_vae.", *audio))
    out = {
        k: (
            v.detach().cpu().contiguous()
            if STATISTICS in k or not v.is_floating_point()
            else v.detach().cpu().to(dtype).contiguous()
        )
        for k, v in tensors.items()
    }
    return write_safetensors(path, out, {"config": json.dumps(config), "model_version": MODEL_VERSION})

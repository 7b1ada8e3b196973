"""Test oracle: tiny random LTX-2 video VAEs and latent upsamplers from the reference (ltx-core).

Reference modules are built at small configs, filled from a seed and written the way the
published files are: VAE weights under ``vae.encoder.`` / ``vae.decoder.`` /
``vae.per_channel_statistics.`` of a checkpoint whose ``config`` metadata has a ``vae``
section; an upsampler as its own file with its config at the top level of ``config``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

ltx_core = pytest.importorskip("ltx_core", reason="ltx-core (the reference) is a test dependency")

from ltx_core.model.upsampler import LatentUpsampler, LatentUpsamplerConfigurator  # noqa: E402
from ltx_core.model.video_vae import (  # noqa: E402
    VideoDecoder,
    VideoDecoderConfigurator,
    VideoEncoder,
    VideoEncoderConfigurator,
)

from talkies.model.loading.safetensors_file import write_safetensors  # noqa: E402

from ltx_oracle import randomize  # noqa: E402


def _res(n: int, **extra) -> list:
    return ["res_x", {"num_layers": n, **extra}]


def _tiny_encoder(last_multiplier: int) -> dict:
    """The encoder half both tiny layouts share: 8 latent channels, 4×4 patches, one block of each kind."""
    return {
        "dims": 3,
        "latent_channels": 8,
        "patch_size": 4,
        "norm_layer": "pixel_norm",
        "latent_log_var": "uniform",
        "encoder_blocks": [
            _res(1),
            ["compress_space_res", {"multiplier": 2}],
            _res(1),
            ["compress_time_res", {"multiplier": 2}],
            _res(1),
            ["compress_all_res", {"multiplier": 2}],
            _res(1),
            ["compress_all_res", {"multiplier": last_multiplier}],
            _res(1),
        ],
    }


# Scaled-down copies of the published layouts, plus one that exercises every other option.
TINY_VAES: dict[str, dict] = {
    # LTX-2.0: residual compress_all ×3 in the decoder, timestep-conditioned, reflect-padded decoder.
    "ltx2.0": {
        **_tiny_encoder(last_multiplier=2),
        "decoder_blocks": [
            _res(1, inject_noise=False),
            ["compress_all", {"residual": True, "multiplier": 2}],
            _res(1, inject_noise=False),
            ["compress_all", {"residual": True, "multiplier": 2}],
            _res(1, inject_noise=False),
            ["compress_all", {"residual": True, "multiplier": 2}],
            _res(2, inject_noise=False),
        ],
        "causal_decoder": False,
        "timestep_conditioning": True,
        "decoder_base_channels": 4,
    },
    # LTX-2.3: separate space/time upsamplers, mixed multipliers, zero padding, no timestep conditioning.
    "ltx2.3": {
        **_tiny_encoder(last_multiplier=1),
        "decoder_blocks": [
            _res(1),
            ["compress_space", {"multiplier": 2}],
            _res(1),
            ["compress_time", {"multiplier": 2}],
            _res(1),
            ["compress_all", {"multiplier": 1}],
            _res(1),
            ["compress_all", {"multiplier": 2}],
            _res(1),
        ],
        "causal_decoder": False,
        "timestep_conditioning": False,
        "decoder_base_channels": 4,
        "spatial_padding_mode": "zeros",
    },
    # Everything else: group norm, per-channel log-variance, plain strided encoder convs, res_x_y,
    # a causal decoder with injected noise, replicate padding, patch 2 (4× time, 8× space).
    "variants": {
        "dims": 3,
        "latent_channels": 32,
        "patch_size": 2,
        "norm_layer": "group_norm",
        "latent_log_var": "per_channel",
        "encoder_blocks": [
            _res(1),
            ["compress_time", {}],
            ["compress_space", {}],
            ["res_x_y", {"multiplier": 2}],
            ["compress_all_x_y", {}],
        ],
        "decoder_blocks": [
            _res(1, inject_noise=True),
            ["compress_all", {"residual": True, "multiplier": 2}],
            ["res_x_y", {"multiplier": 2}],
            ["compress_time", {"multiplier": 2}],
            ["compress_space", {"multiplier": 1}],
        ],
        "causal_decoder": True,
        "timestep_conditioning": True,
        "decoder_base_channels": 32,
        "spatial_padding_mode": "replicate",
    },
}

# (frames, height, width) of a small valid clip for each tiny VAE.
CLIP_SIZES = {"ltx2.0": (17, 64, 96), "ltx2.3": (9, 64, 96), "variants": (9, 32, 48)}


def _fill_statistics(modules: list[torch.nn.Module], channels: int, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    std = torch.rand(channels, generator=g) + 0.5
    mean = torch.randn(channels, generator=g) * 0.5
    for m in modules:
        m.per_channel_statistics.get_buffer("std-of-means").copy_(std)
        m.per_channel_statistics.get_buffer("mean-of-means").copy_(mean)


def reference_vae(section: dict, seed: int = 0) -> tuple[VideoEncoder, VideoDecoder]:
    """Reference encoder and decoder, random weights, shared per-channel statistics."""
    config = {"vae": section}
    encoder = randomize(VideoEncoderConfigurator.from_config(config).float(), seed)
    decoder = randomize(VideoDecoderConfigurator.from_config(config).float(), seed + 1)
    with torch.no_grad():
        if section.get("timestep_conditioning", True):
            decoder.timestep_scale_multiplier.fill_(1000.0)
        _fill_statistics([encoder, decoder], section["latent_channels"], seed + 2)
    return encoder.eval(), decoder.eval()


def vae_tensors(encoder: VideoEncoder | None, decoder: VideoDecoder | None, prefix: str = "vae.") -> dict:
    """State dicts under the keys published files use, with the statistics they also carry."""
    out: dict[str, torch.Tensor] = {}
    stats = None
    for part, module in (("encoder", encoder), ("decoder", decoder)):
        if module is None:
            continue
        for k, v in module.state_dict().items():
            if k.startswith("per_channel_statistics."):
                stats = module.per_channel_statistics
            else:
                out[f"{prefix}{part}.{k}"] = v
    for name in ("std-of-means", "mean-of-means"):
        out[f"{prefix}per_channel_statistics.{name}"] = stats.get_buffer(name)
    # Published files hold more statistics than the VAE uses.
    channels = stats.get_buffer("std-of-means").shape[0]
    out[f"{prefix}per_channel_statistics.channel"] = torch.arange(channels, dtype=torch.float32)
    out[f"{prefix}per_channel_statistics.mean-of-stds"] = torch.ones(channels)
    return {k: v.contiguous() for k, v in out.items()}


def write_vae_checkpoint(path: Path, section: dict | None, tensors: dict) -> Path:
    metadata = {} if section is None else {"config": json.dumps({"vae": section})}
    return write_safetensors(path, tensors, metadata)


TINY_UPSAMPLERS: dict[str, dict] = {
    "spatial_x2": {"in_channels": 8, "mid_channels": 32, "num_blocks_per_stage": 2, "spatial_upsample": True},
    "temporal_x2": {
        "in_channels": 8,
        "mid_channels": 32,
        "num_blocks_per_stage": 2,
        "spatial_upsample": False,
        "temporal_upsample": True,
    },
    "spatiotemporal_x2": {
        "in_channels": 8,
        "mid_channels": 32,
        "num_blocks_per_stage": 1,
        "spatial_upsample": True,
        "temporal_upsample": True,
    },
    "rational_x1.5": {
        "in_channels": 8,
        "mid_channels": 32,
        "num_blocks_per_stage": 1,
        "spatial_upsample": True,
        "rational_resampler": True,
        "spatial_scale": 1.5,
    },
    "spatial_x2_2d": {"in_channels": 8, "mid_channels": 32, "num_blocks_per_stage": 1, "dims": 2},
}


def reference_upsampler(config: dict, seed: int = 0) -> LatentUpsampler:
    return randomize(LatentUpsamplerConfigurator.from_config(config).float(), seed).eval()


def write_upsampler(path: Path, config: dict | None, model: LatentUpsampler) -> Path:
    metadata = {} if config is None else {"config": json.dumps({"_class_name": "LatentUpsampler", **config})}
    tensors = {k: v.contiguous() for k, v in model.state_dict().items()}
    return write_safetensors(path, tensors, metadata)

"""A complete Talkies checkpoint with small random weights, written in a second or two.

It has the built-in model's layout and config (MiniLM text encoder from its pip package,
video and audio VAEs, Griffin-Lim vocoder) with a 2-block transformer whose weights are
random and non-zero, so every stage runs and every input changes the result. Its
generation defaults are small (64×64, 9 frames, 2 steps) to keep tests fast.
"""

from __future__ import annotations

import atexit
import functools
import json
import shutil
import tempfile
from pathlib import Path

import torch

from talkies.model.audio_vae.config import audio_vae_config
from talkies.model.audio_vae.model import AudioDecoder, AudioEncoder
from talkies.model.config import transformer_config
from talkies.model.loading.safetensors_file import write_safetensors
from talkies.model.text.conditioner import TextConditioner
from talkies.model.transformer.model import AVTransformer
from talkies.model.video_vae.config import video_vae_config
from talkies.model.video_vae.model import VideoDecoder, VideoEncoder
from talkies.model.video_vae.upsampler import LatentUpsampler, upsampler_config
from talkies.training.assemble import write_builtin_checkpoint
from talkies.training.builtin_config import AUDIO_VAE, builtin_config
from talkies.training.init_weights import initialize

# The tests' video VAE: LTX-2's compression (32× in space, 8× in time) at a tiny width, fixed here
# so the tests do not move when the built-in model's recipe changes its own.
TINY_VAE = {
    "dims": 3,
    "in_channels": 3,
    "out_channels": 3,
    "latent_channels": 64,
    "patch_size": 4,
    "norm_layer": "pixel_norm",
    "latent_log_var": "uniform",
    "encoder_spatial_padding_mode": "zeros",
    "decoder_spatial_padding_mode": "reflect",
    "causal_decoder": False,
    "timestep_conditioning": False,
    "encoder_blocks": [["compress_all", {"multiplier": 1}], ["res_x", {"num_layers": 1}]] * 3,
    "decoder_blocks": [["res_x", {"num_layers": 1}]]
    + [["compress_all", {"multiplier": 2}], ["res_x", {"num_layers": 1}]] * 3,
    "decoder_base_channels": 16,
}
# The same with less compression: 16× in space and 4× in time (two compress_all blocks).
LESS_COMPRESSED_VAE = {
    **TINY_VAE,
    "encoder_blocks": TINY_VAE["encoder_blocks"][2:],
    "decoder_blocks": TINY_VAE["decoder_blocks"][2:],
}


def tiny_config(vae: dict | None = None) -> dict:
    config = builtin_config()
    config["transformer"]["num_layers"] = 2
    config["transformer"]["in_channels"] = config["transformer"]["out_channels"] = TINY_VAE["latent_channels"]
    # two passes a step (no modality guidance), so tests stay quick
    config["talkies"].update(width=64, height=64, frames=9, steps=2, video_modality=1.0, audio_modality=1.0)
    config["vae"] = TINY_VAE if vae is None else vae
    return config


@torch.no_grad()
def write_tiny_checkpoint(path: Path, seed: int = 0, vae: dict | None = None) -> Path:
    """``vae``: the video VAE's config section instead of the built-in model's."""
    config = tiny_config(vae)
    vae = config["vae"]
    cfg = transformer_config(config)
    transformer, conditioner = AVTransformer(cfg), TextConditioner(cfg)
    initialize(transformer, conditioner, seed)
    generator = torch.Generator().manual_seed(seed)
    for _, p in sorted(transformer.named_parameters()):
        if p.dim() >= 2:
            p.copy_(torch.randn(p.shape, generator=generator) * 0.05)
    video = VideoEncoder(video_vae_config(vae)), VideoDecoder(video_vae_config(vae))
    audio_cfg = audio_vae_config({"audio_vae": AUDIO_VAE})
    audio = AudioEncoder(audio_cfg), AudioDecoder(audio_cfg)
    return write_builtin_checkpoint(
        path, config, transformer=transformer, conditioner=conditioner, video=video, audio=audio
    )


@functools.cache
def shared_tiny_checkpoint() -> Path:
    """One tiny checkpoint per test session, removed when the session ends."""
    folder = Path(tempfile.mkdtemp(prefix="talkies-tiny-"))
    atexit.register(shutil.rmtree, folder, True)
    return write_tiny_checkpoint(folder / "tiny_talkies.safetensors")


def write_tiny_upsampler(path: Path, channels: int, **kind) -> Path:
    """A latent upsampler file with small random weights (``spatial_upsample=True`` and the like)."""
    config = {"in_channels": channels, "mid_channels": 32, "num_blocks_per_stage": 1, **kind}
    module = LatentUpsampler(upsampler_config(config))
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for _, p in sorted(module.named_parameters()):
            p.copy_(torch.randn(p.shape, generator=g) * 0.05)
    tensors = {k: v.contiguous() for k, v in module.state_dict().items()}
    return write_safetensors(
        path, tensors, {"config": json.dumps({"_class_name": "LatentUpsampler", **config})}
    )

"""A complete Talkies checkpoint with small random weights, written in a second or two.

It has the built-in model's layout and config (MiniLM text encoder from its pip package,
video and audio VAEs, Griffin-Lim vocoder) with a 2-block transformer whose weights are
random and non-zero, so every stage runs and every input changes the result. Its
generation defaults are small (64×64, 9 frames, 2 steps) to keep tests fast.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

import torch

from talkies.model.audio_vae.config import audio_vae_config
from talkies.model.audio_vae.model import AudioDecoder, AudioEncoder
from talkies.model.config import transformer_config
from talkies.model.text.conditioner import TextConditioner
from talkies.model.transformer.model import AVTransformer
from talkies.model.video_vae.config import video_vae_config
from talkies.model.video_vae.model import VideoDecoder, VideoEncoder
from talkies.training.assemble import write_builtin_checkpoint
from talkies.training.builtin_config import AUDIO_VAE, VIDEO_VAE, builtin_config
from talkies.training.init_weights import initialize


def tiny_config(vae: dict | None = None) -> dict:
    config = builtin_config()
    config["transformer"]["num_layers"] = 2
    config["talkies"].update(width=64, height=64, frames=9, steps=2)
    if vae is not None:
        config["vae"] = vae
    return config


# The built-in layout with less compression: 16× in space and 4× in time (two compress_all blocks).
LESS_COMPRESSED_VAE = {
    **VIDEO_VAE,
    "encoder_blocks": VIDEO_VAE["encoder_blocks"][2:],
    "decoder_blocks": VIDEO_VAE["decoder_blocks"][2:],
}


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

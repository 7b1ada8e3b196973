"""The trained VAEs as files between stages: encoder and decoder weights under their prefixes."""

from __future__ import annotations

from pathlib import Path

import torch

from ..model.audio_vae.config import audio_vae_config
from ..model.audio_vae.model import AudioDecoder, AudioEncoder
from ..model.loading.safetensors_file import SafetensorsFile, write_safetensors
from ..model.video_vae.config import video_vae_config
from ..model.video_vae.model import VideoDecoder, VideoEncoder
from .builtin_config import AUDIO_VAE, VIDEO_VAE


def load_pair(path: Path, encoder: torch.nn.Module, decoder: torch.nn.Module) -> None:
    with SafetensorsFile(path) as f:
        state = {k: f.read(k) for k in f.keys()}
    for prefix, module in (("encoder.", encoder), ("decoder.", decoder)):
        module.load_state_dict({k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)})


def save_pair(path: Path, encoder: torch.nn.Module, decoder: torch.nn.Module) -> Path:
    state = {f"encoder.{k}": v for k, v in encoder.state_dict().items()}
    state.update({f"decoder.{k}": v for k, v in decoder.state_dict().items()})
    return write_safetensors(path, {k: v.detach().cpu().contiguous() for k, v in state.items()})


def new_video_vae(section: dict = VIDEO_VAE) -> tuple[VideoEncoder, VideoDecoder]:
    """A fresh video VAE of the built-in config, or of another ``vae`` config section."""
    cfg = video_vae_config(section)
    return VideoEncoder(cfg), VideoDecoder(cfg)


def new_audio_vae() -> tuple[AudioEncoder, AudioDecoder]:
    cfg = audio_vae_config({"audio_vae": AUDIO_VAE})
    return AudioEncoder(cfg), AudioDecoder(cfg)


def load_video_vae(path: Path, section: dict = VIDEO_VAE) -> tuple[VideoEncoder, VideoDecoder]:
    pair = new_video_vae(section)
    load_pair(path, *pair)
    return pair[0].eval(), pair[1].eval()


def load_audio_vae(path: Path) -> tuple[AudioEncoder, AudioDecoder]:
    pair = new_audio_vae()
    load_pair(path, *pair)
    return pair[0].eval(), pair[1].eval()

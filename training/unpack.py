"""A built-in checkpoint back into the recipe's stage files, so training goes on from it.

``write_builtin_checkpoint`` packs the fitted VAEs, the transformer and its text connectors
into one file; this takes them out again into the files the recipe looks for (the fitted VAE
pairs, so their stages count as done, and the transformer's starting weights), on a machine
that has none of the earlier run's state.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from ..model.loading.checkpoint import TEXT_PROJECTION_PREFIX, TRANSFORMER_PREFIX
from ..model.loading.safetensors_file import SafetensorsFile, write_safetensors
from .assemble import STATISTICS
from .builtin_config import builtin_config
from .vae_files import new_audio_vae, new_video_vae, save_pair

TRANSFORMER_START = "transformer_start.safetensors"
VIDEO_VAE_FITTED = "video_vae_fitted.safetensors"
AUDIO_VAE_FITTED = "audio_vae_fitted.safetensors"


def _check_config(metadata: dict, path: Path) -> None:
    """The recipe can only go on from a checkpoint of its own architecture."""
    theirs = json.loads(metadata.get("config", "{}"))
    ours = builtin_config()
    for section in ("transformer", "vae", "audio_vae", "text_encoder"):
        if theirs.get(section) != json.loads(json.dumps(ours[section])):
            raise ValueError(
                f"{path} has another {section} configuration than the recipe trains "
                f"(training/builtin_config.py); train from nothing, or check out the recipe that made it"
            )


def _vae_pair(state: dict[str, torch.Tensor], prefix: str, pair) -> tuple:
    """Encoder and decoder from ``prefix``ed tensors, the shared statistics given to both."""
    shared = {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix + STATISTICS)}
    for part, module in zip(("encoder.", "decoder."), pair, strict=True):
        own = {k[len(prefix + part) :]: v for k, v in state.items() if k.startswith(prefix + part)}
        module.load_state_dict({**own, **shared})
    return pair


def unpack_checkpoint(path: Path, out: Path) -> Path:
    """Write ``path``'s parts into ``out`` as the recipe's stage files; returns the transformer's."""
    with SafetensorsFile(path) as f:
        _check_config(f.metadata, path)
        state = {k: f.read(k) for k in f.keys()}
    state = {k: v.float() if v.is_floating_point() else v for k, v in state.items()}
    out.mkdir(parents=True, exist_ok=True)
    save_pair(out / VIDEO_VAE_FITTED, *_vae_pair(state, "vae.", new_video_vae()))
    save_pair(out / AUDIO_VAE_FITTED, *_vae_pair(state, "audio_vae.", new_audio_vae()))
    transformer = {
        k: v for k, v in state.items() if k.startswith((TRANSFORMER_PREFIX, TEXT_PROJECTION_PREFIX))
    }
    return write_safetensors(out / TRANSFORMER_START, transformer)


def load_transformer_start(path: Path, transformer: torch.nn.Module, conditioner: torch.nn.Module) -> None:
    """Starting weights for the transformer stage: as ``unpack_checkpoint`` wrote them, or from a
    whole built-in checkpoint (its VAEs left aside)."""
    with SafetensorsFile(path) as f:
        wanted = [k for k in f.keys() if k.startswith((TRANSFORMER_PREFIX, TEXT_PROJECTION_PREFIX))]
        state = {k: f.read(k).float() for k in wanted}
    own, text = {}, {}
    for k, v in state.items():
        if k.startswith(TEXT_PROJECTION_PREFIX):
            text["feature_extractor." + k[len(TEXT_PROJECTION_PREFIX) :]] = v
        else:
            name = k[len(TRANSFORMER_PREFIX) :]
            (text if name in conditioner.state_dict() else own)[name] = v
    transformer.load_state_dict(own)
    conditioner.load_state_dict(text)

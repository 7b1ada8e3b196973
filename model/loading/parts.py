"""Loading each part of a checkpoint: where its keys live and how it is built."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import torch

from ..config import TransformerConfig
from ..text.conditioner import TextConditioner
from ..text.pairing import check_pairing
from ..transformer.model import AVTransformer
from ..video_vae.config import VideoVAEConfig, video_vae_config
from ..video_vae.model import VideoDecoder, VideoEncoder
from ..video_vae.upsampler import LatentUpsampler, upsampler_config
from .checkpoint import (
    CONNECTOR_NAMES,
    TEXT_PROJECTION_PREFIX,
    Checkpoint,
    is_block_linear,
)
from .gemma4_file import Gemma4File
from .safetensors_file import SafetensorsFile

log = logging.getLogger(__name__)

WeightDtype = torch.dtype | str


# What a user may choose for the weights, in every front end (the Load node, the CLI, the API).
DTYPE_CHOICES = ("auto", "bf16", "fp16", "fp8", "fp32")
_DTYPE_ALIASES = {"bfloat16": "bf16", "float16": "fp16", "float32": "fp32"}


def resolve_dtype(dtype: WeightDtype, device: torch.device | str) -> tuple[torch.dtype, bool]:
    """(compute dtype, hold block weights in fp8) from a choice in DTYPE_CHOICES (or a torch dtype)."""
    if isinstance(dtype, torch.dtype):
        return dtype, False
    name = _DTYPE_ALIASES.get(dtype.lower(), dtype.lower())
    if name not in DTYPE_CHOICES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPE_CHOICES)}; got {dtype!r}")
    if name == "auto":
        return (torch.bfloat16 if torch.device(device).type == "cuda" else torch.float32), False
    compute = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32, "fp8": torch.bfloat16}
    return compute[name], name == "fp8"


def _open(source: str | Path | Checkpoint) -> Checkpoint:
    return source if isinstance(source, Checkpoint) else Checkpoint(source)


def _transformer_side(source, device, dtype) -> tuple[Checkpoint, TransformerConfig, torch.dtype, bool]:
    """(the checkpoint, its transformer config, the compute dtype, whether block weights are fp8)."""
    ckpt = _open(source)
    return (ckpt, ckpt.transformer_config(), *resolve_dtype(dtype, device))


def load_transformer(
    source: str | Path | Checkpoint, device: torch.device | str = "cpu", dtype: WeightDtype = torch.float32
) -> AVTransformer:
    """The audio-video transformer of an LTX-2 layout checkpoint."""
    ckpt, cfg, compute, fp8 = _transformer_side(source, device, dtype)
    prefix = ckpt.transformer_prefix
    # A bare transformer file owns every key but those of the text side.
    others = tuple(prefix + c for c in CONNECTOR_NAMES) + (() if prefix else (TEXT_PROJECTION_PREFIX,))
    return ckpt.load(
        lambda: AVTransformer(cfg),
        {"": prefix},
        what=f"LTX-{cfg.generation} transformer",
        device=device,
        dtype=compute,
        fp8_layers=is_block_linear if fp8 else None,
        owned_prefixes=(prefix,),
        ignore=lambda k: k.startswith(others),
    )


def load_text_conditioner(
    source: str | Path | Checkpoint,
    device: torch.device | str = "cpu",
    dtype: WeightDtype = torch.float32,
    text_encoder: str | Path | None = None,
    projection_files: tuple[SafetensorsFile, ...] = (),
) -> TextConditioner:
    """Feature extractor and embeddings connectors (what turns encoder states into context).

    LTX-2.5 publishes its projection in the text encoder's file (``text_encoder``, required
    then) and sizes it by that file's Gemma config; the connectors stay in the transformer's file.
    LTX-2.0/2.3 keep it in the checkpoint, or in split releases in a text projection file
    (``projection_files``).
    """
    ckpt, cfg, compute, _ = _transformer_side(source, device, dtype)
    if cfg.generation != "2.5":
        return _load_conditioner(ckpt, cfg, compute, device, companions=projection_files)
    check_pairing(ckpt.path, cfg.generation, ckpt.metadata, text_encoder)
    with Gemma4File(text_encoder) as encoder:
        cfg = replace(cfg, text=replace(cfg.text, **encoder.text_sizes()))
        return _load_conditioner(ckpt, cfg, compute, device, companions=(encoder.file,))


def _load_conditioner(
    ckpt: Checkpoint,
    cfg: TransformerConfig,
    compute: torch.dtype,
    device,
    companions: tuple[SafetensorsFile, ...],
) -> TextConditioner:
    prefix = ckpt.transformer_prefix
    prefixes = {
        "feature_extractor.": TEXT_PROJECTION_PREFIX,
        **{c: prefix + c for c in CONNECTOR_NAMES},
    }
    return ckpt.load(
        lambda: TextConditioner(cfg),
        prefixes,
        what=f"LTX-{cfg.generation} text connectors",
        device=device,
        dtype=compute,
        owned_prefixes=(TEXT_PROJECTION_PREFIX, *(prefix + c for c in CONNECTOR_NAMES)),
        companions=companions,
    )


VAE_PREFIX = "vae."
CONV_VAE_CLASS = "CausalVideoAutoencoder"
_UPSAMPLER_MARKER = "initial_conv.weight"


def _video_vae(ckpt: Checkpoint, part: str) -> tuple[VideoVAEConfig, str]:
    """The VAE config and the key prefix ("vae." in full checkpoints, "" in VAE-only files) for ``part``."""
    section = ckpt.config.get("vae")
    if not isinstance(section, dict):
        raise ValueError(
            f"{ckpt.path.name} has no video VAE config (its 'config' metadata has no 'vae' section); "
            f"it looks like {ckpt.looks_like()}. Pick an LTX-2 checkpoint or a video VAE file saved with "
            "its config"
        )
    kind = section.get("_class_name", CONV_VAE_CLASS)
    if kind != CONV_VAE_CLASS:
        raise ValueError(
            f"{ckpt.path.name} holds a {kind} video VAE (LTX-2.5's diffusion decoder); Talkies builds the "
            f"convolutional one ({CONV_VAE_CLASS}). Use LTX-2.3's video VAE file, which LTX-2.5 also "
            "decodes with"
        )
    root = VAE_PREFIX if ckpt.has_prefix(VAE_PREFIX + part + ".") else ""
    if not ckpt.has_prefix(root + part + "."):
        raise ValueError(
            f"{ckpt.path.name} holds no video VAE {part} (no '{VAE_PREFIX}{part}.' tensors); "
            f"it looks like {ckpt.looks_like()}"
        )
    cfg = video_vae_config(section)
    if part == "decoder":
        # Published configs do not always say; the weights do.
        has_weights = (root + "decoder.last_scale_shift_table") in ckpt.file.tensors
        if "timestep_conditioning" in section and bool(section["timestep_conditioning"]) != has_weights:
            log.warning(
                "%s: config says timestep_conditioning=%s, the decoder weights say %s; following the weights",
                ckpt.path.name,
                section["timestep_conditioning"],
                has_weights,
            )
        cfg = replace(cfg, timestep_conditioning=has_weights)
    return cfg, root


def _load_video_vae_part(
    source: str | Path | Checkpoint, part: str, build, device: torch.device | str, dtype: WeightDtype
):
    ckpt = _open(source)
    cfg, root = _video_vae(ckpt, part)
    compute, _ = resolve_dtype(dtype, device)
    return ckpt.load(
        lambda: build(cfg),
        {"per_channel_statistics.": root + "per_channel_statistics.", "": root + part + "."},
        what=f"video VAE {part}",
        device=device,
        dtype=compute,
        owned_prefixes=(root + part + ".",),
    )


def load_video_encoder(
    source: str | Path | Checkpoint, device: torch.device | str = "cpu", dtype: WeightDtype = torch.float32
) -> VideoEncoder:
    """The video VAE encoder of an LTX-2 checkpoint (``vae.encoder.*``) or of a VAE-only file."""
    return _load_video_vae_part(source, "encoder", VideoEncoder, device, dtype)


def load_video_decoder(
    source: str | Path | Checkpoint, device: torch.device | str = "cpu", dtype: WeightDtype = torch.float32
) -> VideoDecoder:
    """The video VAE decoder of an LTX-2 checkpoint (``vae.decoder.*``) or of a VAE-only file."""
    return _load_video_vae_part(source, "decoder", VideoDecoder, device, dtype)


def load_upsampler(
    source: str | Path | Checkpoint, device: torch.device | str = "cpu", dtype: WeightDtype = torch.float32
) -> LatentUpsampler:
    """A latent upsampler from its own file (e.g. ltx-2-spatial-upscaler-x2-1.0.safetensors)."""
    ckpt = _open(source)
    if _UPSAMPLER_MARKER not in ckpt.file.tensors:
        raise ValueError(
            f"{ckpt.path.name} is not a latent upsampler (no '{_UPSAMPLER_MARKER}' tensor); it looks like "
            f"{ckpt.looks_like()}. Pick an upscaler file such as ltx-2-spatial-upscaler-x2-1.0.safetensors"
        )
    cfg = upsampler_config(ckpt.config)
    compute, _ = resolve_dtype(dtype, device)
    return ckpt.load(
        lambda: LatentUpsampler(cfg),
        {"": ""},
        what=cfg.describe,
        device=device,
        dtype=compute,
        owned_prefixes=("",),
        ignore=lambda k: k.endswith("blur_down.kernel"),  # a fixed filter, computed rather than loaded
    )

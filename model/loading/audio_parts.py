"""Loading the audio parts of an LTX-2 layout checkpoint: audio VAE halves and the vocoder.

Keys: ``audio_vae.encoder.*`` and ``audio_vae.decoder.*``, each with the shared
``audio_vae.per_channel_statistics.*``; ``vocoder.*`` with that prefix stripped once (so
LTX-2.3's ``vocoder.vocoder.*`` is the BWE vocoder's ``vocoder.*``). The unused inverse
STFT basis of LTX-2.3 files is skipped.

Vocoders compute in fp32 unless a dtype is forced: they are small, and half precision
audibly degrades them. "auto" therefore means fp32 here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from ..audio_vae.config import audio_vae_config
from ..audio_vae.model import AudioDecoder, AudioEncoder
from ..vocoder.config import VOCODER_PREFIX, Vocoder, build_vocoder, vocoder_spec
from .checkpoint import Checkpoint
from .parts import WeightDtype, resolve_dtype

AUDIO_VAE_PREFIX = "audio_vae."
STATISTICS_PREFIX = AUDIO_VAE_PREFIX + "per_channel_statistics."
UNUSED_VOCODER_KEYS = ("mel_stft.stft_fn.inverse_basis",)

Source = str | Path | Checkpoint


def _open(source: Source) -> Checkpoint:
    return source if isinstance(source, Checkpoint) else Checkpoint(source)


def _require(ckpt: Checkpoint, prefix: str, what: str) -> None:
    if not ckpt.has_prefix(prefix):
        raise ValueError(
            f"{ckpt.path.name} has no {what} (no '{prefix}*' tensors); it looks like {ckpt.looks_like()}. "
            "Pick a full LTX-2 checkpoint or a file that carries the audio VAE"
        )


def _half(source: Source, half: str, build, device, dtype: WeightDtype):
    ckpt = _open(source)
    prefix = f"{AUDIO_VAE_PREFIX}{half}."
    _require(ckpt, prefix, f"audio VAE {half}")
    cfg = audio_vae_config(ckpt.config)
    compute, _ = resolve_dtype(dtype, device)
    return ckpt.load(
        lambda: build(cfg),
        {"per_channel_statistics.": STATISTICS_PREFIX, "": prefix},
        what=f"audio VAE {half}",
        device=device,
        dtype=compute,
        owned_prefixes=(prefix,),
    )


def load_audio_encoder(
    source: Source, device: torch.device | str = "cpu", dtype: WeightDtype = torch.float32
) -> AudioEncoder:
    """The audio VAE encoder (log-mel → normalised latent); ``encode_audio`` feeds it any waveform."""
    return _half(source, "encoder", AudioEncoder, device, dtype)


def load_audio_decoder(
    source: Source, device: torch.device | str = "cpu", dtype: WeightDtype = torch.float32
) -> AudioDecoder:
    """The audio VAE decoder (normalised latent → log-mel)."""
    return _half(source, "decoder", AudioDecoder, device, dtype)


def _vocoder_dtype(dtype: WeightDtype, device: torch.device | str) -> torch.dtype:
    if isinstance(dtype, str) and dtype.lower() == "auto":
        return torch.float32
    return resolve_dtype(dtype, device)[0]


def load_vocoder(source: Source, device: torch.device | str = "cpu", dtype: WeightDtype = "auto") -> Vocoder:
    """The vocoder the file's ``vocoder`` config section describes (see ``model.vocoder``)."""
    ckpt = _open(source)
    spec = vocoder_spec(ckpt.config, set(ckpt.file.tensors))
    if not spec.has_weights:
        return build_vocoder(spec).to(device)  # type: ignore[return-value]
    _require(ckpt, VOCODER_PREFIX, spec.description)
    return ckpt.load(
        lambda: build_vocoder(spec),
        {"": VOCODER_PREFIX},
        what=spec.description,
        device=device,
        dtype=_vocoder_dtype(dtype, device),
        owned_prefixes=(VOCODER_PREFIX,),
        ignore=lambda k: k.removeprefix(VOCODER_PREFIX).endswith(UNUSED_VOCODER_KEYS),
    )


def vocoder_from_config(config: dict[str, Any], device: torch.device | str = "cpu") -> Vocoder:
    """A weight-free vocoder (Griffin-Lim) straight from a config dict, for models trained here."""
    spec = vocoder_spec(config)
    if spec.has_weights:
        raise ValueError(
            f"the {spec.description} needs weights; load it from its checkpoint with load_vocoder"
        )
    return build_vocoder(spec).to(device)  # type: ignore[return-value]

"""Waveform ↔ audio latent: encoding, and decoding in chunks with bounded memory.

Length rule (LTX-2: 16 kHz front end, hop 160, 4 mel frames per latent frame):

- Encoding N samples at 16 kHz gives ``L = N // 640 + 1`` latent frames (25 per second
  plus the causal first frame). Only whole latent frames are kept: the last ``N mod 640``
  samples (< 40 ms) are not represented.
- Decoding L latent frames gives ``M = 4L − 3`` mel frames and ``M · hop`` samples, where
  hop is the vocoder's samples per mel frame: 240 at 24 kHz (LTX-2.0 HiFi-GAN), 480 at
  48 kHz (LTX-2.3 BigVGAN + BWE), 160 at 16 kHz (Griffin-Lim). So L frames last
  (4L − 3) / 100 s. Mel frame t (centred on input sample 160·t) becomes output samples
  [t·hop, (t+1)·hop): output sample i is at time i / rate, with no delay added or removed.
- Hence N seconds of audio (a whole number of 40 ms frames) come back as N s + 10 ms;
  ``decode_audio(..., num_samples=…)`` trims (or pads with silence) to an exact length, so
  a round trip returns N seconds to the sample.

Chunking is exact, not a cross-fade: the causal decoder needs only past context, so each
chunk of latent frames is decoded with ``decoder.context_frames()`` frames before it and
only its own mel frames are kept; the vocoder is non-causal but its reach is finite, so
each chunk of mel frames is vocoded with ``vocoder.context_frames()`` frames on both sides
and only its own samples are kept. A chunk and its context together span at most
``chunk_seconds``, so a long clip peaks at the memory of a ``chunk_seconds`` clip (plus
its own output buffer). Decoders with attention, non-causal decoders and Griffin-Lim run
whole.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import torch
import torch.nn.functional as F

from ..media.audio_prep import AudioTarget, prepare_audio
from ..media.waveform import Waveform
from ..vocoder.config import Vocoder
from .mel import log_mel
from .model import AudioDecoder, AudioEncoder

log = logging.getLogger(__name__)

DEFAULT_CHUNK_SECONDS = 5.0


def _module_place(module: torch.nn.Module, data: torch.Tensor) -> tuple[torch.device, torch.dtype]:
    """Where a module computes: its weights' device and dtype (weight-free ones: the data's device, fp32)."""
    p = next(iter(module.parameters()), None)
    return (p.device, p.dtype) if p is not None else (data.device, torch.float32)


@torch.no_grad()
def encode_audio(audio: Waveform | dict[str, Any], encoder: AudioEncoder) -> torch.Tensor:
    """Any waveform (rate, channels) → normalised latent (B, z_channels, L, latent_mel_bins)."""
    if isinstance(audio, dict):
        audio = Waveform.from_audio(audio)
    cfg = encoder.cfg
    target = AudioTarget(cfg.mel.sample_rate, cfg.in_channels, min_samples=cfg.mel.n_fft // 2 + 1)
    prepared = prepare_audio(audio, target)
    device, dtype = _module_place(encoder, prepared.samples)
    mel = log_mel(prepared.samples.to(device), cfg.mel)
    return encoder(mel.to(dtype))


def decoded_samples(latent_frames: int, decoder: AudioDecoder, vocoder: Vocoder) -> int:
    """Samples ``decode_audio`` makes from ``latent_frames`` before any ``num_samples`` fit."""
    return decoder.cfg.mel_frames(latent_frames) * vocoder.hop


def spans(frames: int, most: int) -> list[tuple[int, int]]:
    """[start, end) pieces of at most ``most`` frames, as equal as possible (no sliver at the end)."""
    pieces = math.ceil(frames / most)
    bounds = [round(i * frames / pieces) for i in range(pieces + 1)]
    return list(zip(bounds[:-1], bounds[1:], strict=True))


def _own_frames(window: int, context: int, what: str, frames_per_second: float) -> int:
    own = window - context
    if own < 1:
        shortest = (context + 1) / frames_per_second
        raise ValueError(
            f"chunks of {window} frames leave no room beside the {what}'s {context} frames of context; "
            f"use chunk_seconds of at least {shortest:.2f}, or None to decode whole"
        )
    return own


@torch.no_grad()
def decode_mel(latent: torch.Tensor, decoder: AudioDecoder, window: int | None = None) -> torch.Tensor:
    """Latent (B, C, L, F) → log-mel (B, S, M, bins), decoding at most ``window`` latent frames at once."""
    cfg = decoder.cfg
    device, dtype = _module_place(decoder, latent)
    latent = latent.to(device, dtype)
    frames = latent.shape[2]
    context = decoder.context_frames()
    if window is None or context is None or frames <= window:
        return decoder(latent)
    own = _own_frames(window, context, "audio decoder", cfg.latents_per_second)
    shape = (latent.shape[0], cfg.out_channels, cfg.mel_frames(frames), cfg.mel.mel_bins)
    out = torch.empty(shape, device=device, dtype=dtype)
    factor = cfg.time_downsample
    for start, end in spans(frames, own):
        first = max(0, start - context)
        mel = decoder(latent[:, :, first:end])
        lo = cfg.mel_frames(start) if start else 0
        hi = cfg.mel_frames(end)
        out[:, :, lo:hi] = mel[:, :, lo - factor * first : hi - factor * first]
    return out


@torch.no_grad()
def vocode(mel: torch.Tensor, vocoder: Vocoder, window: int | None = None) -> Waveform:
    """Log-mel (B, S, M, bins) → Waveform (B, C, M·hop) at the vocoder rate, ``window`` mel frames at once."""
    device, dtype = _module_place(vocoder, mel)  # type: ignore[arg-type]
    mel = mel.to(device, dtype)
    frames = mel.shape[2]
    context = vocoder.context_frames()
    if window is None or context is None or frames <= window:
        return Waveform(vocoder(mel).float(), vocoder.sample_rate)
    hop = vocoder.hop
    own = _own_frames(window, 2 * context, "vocoder", vocoder.sample_rate / hop)
    out: torch.Tensor | None = None
    for start, end in spans(frames, own):
        lo, hi = max(0, start - context), min(frames, end + context)
        piece = vocoder(mel[:, :, lo:hi])
        if out is None:
            out = torch.empty(*piece.shape[:2], frames * hop, device=device, dtype=torch.float32)
        out[..., start * hop : end * hop] = piece[..., (start - lo) * hop : (end - lo) * hop]
    assert out is not None
    return Waveform(out, vocoder.sample_rate)


def fit_length(wave: Waveform, num_samples: int) -> Waveform:
    """Trim, or pad with silence, to exactly ``num_samples``."""
    if num_samples < 0:
        raise ValueError(f"num_samples must be ≥ 0, got {num_samples}")
    samples = wave.samples[..., :num_samples]
    return Waveform(F.pad(samples, (0, num_samples - samples.shape[-1])), wave.sample_rate)


def decode_audio(
    latent: torch.Tensor,
    decoder: AudioDecoder,
    vocoder: Vocoder,
    *,
    num_samples: int | None = None,
    chunk_seconds: float | None = DEFAULT_CHUNK_SECONDS,
) -> Waveform:
    """Latent (B, C, L, F) → Waveform at the vocoder's true rate.

    num_samples: exact output length (see the length rule above); None keeps all
    ``(4L − 3)·hop`` samples. chunk_seconds: the longest stretch decoded at once, context
    included, so peak memory is that of a clip this long (None: the whole clip at once).
    """
    if latent.dim() != 4:
        raise ValueError(
            f"audio latent must be (batch, channels, frames, mel bins), got shape {tuple(latent.shape)}"
        )
    cfg = decoder.cfg
    expected = (cfg.z_channels, cfg.latent_mel_bins)
    if (latent.shape[1], latent.shape[3]) != expected or latent.shape[2] < 1:
        raise ValueError(
            f"audio latent shape {tuple(latent.shape)} does not fit this decoder, which takes "
            f"(batch, {expected[0]}, frames ≥ 1, {expected[1]})"
        )
    if chunk_seconds is not None and chunk_seconds <= 0:
        raise ValueError(f"chunk_seconds must be positive or None, got {chunk_seconds}")
    latent_window = mel_window = None
    if chunk_seconds is not None:
        # Each piece, context included, is as long as a clip of chunk_seconds.
        latent_window = round(chunk_seconds * cfg.latents_per_second) + 1
        mel_window = cfg.mel_frames(latent_window)
    mel = decode_mel(latent, decoder, latent_window)
    wave = vocode(mel, vocoder, mel_window)
    log.debug(
        "decoded %d latent frames to %d samples at %d Hz", latent.shape[2], wave.num_samples, wave.sample_rate
    )
    return wave if num_samples is None else fit_length(wave, num_samples)

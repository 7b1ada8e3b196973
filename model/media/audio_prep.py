"""Make any input audio what the audio VAE's encoder expects, or say clearly why not.

Accepted: a (B, C, N), (C, N) or (N,) tensor, float or integer PCM (int16/int32 are scaled
to ±1), any positive sample rate, any channel count. Then:

- NaN/Inf samples, an empty clip, a non-positive rate, or a float peak above 2.0 (which
  is integer PCM passed as float, or a gain error) raise ValueError saying what to do.
- Channels: mono is duplicated to stereo; 5.1 and 7.1 (FL FR FC LFE BL BR [SL SR]) are
  folded to stereo with the ITU coefficients (−3 dB centre and surrounds, LFE dropped)
  and scaled so a full-scale input cannot exceed full scale; other counts are averaged
  to mono first. A mono encoder averages all channels.
- The rate is converted with ``torchaudio.functional.resample`` (band-limited sinc),
  as the reference pipeline does.
- Silence and hard clipping are valid audio and pass unchanged. Clips shorter than half
  an STFT window are zero-padded to that length (with LTX-2's front end this keeps the
  single latent frame such a clip has).

``samples_at`` gives the sample count at the target rate, so callers can ask the decoder
for exactly the input's duration back.
"""

from __future__ import annotations

import logging
import math
import numbers
from dataclasses import dataclass
from fractions import Fraction

import torch
import torch.nn.functional as F
import torchaudio.functional as AF

from .waveform import Waveform

log = logging.getLogger(__name__)

MAX_FLOAT_PEAK = 2.0
_INT_SCALE = {torch.int16: 2.0**15, torch.int32: 2.0**31, torch.int8: 2.0**7}
_HALF = math.sqrt(0.5)
# Rows: output L, R. Columns: FL FR FC LFE BL BR (SL SR).
_DOWNMIX = {
    6: [[1, 0, _HALF, 0, _HALF, 0], [0, 1, _HALF, 0, 0, _HALF]],
    8: [[1, 0, _HALF, 0, _HALF, 0, _HALF, 0], [0, 1, _HALF, 0, 0, _HALF, 0, _HALF]],
}


@dataclass(frozen=True)
class AudioTarget:
    sample_rate: int
    channels: int
    min_samples: int = 1


def as_float_waveform(samples: torch.Tensor) -> torch.Tensor:
    """(B, C, N) float32 in ±1 from any accepted layout and dtype."""
    if not isinstance(samples, torch.Tensor):
        raise ValueError(f"audio must be a torch tensor, got {type(samples).__name__}")
    if samples.dim() == 1:
        samples = samples[None, None]
    elif samples.dim() == 2:
        samples = samples[None]
    elif samples.dim() != 3:
        raise ValueError(
            f"audio must be (batch, channels, samples), (channels, samples) or (samples,); got shape "
            f"{tuple(samples.shape)}"
        )
    if samples.dtype == torch.uint8:
        return (samples.float() - 128.0) / 128.0
    if samples.dtype in _INT_SCALE:
        return samples.float() / _INT_SCALE[samples.dtype]
    if samples.dtype == torch.bool or samples.is_complex():
        raise ValueError(f"audio must hold real samples, got dtype {samples.dtype}")
    if not samples.is_floating_point():
        raise ValueError(f"audio dtype {samples.dtype} is not supported; pass float samples in [-1, 1]")
    return samples.float()


def validate(wave: torch.Tensor, sample_rate: int) -> None:
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, numbers.Integral) or sample_rate <= 0:
        raise ValueError(f"sample_rate must be a positive whole number of Hz, got {sample_rate!r}")
    b, c, n = wave.shape
    if b == 0 or c == 0 or n == 0:
        raise ValueError(
            f"audio is empty (shape {tuple(wave.shape)}); give at least one sample, or leave the audio input "
            "unconnected to generate sound from scratch"
        )
    bad = (~torch.isfinite(wave)).sum().item()
    if bad:
        raise ValueError(
            f"audio has {bad} NaN/Inf samples of {wave.numel()}; the source is corrupt. Re-decode it, or "
            "replace them (torch.nan_to_num(waveform, 0.0, 1.0, -1.0)) if a few bad samples are acceptable"
        )
    peak = wave.abs().max().item()
    if peak > MAX_FLOAT_PEAK:
        hint = " (it looks like 16-bit PCM: divide by 32768)" if peak > 255 else ""
        raise ValueError(
            f"audio peaks at {peak:g}, but float audio lives in [-1, 1]{hint}; scale or normalise it first"
        )


def remix(wave: torch.Tensor, channels: int) -> torch.Tensor:
    """(B, C, N) → (B, channels, N) for channels 1 or 2."""
    c = wave.shape[1]
    if c == channels:
        return wave
    if channels == 1:
        return wave.mean(dim=1, keepdim=True)
    if channels != 2:
        raise ValueError(
            f"the encoder expects {channels} channels; only mono or stereo encoders are supported"
        )
    if c == 1:
        return wave.expand(-1, 2, -1)
    if c in _DOWNMIX:
        matrix = torch.tensor(_DOWNMIX[c], dtype=wave.dtype, device=wave.device)
        matrix = matrix / matrix.sum(dim=1, keepdim=True)
        return torch.einsum("oc,bcn->bon", matrix, wave)
    log.warning("audio has %d channels in no known layout; mixing them down to mono, then stereo", c)
    return wave.mean(dim=1, keepdim=True).expand(-1, 2, -1)


def samples_at(samples: int, from_rate: int, to_rate: int) -> int:
    """The sample count a clip of ``samples`` at ``from_rate`` has at ``to_rate`` (rounded to nearest)."""
    return round(Fraction(samples * to_rate, from_rate))


def prepare_audio(audio: Waveform, target: AudioTarget) -> Waveform:
    """Validate, remix and resample ``audio`` for an encoder; returns a new Waveform at ``target``."""
    wave = as_float_waveform(audio.samples)
    validate(wave, audio.sample_rate)
    wave = remix(wave, target.channels)
    if audio.sample_rate != target.sample_rate:
        wave = AF.resample(wave.contiguous(), int(audio.sample_rate), target.sample_rate)
    if wave.shape[-1] < target.min_samples:
        wave = F.pad(wave, (0, target.min_samples - wave.shape[-1]))
    return Waveform(wave.contiguous(), target.sample_rate)

"""Bringing an AUDIO value to the rate, channel layout and exact length a clip needs."""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction

import torch
import torchaudio.functional as AF

_SIDE = 1.0 / math.sqrt(2.0)
# (left, right) share of each input channel, in the WAV / FFmpeg channel order of the
# usual layouts; the low-frequency channel is dropped from a downmix (ITU-R BS.775).
_STEREO_PAN: dict[int, tuple[tuple[float, float], ...]] = {
    1: ((1.0, 1.0),),
    2: ((1.0, 0.0), (0.0, 1.0)),
    3: ((1.0, 0.0), (0.0, 1.0), (_SIDE, _SIDE)),
    4: ((1.0, 0.0), (0.0, 1.0), (_SIDE, 0.0), (0.0, _SIDE)),
    5: ((1.0, 0.0), (0.0, 1.0), (_SIDE, _SIDE), (_SIDE, 0.0), (0.0, _SIDE)),
    6: ((1.0, 0.0), (0.0, 1.0), (_SIDE, _SIDE), (0.0, 0.0), (_SIDE, 0.0), (0.0, _SIDE)),
    8: (
        (1.0, 0.0),
        (0.0, 1.0),
        (_SIDE, _SIDE),
        (0.0, 0.0),
        (_SIDE, 0.0),
        (0.0, _SIDE),
        (_SIDE, 0.0),
        (0.0, _SIDE),
    ),
}


def audio_waveform(audio: Mapping) -> tuple[torch.Tensor, int]:
    """The (C,T) float32 waveform and sample rate of an AUDIO dict (batch of one or no batch)."""
    if not isinstance(audio, Mapping) or "waveform" not in audio or "sample_rate" not in audio:
        raise ValueError('audio must be an AUDIO dict {"waveform": (B,C,T) tensor, "sample_rate": int}')
    waveform = torch.as_tensor(audio["waveform"])
    sample_rate = audio["sample_rate"]
    if isinstance(sample_rate, bool) or int(sample_rate) != sample_rate or sample_rate <= 0:
        raise ValueError(f"audio sample_rate must be a positive whole number of Hz, got {sample_rate!r}")
    if waveform.dim() == 3:
        if waveform.shape[0] != 1:
            raise ValueError(
                f"audio holds a batch of {waveform.shape[0]} waveforms; a clip takes one: "
                "pick one item of the batch (waveform[i:i+1])"
            )
        waveform = waveform[0]
    if waveform.dim() != 2 or waveform.shape[0] == 0:
        raise ValueError(f"audio waveform must be (B,C,T) or (C,T), got shape {tuple(waveform.shape)}")
    waveform = waveform.detach().to("cpu", torch.float32)
    if not bool(torch.isfinite(waveform).all()):
        raise ValueError("audio waveform contains NaN or infinite values; fix the audio source")
    return waveform, int(sample_rate)


def remix_matrix(in_channels: int, out_channels: int) -> torch.Tensor:
    """(out, in) mixing matrix; downmix rows are scaled so no output can exceed full scale."""
    if in_channels == out_channels:
        return torch.eye(in_channels)
    if out_channels not in (1, 2) or in_channels not in _STEREO_PAN:
        raise ValueError(
            f"cannot remix {in_channels} audio channels to {out_channels}; supported: any of "
            f"{sorted(_STEREO_PAN)} channels to mono or stereo, or keep the channel count"
        )
    stereo = torch.tensor(_STEREO_PAN[in_channels], dtype=torch.float32).T
    if in_channels > 1:
        stereo = stereo / stereo.sum(dim=1, keepdim=True).clamp_min(1.0)
    return stereo if out_channels == 2 else stereo.mean(dim=0, keepdim=True)


def remix(waveform: torch.Tensor, channels: int) -> torch.Tensor:
    return remix_matrix(waveform.shape[0], channels).to(waveform.dtype) @ waveform


def samples_for_frames(frames: int, fps: Fraction, sample_rate: int) -> int:
    """Audio samples that last exactly as long as ``frames`` video frames (rounded to nearest)."""
    return round(Fraction(frames) / fps * sample_rate)


def fit_length(waveform: torch.Tensor, samples: int) -> torch.Tensor:
    """Trim the end, or pad it with silence, to exactly ``samples``."""
    have = waveform.shape[-1]
    if have >= samples:
        return waveform[..., :samples]
    return torch.cat([waveform, waveform.new_zeros(*waveform.shape[:-1], samples - have)], dim=-1)


def conform_audio(
    waveform: torch.Tensor, sample_rate: int, target_rate: int, channels: int, samples: int
) -> torch.Tensor:
    """(C,T) at ``sample_rate`` → (channels, samples) at ``target_rate``."""
    out = remix(waveform, channels)
    if sample_rate != target_rate:
        out = AF.resample(out, sample_rate, target_rate)
    return fit_length(out, samples).contiguous()

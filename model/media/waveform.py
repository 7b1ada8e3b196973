"""A waveform and its true sample rate, travelling together."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import torch


@dataclass(frozen=True)
class Waveform:
    """samples: (B, C, N) float; sample_rate in Hz."""

    samples: torch.Tensor
    sample_rate: int

    @property
    def num_samples(self) -> int:
        return self.samples.shape[-1]

    @property
    def seconds(self) -> Fraction:
        return Fraction(self.num_samples, self.sample_rate)

    def as_audio(self) -> dict[str, Any]:
        """ComfyUI's AUDIO: {"waveform": (B, C, N) float, "sample_rate": int}."""
        return {"waveform": self.samples, "sample_rate": int(self.sample_rate)}

    @staticmethod
    def from_audio(audio: dict[str, Any]) -> Waveform:
        if not isinstance(audio, dict) or "waveform" not in audio or "sample_rate" not in audio:
            raise ValueError(
                "AUDIO must be a dict with 'waveform' (batch, channels, samples) and 'sample_rate'"
            )
        return Waveform(audio["waveform"], audio["sample_rate"])

    def resampled(self, sample_rate: int) -> Waveform:
        """The same sound at ``sample_rate`` (torchaudio's band-limited resampling)."""
        if sample_rate == self.sample_rate:
            return self
        import torchaudio.functional as AF

        return Waveform(AF.resample(self.samples.float(), self.sample_rate, sample_rate), int(sample_rate))

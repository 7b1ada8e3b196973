"""A vocoder with no weights: invert the log-mel front end with fast Griffin-Lim.

For small audio VAEs trained here. exp(log-mel) is mapped back to a linear magnitude by
non-negative least squares against the mel filterbank (the pseudo-inverse clipped at
zero, refined by multiplicative updates, Lee & Seung 2001), then the phase is found
by Griffin-Lim with momentum ("fast Griffin-Lim", Perraudin et al. 2013) from a seeded
random start, so a given mel always gives the same waveform. It inverts the centred STFT
of ``mel.py``: T frames give T·hop samples at the front end's sample rate, frame t
centred on sample t·hop, exactly as the encoder saw it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..audio_vae.config import MelConfig
from ..audio_vae.mel import mel_filterbank, stft

MEL_INVERSION_ITERS = 32
MAGNITUDE_FLOOR = 1e-10


@dataclass(kw_only=True, frozen=True)
class GriffinLimConfig:
    mel: MelConfig = MelConfig()
    n_iter: int = 32
    momentum: float = 0.99
    seed: int = 0


class GriffinLimVocoder(nn.Module):
    def __init__(self, cfg: GriffinLimConfig) -> None:
        super().__init__()
        self.cfg = cfg

    @property
    def sample_rate(self) -> int:
        return self.cfg.mel.sample_rate

    @property
    def hop(self) -> int:
        return self.cfg.mel.hop_length

    def context_frames(self) -> None:
        """Griffin-Lim's phase is global: it is run on the whole clip, never chunked."""
        return None

    def linear_magnitude(self, log_mel: torch.Tensor) -> torch.Tensor:
        """(N, T, M) log-mel → (N, n_fft // 2 + 1, T) non-negative magnitude whose mel matches."""
        bank = mel_filterbank(self.cfg.mel, log_mel.device)
        mel = log_mel.float().exp()
        spec = torch.matmul(mel, torch.linalg.pinv(bank)).clamp(min=MAGNITUDE_FLOOR)
        target = torch.matmul(mel, bank.T)
        for _ in range(MEL_INVERSION_ITERS):
            spec = spec * target / (torch.matmul(torch.matmul(spec, bank), bank.T) + MAGNITUDE_FLOOR)
        return spec.transpose(1, 2)

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        """(B, S, T, M) log-mel → (B, S, T·hop) waveform."""
        b, s, t, m = mel.shape
        cfg = self.cfg.mel
        magnitude = self.linear_magnitude(mel.reshape(b * s, t, m))
        window = torch.hann_window(cfg.n_fft, device=mel.device)
        length = t * cfg.hop_length

        def istft(spec: torch.Tensor) -> torch.Tensor:
            return torch.istft(spec, cfg.n_fft, cfg.hop_length, cfg.n_fft, window, center=True, length=length)

        def spectrum(wave: torch.Tensor) -> torch.Tensor:
            return stft(wave, cfg, window)[..., :t]

        g = torch.Generator().manual_seed(self.cfg.seed)
        phase = torch.rand(magnitude.shape, generator=g).to(mel.device) * (2 * torch.pi)
        angles = torch.polar(torch.ones_like(magnitude), phase)
        previous = torch.zeros_like(angles)
        blend = self.cfg.momentum / (1 + self.cfg.momentum)
        for _ in range(self.cfg.n_iter):
            rebuilt = spectrum(istft(magnitude * angles))
            angles = rebuilt - blend * previous
            angles = angles / (angles.abs() + 1e-16)
            previous = rebuilt
        return istft(magnitude * angles).reshape(b, s, length).to(mel.dtype)

"""The audio VAE's log-mel front end, and the mel filterbank it shares with Griffin-Lim.

waveform (B, C, N) at ``sample_rate`` → log-mel (B, C, T, mel_bins) with T = N // hop + 1:
a centred, reflect-padded STFT (periodic Hann window, n_fft long) whose magnitude is
projected on slaney-scale, slaney-normalised mel filters spanning 0 … sample_rate/2, then
``log(max(mel, 1e-5))``. Frame t is centred on sample t·hop.
"""

from __future__ import annotations

import torch
import torchaudio.functional as AF

from .config import MelConfig

LOG_FLOOR = 1e-5


def mel_filterbank(cfg: MelConfig, device: torch.device | str = "cpu") -> torch.Tensor:
    """(n_fft // 2 + 1, mel_bins) slaney filters."""
    return AF.melscale_fbanks(
        cfg.n_fft // 2 + 1,
        f_min=0.0,
        f_max=cfg.sample_rate / 2.0,
        n_mels=cfg.mel_bins,
        sample_rate=cfg.sample_rate,
        norm="slaney",
        mel_scale="slaney",
    ).to(device)


def mel_frame_count(samples: int, cfg: MelConfig) -> int:
    return samples // cfg.hop_length + 1


def stft(wave: torch.Tensor, cfg: MelConfig, window: torch.Tensor) -> torch.Tensor:
    """The front end's complex spectrum (frames centred on multiples of the hop, reflect-padded)."""
    return torch.stft(
        wave,
        cfg.n_fft,
        cfg.hop_length,
        cfg.n_fft,
        window,
        center=True,
        pad_mode="reflect",
        return_complex=True,
    )


def log_mel(waveform: torch.Tensor, cfg: MelConfig) -> torch.Tensor:
    """(B, C, N) float waveform at ``cfg.sample_rate`` → (B, C, N // hop + 1, mel_bins), in fp32.

    N must exceed n_fft // 2 (the reflect padding needs that many samples); ``audio_prep``
    pads shorter clips.
    """
    if waveform.dim() != 3:
        raise ValueError(
            f"log_mel expects a (batch, channels, samples) waveform, got shape {tuple(waveform.shape)}"
        )
    b, c, n = waveform.shape
    if n <= cfg.n_fft // 2:
        raise ValueError(
            f"log_mel needs more than {cfg.n_fft // 2} samples, got {n}; pad the clip (prepare_audio does)"
        )
    flat = waveform.reshape(b * c, n).float()
    spec = stft(flat, cfg, torch.hann_window(cfg.n_fft, device=flat.device)).abs()
    mel = torch.matmul(spec.transpose(1, 2), mel_filterbank(cfg, flat.device))
    return torch.log(mel.clamp(min=LOG_FLOOR)).reshape(b, c, -1, cfg.mel_bins)

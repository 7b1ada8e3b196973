"""LTX-2.3's vocoder: BigVGAN-v2 to 16 kHz, then bandwidth extension to 48 kHz.

The generator is HiFi-GAN's skeleton with anti-aliased periodic activations: Snake
``x + sin²(αx)/β`` (α, β stored as logs; plain Snake uses β = α) run at twice the rate
inside "AMP" residual blocks, no activation before the upsampling layers, and an
anti-aliased SnakeBeta before conv_post.

Bandwidth extension: the 16 kHz waveform goes through a causal log-mel STFT (bases stored
in the checkpoint), a second generator predicts a 48 kHz residual from it, and the
residual is added to a band-limited 3× upsampling of the 16 kHz waveform, then clipped to
[-1, 1]. T mel frames give T·160 samples at 16 kHz and T·480 at 48 kHz.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .antialias import HANN_ROLLOFF, HANN_ZERO_CROSSINGS, AntiAliased, hann_sinc_upsample
from .hifigan import GeneratorConfig, MelGenerator, same_conv

SNAKE_EPS = 1e-9
ANTIALIAS_REACH = 6  # samples: 12-tap filters at twice the rate, either side
LOG_FLOOR = 1e-5


class Snake(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.alpha = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        alpha = self.alpha.exp()[None, :, None]
        return x + torch.sin(x * alpha).pow(2) / (alpha + SNAKE_EPS)


class SnakeBeta(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.alpha = nn.Parameter(torch.zeros(channels))
        self.beta = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        alpha = self.alpha.exp()[None, :, None]
        beta = self.beta.exp()[None, :, None]
        return x + torch.sin(x * alpha).pow(2) / (beta + SNAKE_EPS)


def snake(kind: str, channels: int) -> nn.Module:
    return SnakeBeta(channels) if kind == "snakebeta" else Snake(channels)


class AMPBlock(nn.Module):
    """Pairs of (anti-aliased snake, dilated conv, anti-aliased snake, conv), each pair residual."""

    def __init__(self, channels: int, kernel: int, dilations: tuple[int, ...], activation: str) -> None:
        super().__init__()
        self.convs1 = nn.ModuleList(same_conv(channels, kernel, d) for d in dilations)
        self.convs2 = nn.ModuleList(same_conv(channels, kernel) for _ in dilations)
        self.acts1 = nn.ModuleList(AntiAliased(snake(activation, channels)) for _ in dilations)
        self.acts2 = nn.ModuleList(AntiAliased(snake(activation, channels)) for _ in dilations)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for c1, c2, a1, a2 in zip(self.convs1, self.convs2, self.acts1, self.acts2, strict=True):
            x = x + c2(a2(c1(a1(x))))
        return x


class BigVGANGenerator(MelGenerator):
    def residual_block(self, channels: int, kernel: int, dilations: tuple[int, ...]) -> nn.Module:
        return AMPBlock(channels, kernel, dilations, self.cfg.activation)

    def post_activation(self, channels: int) -> nn.Module:
        return AntiAliased(SnakeBeta(channels))

    def stage_input(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def activation_reach(self) -> int:
        return ANTIALIAS_REACH


@dataclass(kw_only=True, frozen=True)
class BandwidthConfig:
    """The ``bwe`` subsection: its generator plus the causal STFT it listens through."""

    generator: GeneratorConfig
    input_sample_rate: int = 16000
    output_sample_rate: int = 48000
    hop_length: int = 80
    n_fft: int = 512
    mel_bins: int = 64

    @property
    def ratio(self) -> int:
        return self.output_sample_rate // self.input_sample_rate


class CausalSTFT(nn.Module):
    """STFT as a strided convolution with stored (windowed DFT) bases, padded on the left only."""

    def __init__(self, n_fft: int, hop: int) -> None:
        super().__init__()
        self.hop = hop
        self.n_fft = n_fft
        self.register_buffer("forward_basis", torch.zeros(2 * (n_fft // 2 + 1), 1, n_fft))

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        """(N, T) waveform → (N, n_fft // 2 + 1, T // hop) magnitude."""
        y = F.pad(y[:, None], (max(0, self.n_fft - self.hop), 0))
        spec = F.conv1d(y, self.forward_basis.to(y), stride=self.hop)
        real, imag = spec.chunk(2, dim=1)
        return torch.sqrt(real.pow(2) + imag.pow(2))


class CausalLogMel(nn.Module):
    def __init__(self, n_fft: int, hop: int, mel_bins: int) -> None:
        super().__init__()
        self.stft_fn = CausalSTFT(n_fft, hop)
        self.register_buffer("mel_basis", torch.zeros(mel_bins, n_fft // 2 + 1))

    def forward(self, audio: torch.Tensor) -> torch.Tensor:
        """(B, C, T) waveform → (B, C, T // hop, mel_bins) log-mel."""
        b, c, _ = audio.shape
        magnitude = self.stft_fn(audio.reshape(b * c, -1))
        mel = torch.matmul(self.mel_basis.to(magnitude), magnitude).clamp(min=LOG_FLOOR).log()
        return mel.reshape(b, c, mel.shape[1], mel.shape[2]).transpose(2, 3)


class BandwidthExtendedVocoder(nn.Module):
    """BigVGAN at the input rate, plus a residual generator to the output rate."""

    def __init__(self, main: GeneratorConfig, bwe: BandwidthConfig) -> None:
        super().__init__()
        self.bwe = bwe
        self.vocoder = BigVGANGenerator(main)
        self.bwe_generator = BigVGANGenerator(bwe.generator)
        self.mel_stft = CausalLogMel(bwe.n_fft, bwe.hop_length, bwe.mel_bins)

    @property
    def sample_rate(self) -> int:
        return self.bwe.output_sample_rate

    @property
    def hop(self) -> int:
        return self.vocoder.hop * self.bwe.ratio

    def context_frames(self) -> int:
        """Mel frames either side: the main generator's, plus what the STFT window, the BWE
        generator and the resampler reach, counted in low-rate samples."""
        resampler = math.ceil(HANN_ZERO_CROSSINGS / HANN_ROLLOFF)
        low_rate = self.bwe.n_fft + self.bwe_generator.context_frames() * self.bwe.hop_length + resampler
        return self.vocoder.context_frames() + math.ceil(low_rate / self.vocoder.hop) + 1

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        """(B, S, T, M) log-mel → (B, out_channels, T·hop) waveform at the output rate."""
        low = self.vocoder(mel)
        length = low.shape[-1] * self.bwe.ratio
        low = F.pad(low, (0, -low.shape[-1] % self.bwe.hop_length))
        residual = self.bwe_generator(self.mel_stft(low))
        skip = hann_sinc_upsample(low, self.bwe.ratio)
        return (residual + skip).clamp(-1, 1)[..., :length]

"""Test oracle: tiny random LTX-2 audio VAEs and vocoders from the reference (ltx-core).

Builds the reference modules from small configs (same keys and nesting as published
files), fills them from a seed and writes them into one safetensors file under the
published prefixes (``audio_vae.encoder.``, ``audio_vae.decoder.``,
``audio_vae.per_channel_statistics.``, ``vocoder.``) with the ``config`` metadata.
Also holds the published configs (facts from LTX-2.0 / LTX-2.3 file metadata).
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import pytest
import torch

ltx_core = pytest.importorskip("ltx_core", reason="ltx-core (the reference) is a test dependency")

from ltx_core.model.audio_vae.model_configurator import (  # noqa: E402
    AudioDecoderConfigurator,
    AudioEncoderConfigurator,
    VocoderConfigurator,
)

from talkies.model.loading.safetensors_file import write_safetensors  # noqa: E402

from ltx_oracle import randomize  # noqa: E402

PUBLISHED_AUDIO_VAE = {
    "model": {
        "params": {
            "ddconfig": {
                "double_z": True,
                "mel_bins": 64,
                "z_channels": 8,
                "resolution": 256,
                "downsample_time": False,
                "in_channels": 2,
                "out_ch": 2,
                "ch": 128,
                "ch_mult": [1, 2, 4],
                "num_res_blocks": 2,
                "attn_resolutions": [],
                "dropout": 0.0,
                "mid_block_add_attention": False,
                "norm_type": "pixel",
                "causality_axis": "height",
            },
            "sampling_rate": 16000,
        }
    },
    "preprocessing": {
        "audio": {
            "sampling_rate": 16000,
            "max_wav_value": 32768.0,
            "duration": 5.12,
            "stereo": True,
            "causal_padding": 3,
        },
        "stft": {"filter_length": 1024, "hop_length": 160, "win_length": 1024, "causal": True},
        "mel": {"n_mel_channels": 64, "mel_fmin": 0, "mel_fmax": 8000},
    },
}
PUBLISHED_VOCODER_20 = {
    "resblock_dilation_sizes": [[1, 3, 5], [1, 3, 5], [1, 3, 5]],
    "stereo": True,
    "upsample_rates": [6, 5, 2, 2, 2],
    "resblock_kernel_sizes": [3, 7, 11],
    "upsample_kernel_sizes": [16, 15, 8, 4, 4],
    "resblock": "1",
    "upsample_initial_channel": 1024,
}
PUBLISHED_VOCODER_23 = {
    "vocoder": {
        "upsample_initial_channel": 1536,
        "resblock": "AMP1",
        "upsample_rates": [5, 2, 2, 2, 2, 2],
        "resblock_kernel_sizes": [3, 7, 11],
        "upsample_kernel_sizes": [11, 4, 4, 4, 4, 4],
        "resblock_dilation_sizes": [[1, 3, 5], [1, 3, 5], [1, 3, 5]],
        "stereo": True,
        "use_tanh_at_final": False,
        "activation": "snakebeta",
        "use_bias_at_final": False,
    },
    "bwe": {
        "upsample_initial_channel": 512,
        "resblock": "AMP1",
        "upsample_rates": [6, 5, 2, 2, 2],
        "resblock_kernel_sizes": [3, 7, 11],
        "upsample_kernel_sizes": [12, 11, 4, 4, 4],
        "resblock_dilation_sizes": [[1, 3, 5], [1, 3, 5], [1, 3, 5]],
        "stereo": True,
        "use_tanh_at_final": False,
        "activation": "snakebeta",
        "use_bias_at_final": False,
        "apply_final_activation": False,
        "input_sampling_rate": 16000,
        "output_sampling_rate": 48000,
        "hop_length": 80,
        "n_fft": 512,
        "win_size": 512,
        "num_mels": 64,
    },
}


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny convolutions run faster on one thread, and far faster on a shared 2-core machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def tiny_audio_vae(variant: str = "causal") -> dict:
    """The published section at tiny width: z 2 × 16 mel bins (statistics of 32 = ch, as the reference needs).

    "causal" has the published shape (pixel norm, causal in time, no attention);
    "attention" is non-causal with group norm and attention blocks, the other path the
    reference builds.
    """
    section = copy.deepcopy(PUBLISHED_AUDIO_VAE)
    dd = section["model"]["params"]["ddconfig"]
    dd.update({"ch": 32, "z_channels": 2, "ch_mult": [1, 1, 2], "num_res_blocks": 1})
    if variant == "attention":
        dd.update(
            {
                "causality_axis": None,
                "norm_type": "group",
                "attn_resolutions": [64],
                "mid_block_add_attention": True,
            }
        )
    return section


def tiny_vocoder(kind: str = "hifigan") -> dict:
    """Published layouts (rates, kernels) at tiny widths, so sample rates stay real."""
    if kind == "hifigan":
        return {**PUBLISHED_VOCODER_20, "upsample_initial_channel": 64}
    if kind == "bigvgan_bwe":
        section = copy.deepcopy(PUBLISHED_VOCODER_23)
        section["vocoder"]["upsample_initial_channel"] = 64
        section["bwe"]["upsample_initial_channel"] = 32
        return section
    if kind == "griffin_lim":
        return {"type": "griffin_lim", "n_iter": 16}
    raise ValueError(kind)


def tiny_config(vae: str = "causal", vocoder: str = "hifigan") -> dict:
    return {"audio_vae": tiny_audio_vae(vae), "vocoder": tiny_vocoder(vocoder)}


def _statistics(module: torch.nn.Module, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    stats = module.per_channel_statistics
    n = stats.get_buffer("std-of-means").numel()
    with torch.no_grad():
        stats.get_buffer("std-of-means").copy_(torch.rand(n, generator=g) + 0.5)
        stats.get_buffer("mean-of-means").copy_(torch.randn(n, generator=g) * 0.3)


def reference_audio_vae(config: dict, seed: int = 0):
    """(encoder, decoder) of ltx-core, random weights, shared random per-channel statistics."""
    encoder = randomize(AudioEncoderConfigurator.from_config(config).float(), seed)
    decoder = randomize(AudioDecoderConfigurator.from_config(config).float(), seed + 1)
    _statistics(encoder, seed + 2)
    decoder.per_channel_statistics.load_state_dict(encoder.per_channel_statistics.state_dict())
    return encoder.eval(), decoder.eval()


def _windowed_dft_basis(n_fft: int) -> torch.Tensor:
    """(2·(n_fft/2+1), 1, n_fft): real rows then imaginary rows of a Hann-windowed DFT."""
    n = torch.arange(n_fft, dtype=torch.float64)
    k = torch.arange(n_fft // 2 + 1, dtype=torch.float64)[:, None]
    window = torch.hann_window(n_fft, periodic=True, dtype=torch.float64)
    angle = 2 * math.pi * k * n / n_fft
    return torch.cat([torch.cos(angle) * window, -torch.sin(angle) * window]).float()[:, None, :]


def reference_vocoder(config: dict, seed: int = 3):
    """ltx-core's vocoder for the config, random weights; LTX-2.3's STFT and mel bases made real."""
    vocoder = randomize(VocoderConfigurator.from_config(config).float(), seed)
    if hasattr(vocoder, "mel_stft"):
        with torch.no_grad():  # a residual beyond ±1, so a wrongly clipped BWE generator shows
            vocoder.bwe_generator.conv_post.weight.mul_(20)
        import torchaudio.functional as AF

        bwe = config["vocoder"]["bwe"]
        stft = vocoder.mel_stft.stft_fn
        stft.forward_basis.copy_(_windowed_dft_basis(bwe["n_fft"]))
        stft.inverse_basis.copy_(_windowed_dft_basis(bwe["n_fft"]))
        bank = AF.melscale_fbanks(
            bwe["n_fft"] // 2 + 1,
            0.0,
            bwe["input_sampling_rate"] / 2,
            bwe["num_mels"],
            bwe["input_sampling_rate"],
            norm="slaney",
            mel_scale="slaney",
        )
        vocoder.mel_stft.mel_basis.copy_(bank.T)
    return vocoder.eval()


def checkpoint_tensors(encoder=None, decoder=None, vocoder=None) -> dict[str, torch.Tensor]:
    """State dicts under the prefixes published LTX-2 files use."""
    out: dict[str, torch.Tensor] = {}
    for half, module in (("encoder", encoder), ("decoder", decoder)):
        if module is None:
            continue
        for k, v in module.state_dict().items():
            if k.startswith("per_channel_statistics."):
                out["audio_vae." + k] = v
            else:
                out[f"audio_vae.{half}.{k}"] = v
    if vocoder is not None:
        for k, v in vocoder.state_dict().items():
            out["vocoder." + k] = v
    return {k: v.contiguous() for k, v in out.items()}


def write_checkpoint(path: Path, config: dict | None, tensors: dict) -> Path:
    metadata = {"config": json.dumps(config)} if config is not None else None
    return write_safetensors(path, tensors, metadata)


def chirp(
    seconds: float, rate: int, f0: float = 100.0, f1: float = 6000.0, channels: int = 1
) -> torch.Tensor:
    """(1, channels, N) exponential sweep at -6 dBFS, channel c delayed by c ms so channels differ."""
    n = round(seconds * rate)
    out = []
    for c in range(channels):
        t = (torch.arange(n, dtype=torch.float64) - c * rate / 1000) / rate
        k = math.log(f1 / f0) / seconds
        phase = 2 * math.pi * f0 * (torch.exp(k * t) - 1) / k
        out.append(0.5 * torch.sin(phase))
    return torch.stack(out)[None].float()


def clicks(seconds: float, rate: int, times: list[float], channels: int = 1) -> torch.Tensor:
    """(1, channels, N) silence with 2 ms bursts of a 3 kHz tone at ``times``."""
    n = round(seconds * rate)
    wave = torch.zeros(1, channels, n)
    burst = round(0.002 * rate)
    tone = 0.8 * torch.sin(2 * math.pi * 3000 * torch.arange(burst) / rate)
    for t in times:
        i = round(t * rate)
        wave[..., i : i + burst] = tone[: n - i]
    return wave

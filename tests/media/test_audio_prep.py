"""Input audio of any rate, layout and channel count becomes encoder input, or a clear error."""

from __future__ import annotations

import math

import pytest
import torch

from talkies.model.audio_vae.codec import encode_audio
from talkies.model.audio_vae.config import AudioVAEConfig
from talkies.model.audio_vae.model import AudioEncoder
from talkies.model.media.audio_prep import AudioTarget, prepare_audio, remix, samples_at
from talkies.model.media.waveform import Waveform

from audio_oracle import chirp

STEREO_16K = AudioTarget(16000, 2)


@pytest.fixture(scope="module")
def encoder() -> AudioEncoder:
    cfg = AudioVAEConfig(
        ch=32, ch_mult=(1, 1, 2), num_res_blocks=1, z_channels=2, attn_resolutions=frozenset()
    )
    torch.manual_seed(0)
    return AudioEncoder(cfg).eval()


@pytest.mark.parametrize(
    ("samples", "rate", "message"),
    [
        (torch.full((1, 2, 1000), float("nan")), 16000, "NaN/Inf"),
        (torch.tensor([[[0.1, float("inf"), 0.2] * 400]]), 16000, "NaN/Inf"),
        (torch.zeros(1, 2, 0), 16000, "empty"),
        (torch.zeros(0, 2, 100), 16000, "empty"),
        (torch.full((1, 1, 1000), 12000.0), 16000, "16-bit PCM"),
        (torch.full((1, 1, 1000), 3.0), 16000, "scale or normalise"),
        (torch.zeros(1, 1, 1000), 0, "positive whole number"),
        (torch.zeros(1, 1, 1000), 44100.5, "positive whole number"),
        (torch.zeros(2, 1, 1, 1000), 16000, "(batch, channels, samples)"),
        (torch.zeros(1, 1, 1000, dtype=torch.complex64), 16000, "real samples"),
    ],
    ids=[
        "nan",
        "inf",
        "no-samples",
        "no-batch",
        "int16-as-float",
        "gain",
        "rate-0",
        "rate-frac",
        "4d",
        "complex",
    ],
)
def test_bad_input_is_refused_with_a_fix(samples, rate, message):
    with pytest.raises(ValueError, match=message):
        prepare_audio(Waveform(samples, rate), STEREO_16K)


def test_audio_dict_must_have_both_keys(encoder):
    with pytest.raises(ValueError, match="'waveform'"):
        encode_audio({"waveform": torch.zeros(1, 1, 100)}, encoder)


def test_integer_pcm_is_scaled():
    pcm = (chirp(0.1, 16000) * 32767).round().to(torch.int16)
    out = prepare_audio(Waveform(pcm, 16000), AudioTarget(16000, 1))
    assert out.samples.dtype == torch.float32
    assert torch.allclose(out.samples, chirp(0.1, 16000), atol=1e-4)


def test_layouts_and_rates_are_converted():
    for shape in ((16000,), (1, 16000), (1, 1, 16000)):
        out = prepare_audio(Waveform(torch.zeros(shape), 16000), STEREO_16K)
        assert out.samples.shape == (1, 2, 16000)
    out = prepare_audio(Waveform(chirp(1.0, 44100), 44100), STEREO_16K)
    assert out.sample_rate == 16000 and out.samples.shape == (1, 2, 16000)
    assert torch.equal(out.samples[:, 0], out.samples[:, 1])  # mono duplicated


def test_resampling_keeps_the_tone():
    """A 1 kHz tone at 44.1 kHz is still 1 kHz at 16 kHz."""
    t = torch.arange(44100) / 44100
    out = prepare_audio(
        Waveform(0.5 * torch.sin(2 * math.pi * 1000 * t)[None, None], 44100), AudioTarget(16000, 1)
    )
    spectrum = torch.fft.rfft(out.samples[0, 0]).abs()
    assert spectrum.argmax().item() == 1000  # 1 Hz bins over one second


def test_surround_folds_to_stereo_with_itu_weights():
    n = 100
    fl, fr, fc, lfe, bl, br = (torch.full((n,), v) for v in (0.1, 0.2, 0.3, 0.9, 0.4, 0.5))
    wave = torch.stack([fl, fr, fc, lfe, bl, br])[None]
    out = remix(wave, 2)
    h = math.sqrt(0.5)
    norm = 1 + 2 * h
    assert torch.allclose(out[0, 0], (fl + h * fc + h * bl) / norm)
    assert torch.allclose(out[0, 1], (fr + h * fc + h * br) / norm)  # LFE dropped
    full_scale = remix(torch.ones(1, 6, n), 2)
    assert full_scale.max() <= 1.0 + 1e-6
    assert torch.allclose(
        remix(torch.ones(1, 3, n) * 0.3, 2), torch.full((1, 2, n), 0.3)
    )  # unknown: averaged
    assert torch.allclose(remix(wave, 1), wave.mean(dim=1, keepdim=True))


def test_silence_and_clipping_are_defined(encoder):
    silent = encode_audio(Waveform(torch.zeros(1, 2, 48000), 16000), encoder)
    assert torch.isfinite(silent).all()
    # A stationary input gives the same latent frame once the causal start has passed.
    assert torch.allclose(silent[:, :, 40], silent[:, :, -1], atol=1e-5)
    clipped = (chirp(1.0, 16000) * 8).clamp(-1, 1)  # hard-clipped: valid audio at full scale
    latent = encode_audio(Waveform(clipped, 16000), encoder)
    assert torch.isfinite(latent).all() and latent.shape == (1, 2, 26, 16)


def test_very_short_clip_gives_one_latent_frame(encoder):
    latent = encode_audio(Waveform(torch.full((1, 1, 10), 0.1), 16000), encoder)
    assert latent.shape == (1, 2, 1, 16) and torch.isfinite(latent).all()


def test_samples_at_rounds_to_the_nearest_sample():
    assert samples_at(44100, 44100, 24000) == 24000
    assert samples_at(16480, 16000, 48000) == 49440
    assert samples_at(1, 44100, 48000) == 1

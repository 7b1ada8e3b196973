"""LTX-2.0's HiFi-GAN and LTX-2.3's BigVGAN + BWE, loaded by our loader, compute what ltx-core computes.

Tolerance 1e-4 on waveforms in [-1, 1]. The bandwidth extension takes the log of a mel
spectrogram of its own input, which turns float rounding in quiet bins into differences
around 2e-5, hence the looser bound for chunked-vs-whole there.
"""

from __future__ import annotations

import pytest
import torch

from talkies.model import decode_audio, load_audio_decoder, load_vocoder
from talkies.model.audio_vae.codec import vocode
from talkies.model.audio_vae.config import audio_vae_config
from talkies.model.audio_vae.model import AudioDecoder, AudioEncoder
from talkies.model.vocoder.antialias import AntiAliased, hann_sinc_upsample
from talkies.model.vocoder.bigvgan import SnakeBeta
from talkies.model.vocoder.config import build_vocoder, vocoder_spec

from audio_oracle import (
    PUBLISHED_AUDIO_VAE,
    PUBLISHED_VOCODER_20,
    PUBLISHED_VOCODER_23,
    checkpoint_tensors,
    one_thread,  # noqa: F401  (autouse fixture)
    reference_audio_vae,
    reference_vocoder,
    tiny_config,
    write_checkpoint,
)

ltx_core = pytest.importorskip("ltx_core")
from ltx_core.model.audio_vae.audio_vae import decode_audio as ref_decode_audio  # noqa: E402
from ltx_core.model.audio_vae.model_configurator import (  # noqa: E402
    AudioDecoderConfigurator,
    AudioEncoderConfigurator,
    VocoderConfigurator,
)
from ltx_core.model.audio_vae.vocoder import Activation1d, UpSample1d  # noqa: E402
from ltx_core.model.audio_vae.vocoder import SnakeBeta as RefSnakeBeta  # noqa: E402

TOL = 1e-4
RATES = {"hifigan": (24000, 240), "bigvgan_bwe": (48000, 480)}


@pytest.fixture(scope="module", params=["hifigan", "bigvgan_bwe"])
def model(request, tmp_path_factory):
    config = tiny_config("causal", request.param)
    encoder, decoder = reference_audio_vae(config)
    vocoder = reference_vocoder(config)
    path = tmp_path_factory.mktemp("voc") / "audio.safetensors"
    write_checkpoint(path, config, checkpoint_tensors(encoder, decoder, vocoder))
    return request.param, decoder, vocoder, path


def test_vocoder_matches_reference(model):
    kind, _, ref_vocoder, path = model
    vocoder = load_vocoder(path)
    mel = torch.randn(2, 2, 40, 64, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        ref, ours = ref_vocoder(mel), vocoder(mel)
    rate, hop = RATES[kind]
    assert ours.shape == ref.shape == (2, 2, 40 * hop)
    assert vocoder.sample_rate == ref_vocoder.output_sampling_rate == rate
    assert (ours - ref).abs().max() <= TOL
    if kind == "bigvgan_bwe":  # its generator's output is not clipped (only the sum is)
        bwe_mel = torch.randn(1, 2, 20, 64, generator=torch.Generator().manual_seed(5))
        with torch.no_grad():
            ref_residual, residual = ref_vocoder.bwe_generator(bwe_mel), vocoder.bwe_generator(bwe_mel)
        assert ref_residual.abs().max() > 1.1
        assert (residual - ref_residual).abs().max() <= TOL * ref_residual.abs().max()


def test_decode_audio_matches_reference_pipeline(model):
    """Latent → waveform end to end, as ltx-core's decode_audio (used by ltx-pipelines) does it."""
    kind, ref_decoder, ref_vocoder, path = model
    latent = torch.randn(1, 2, 26, 16, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        ref = ref_decode_audio(latent, ref_decoder, ref_vocoder)
    ours = decode_audio(latent, load_audio_decoder(path), load_vocoder(path), chunk_seconds=None)
    assert ours.sample_rate == ref.sampling_rate == RATES[kind][0]
    assert ours.samples.shape == (1, *ref.waveform.shape)
    assert (ours.samples[0] - ref.waveform).abs().max() <= TOL


def test_chunked_vocoder_equals_whole(model):
    kind, _, _, path = model
    vocoder = load_vocoder(path)
    mel = torch.randn(1, 2, 240, 64, generator=torch.Generator().manual_seed(2)) - 2
    whole = vocode(mel, vocoder)
    chunked = vocode(mel, vocoder, window=2 * vocoder.context_frames() + 80)
    assert chunked.samples.shape == whole.samples.shape == (1, 2, 240 * RATES[kind][1])
    assert chunked.sample_rate == whole.sample_rate
    assert (chunked.samples - whole.samples).abs().max() <= (1e-4 if kind == "bigvgan_bwe" else 1e-5)


def test_resampling_filters_match_reference():
    """Filters built here (not read from a file) equal the reference's, and so does the BWE skip path."""
    ref = Activation1d(RefSnakeBeta(4))
    ours = AntiAliased(SnakeBeta(4))
    assert torch.allclose(ours.upsample.filter, ref.upsample.filter, atol=1e-7)
    assert torch.allclose(ours.downsample.lowpass.filter, ref.downsample.lowpass.filter, atol=1e-7)
    x = torch.randn(2, 3, 300, generator=torch.Generator().manual_seed(4))
    assert (hann_sinc_upsample(x, 3) - UpSample1d(3, window_type="hann")(x)).abs().max() <= 1e-5


def _shapes(module: torch.nn.Module, skip: tuple[str, ...] = ()) -> dict[str, tuple[int, ...]]:
    return {k: tuple(v.shape) for k, v in module.state_dict().items() if not k.endswith(skip)}


@pytest.mark.parametrize("section", [PUBLISHED_VOCODER_20, PUBLISHED_VOCODER_23], ids=["ltx-2.0", "ltx-2.3"])
def test_published_layouts_have_reference_keys_and_shapes(section):
    """At full published size (built on meta, no weights), every tensor name and shape agrees."""
    config = {"audio_vae": PUBLISHED_AUDIO_VAE, "vocoder": section}
    with torch.device("meta"):
        ref_parts = [
            AudioEncoderConfigurator.from_config(config),
            AudioDecoderConfigurator.from_config(config),
            VocoderConfigurator.from_config(config),
        ]
        cfg = audio_vae_config(config)
        ours = [AudioEncoder(cfg), AudioDecoder(cfg), build_vocoder(vocoder_spec(config))]
    for ref, mine in zip(ref_parts, ours, strict=True):
        assert _shapes(mine) == _shapes(ref, skip=("inverse_basis",))
    assert cfg.statistics_size == 128 and cfg.latents_per_second == 25

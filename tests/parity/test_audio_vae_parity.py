"""The mel front end and audio VAE, loaded by our loader from reference-written files, equal ltx-core."""

from __future__ import annotations

import pytest
import torch

from talkies.model import Waveform, encode_audio, load_audio_decoder, load_audio_encoder
from talkies.model.audio_vae.codec import decode_mel
from talkies.model.audio_vae.config import MelConfig
from talkies.model.audio_vae.mel import log_mel

from audio_oracle import (
    checkpoint_tensors,
    chirp,
    one_thread,  # noqa: F401  (autouse fixture)
    reference_audio_vae,
    tiny_config,
    write_checkpoint,
)
from closeness import assert_matches

ltx_core = pytest.importorskip("ltx_core")
from ltx_core.model.audio_vae.audio_vae import encode_audio as ref_encode_audio  # noqa: E402
from ltx_core.model.audio_vae.ops import AudioProcessor  # noqa: E402
from ltx_core.types import Audio  # noqa: E402

TOL = 1e-4


@pytest.fixture(scope="module", params=["causal", "attention"])
def vae(request, tmp_path_factory):
    config = tiny_config(request.param)
    encoder, decoder = reference_audio_vae(config)
    path = tmp_path_factory.mktemp("vae") / "audio_vae.safetensors"
    write_checkpoint(path, config, checkpoint_tensors(encoder, decoder))
    return request.param, encoder, decoder, path


def test_mel_front_end_matches_reference():
    g = torch.Generator().manual_seed(0)
    wave = chirp(1.0, 16000, channels=2) + 0.01 * torch.randn(1, 2, 16000, generator=g)
    ref = AudioProcessor(16000, 64, 160, 1024).waveform_to_mel(Audio(wave, 16000))
    ours = log_mel(wave, MelConfig())
    assert ours.shape == ref.shape == (1, 2, 16000 // 160 + 1, 64)
    assert (ours - ref).abs().max() <= TOL


def test_encoder_matches_reference(vae):
    _, ref_encoder, _, path = vae
    encoder = load_audio_encoder(path)
    mel = torch.randn(2, 2, 97, 64, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        ref, ours = ref_encoder(mel), encoder(mel)
    assert_matches(ours, ref, TOL)


def test_encode_audio_matches_reference_pipeline(vae):
    """44.1 kHz stereo in: resampling, mel and encoder together, as ltx-core's encode_audio does them."""
    _, ref_encoder, _, path = vae
    wave = chirp(1.0, 44100, channels=2)
    ref = ref_encode_audio(Audio(wave, 44100), ref_encoder)
    ours = encode_audio(Waveform(wave, 44100), load_audio_encoder(path))
    assert_matches(ours, ref, TOL)


def test_decoder_matches_reference(vae):
    variant, _, ref_decoder, path = vae
    decoder = load_audio_decoder(path)
    latent = torch.randn(2, 2, 13, 16, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        ref, ours = ref_decoder(latent), decoder(latent)
    frames = 4 * 13 - 3 if variant == "causal" else 4 * 13
    assert ours.shape == ref.shape == (2, 2, frames, 64)
    assert (ours - ref).abs().max() <= TOL


def test_loader_takes_dtype_names(vae):
    _, _, _, path = vae
    decoder = load_audio_decoder(path, dtype="bf16")
    assert {p.dtype for p in decoder.parameters()} == {torch.bfloat16}
    assert decoder.per_channel_statistics.get_buffer("std-of-means").dtype == torch.bfloat16


def test_chunked_decoder_equals_whole(vae):
    """Causal decoders decode chunk by chunk to the same mel (float rounding aside); others run whole."""
    variant, _, _, path = vae
    decoder = load_audio_decoder(path)
    latent = torch.randn(1, 2, 60, 16, generator=torch.Generator().manual_seed(3))
    whole = decode_mel(latent, decoder)
    chunked = decode_mel(latent, decoder, window=(decoder.context_frames() or 0) + 7)
    assert chunked.shape == whole.shape
    assert (chunked - whole).abs().max() <= 1e-5
    if variant == "causal":
        assert decoder.context_frames() is not None
    else:
        assert decoder.context_frames() is None

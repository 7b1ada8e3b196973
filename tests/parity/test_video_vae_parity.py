"""The video VAE, loaded by our loader from reference-written files, computes what ltx-core computes."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F

from talkies.model import Checkpoint, load_video_decoder, load_video_encoder
from talkies.model.loading.safetensors_file import write_safetensors
from talkies.model.video_vae.blocks import pad_video
from talkies.model.video_vae.model import VideoDecoder, VideoEncoder

from vae_oracle import CLIP_SIZES, TINY_VAES, reference_vae, vae_tensors, write_vae_checkpoint

TOL = 1e-4  # fp32, max abs difference on outputs


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    """Reference VAE of a tiny layout, written to a file and loaded back by our loaders (once per layout)."""
    built: dict[str, SimpleNamespace] = {}

    def get(name: str) -> SimpleNamespace:
        if name not in built:
            section = TINY_VAES[name]
            ref_encoder, ref_decoder = reference_vae(section)
            path = write_vae_checkpoint(
                tmp_path_factory.mktemp(name) / "ltx.safetensors",
                section,
                vae_tensors(ref_encoder, ref_decoder),
            )
            ckpt = Checkpoint(path)
            built[name] = SimpleNamespace(
                name=name,
                section=section,
                path=path,
                ref_encoder=ref_encoder,
                ref_decoder=ref_decoder,
                encoder=load_video_encoder(ckpt),
                decoder=load_video_decoder(ckpt, dtype="fp32"),
            )
        return built[name]

    return get


@pytest.fixture(params=list(TINY_VAES))
def vae(request, build):
    return build(request.param)


def _pixels(name: str, batch: int = 2, seed: int = 0) -> torch.Tensor:
    frames, height, width = CLIP_SIZES[name]
    g = torch.Generator().manual_seed(seed)
    return torch.rand(batch, 3, frames, height, width, generator=g) * 2 - 1


def _latent(vae, batch: int = 2, seed: int = 1) -> torch.Tensor:
    frames, height, width = CLIP_SIZES[vae.name]
    tf, sf = vae.decoder.time_factor, vae.decoder.space_factor
    shape = (batch, vae.section["latent_channels"], (frames - 1) // tf + 1, height // sf, width // sf)
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed))


def _max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    assert a.shape == b.shape
    return (a - b).abs().max().item()


def test_encoder_matches_reference(vae):
    pixels = _pixels(vae.name)
    with torch.no_grad():
        expected = vae.ref_encoder(pixels)
    got = vae.encoder.encode(pixels)
    frames, height, width = CLIP_SIZES[vae.name]
    tf, sf = vae.encoder.time_factor, vae.encoder.space_factor
    assert got.shape == (2, vae.section["latent_channels"], (frames - 1) // tf + 1, height // sf, width // sf)
    assert _max_diff(got, expected) <= TOL


def test_decoder_matches_reference_with_default_timestep_and_noise(vae):
    latent = _latent(vae)
    with torch.no_grad():
        expected = vae.ref_decoder(latent, generator=torch.Generator().manual_seed(7))
    got = vae.decoder.decode(latent, generator=torch.Generator().manual_seed(7))
    assert got.shape == vae.decoder.output_shape(latent.shape)
    assert _max_diff(got, expected) <= TOL


def test_decoder_matches_reference_with_chosen_timestep_and_noise(vae):
    latent = _latent(vae, seed=2)
    timestep = torch.tensor([0.2, 0.7])
    vae.ref_decoder.decode_noise_scale = 0.1
    try:
        with torch.no_grad():
            expected = vae.ref_decoder(latent, timestep=timestep, generator=torch.Generator().manual_seed(3))
    finally:
        vae.ref_decoder.decode_noise_scale = 0.025
    got = vae.decoder.decode(
        latent, timestep=timestep, noise_scale=0.1, generator=torch.Generator().manual_seed(3)
    )
    assert _max_diff(got, expected) <= TOL
    if vae.section["timestep_conditioning"]:
        other = vae.decoder.decode(
            latent, timestep=0.9, noise_scale=0.1, generator=torch.Generator().manual_seed(3)
        )
        assert _max_diff(other, got) > 1e-3, "the timestep must change a conditioned decode"


@pytest.mark.parametrize("name", [n for n, section in TINY_VAES.items() if section["timestep_conditioning"]])
def test_decode_noise_comes_from_the_generator(build, name):
    vae = build(name)
    latent = _latent(vae, batch=1)
    a = vae.decoder.decode(latent, generator=torch.Generator().manual_seed(5))
    b = vae.decoder.decode(latent, generator=torch.Generator().manual_seed(5))
    c = vae.decoder.decode(latent, generator=torch.Generator().manual_seed(6))
    clean = vae.decoder.decode(latent, noise_scale=0.0, generator=torch.Generator().manual_seed(5))
    assert torch.equal(a, b)
    assert _max_diff(a, c) > 1e-4
    with torch.no_grad():
        vae.ref_decoder.decode_noise_scale = 0.0
        try:
            expected = vae.ref_decoder(latent, generator=torch.Generator().manual_seed(5))
        finally:
            vae.ref_decoder.decode_noise_scale = 0.025
    assert _max_diff(clean, expected) <= TOL


def test_bad_sizes_name_the_nearest_valid_ones(build):
    vae = build("ltx2.0")
    enc = vae.encoder
    with pytest.raises(ValueError, match=r"frames must be 8k\+1; got 16, nearest valid: 9 or 17"):
        enc.encode(torch.zeros(1, 3, 16, 64, 64))
    with pytest.raises(ValueError, match=r"height must be a multiple of 32; got 70, nearest valid: 64 or 96"):
        enc.encode(torch.zeros(1, 3, 9, 70, 64))
    with pytest.raises(ValueError, match=r"width must be a multiple of 32; got 20, nearest valid: 32"):
        enc.encode(torch.zeros(1, 3, 9, 64, 20))
    with pytest.raises(ValueError, match=r"\(B, 3, F, H, W\)"):
        enc.encode(torch.zeros(9, 64, 64, 3))
    with pytest.raises(ValueError, match=r"\(B, 8, F', H', W'\)"):
        vae.decoder.decode(torch.zeros(1, 16, 2, 2, 2))
    with pytest.raises(ValueError, match="at least 2x2 .64 px.; got 1x3"):
        vae.decoder.decode(torch.zeros(1, 8, 2, 1, 3))


def test_checkpoint_without_vae_section_is_refused(tmp_path):
    section = TINY_VAES["ltx2.3"]
    enc, dec = reference_vae(section)
    path = write_vae_checkpoint(tmp_path / "bare.safetensors", None, vae_tensors(enc, dec))
    for load in (load_video_encoder, load_video_decoder):
        with pytest.raises(ValueError, match="no 'vae' section"):
            load(path)


def test_vae_only_file_and_decoder_only_file(tmp_path):
    section = TINY_VAES["ltx2.3"]
    enc, dec = reference_vae(section, seed=4)
    unprefixed = write_vae_checkpoint(tmp_path / "vae.safetensors", section, vae_tensors(enc, dec, prefix=""))
    latent = torch.randn(1, 8, 2, 2, 3, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        expected = dec(latent)
    assert _max_diff(load_video_decoder(unprefixed).decode(latent), expected) <= TOL
    pixels = torch.rand(1, 3, 9, 64, 96) * 2 - 1
    with torch.no_grad():
        expected = enc(pixels)
    assert _max_diff(load_video_encoder(unprefixed).encode(pixels), expected) <= TOL

    decoder_only = write_vae_checkpoint(tmp_path / "dec.safetensors", section, vae_tensors(None, dec))
    assert _max_diff(load_video_decoder(decoder_only).decode(latent), dec(latent).detach()) <= TOL
    with pytest.raises(ValueError, match="holds no video VAE encoder"):
        load_video_encoder(decoder_only)


def test_config_that_disagrees_with_the_weights(tmp_path, caplog):
    """Timestep conditioning is read off the weights; a config that contradicts them is logged, not fatal."""
    section = TINY_VAES["ltx2.3"]
    enc, dec = reference_vae(section, seed=8)
    claims = {**section, "timestep_conditioning": True}
    path = write_vae_checkpoint(tmp_path / "claims.safetensors", claims, vae_tensors(enc, dec))
    with caplog.at_level(logging.WARNING):
        decoder = load_video_decoder(path)
    assert "following the weights" in caplog.text
    latent = torch.randn(1, 8, 2, 2, 3)
    assert _max_diff(decoder.decode(latent), dec(latent).detach()) <= TOL

    wider = {**section, "decoder_base_channels": 8}
    path = write_vae_checkpoint(tmp_path / "wider.safetensors", wider, vae_tensors(enc, dec))
    with pytest.raises(ValueError, match="has shape .* but the config gives"):
        load_video_decoder(path)


def test_dtype_choices(build):
    vae = build("ltx2.3")
    assert load_video_decoder(vae.path, dtype="auto").conv_in.conv.weight.dtype == torch.float32
    bf16 = load_video_decoder(vae.path, dtype="bf16")
    assert bf16.conv_in.conv.weight.dtype == torch.bfloat16
    latent = _latent(vae, batch=1)
    out = bf16.decode(latent)
    assert out.dtype == torch.bfloat16
    assert _max_diff(out.float(), vae.decoder.decode(latent)) < 0.1
    with pytest.raises(ValueError, match="dtype must be one of"):
        load_video_decoder(vae.path, dtype="int4")


def test_unknown_block_is_refused(tmp_path):
    section = {
        **TINY_VAES["ltx2.3"],
        "decoder_blocks": [["attn_res_x", {"num_layers": 1, "attention_head_dim": 8}]],
    }
    path = write_safetensors(
        tmp_path / "attn.safetensors",
        {"vae.decoder.conv_in.conv.weight": torch.zeros(1)},
        {"config": json.dumps({"vae": section})},
    )
    with pytest.raises(ValueError, match="'attn_res_x' is not supported"):
        load_video_decoder(path)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_one_pass_padding_equals_torch_pad(mode):
    x = torch.randn(2, 3, 4, 5, 6)
    for front, back in ((2, 0), (1, 1), (0, 0)):
        for p in (1, 2):
            frames = torch.cat([x[:, :, :1]] * front + [x] + [x[:, :, -1:]] * back, dim=2)
            assert torch.equal(
                pad_video(x, front, back, p, mode), F.pad(frames, (p, p, p, p, 0, 0), mode=mode)
            )


def test_encoder_and_decoder_train(build):
    """The built-in model trains a VAE of this architecture: gradients reach every parameter, and the
    differentiable path computes what the inference path computes."""
    vae = build("ltx2.3")
    encoder = VideoEncoder(vae.encoder.cfg)
    decoder = VideoDecoder(vae.decoder.cfg)
    encoder.load_state_dict(vae.encoder.state_dict())
    decoder.load_state_dict(vae.decoder.state_dict())
    pixels = _pixels("ltx2.3", batch=1)
    mean, logvar = encoder(pixels)
    latent = encoder.per_channel_statistics.normalize(mean + torch.randn_like(mean) * (0.5 * logvar).exp())
    loss = (decoder(latent) - pixels).square().mean() + 1e-3 * (mean.square() + logvar.exp() - logvar).mean()
    loss.backward()
    for module in (encoder, decoder):
        for name, p in module.named_parameters():
            assert p.grad is not None and torch.isfinite(p.grad).all(), name
    with torch.no_grad():
        assert (
            _max_diff(
                encoder.per_channel_statistics.normalize(encoder(pixels)[0]), vae.encoder.encode(pixels)
            )
            <= TOL
        )

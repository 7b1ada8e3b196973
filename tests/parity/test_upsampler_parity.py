"""Latent upsamplers, loaded from their own reference-written files, compute what ltx-core computes."""

from __future__ import annotations

import json

import pytest
import torch

from talkies.model import load_upsampler, load_video_encoder, upsample_latent
from talkies.model.loading.safetensors_file import write_safetensors
from talkies.model.video_vae.upsampler import upsampler_config

from vae_oracle import (
    TINY_UPSAMPLERS,
    TINY_VAES,
    reference_upsampler,
    reference_vae,
    vae_tensors,
    write_upsampler,
    write_vae_checkpoint,
)

ltx_core = pytest.importorskip("ltx_core")
from ltx_core.model.upsampler import upsample_video  # noqa: E402

TOL = 1e-4

# (F, H, W) latent → expected output (F, H, W)
EXPECTED = {
    "spatial_x2": (3, 8, 12),
    "temporal_x2": (5, 4, 6),
    "spatiotemporal_x2": (5, 8, 12),
    "rational_x1.5": (3, 6, 9),
    "spatial_x2_2d": (3, 8, 12),
}


@pytest.fixture(params=list(TINY_UPSAMPLERS))
def pair(request, tmp_path):
    config = TINY_UPSAMPLERS[request.param]
    ref = reference_upsampler(config, seed=3)
    path = write_upsampler(tmp_path / f"{request.param}.safetensors", config, ref)
    return request.param, ref, load_upsampler(path, dtype="fp32"), path


def _latent(batch: int = 2, seed: int = 0) -> torch.Tensor:
    return torch.randn(batch, 8, 3, 4, 6, generator=torch.Generator().manual_seed(seed))


def test_upsampler_matches_reference(pair):
    name, ref, ours, _ = pair
    latent = _latent()
    with torch.no_grad():
        expected = ref(latent)
        got = ours(latent)
    assert got.shape == (2, 8, *EXPECTED[name])
    assert (got - expected).abs().max().item() <= TOL


def test_upsample_latent_matches_reference_with_vae_statistics(tmp_path):
    config = TINY_UPSAMPLERS["spatial_x2"]
    ref = reference_upsampler(config, seed=5)
    ours = load_upsampler(write_upsampler(tmp_path / "up.safetensors", config, ref))
    section = TINY_VAES["ltx2.0"]
    ref_encoder, ref_decoder = reference_vae(section)
    encoder = load_video_encoder(
        write_vae_checkpoint(tmp_path / "vae.safetensors", section, vae_tensors(ref_encoder, ref_decoder))
    )
    latent = _latent(seed=1)
    with torch.no_grad():
        expected = upsample_video(latent, ref_encoder, ref)
    got = upsample_latent(latent, ours, encoder.per_channel_statistics)
    assert (got - expected).abs().max().item() <= TOL
    with pytest.raises(ValueError, match=r"\(B, 8, F, H, W\)"):
        upsample_latent(torch.zeros(1, 16, 2, 2, 2), ours, encoder.per_channel_statistics)


def test_blur_kernel_is_rebuilt_whether_or_not_the_file_has_it(tmp_path):
    config = TINY_UPSAMPLERS["rational_x1.5"]
    ref = reference_upsampler(config, seed=2)
    tensors = {k: v for k, v in ref.state_dict().items() if not k.endswith("blur_down.kernel")}
    path = write_safetensors(tmp_path / "nokernel.safetensors", tensors, {"config": json.dumps(config)})
    latent = _latent(seed=4)
    with torch.no_grad():
        assert (load_upsampler(path)(latent) - ref(latent)).abs().max().item() <= TOL


def test_refusals(tmp_path):
    section = TINY_VAES["ltx2.3"]
    enc, dec = reference_vae(section)
    vae_file = write_vae_checkpoint(tmp_path / "vae.safetensors", section, vae_tensors(enc, dec))
    with pytest.raises(ValueError, match="is not a latent upsampler"):
        load_upsampler(vae_file)

    ref = reference_upsampler(TINY_UPSAMPLERS["spatial_x2"])
    no_config = write_upsampler(tmp_path / "noconfig.safetensors", None, ref)
    with pytest.raises(ValueError, match="missing .* tensors the spatial ×2 latent upsampler needs"):
        load_upsampler(no_config)  # the reference defaults (4 blocks per stage, 512 channels) do not fit

    with pytest.raises(ValueError, match="multiple of 32"):
        upsampler_config({"mid_channels": 40})
    with pytest.raises(ValueError, match="spatial_scale 3.0 is not supported"):
        upsampler_config({"rational_resampler": True, "spatial_scale": 3.0, "mid_channels": 32})
    with pytest.raises(ValueError, match="both false"):
        upsampler_config({"spatial_upsample": False})

"""End to end on real signals made here (shapes moving over a gradient): IMAGE frames → VAE pixels →
latent → (upsampled latent) → frames → IMAGE, with shapes and durations checked at every step.
The tiny VAEs have random weights, so the pictures are not reconstructed; the geometry is."""

from __future__ import annotations

from fractions import Fraction

import pytest
import torch

from talkies.model import (
    Checkpoint,
    VideoTiling,
    load_upsampler,
    load_video_decoder,
    load_video_encoder,
    upsample_latent,
)
from talkies.model.media.image_prep import image_to_pixels, pixels_to_image

from vae_oracle import (
    TINY_UPSAMPLERS,
    TINY_VAES,
    reference_upsampler,
    reference_vae,
    vae_tensors,
    write_upsampler,
    write_vae_checkpoint,
)

FPS = Fraction(24000, 1001)


def moving_shapes(frames: int, height: int, width: int) -> torch.Tensor:
    """IMAGE (F, H, W, 3): a red square crossing left to right and a blue disc falling, over a gradient."""
    y, x = torch.meshgrid(
        torch.arange(height, dtype=torch.float32), torch.arange(width, dtype=torch.float32), indexing="ij"
    )
    background = torch.stack([x / width, y / height, torch.full_like(x, 0.5)], dim=-1) * 0.6
    video = torch.empty(frames, height, width, 3)
    for f in range(frames):
        t = f / max(frames - 1, 1)
        video[f] = background
        left = int(t * (width - height // 3))
        video[f, height // 3 : 2 * height // 3, left : left + height // 3] = torch.tensor([1.0, 0.1, 0.1])
        disc = (y - t * height) ** 2 + (x - width / 2) ** 2 < (height / 6) ** 2
        video[f][disc] = torch.tensor([0.1, 0.2, 1.0])
    return video


@pytest.fixture(scope="module", params=["ltx2.0", "variants"])
def vae(request, tmp_path_factory):
    section = TINY_VAES[request.param]
    encoder, decoder = reference_vae(section)
    ckpt = Checkpoint(
        write_vae_checkpoint(
            tmp_path_factory.mktemp("vae") / "ltx.safetensors", section, vae_tensors(encoder, decoder)
        )
    )
    return load_video_encoder(ckpt), load_video_decoder(ckpt)


def _seconds(frames: int, fps: Fraction) -> Fraction:
    return frames / fps


def test_frames_in_equal_frames_out(vae):
    encoder, decoder = vae
    tf, sf = encoder.time_factor, encoder.space_factor
    for frames in (1, 2 * tf + 1):
        images = moving_shapes(frames, 2 * sf, 3 * sf)
        latent = encoder.encode_images(images)
        assert torch.equal(latent, encoder.encode(image_to_pixels(images)))
        assert latent.shape == (1, encoder.cfg.latent_channels, (frames - 1) // tf + 1, 2, 3)

        decoded = decoder.decode_images(latent, generator=torch.Generator().manual_seed(0))
        assert torch.equal(
            decoded, pixels_to_image(decoder.decode(latent, generator=torch.Generator().manual_seed(0)))
        )
        tiling = VideoTiling(tile_pixels=2 * sf, overlap_pixels=sf, tile_frames=2 * tf, overlap_frames=tf)
        streamed = decoder.decode_images(latent, tiling, generator=torch.Generator().manual_seed(0))
        for out in (decoded, streamed):
            assert out.shape == images.shape
            assert _seconds(out.shape[0], FPS) == _seconds(images.shape[0], FPS)
            assert 0.0 <= out.min().item() and out.max().item() <= 1.0
        whole = VideoTiling(tile_pixels=4 * sf, overlap_pixels=0, tile_frames=4 * tf, overlap_frames=tf)
        one_tile = decoder.decode_images(latent, whole, generator=torch.Generator().manual_seed(0))
        assert torch.allclose(one_tile, decoded, atol=1e-5), (
            "a tile larger than the clip is the untiled decode"
        )


def test_two_stage_shapes_through_the_upsamplers(tmp_path):
    section = TINY_VAES["ltx2.0"]
    ref_encoder, ref_decoder = reference_vae(section)
    ckpt = Checkpoint(
        write_vae_checkpoint(tmp_path / "ltx.safetensors", section, vae_tensors(ref_encoder, ref_decoder))
    )
    encoder, decoder = load_video_encoder(ckpt), load_video_decoder(ckpt)
    spatial = load_upsampler(
        write_upsampler(
            tmp_path / "x2.safetensors",
            TINY_UPSAMPLERS["spatial_x2"],
            reference_upsampler(TINY_UPSAMPLERS["spatial_x2"]),
        )
    )
    temporal = load_upsampler(
        write_upsampler(
            tmp_path / "t2.safetensors",
            TINY_UPSAMPLERS["temporal_x2"],
            reference_upsampler(TINY_UPSAMPLERS["temporal_x2"]),
        )
    )
    images = moving_shapes(17, 64, 96)
    latent = encoder.encode(image_to_pixels(images))

    wider = upsample_latent(latent, spatial, encoder.per_channel_statistics)
    assert wider.shape == (1, 8, 3, 4, 6)
    assert pixels_to_image(decoder.decode(wider)).shape == (17, 128, 192, 3)

    # Temporal ×2 doubles the frame rate over the same span: 17 frames at fps → 33 frames at 2·fps.
    longer = upsample_latent(latent, temporal, encoder.per_channel_statistics)
    assert longer.shape == (1, 8, 5, 2, 3)
    frames = pixels_to_image(decoder.decode(longer)).shape[0]
    assert frames == 33
    assert _seconds(frames - 1, 2 * FPS) == _seconds(17 - 1, FPS)

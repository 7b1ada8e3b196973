"""Tiled decoding: the plan covers the clip with weights that sum to one, tiles agree with the untiled
decode wherever a third of the overlap spans the decoder's receptive field, frames stream out chunk by
chunk, and peak memory stays flat as the clip grows.

Stated tolerance: tiled vs untiled max abs difference ≤ 1e-5 (fp32) when overlap / 3 ≥ the decoder's
receptive-field radius (pixel norm, no injected noise). With smaller overlaps the difference is the seam
error of the particular weights, which random test weights exaggerate, so it is not asserted.
"""

from __future__ import annotations

import pytest
import torch

from talkies.model import VideoTiling, load_video_decoder
from talkies.model.media.image_prep import images_from_chunks
from talkies.model.video_vae.config import BlockSpec, VideoVAEConfig
from talkies.model.video_vae.model import VideoDecoder
from talkies.model.video_vae.tiling import plan_axis, split

from ltx_oracle import randomize
from memory_meter import PeakTensorMemory
from vae_oracle import TINY_VAES, reference_vae, vae_tensors, write_vae_checkpoint

EXACT = 1e-5


def _random_decoder(cfg: VideoVAEConfig, seed: int = 0) -> VideoDecoder:
    decoder = randomize(VideoDecoder(cfg), seed, std=0.3).eval()
    with torch.no_grad():
        decoder.timestep_scale_multiplier.fill_(1000.0)
    return decoder


@pytest.fixture(scope="module")
def ltx20_decoder(tmp_path_factory):
    section = TINY_VAES["ltx2.0"]
    encoder, decoder = reference_vae(section)
    path = write_vae_checkpoint(
        tmp_path_factory.mktemp("vae") / "ltx.safetensors", section, vae_tensors(encoder, decoder)
    )
    return load_video_decoder(path)


def test_plan_covers_every_position_with_weights_summing_to_one():
    spatial = (lambda s, e: (4 * s, 4 * e), 0)
    # Temporal chunks must share a latent frame: the first frame of a chunk is one pixel frame.
    temporal = (lambda s, e: (8 * s, 8 * (e - 1) + 1), 1)
    for length in range(1, 30):
        for tile in range(1, 13):
            for to_out, least_overlap in (spatial, temporal):
                for overlap in range(least_overlap, tile // 2 + 1):
                    spans = split(length, tile, overlap)
                    assert spans[0][0] == 0 and spans[-1][1] == length
                    assert all(b - a == min(tile, length) for a, b in spans)
                    for (a1, b1), (a2, _) in zip(spans, spans[1:], strict=False):
                        assert a2 > a1 and b1 - a2 >= overlap
                    total = torch.zeros(to_out(0, length)[1])
                    for t in plan_axis(length, tile, overlap, to_out):
                        assert t.out == slice(*to_out(t.latent.start, t.latent.stop))
                        assert (t.weight >= 0).all()
                        total[t.out] += t.weight
                    assert torch.allclose(total, torch.ones_like(total), atol=1e-6), (length, tile, overlap)


def test_tile_sizes_are_checked():
    assert VideoTiling(tile_pixels=512, overlap_pixels=96, tile_frames=64, overlap_frames=24).latent_sizes(
        8, 32
    ) == (16, 3, 8, 3)
    assert VideoTiling(tile_pixels=0, overlap_pixels=0, tile_frames=0, overlap_frames=0).latent_sizes(
        8, 32
    ) == (0, 0, 0, 0)
    with pytest.raises(ValueError, match="tile_pixels must be 0 .* or at least 64; got 32"):
        VideoTiling(tile_pixels=32).latent_sizes(8, 32)
    with pytest.raises(ValueError, match=r"overlap_pixels must be between 0 and half of tile_pixels \(128\)"):
        VideoTiling(tile_pixels=256, overlap_pixels=160).latent_sizes(8, 32)
    with pytest.raises(ValueError, match="overlap_frames must be between 8 and half"):
        VideoTiling(tile_frames=64, overlap_frames=0).latent_sizes(8, 32)


def test_tiled_equals_untiled_when_the_overlap_covers_the_receptive_field():
    """Both axes tiled; the decoder's receptive field is 4.5 latent cells (conv_in 1, two resnet convs 2,
    the upsampler conv 1, conv_out half a cell), and a third of the 16-cell overlap is 5.3 cells."""
    cfg = VideoVAEConfig(
        latent_channels=4,
        patch_size=1,
        decoder_blocks=(BlockSpec(name="compress_all"), BlockSpec(name="res_x")),
        decoder_base_channels=4,
    )
    decoder = _random_decoder(cfg)
    latent = torch.randn(1, 4, 24, 24, 24, generator=torch.Generator().manual_seed(0))
    untiled = decoder.decode(latent, generator=torch.Generator().manual_seed(1))
    chunks = list(
        decoder.decode_tiled(
            latent,
            VideoTiling(tile_pixels=40, overlap_pixels=20, tile_frames=40, overlap_frames=20),
            generator=torch.Generator().manual_seed(1),
        )
    )
    assert len(chunks) == 2
    tiled = torch.cat(chunks, dim=2)
    assert tiled.shape == untiled.shape == (1, 3, 47, 48, 48)
    assert (tiled - untiled).abs().max().item() <= EXACT

    narrow = torch.cat(
        list(
            decoder.decode_tiled(
                latent, VideoTiling(tile_pixels=40, overlap_pixels=8, tile_frames=40, overlap_frames=8)
            )
        ),
        dim=2,
    )
    assert (narrow - decoder.decode(latent)).abs().max().item() > 1e-2, "too little overlap must show seams"


def test_tiled_equals_untiled_along_time_at_ltx_scale_factors():
    """8× time and 32× space through LTX-2.0's residual compress_all blocks; chunks of 18 latent frames
    overlapping by 9, against a receptive field of 2.9 latent frames."""
    up = BlockSpec(name="compress_all", multiplier=2, residual=True)
    cfg = VideoVAEConfig(latent_channels=8, decoder_blocks=(up, up, up), decoder_base_channels=4)
    decoder = _random_decoder(cfg, seed=3)
    latent = torch.randn(1, 8, 20, 2, 2, generator=torch.Generator().manual_seed(2))
    untiled = decoder.decode(latent, generator=torch.Generator().manual_seed(4))
    tiling = VideoTiling(tile_pixels=0, tile_frames=144, overlap_frames=72)
    tiled = torch.cat(
        list(decoder.decode_tiled(latent, tiling, generator=torch.Generator().manual_seed(4))), dim=2
    )
    assert tiled.shape == untiled.shape == (1, 3, 153, 64, 64)
    assert (tiled - untiled).abs().max().item() <= EXACT


def test_frames_stream_out_chunk_by_chunk(ltx20_decoder, monkeypatch):
    latent = torch.randn(1, 8, 6, 4, 2, generator=torch.Generator().manual_seed(5))
    tiling = VideoTiling(tile_pixels=64, overlap_pixels=32, tile_frames=16, overlap_frames=8)
    calls = []
    forward = ltx20_decoder.forward
    monkeypatch.setattr(ltx20_decoder, "forward", lambda z, *a: calls.append(z.shape) or forward(z, *a))
    stream = ltx20_decoder.decode_tiled(latent, tiling, generator=torch.Generator().manual_seed(0))
    first = next(stream)
    assert len(calls) == 3, "the first chunk needs only its own 3 spatial tiles"
    assert first.shape == (1, 3, 8, 128, 64)
    rest = list(stream)
    assert len(calls) == 3 * 5
    sizes = [c.shape[2] for c in [first, *rest]]
    assert sizes == [8, 8, 8, 8, 9] and sum(sizes) == 8 * (6 - 1) + 1

    images = images_from_chunks(iter([first, *rest]), frames=41)
    assert images.shape == (41, 128, 64, 3)
    assert 0.0 <= images.min().item() and images.max().item() <= 1.0


def test_peak_memory_stays_flat_as_frames_double(ltx20_decoder):
    """Peak live tensor memory (tests/memory_meter.py) of a tiled decode with 2-latent-frame chunks: frames
    17 → 33 → 65 leave it within 5%, while the untiled decode's peak grows with the clip."""
    tiling = VideoTiling(tile_pixels=0, tile_frames=16, overlap_frames=8)
    tiled, untiled = {}, {}
    for latent_frames in (3, 5, 9):
        latent = torch.randn(1, 8, latent_frames, 2, 2, generator=torch.Generator().manual_seed(6))
        frames = 0
        with PeakTensorMemory() as meter:
            for chunk in ltx20_decoder.decode_tiled(
                latent, tiling, generator=torch.Generator().manual_seed(0)
            ):
                frames += chunk.shape[2]
                del chunk
        assert frames == 8 * (latent_frames - 1) + 1
        tiled[frames] = meter.peak
        if latent_frames < 9:
            with PeakTensorMemory() as meter:
                del_out = ltx20_decoder.decode(latent, generator=torch.Generator().manual_seed(0))
                del del_out
            untiled[frames] = meter.peak
    assert max(tiled.values()) <= 1.05 * min(tiled.values()), tiled
    assert untiled[33] >= 1.6 * untiled[17], untiled
    assert tiled[65] < untiled[33]

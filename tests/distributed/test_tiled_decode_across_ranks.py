"""A tiled video decode with its tiles shared by 2 and 4 gloo ranks equals one process's (fp32)."""

from __future__ import annotations

import pytest
import torch
import torch.distributed as dist

from talkies.model.parallel.local import gloo_available, run_ranks
from talkies.model.pipeline.load import TalkiesModel
from talkies.model.video_vae.tiling import VideoTiling

from tiny_checkpoint import shared_tiny_checkpoint

pytestmark = pytest.mark.skipif(not gloo_available(), reason="torch.distributed has no gloo backend here")

# 3 × 3 spatial tiles in each of 2 temporal chunks of the tiny VAE (32× in space, 8× in time).
TILING = VideoTiling(tile_pixels=64, overlap_pixels=32, tile_frames=16, overlap_frames=8)


def decode(checkpoint: str, shared: bool) -> torch.Tensor:
    latent = torch.randn(1, 64, 3, 4, 4, generator=torch.Generator().manual_seed(0))
    model = TalkiesModel(checkpoint, dtype="fp32")
    with model.working("video_decoder") as decoder, torch.inference_mode():
        return decoder.decode_images(latent, tiling=TILING, group=dist.group.WORLD if shared else None)


@pytest.mark.parametrize("world", [2, 4])
def test_shared_tiles_decode_the_one_process_frames(world):
    checkpoint = str(shared_tiny_checkpoint())
    expected = decode(checkpoint, shared=False)
    for frames in run_ranks(decode, world, checkpoint, True, timeout_s=180):
        assert frames.shape == expected.shape
        assert float((frames - expected).abs().max()) <= 1e-5

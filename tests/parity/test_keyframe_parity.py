"""Keyframes are written in as the reference's VideoConditionByKeyframeIndex writes them: the same
tokens appended, at the same positions in seconds and pixels, with the same denoise strength."""

from __future__ import annotations

import pytest
import torch

from talkies.model.sampling.conditioning import append_keyframe
from talkies.model.sampling.latents import video_positions, video_tokens
from talkies.model.sampling.loop import LatentState

pytest.importorskip("ltx_core")
from ltx_core.components.patchifiers import VideoLatentPatchifier  # noqa: E402
from ltx_core.conditioning.types.keyframe_cond import VideoConditionByKeyframeIndex  # noqa: E402
from ltx_core.tools import VideoLatentTools  # noqa: E402
from ltx_core.types import VideoLatentShape  # noqa: E402

FPS = 24.0


@pytest.mark.parametrize(("pixel_frame", "keyframe_frames"), [(0, 1), (16, 1), (40, 2), (9, 1)])
@pytest.mark.parametrize("strength", [1.0, 0.6])
def test_keyframe_tokens_positions_and_masks_match_reference(pixel_frame, keyframe_frames, strength):
    g = torch.Generator().manual_seed(pixel_frame)
    video = torch.randn(1, 16, 6, 2, 3, generator=g)  # 41 pixel frames
    keyframe = torch.randn(1, 16, keyframe_frames, 2, 3, generator=g)
    tools = VideoLatentTools(VideoLatentPatchifier(1), VideoLatentShape.from_torch_shape(video.shape), FPS)
    reference = VideoConditionByKeyframeIndex(keyframe, pixel_frame, strength).apply_to(
        tools.create_initial_state("cpu", torch.float32, video), tools
    )
    tokens = video_tokens(video)
    state = LatentState(
        latent=tokens,
        clean=tokens.clone(),
        mask=torch.ones(tokens.shape[:2]),
        positions=video_positions(1, 6, 2, 3, FPS),
    )
    ours = append_keyframe(state, keyframe, pixel_frame, FPS, strength)
    assert torch.equal(ours.latent, reference.latent)
    assert torch.allclose(ours.positions, reference.positions, atol=1e-6)
    assert torch.allclose(ours.mask, reference.denoise_mask[..., 0], atol=1e-7)

"""Keyframes and IC-LoRA reference videos are written in as the reference writes them
(VideoConditionByKeyframeIndex, VideoConditionByReferenceLatent): the same tokens appended, at
the same positions in seconds and pixels, with the same denoise strength."""

from __future__ import annotations

import pytest
import torch

from talkies.model.sampling.conditioning import append_keyframe, append_reference
from talkies.model.sampling.latents import video_positions, video_tokens
from talkies.model.sampling.loop import LatentState

pytest.importorskip("ltx_core")
from ltx_core.components.patchifiers import VideoLatentPatchifier  # noqa: E402
from ltx_core.conditioning.types.keyframe_cond import VideoConditionByKeyframeIndex  # noqa: E402
from ltx_core.conditioning.types.reference_video_cond import VideoConditionByReferenceLatent  # noqa: E402
from ltx_core.tools import VideoLatentTools  # noqa: E402
from ltx_core.types import VideoLatentShape  # noqa: E402

FPS = 24.0


def _states(video: torch.Tensor):
    tools = VideoLatentTools(VideoLatentPatchifier(1), VideoLatentShape.from_torch_shape(video.shape), FPS)
    tokens = video_tokens(video)
    _, _, f, h, w = video.shape
    ours = LatentState(
        latent=tokens,
        clean=tokens.clone(),
        mask=torch.ones(tokens.shape[:2]),
        positions=video_positions(1, f, h, w, FPS),
    )
    return tools, tools.create_initial_state("cpu", torch.float32, video), ours


def _assert_same(ours, reference) -> None:
    assert torch.equal(ours.latent, reference.latent)
    assert torch.allclose(ours.positions, reference.positions, atol=1e-6)
    assert torch.allclose(ours.mask, reference.denoise_mask[..., 0], atol=1e-7)


@pytest.mark.parametrize(("frames", "downscale"), [(6, 1), (3, 2), (1, 1)])
@pytest.mark.parametrize("strength", [1.0, 0.7])
def test_reference_video_tokens_positions_and_masks_match_reference(frames, downscale, strength):
    g = torch.Generator().manual_seed(frames + downscale)
    video = torch.randn(1, 16, 6, 4, 6, generator=g)
    control = torch.randn(1, 16, frames, 4 // downscale, 6 // downscale, generator=g)
    tools, reference_state, ours = _states(video)
    reference = VideoConditionByReferenceLatent(control, downscale, strength).apply_to(reference_state, tools)
    _assert_same(append_reference(ours, control, FPS, strength, downscale=downscale), reference)


@pytest.mark.parametrize(("pixel_frame", "keyframe_frames"), [(0, 1), (16, 1), (40, 2), (9, 1)])
@pytest.mark.parametrize("strength", [1.0, 0.6])
def test_keyframe_tokens_positions_and_masks_match_reference(pixel_frame, keyframe_frames, strength):
    g = torch.Generator().manual_seed(pixel_frame)
    video = torch.randn(1, 16, 6, 2, 3, generator=g)  # 41 pixel frames
    keyframe = torch.randn(1, 16, keyframe_frames, 2, 3, generator=g)
    tools, reference_state, ours = _states(video)
    reference = VideoConditionByKeyframeIndex(keyframe, pixel_frame, strength).apply_to(
        reference_state, tools
    )
    _assert_same(append_keyframe(ours, keyframe, pixel_frame, FPS, strength), reference)

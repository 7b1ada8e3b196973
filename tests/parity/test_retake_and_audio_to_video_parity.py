"""Retake windows and sound-driven video equal the reference (ltx-pipelines 1.0.0), fp32 ≤ 1e-5:
RetakePipeline's time-region masks on both streams and its whole guided loop, and
A2VidPipelineTwoStage's first stage (the given sound held clean, only the picture generated)."""

from __future__ import annotations

import pytest
import torch

from talkies.model import load_transformer
from talkies.model.sampling.av_latent import AVLatent
from talkies.model.sampling.compression import LTX2_COMPRESSION
from talkies.model.sampling.denoise import sample_clip
from talkies.model.sampling.guidance import Guidance
from talkies.model.sampling.schedule import ltx2_sigmas
from talkies.model.sampling.time_window import TimeWindow, keep_stream, retake_window

from ltx_oracle import checkpoint_tensors, random_prompt, reference_transformer, tiny_config, write_checkpoint

pytest.importorskip("ltx_pipelines")
from ltx_core.components.diffusion_steps import EulerDiffusionStep  # noqa: E402
from ltx_core.components.guiders import MultiModalGuider, MultiModalGuiderParams  # noqa: E402
from ltx_core.components.noisers import GaussianNoiser  # noqa: E402
from ltx_core.components.patchifiers import AudioPatchifier, VideoLatentPatchifier  # noqa: E402
from ltx_core.model.transformer import X0Model  # noqa: E402
from ltx_core.tools import AudioLatentTools, VideoLatentTools  # noqa: E402
from ltx_core.types import AudioLatentShape, VideoLatentShape  # noqa: E402
from ltx_pipelines.retake import TemporalRegionMask  # noqa: E402
from ltx_pipelines.utils.helpers import multi_modal_guider_denoising_func  # noqa: E402
from ltx_pipelines.utils.samplers import euler_denoising_loop  # noqa: E402

FPS = 24.0
VIDEO_GUIDANCE = dict(cfg_scale=3.0, stg_scale=1.0, stg_blocks=[1], rescale_scale=0.7, modality_scale=3.0)
AUDIO_GUIDANCE = dict(cfg_scale=7.0, stg_scale=1.0, stg_blocks=[0], rescale_scale=0.7, modality_scale=3.0)


def _ours(params: dict) -> Guidance:
    return Guidance(
        cfg=params["cfg_scale"],
        stg=params["stg_scale"],
        stg_blocks=tuple(params["stg_blocks"]),
        rescale=params["rescale_scale"],
        modality=params["modality_scale"],
    )


def _tools(video: torch.Tensor, audio: torch.Tensor):
    vtools = VideoLatentTools(VideoLatentPatchifier(1), VideoLatentShape.from_torch_shape(video.shape), FPS)
    atools = AudioLatentTools(AudioPatchifier(1), AudioLatentShape.from_torch_shape(audio.shape))
    return vtools, atools


def _clip(video: torch.Tensor, audio: torch.Tensor) -> AVLatent:
    return AVLatent(video=video, audio=audio, fps=FPS, compression=LTX2_COMPRESSION)


def _reference_masks(video, audio, window: TimeWindow, streams: str):
    vtools, atools = _tools(video, audio)
    vstate = vtools.create_initial_state("cpu", torch.float32, video)
    astate = atools.create_initial_state("cpu", torch.float32, audio)
    video_window = (window.start, window.end) if streams != "sound" else (0.0, 0.0)
    audio_window = (window.start, window.end) if streams != "picture" else (0.0, 0.0)
    vstate = TemporalRegionMask(*video_window, fps=FPS).apply_to(vstate, vtools)
    astate = TemporalRegionMask(*audio_window, fps=FPS).apply_to(astate, atools)
    return vstate, astate, vtools, atools


@pytest.mark.parametrize("streams", ["both", "picture", "sound"])
@pytest.mark.parametrize("window", [(0.0, 0.2), (0.3, 0.5), (0.05, 0.36), (0.4, 9.0)])
def test_retake_masks_match_reference(streams, window):
    video, audio = torch.randn(1, 16, 4, 2, 3), torch.randn(1, 8, 26, 2)  # 25 frames, about 1 s
    vstate, astate, _, _ = _reference_masks(video, audio, TimeWindow(*window), streams)
    ours = retake_window(_clip(video, audio), TimeWindow(*window), streams)
    assert torch.equal(ours.video_token_mask(), vstate.denoise_mask.reshape(1, -1).float())
    assert torch.equal(ours.audio_token_mask(), astate.denoise_mask.reshape(1, -1).float())


def _model_and_prompts(tmp_path, seed: int):
    config = tiny_config("2.3")
    ref = reference_transformer(config, seed=seed)
    ours = load_transformer(
        write_checkpoint(tmp_path / "m.safetensors", config, checkpoint_tensors(ref, None))
    )
    g = torch.Generator().manual_seed(seed)
    ctx, neg = random_prompt(ours, g), random_prompt(ours, g)
    return ref, ours, ctx, neg


def _reference_loop(ref, vstate, astate, vtools, atools, ctx, neg, video_params, audio_params, sigmas):
    fn = multi_modal_guider_denoising_func(
        MultiModalGuider(MultiModalGuiderParams(**video_params), negative_context=neg.video),
        MultiModalGuider(MultiModalGuiderParams(**audio_params), negative_context=neg.audio),
        ctx.video,
        ctx.audio,
        X0Model(ref),
    )
    with torch.no_grad():
        vstate, astate = euler_denoising_loop(sigmas, vstate, astate, EulerDiffusionStep(), fn)
    return vtools.unpatchify(vstate).latent, atools.unpatchify(astate).latent


def test_retake_loop_matches_reference_and_keeps_the_outside_bit_exact(tmp_path):
    ref, ours, ctx, neg = _model_and_prompts(tmp_path, seed=41)
    g = torch.Generator().manual_seed(3)
    video, audio = torch.randn(1, 16, 4, 2, 3, generator=g), torch.randn(1, 8, 26, 2, generator=g)
    window, sigmas = TimeWindow(0.3, 0.6), ltx2_sigmas(3)
    vstate, astate, vtools, atools = _reference_masks(video, audio, window, "both")
    noiser = GaussianNoiser(torch.Generator().manual_seed(12))
    vstate, astate = noiser(vstate), noiser(astate)
    rv, ra = _reference_loop(
        ref, vstate, astate, vtools, atools, ctx, neg, VIDEO_GUIDANCE, AUDIO_GUIDANCE, sigmas
    )

    start = retake_window(_clip(video, audio), window, "both")
    out = sample_clip(
        ours,
        start,
        ctx,
        neg,
        sigmas,
        seed=12,
        video_guidance=_ours(VIDEO_GUIDANCE),
        audio_guidance=_ours(AUDIO_GUIDANCE),
    )
    assert float((out.video - rv).abs().max()) <= 1e-5
    assert float((out.audio - ra).abs().max()) <= 1e-5
    kept_video = start.video_mask[0, 0, :, 0, 0] == 0
    kept_audio = start.audio_mask[0, 0, :, 0] == 0
    assert kept_video.any() and (~kept_video).any() and kept_audio.any() and (~kept_audio).any()
    assert torch.equal(out.video[:, :, kept_video], video[:, :, kept_video])
    assert torch.equal(out.audio[:, :, kept_audio], audio[:, :, kept_audio])
    assert not torch.allclose(out.video[:, :, ~kept_video], video[:, :, ~kept_video])


def test_audio_to_video_first_stage_matches_reference(tmp_path):
    """A2VidPipelineTwoStage stage 1: the encoded sound held clean (noise drawn but not applied,
    as the reference's noiser does), the picture generated with full guidance, sound unguided."""
    ref, ours, ctx, neg = _model_and_prompts(tmp_path, seed=43)
    g = torch.Generator().manual_seed(8)
    video, audio = torch.zeros(1, 16, 3, 2, 3), torch.randn(1, 8, 18, 2, generator=g)
    sigmas = ltx2_sigmas(3)
    vtools, atools = _tools(video, audio)
    noiser = GaussianNoiser(torch.Generator().manual_seed(21))
    vstate = noiser(vtools.create_initial_state("cpu", torch.float32))
    astate = noiser(atools.create_initial_state("cpu", torch.float32, audio), 0.0)
    astate.denoise_mask.zero_()
    rv, ra = _reference_loop(ref, vstate, astate, vtools, atools, ctx, neg, VIDEO_GUIDANCE, {}, sigmas)

    out = sample_clip(
        ours,
        keep_stream(_clip(video, audio), "sound"),
        ctx,
        neg,
        sigmas,
        seed=21,
        video_guidance=_ours(VIDEO_GUIDANCE),
        audio_guidance=_ours(AUDIO_GUIDANCE),  # dropped: the sound is held clean
    )
    assert float((out.video - rv).abs().max()) <= 1e-5
    assert torch.equal(out.audio, audio) and torch.equal(ra, audio)

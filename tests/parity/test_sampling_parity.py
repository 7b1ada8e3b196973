"""Schedules and a whole guided sampling loop equal the reference (ltx-core + ltx-pipelines)."""

from __future__ import annotations

import contextlib

import pytest
import torch

from talkies.model import load_transformer
from talkies.model.sampling.conditioning import condition_video_frames
from talkies.model.sampling.guidance import Guidance
from talkies.model.sampling.latents import audio_positions, audio_tokens, video_positions, video_tokens
from talkies.model.sampling.loop import Denoiser, LatentState, add_noise, denoise
from talkies.model.sampling.schedule import DISTILLED_SIGMAS, check_sigmas, ltx2_sigmas, parse_sigmas

from ltx_oracle import (
    FirstReleaseCrossTimesteps,
    checkpoint_tensors,
    random_prompt,
    reference_transformer,
    tiny_config,
    write_checkpoint,
)

pytest.importorskip("ltx_pipelines")
from ltx_core.components.diffusion_steps import EulerDiffusionStep  # noqa: E402
from ltx_core.components.guiders import MultiModalGuider, MultiModalGuiderParams  # noqa: E402
from ltx_core.components.noisers import GaussianNoiser  # noqa: E402
from ltx_core.components.patchifiers import AudioPatchifier, VideoLatentPatchifier  # noqa: E402
from ltx_core.components.schedulers import LTX2Scheduler  # noqa: E402
from ltx_core.conditioning import VideoConditionByLatentIndex  # noqa: E402
from ltx_core.model.transformer import X0Model  # noqa: E402
from ltx_core.tools import AudioLatentTools, VideoLatentTools  # noqa: E402
from ltx_core.types import AudioLatentShape, VideoLatentShape  # noqa: E402
from ltx_pipelines.utils.helpers import multi_modal_guider_denoising_func  # noqa: E402
from ltx_pipelines.utils.samplers import euler_denoising_loop  # noqa: E402

FPS = 24.0


@pytest.mark.parametrize("steps", [2, 4, 30, 40])
@pytest.mark.parametrize("tokens", [None, 96, 6144])
def test_schedule_matches_reference(steps, tokens):
    latent = None if tokens is None else torch.zeros(1, 128, 1, 1, tokens)
    expected = LTX2Scheduler().execute(steps=steps, latent=latent)
    assert torch.allclose(ltx2_sigmas(steps, tokens), expected, atol=1e-6, rtol=0)


def test_single_step_schedule_is_noise_to_clean():
    # The reference divides by zero here and returns NaN; one step simply goes from 1 to 0.
    assert ltx2_sigmas(1).tolist() == pytest.approx([1.0, 0.0], abs=1e-6)


def test_schedule_without_stretch_matches_reference():
    expected = LTX2Scheduler().execute(steps=8, stretch=False)
    assert torch.allclose(ltx2_sigmas(8, stretch=False), expected, atol=1e-6, rtol=0)


def test_user_sigma_lists_are_checked():
    assert parse_sigmas("1.0, 0.5, 0").tolist() == [1.0, 0.5, 0.0]
    assert check_sigmas(DISTILLED_SIGMAS).numel() == 9
    with pytest.raises(ValueError, match="strictly decrease"):
        parse_sigmas("1.0, 0.5, 0.7, 0")
    with pytest.raises(ValueError, match="within 0..1"):
        check_sigmas([2.0, 0.0])
    with pytest.raises(ValueError, match="at least two"):
        parse_sigmas("0.5")
    with pytest.raises(ValueError, match="separated by commas"):
        parse_sigmas("1.0, half, 0")


def _reference_loop(model, video0, audio0, cond, ctx, neg, vparams, aparams, sigmas, seed):
    vtools = VideoLatentTools(VideoLatentPatchifier(1), VideoLatentShape.from_torch_shape(video0.shape), FPS)
    atools = AudioLatentTools(AudioPatchifier(1), AudioLatentShape.from_torch_shape(audio0.shape))
    noiser = GaussianNoiser(torch.Generator().manual_seed(seed))
    vstate = vtools.create_initial_state("cpu", torch.float32)
    vstate = VideoConditionByLatentIndex(cond, 1.0, 0).apply_to(vstate, vtools)
    vstate = noiser(vstate)
    astate = noiser(atools.create_initial_state("cpu", torch.float32))
    fn = multi_modal_guider_denoising_func(
        MultiModalGuider(vparams, negative_context=neg.video),
        MultiModalGuider(aparams, negative_context=neg.audio),
        ctx.video,
        ctx.audio,
        X0Model(model),
    )
    with torch.no_grad():
        vstate, astate = euler_denoising_loop(sigmas, vstate, astate, EulerDiffusionStep(), fn)
    return vtools.unpatchify(vtools.clear_conditioning(vstate)).latent, atools.unpatchify(astate).latent


def _our_loop(model, video0, audio0, cond, ctx, neg, vg, ag, sigmas, seed, batch_passes):
    b, _, f, h, w = video0.shape
    t = audio0.shape[2]
    g = torch.Generator().manual_seed(seed)
    video = LatentState.empty(video_tokens(torch.zeros_like(video0)), video_positions(b, f, h, w, FPS))
    video = condition_video_frames(video, cond, 0, strength=1.0)
    audio = LatentState.empty(audio_tokens(torch.zeros_like(audio0)), audio_positions(b, t))
    video, audio = add_noise(video, g), add_noise(audio, g)
    den = Denoiser(model, ctx, neg, vg, ag, batch_passes=batch_passes)
    with torch.no_grad():
        video, audio = denoise(den, video, audio, sigmas)
    from talkies.model.sampling.latents import audio_latent, video_latent

    return video_latent(video.latent, f, h, w), audio_latent(audio.latent)


@pytest.mark.parametrize("generation", ["2.0", "2.3"])
@pytest.mark.parametrize("batch_passes", [False, True], ids=["sequential", "batched"])
@pytest.mark.parametrize("skip_step", [0, 1])
def test_guided_loop_matches_reference(tmp_path, generation, batch_passes, skip_step):
    config = tiny_config(generation)
    ref = reference_transformer(config, seed=21)
    ours = load_transformer(
        write_checkpoint(tmp_path / "m.safetensors", config, checkpoint_tensors(ref, None))
    )
    g = torch.Generator().manual_seed(4)
    video0, audio0 = torch.zeros(1, 16, 3, 2, 3), torch.zeros(1, 8, 6, 2)
    cond = torch.randn(1, 16, 1, 2, 3, generator=g)
    ctx, neg = random_prompt(ours, g), random_prompt(ours, g)
    vg = Guidance(cfg=3.0, stg=1.0, stg_blocks=(1,), rescale=0.7, modality=3.0, skip_step=skip_step)
    ag = Guidance(cfg=7.0, stg=1.0, stg_blocks=(0,), rescale=0.7, modality=3.0)
    vp = MultiModalGuiderParams(
        cfg_scale=3.0,
        stg_scale=1.0,
        stg_blocks=[1],
        rescale_scale=0.7,
        modality_scale=3.0,
        skip_step=skip_step,
    )
    ap = MultiModalGuiderParams(
        cfg_scale=7.0, stg_scale=1.0, stg_blocks=[0], rescale_scale=0.7, modality_scale=3.0
    )
    sigmas = ltx2_sigmas(4)
    with FirstReleaseCrossTimesteps() if generation == "2.0" else contextlib.nullcontext():
        rv, ra = _reference_loop(ref, video0, audio0, cond, ctx, neg, vp, ap, sigmas, seed=9)
    ov, oa = _our_loop(
        ours, video0, audio0, cond, ctx, neg, vg, ag, sigmas, seed=9, batch_passes=batch_passes
    )
    assert float((ov - rv).abs().max()) <= 1e-5
    assert float((oa - ra).abs().max()) <= 1e-5
    # The clean first frame stayed exactly the conditioning latent.
    assert torch.allclose(ov[:, :, :1], cond, atol=1e-6)


def test_guidance_skips_passes_that_are_no_ops():
    from talkies.model.sampling.guidance import PassKind, plan_passes

    kinds = lambda v, a: [p.kind for p in plan_passes(v, a)]  # noqa: E731
    assert kinds(Guidance(), Guidance()) == [PassKind.COND]
    assert kinds(Guidance(cfg=3), Guidance()) == [PassKind.COND, PassKind.UNCOND]
    assert kinds(Guidance(), Guidance(stg=1, stg_blocks=(3,))) == [PassKind.COND, PassKind.PERTURBED]
    assert kinds(Guidance(modality=2), Guidance()) == [PassKind.COND, PassKind.ISOLATED]

"""Two-stage generation on latents, as TI2VidTwoStagesPipeline runs it: stage 1 at half size with
full guidance and a clean first frame, ×2 latent upsampling with the VAE's statistics, stage 2 at
full size along the distilled σ list without guidance, one noise stream through both."""

from __future__ import annotations

import types

import pytest
import torch

from talkies.model import load_transformer, load_upsampler
from talkies.model.pipeline.two_stage import NO_GUIDANCE, upsampled_into
from talkies.model.sampling.av_latent import AVLatent
from talkies.model.sampling.compression import LTX2_COMPRESSION
from talkies.model.sampling.denoise import sample_clip
from talkies.model.sampling.guidance import Guidance
from talkies.model.sampling.schedule import DISTILLED_STAGE2_SIGMAS, ltx2_sigmas
from talkies.model.video_vae.blocks import LatentStatistics
from talkies.model.video_vae.upsampler import upsample_latent

from ltx_oracle import checkpoint_tensors, random_prompt, reference_transformer, tiny_config, write_checkpoint
from vae_oracle import reference_upsampler, write_upsampler

pytest.importorskip("ltx_pipelines")
from ltx_core.components.diffusion_steps import EulerDiffusionStep  # noqa: E402
from ltx_core.components.guiders import MultiModalGuider, MultiModalGuiderParams  # noqa: E402
from ltx_core.components.noisers import GaussianNoiser  # noqa: E402
from ltx_core.components.patchifiers import AudioPatchifier, VideoLatentPatchifier  # noqa: E402
from ltx_core.conditioning import VideoConditionByLatentIndex  # noqa: E402
from ltx_core.model.transformer import X0Model  # noqa: E402
from ltx_core.model.upsampler import upsample_video  # noqa: E402
from ltx_core.model.video_vae.ops import PerChannelStatistics  # noqa: E402
from ltx_core.tools import AudioLatentTools, VideoLatentTools  # noqa: E402
from ltx_core.types import AudioLatentShape, VideoLatentShape  # noqa: E402
from ltx_pipelines.utils.helpers import multi_modal_guider_denoising_func, simple_denoising_func  # noqa: E402
from ltx_pipelines.utils.samplers import euler_denoising_loop  # noqa: E402

FPS = 24.0
UPSAMPLER = {"in_channels": 16, "mid_channels": 32, "num_blocks_per_stage": 1, "spatial_upsample": True}


def _reference_stage(model, video0, audio0, cond, fn, sigmas, noiser, noise_scale=1.0):
    vtools = VideoLatentTools(VideoLatentPatchifier(1), VideoLatentShape.from_torch_shape(video0.shape), FPS)
    atools = AudioLatentTools(AudioPatchifier(1), AudioLatentShape.from_torch_shape(audio0.shape))
    vstate = vtools.create_initial_state("cpu", torch.float32, video0)
    vstate = VideoConditionByLatentIndex(cond, 1.0, 0).apply_to(vstate, vtools)
    vstate = noiser(vstate, noise_scale)
    astate = noiser(atools.create_initial_state("cpu", torch.float32, audio0), noise_scale)
    with torch.no_grad():
        vstate, astate = euler_denoising_loop(sigmas, vstate, astate, EulerDiffusionStep(), fn)
    return vtools.unpatchify(vtools.clear_conditioning(vstate)).latent, atools.unpatchify(astate).latent


def _clip(video: torch.Tensor, audio: torch.Tensor, first: torch.Tensor) -> AVLatent:
    """A clip whose first latent frame is pinned to ``first``, as Image Conditioning leaves it."""
    video = video.clone()
    video[:, :, :1] = first
    mask = torch.ones(video.shape[0], 1, *video.shape[2:])
    mask[:, :, :1] = 0.0
    return AVLatent(video=video, audio=audio, fps=FPS, video_mask=mask, compression=LTX2_COMPRESSION)


def test_two_stage_latents_match_reference(tmp_path):
    config = tiny_config("2.3")
    ref = reference_transformer(config, seed=31)
    ours = load_transformer(
        write_checkpoint(tmp_path / "m.safetensors", config, checkpoint_tensors(ref, None))
    )
    ref_up = reference_upsampler(UPSAMPLER, seed=7)
    up = load_upsampler(write_upsampler(tmp_path / "up.safetensors", UPSAMPLER, ref_up), dtype="fp32")
    g = torch.Generator().manual_seed(5)
    mean, std = torch.randn(16, generator=g) * 0.1, torch.rand(16, generator=g) + 0.5
    ref_stats = PerChannelStatistics(16)
    ours_stats = LatentStatistics(16)
    for stats in (ref_stats, ours_stats):
        stats.get_buffer("mean-of-means").copy_(mean)
        stats.get_buffer("std-of-means").copy_(std)
    low_first, high_first = torch.randn(1, 16, 1, 2, 3, generator=g), torch.randn(1, 16, 1, 4, 6, generator=g)
    ctx, neg = random_prompt(ours, g), random_prompt(ours, g)
    vg = Guidance(cfg=3.0, stg=1.0, stg_blocks=(1,), rescale=0.7, modality=3.0)
    ag = Guidance(cfg=7.0, stg=1.0, stg_blocks=(0,), rescale=0.7, modality=3.0)
    sigmas, refine = ltx2_sigmas(3), torch.tensor(DISTILLED_STAGE2_SIGMAS)
    low_video, high_video, audio = (
        torch.zeros(1, 16, 3, 2, 3),
        torch.zeros(1, 16, 3, 4, 6),
        torch.zeros(1, 8, 6, 2),
    )

    noiser = GaussianNoiser(torch.Generator().manual_seed(11))
    guided = multi_modal_guider_denoising_func(
        MultiModalGuider(
            MultiModalGuiderParams(
                cfg_scale=3.0, stg_scale=1.0, stg_blocks=[1], rescale_scale=0.7, modality_scale=3.0
            ),
            negative_context=neg.video,
        ),
        MultiModalGuider(
            MultiModalGuiderParams(
                cfg_scale=7.0, stg_scale=1.0, stg_blocks=[0], rescale_scale=0.7, modality_scale=3.0
            ),
            negative_context=neg.audio,
        ),
        ctx.video,
        ctx.audio,
        X0Model(ref),
    )
    rv, ra = _reference_stage(ref, low_video, audio, low_first, guided, sigmas, noiser)
    with torch.no_grad():
        rv = upsample_video(rv, types.SimpleNamespace(per_channel_statistics=ref_stats), ref_up)
    plain = simple_denoising_func(video_context=ctx.video, audio_context=ctx.audio, transformer=X0Model(ref))
    rv, ra = _reference_stage(ref, rv, ra, high_first, plain, refine, noiser, noise_scale=float(refine[0]))

    generator = torch.Generator().manual_seed(11)
    low = _clip(low_video, audio, low_first)
    first = sample_clip(
        ours, low, ctx, neg, sigmas, generator=generator, video_guidance=vg, audio_guidance=ag
    )
    with torch.no_grad():
        video = upsample_latent(first.video, up, ours_stats)
    start = upsampled_into(_clip(high_video, audio, high_first), video, first.audio)
    out = sample_clip(
        ours,
        start,
        ctx,
        None,
        refine,
        generator=generator,
        video_guidance=NO_GUIDANCE,
        audio_guidance=NO_GUIDANCE,
    )
    assert float((out.video - rv).abs().max()) <= 1e-5
    assert float((out.audio - ra).abs().max()) <= 1e-5
    assert torch.allclose(out.video[:, :, :1], high_first, atol=1e-6), (
        "the full-size first frame stays pinned"
    )

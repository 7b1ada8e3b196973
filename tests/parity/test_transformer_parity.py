"""The transformer, loaded by our loader from a reference-written file, computes what ltx-core computes."""

from __future__ import annotations

import pytest
import torch

from talkies.model import load_transformer, predict_velocity
from talkies.model.transformer.model import Stream
from talkies.model.transformer.perturbations import Perturbations, Skip, skip

from ltx_oracle import (
    FirstReleaseCrossTimesteps,
    checkpoint_tensors,
    reference_transformer,
    tiny_config,
    write_checkpoint,
)

ltx_core = pytest.importorskip("ltx_core")
from ltx_core.components.patchifiers import AudioPatchifier, VideoLatentPatchifier  # noqa: E402
from ltx_core.guidance.perturbations import (  # noqa: E402
    BatchedPerturbationConfig,
    Perturbation,
    PerturbationConfig,
    PerturbationType,
)
from ltx_core.model.transformer.modality import Modality  # noqa: E402
from ltx_core.tools import AudioLatentTools, VideoLatentTools  # noqa: E402
from ltx_core.types import AudioLatentShape, VideoLatentShape  # noqa: E402

TOL = 1e-5
FPS = 24.0


def _ref_states(video_latent, audio_latent, fps=FPS):
    vshape = VideoLatentShape.from_torch_shape(video_latent.shape)
    ashape = AudioLatentShape.from_torch_shape(audio_latent.shape)
    vt = VideoLatentTools(VideoLatentPatchifier(1), vshape, fps)
    at = AudioLatentTools(AudioPatchifier(1), ashape)
    return (
        vt.create_initial_state("cpu", torch.float32, video_latent),
        at.create_initial_state("cpu", torch.float32, audio_latent),
    )


def _ref_forward(model, video_latent, audio_latent, sigma, vctx, actx, vmask=None, amask=None, ptb=None):
    vs, as_ = _ref_states(video_latent, audio_latent)
    b = video_latent.shape[0]
    sig = torch.full((b,), sigma)
    vm = vs.denoise_mask if vmask is None else vmask.reshape(b, -1, 1).float()
    am = as_.denoise_mask if amask is None else amask.reshape(b, -1, 1).float()
    video = Modality(latent=vs.latent, sigma=sig, timesteps=vm * sigma, positions=vs.positions, context=vctx)
    audio = Modality(
        latent=as_.latent, sigma=sig, timesteps=am * sigma, positions=as_.positions, context=actx
    )
    ptb = ptb or BatchedPerturbationConfig.empty(b)
    with torch.no_grad():
        v, a = model(video, audio, ptb)
    vshape = video_latent.shape
    v = v.transpose(1, 2).reshape(vshape)
    a = a.reshape(b, audio_latent.shape[2], audio_latent.shape[1], -1).permute(0, 2, 1, 3)
    return v, a


def _inputs(config, batch=1, seed=3):
    g = torch.Generator().manual_seed(seed)
    t = config["transformer"]
    ctx_v = ctx_a = t["caption_channels"]
    if t.get("caption_proj_before_connector"):
        ctx_v = t["num_attention_heads"] * t["attention_head_dim"]
        ctx_a = t["audio_num_attention_heads"] * t["audio_attention_head_dim"]
    return {
        "video": torch.randn(batch, 16, 3, 2, 3, generator=g),
        "audio": torch.randn(batch, 8, 5, 2, generator=g),
        "vctx": torch.randn(batch, 7, ctx_v, generator=g),
        "actx": torch.randn(batch, 7, ctx_a, generator=g),
    }


@pytest.fixture(scope="module", params=["2.0", "2.3"])
def pair(request, tmp_path_factory):
    config = tiny_config(request.param)
    ref = reference_transformer(config, seed=11)
    path = write_checkpoint(
        tmp_path_factory.mktemp("ckpt") / "tiny.safetensors", config, checkpoint_tensors(ref, None)
    )
    ours = load_transformer(path, dtype=torch.float32)
    return request.param, ref, ours


def _max_diff(a, b):
    return float((a - b).abs().max())


def test_uniform_sigma_matches_reference(pair):
    _, ref, ours = pair
    x = _inputs({"transformer": _cfg_of(ours)}, batch=2)
    for sigma in (1.0, 0.6, 0.05):
        rv, ra = _ref_forward(ref, x["video"], x["audio"], sigma, x["vctx"], x["actx"])
        ov, oa = predict_velocity(
            ours, x["video"], x["audio"], sigma, video_context=x["vctx"], audio_context=x["actx"], fps=FPS
        )
        assert ov.shape == x["video"].shape and oa.shape == x["audio"].shape
        assert _max_diff(ov, rv) <= TOL and _max_diff(oa, ra) <= TOL


def _cfg_of(model):
    c = model.cfg
    out = {
        "caption_channels": c.caption_channels,
        "num_attention_heads": c.video_heads,
        "attention_head_dim": c.video_head_dim,
        "audio_num_attention_heads": c.audio_heads,
        "audio_attention_head_dim": c.audio_head_dim,
    }
    if not c.caption_projection:
        out["caption_proj_before_connector"] = True
    return out


def test_masked_clean_first_frame_follows_the_generation(pair):
    """A clean first frame (mask 0) and a partly clean audio start, per checkpoint generation."""
    generation, ref, ours = pair
    x = _inputs({"transformer": _cfg_of(ours)})
    vmask = torch.ones(1, 1, 3, 2, 3)
    vmask[:, :, 0] = 0.0
    amask = torch.ones(1, 1, 5, 1)
    amask[:, :, :2] = 0.25
    if generation == "2.0":
        with FirstReleaseCrossTimesteps():
            rv, ra = _ref_forward(ref, x["video"], x["audio"], 0.7, x["vctx"], x["actx"], vmask, amask)
    else:
        rv, ra = _ref_forward(ref, x["video"], x["audio"], 0.7, x["vctx"], x["actx"], vmask, amask)
    ov, oa = predict_velocity(
        ours,
        x["video"],
        x["audio"],
        0.7,
        video_context=x["vctx"],
        audio_context=x["actx"],
        fps=FPS,
        video_mask=vmask,
        audio_mask=amask,
    )
    assert _max_diff(ov, rv) <= TOL and _max_diff(oa, ra) <= TOL


def test_generations_differ_under_masks(pair):
    """The two cross-attention modulation rules really differ once tokens are clean."""
    generation, ref, ours = pair
    x = _inputs({"transformer": _cfg_of(ours)})
    vmask = torch.ones(1, 1, 3, 2, 3)
    vmask[:, :, 0] = 0.0
    with FirstReleaseCrossTimesteps():
        first = _ref_forward(ref, x["video"], x["audio"], 0.7, x["vctx"], x["actx"], vmask)
    later = _ref_forward(ref, x["video"], x["audio"], 0.7, x["vctx"], x["actx"], vmask)
    assert _max_diff(first[0], later[0]) > 1e-3


def _ours_forward(model, x, sigma, perturbations):
    from talkies.model.sampling.latents import audio_positions, audio_tokens, video_positions, video_tokens

    b = x["video"].shape[0]
    sig = torch.full((b,), sigma)
    v = Stream(
        latent=video_tokens(x["video"]),
        positions=video_positions(b, 3, 2, 3, FPS),
        sigma=sig,
        context=x["vctx"],
    )
    a = Stream(latent=audio_tokens(x["audio"]), positions=audio_positions(b, 5), sigma=sig, context=x["actx"])
    with torch.no_grad():
        return model(v, a, perturbations)


@pytest.mark.parametrize(
    "ours_rules, ref_rules",
    [
        ([skip(Skip.VIDEO_SELF, [1])], [Perturbation(PerturbationType.SKIP_VIDEO_SELF_ATTN, [1])]),
        ([skip(Skip.AUDIO_SELF, [0, 1])], [Perturbation(PerturbationType.SKIP_AUDIO_SELF_ATTN, [0, 1])]),
        (
            [skip(Skip.AUDIO_TO_VIDEO), skip(Skip.VIDEO_TO_AUDIO)],
            [
                Perturbation(PerturbationType.SKIP_A2V_CROSS_ATTN, None),
                Perturbation(PerturbationType.SKIP_V2A_CROSS_ATTN, None),
            ],
        ),
    ],
    ids=["stg-video", "stg-audio", "modality-isolation"],
)
def test_guidance_passes_match_reference(pair, ours_rules, ref_rules):
    _, ref, ours = pair
    x = _inputs({"transformer": _cfg_of(ours)}, batch=2)
    # Sample 0 perturbed, sample 1 not: exercises the per-sample blend as well.
    ours_ptb = Perturbations((tuple(ours_rules), ()))
    ref_ptb = BatchedPerturbationConfig([PerturbationConfig(ref_rules), PerturbationConfig.empty()])
    rv, ra = _ref_forward(ref, x["video"], x["audio"], 0.5, x["vctx"], x["actx"], ptb=ref_ptb)
    ov, oa = _ours_forward(ours, x, 0.5, ours_ptb)
    from talkies.model.sampling.latents import audio_latent, video_latent

    assert _max_diff(video_latent(ov, 3, 2, 3), rv) <= TOL
    assert _max_diff(audio_latent(oa), ra) <= TOL
    # And the perturbation changed something for sample 0 only.
    plain_v, plain_a = _ours_forward(ours, x, 0.5, None)
    changed = _max_diff(ov[0], plain_v[0]) + _max_diff(oa[0], plain_a[0])
    assert changed > 1e-4
    assert _max_diff(ov[1], plain_v[1]) <= TOL and _max_diff(oa[1], plain_a[1]) <= TOL


def test_loaded_config_reads_the_generation(pair):
    generation, _, ours = pair
    c = ours.cfg
    assert c.generation == generation
    assert (c.gated_attention, c.cross_attention_adaln, not c.caption_projection) == (
        (generation == "2.3"),
    ) * 3
    assert c.rope_type == ("split" if generation == "2.3" else "interleaved")

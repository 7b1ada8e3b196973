"""Sampling a clip's latents: seeds, masks, keyframes and progress."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest
import torch

from talkies.model import load_transformer
from talkies.model.sampling.av_latent import Keyframe, empty_av_latent
from talkies.model.sampling.compression import LTX2_COMPRESSION
from talkies.model.sampling.denoise import sample_clip
from talkies.model.sampling.guidance import Guidance
from talkies.model.sampling.schedule import ltx2_sigmas
from talkies.model.text.conditioner import PromptEmbedding

from ltx_oracle import checkpoint_tensors, reference_transformer, tiny_config, write_checkpoint


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    config = tiny_config("2.3")
    path = write_checkpoint(
        tmp_path_factory.mktemp("m") / "m.safetensors",
        config,
        checkpoint_tensors(reference_transformer(config), None),
    )
    return load_transformer(path)


def _prompt(seed):
    g = torch.Generator().manual_seed(seed)
    return PromptEmbedding(
        torch.randn(1, 4, 32, generator=g),
        torch.randn(1, 4, 16, generator=g),
        torch.ones(1, 4, dtype=torch.bool),
    )


def _latent(batch=1):
    lat = empty_av_latent(
        96, 64, 17, Fraction(24), batch, video_channels=16, audio_bins=2, compression=LTX2_COMPRESSION
    )
    assert lat.video.shape == (batch, 16, 3, 2, 3) and lat.audio.shape == (batch, 8, 18, 2)
    return lat


def test_same_seed_same_clip_other_seed_other_clip(model):
    sig = ltx2_sigmas(3)
    a = sample_clip(model, _latent(), _prompt(0), None, sig, seed=5)
    b = sample_clip(model, _latent(), _prompt(0), None, sig, seed=5)
    c = sample_clip(model, _latent(), _prompt(0), None, sig, seed=6)
    assert torch.equal(a.video, b.video) and torch.equal(a.audio, b.audio)
    assert float((a.video - c.video).abs().max()) > 1e-3


def test_masked_frames_keep_their_values_and_others_move(model):
    lat = _latent()
    g = torch.Generator().manual_seed(1)
    first = torch.randn(1, 16, 1, 2, 3, generator=g)
    video = lat.video.clone()
    video[:, :, :1] = first
    mask = torch.ones(1, 1, 3, 1, 1)
    mask[:, :, 0] = 0
    lat = replace(lat, video=video, video_mask=mask)
    out = sample_clip(
        model,
        lat,
        _prompt(0),
        _prompt(1),
        ltx2_sigmas(3),
        seed=1,
        video_guidance=Guidance(cfg=3.0),
        audio_guidance=Guidance(cfg=5.0),
    )
    assert torch.allclose(out.video[:, :, :1], first, atol=1e-6)
    assert float((out.video[:, :, 1:] - video[:, :, 1:]).abs().max()) > 1e-2


def test_keyframes_guide_but_do_not_change_the_shape(model):
    lat = _latent()
    g = torch.Generator().manual_seed(2)
    key = Keyframe(torch.randn(1, 16, 1, 2, 3, generator=g), pixel_frame=12, strength=1.0)
    plain = sample_clip(model, lat, _prompt(0), None, ltx2_sigmas(2), seed=3)
    guided = sample_clip(
        model,
        replace(lat, keyframes=(key,)),
        _prompt(0),
        None,
        ltx2_sigmas(2),
        seed=3,
    )
    assert guided.video.shape == plain.video.shape and guided.keyframes == ()
    assert float((guided.video - plain.video).abs().max()) > 1e-4


def test_batch_and_progress(model):
    seen = []
    out = sample_clip(model, _latent(batch=2), _prompt(0), None, ltx2_sigmas(4), seed=0, on_step=seen.append)
    assert out.video.shape[0] == 2 and [s.step for s in seen] == [1, 2, 3, 4]
    assert seen[-1].total == 4 and seen[0].video_x0.shape[0] == 2


def test_cfg_without_negative_prompt_is_refused(model):
    with pytest.raises(ValueError, match="needs a negative prompt"):
        sample_clip(
            model, _latent(), _prompt(0), None, ltx2_sigmas(2), seed=0, video_guidance=Guidance(cfg=2.0)
        )

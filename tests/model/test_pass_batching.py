"""Guidance passes are batched when memory allows, and batching does not change the result."""

from __future__ import annotations

import pytest
import torch

from talkies.model.sampling import loop as sampling
from talkies.model.sampling import pass_batching
from talkies.model.sampling.guidance import Guidance
from talkies.model.sampling.loop import Denoiser, LatentState
from talkies.model.sampling.pass_batching import pass_activation_bytes, should_batch, should_batch_clips
from talkies.model.text.conditioner import PromptEmbedding

from tiny_av import tiny_config, tiny_streams, tiny_transformer

MiB = 2**20


def test_decision_rules():
    assert not should_batch(1, 1, None)  # nothing to batch
    assert should_batch(4, 10 * MiB, None)  # small CPU work: overhead-bound, batch
    assert not should_batch(4, 100 * MiB, None)  # large CPU work: no gain, more memory
    assert should_batch(4, 1000 * MiB, 8000 * MiB)  # 3 extra passes, twice over, fit in 8 GB
    assert not should_batch(4, 1000 * MiB, 5000 * MiB)


def test_clip_batching_rules():
    assert not should_batch_clips(1, 1, None)  # one clip: nothing to batch
    assert should_batch_clips(8, 1000 * MiB, None)  # the CPU batches candidates whatever their size
    assert should_batch_clips(4, 1000 * MiB, 8000 * MiB)  # 3 extra clips, twice over, fit in 8 GB
    assert not should_batch_clips(4, 1000 * MiB, 5000 * MiB)


def test_activation_estimate_scales_with_work():
    cfg = tiny_config()
    one = pass_activation_bytes(cfg, 100, 10, 4, 1, torch.float32)
    assert pass_activation_bytes(cfg, 100, 10, 4, 3, torch.float32) == 3 * one
    assert pass_activation_bytes(cfg, 100, 10, 4, 1, torch.bfloat16) * 2 == one
    assert pass_activation_bytes(cfg, 200, 10, 4, 1, torch.float32) > one


@pytest.fixture(scope="module")
def setup():
    model = tiny_transformer(seed=6)
    video, audio = tiny_streams(model)
    g = torch.Generator().manual_seed(0)
    c = model.cfg

    def prompt():
        return PromptEmbedding(
            torch.randn(1, 4, c.video_context_dim, generator=g),
            torch.randn(1, 4, c.audio_context_dim, generator=g),
            torch.ones(1, 4, dtype=torch.bool),
        )

    states = (
        LatentState.empty(video.latent, video.positions),
        LatentState.empty(audio.latent, audio.positions),
    )
    return model, states, prompt(), prompt()


def _step(setup, batch_passes):
    model, (video, audio), prompt, negative = setup
    batches = []
    handle = model.register_forward_pre_hook(lambda m, args: batches.append(args[0].latent.shape[0]))
    g = Guidance(cfg=3.0, stg=1.0, stg_blocks=(1,), rescale=0.7, modality=3.0)
    try:
        with torch.inference_mode():
            out = Denoiser(model, prompt, negative, g, g, batch_passes=batch_passes)(video, audio, 0.7, 0)
    finally:
        handle.remove()
    return out, batches


def test_auto_batches_small_cpu_work_with_the_same_result(setup):
    sequential, calls = _step(setup, False)
    assert calls == [1, 1, 1, 1]
    auto, calls = _step(setup, "auto")
    assert calls == [4]
    for a, s in zip(auto, sequential, strict=True):
        assert float((a - s).abs().max()) <= 1e-5


def test_auto_runs_passes_one_by_one_when_memory_is_short(setup, monkeypatch):
    monkeypatch.setattr(pass_batching, "CPU_BATCH_LIMIT", 1024)
    assert _step(setup, "auto")[1] == [1, 1, 1, 1]
    # A device that reports its free memory decides by that instead.
    monkeypatch.setattr(sampling, "free_device_bytes", lambda device: 10**12)
    assert _step(setup, "auto")[1] == [4]
    monkeypatch.setattr(sampling, "free_device_bytes", lambda device: 1024)
    assert _step(setup, "auto")[1] == [1, 1, 1, 1]


def test_bad_setting_is_refused(setup):
    model, _, prompt, negative = setup
    with pytest.raises(ValueError, match="'auto'"):
        Denoiser(model, prompt, negative, Guidance(), Guidance(), batch_passes="yes")

"""Talkies Load Model with a device list ("cpu,cpu" here; "cuda:0,cuda:1,…" on a machine with GPUs)
samples through a pool of workers, one per device: the Sampler node makes the clip one device
makes, and the workers stop with the model."""

from __future__ import annotations

import gc
import os
from fractions import Fraction

import pytest

from talkies.model.parallel.local import gloo_available
from talkies.nodes.empty_clip import TalkiesEmptyClip
from talkies.nodes.latent_dict import from_latent_dict
from talkies.nodes.load_model import TalkiesLoadModel
from talkies.nodes.sampler import TalkiesSampler
from talkies.nodes.text_encode import TalkiesTextEncode

pytestmark = pytest.mark.skipif(not gloo_available(), reason="torch.distributed has no gloo backend here")


def _clip(device: str):
    model = TalkiesLoadModel.execute("tiny.safetensors", "from checkpoint", "fp32", device).args[0]
    prompts = TalkiesTextEncode.execute(model, "a red ball bounces on a wooden floor").args[0]
    args = {"width": 64, "height": 64, "length": 9, "unit": "frames", "fps": 24.0}
    latent = TalkiesEmptyClip.execute(model, **args).args[0]
    sampled = TalkiesSampler.execute(model, prompts, latent, seed=1, steps=2, preview=False).args[0]
    return model, sampled


def test_a_device_list_samples_in_a_pool_like_one_device(tiny_models_dir, monkeypatch):
    monkeypatch.setenv("GLOO_SOCKET_IFNAME", os.environ.get("GLOO_SOCKET_IFNAME", "lo"))
    _, alone = _clip("cpu")
    model, pooled = _clip("cpu,cpu")
    assert model.pool is not None and model.pool.running
    a, _ = from_latent_dict(alone, Fraction(24), model.video_compression)
    b, _ = from_latent_dict(pooled, Fraction(24), model.video_compression)
    assert float((a.video - b.video).abs().max()) <= 1e-5
    assert float((a.audio - b.audio).abs().max()) <= 1e-5
    assert float(a.video.abs().max()) > 0
    workers = list(model.pool._procs)
    del model, pooled
    gc.collect()
    for p in workers:
        p.join(10)
    assert not any(p.is_alive() for p in workers)

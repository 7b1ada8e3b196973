"""The one command that reproduces the built-in model runs end to end (a few steps of each stage)."""

from __future__ import annotations

import json

import torch

from talkies.__main__ import main
from talkies.model.pipeline.generate import generate
from talkies.model.pipeline.load import TalkiesModel
from talkies.training.builtin_config import MODEL_VERSION


def test_train_quick_writes_a_loadable_checkpoint_that_generates(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--quick", "--out", str(out), "--skip-eval"]) == 0
    checkpoint = out / "talkies_toyworld.safetensors"
    assert capsys.readouterr().out.strip().endswith(str(checkpoint))
    for stage in ("video_vae.safetensors", "audio_vae.safetensors", "latents.pt", "run.json"):
        assert (out / stage).exists()
    assert json.loads((out / "run.json").read_text())["budget"]["transformer_steps"] == 2
    model = TalkiesModel(checkpoint)
    assert model.checkpoint.metadata["model_version"] == MODEL_VERSION
    clip = generate(model, "A blue ball bounces on a metal floor, no music.", steps=2, frames=9, seed=1)
    assert clip.images.shape == (9, 128, 128, 3)
    assert clip.audio.sample_rate == 16000 and torch.isfinite(clip.audio.samples).all()
    # A second run finds every stage done and only writes the summary again.
    before = checkpoint.stat().st_mtime_ns
    assert main(["train", "--quick", "--out", str(out), "--skip-eval"]) == 0
    assert checkpoint.stat().st_mtime_ns == before

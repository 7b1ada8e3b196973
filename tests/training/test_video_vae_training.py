"""The video VAE's object-focused training phase: what it crops and how it weighs errors."""

import numpy as np
import torch

from talkies.training.clip_windows import object_window
from talkies.training.train_video_vae import moving_mask, reconstruction_loss


def _scene_with_ball(top: int, left: int) -> torch.Tensor:
    pixels = torch.full((3, 17, 128, 128), -0.5)
    pixels[0, :, top : top + 10, left : left + 10] = 0.9
    return pixels


def test_object_crop_takes_the_window_with_the_ball():
    pixels = _scene_with_ball(top=100, left=70)
    crop = object_window(pixels, frames=9, side=64, rng=np.random.default_rng(0))
    assert crop.shape == (3, 9, 64, 64)
    assert (crop[0] > 0.5).sum() == 9 * 100, "the whole ball is inside the chosen window"


def test_focused_loss_weighs_an_error_on_the_ball_above_the_same_error_on_background():
    target = _scene_with_ball(top=40, left=40)[None]
    on_ball, on_background = target.clone(), target.clone()
    on_ball[..., 40:50, 40:50] += 0.3
    on_background[..., 0:10, 0:10] += 0.3
    for focus in (False, True):
        ball_pixel, _ = reconstruction_loss(on_ball, target, focus)
        background_pixel, _ = reconstruction_loss(on_background, target, focus)
        assert ball_pixel > 3 * background_pixel
    focused_ratio = (
        reconstruction_loss(on_ball, target, True)[0] / reconstruction_loss(on_background, target, True)[0]
    )
    plain_ratio = (
        reconstruction_loss(on_ball, target, False)[0] / reconstruction_loss(on_background, target, False)[0]
    )
    assert focused_ratio > 3 * plain_ratio


def test_moving_mask_covers_a_moving_ball_but_not_a_thin_streak():
    pixels = torch.full((1, 3, 5, 64, 64), -0.5)
    for k in range(5):
        pixels[0, :, k, 10 + 4 * k : 20 + 4 * k, 30:40] = 0.9  # a 10-px ball falling 4 px a frame
        pixels[0, :, k, 40:50, 5 + 3 * k] = 0.9  # a 1-px rain streak moving sideways
    mask = moving_mask(pixels)[0, 0]
    assert mask[2, 18:28, 30:40].all(), "the whole ball, not only its edges"
    assert not mask[:, 40:50, :20].any(), "the streak is too thin to count"


def test_moving_weight_weighs_an_error_on_a_moving_ball_up():
    target = torch.full((1, 3, 5, 64, 64), -0.5)
    for k in range(5):
        target[0, :, k, 10 + 4 * k : 20 + 4 * k, 30:40] = 0.9
    wrong = target.clone()
    wrong[0, :, 2, 18:28, 30:40] = -0.5
    plain, _ = reconstruction_loss(wrong, target, True)
    weighted, _ = reconstruction_loss(wrong, target, True, moving_weight=48.0)
    assert weighted > 3 * plain


def test_a_bounce_smoothed_in_time_costs_more_motion_loss_with_the_moving_weight():
    target = torch.full((1, 3, 7, 64, 64), -0.5)
    heights = [10, 20, 30, 40, 30, 20, 10]  # a sharp bounce at frame 3
    smoothed = [10, 20, 28, 32, 28, 20, 10]  # the same bounce rounded off
    recon = target.clone()
    for k, (true, soft) in enumerate(zip(heights, smoothed, strict=True)):
        target[0, :, k, true : true + 10, 30:40] = 0.9
        recon[0, :, k, soft : soft + 10, 30:40] = 0.9
    _, plain = reconstruction_loss(recon, target, True)
    _, heavy = reconstruction_loss(recon, target, True, moving_weight=16.0, motion_weight=4.0)
    _, exact = reconstruction_loss(target, target, True, moving_weight=16.0, motion_weight=4.0)
    assert exact == 0
    assert heavy > 20 * plain


def test_decoder_only_training_leaves_the_encoder_and_its_latents_as_they_were(tmp_path):
    from talkies.training.train_video_vae import train_video_vae
    from talkies.training.vae_files import load_video_vae, new_video_vae, save_pair
    from talkies.training.vae_phases import VAE_SEEDS

    start = save_pair(tmp_path / "start.safetensors", *new_video_vae())
    out = train_video_vae(
        tmp_path / "tuned.safetensors",
        steps=2,
        batch=1,
        crop_frames=5,
        crop_side=32,
        train_seeds=VAE_SEEDS,
        lr=1e-3,
        start_from=start,
        decoder_only=True,
    )
    (enc0, dec0), (enc1, dec1) = load_video_vae(start), load_video_vae(out)
    for a, b in zip(enc0.state_dict().values(), enc1.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    changed = [not torch.equal(a, b) for a, b in zip(dec0.parameters(), dec1.parameters(), strict=True)]
    assert any(changed)

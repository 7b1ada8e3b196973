"""The video VAE's object-focused training phase: what it crops and how it weighs errors."""

import numpy as np
import torch

from talkies.training.train_video_vae import _object_crop, reconstruction_loss


def _scene_with_ball(top: int, left: int) -> torch.Tensor:
    pixels = torch.full((3, 17, 128, 128), -0.5)
    pixels[0, :, top : top + 10, left : left + 10] = 0.9
    return pixels


def test_object_crop_takes_the_window_with_the_ball():
    pixels = _scene_with_ball(top=100, left=70)
    crop = _object_crop(pixels, frames=9, side=64, rng=np.random.default_rng(0))
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

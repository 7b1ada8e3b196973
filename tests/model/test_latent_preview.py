"""The fitted latent → RGB preview map gives colours back from a video encoder's latents."""

import pytest
import torch

from talkies.model.sampling.latents import video_tokens
from talkies.model.video_vae.config import video_vae_config
from talkies.model.video_vae.model import VideoEncoder
from talkies.model.video_vae.preview import fit_latent_colours
from talkies.training.builtin_config import VIDEO_VAE


@pytest.fixture(scope="module")
def encoder():
    torch.manual_seed(0)
    return VideoEncoder(video_vae_config(VIDEO_VAE)).eval()


class LinearEncoder(torch.nn.Module):
    """Latent cell = a fixed linear mix of the cell's mean colour: the map can be recovered exactly."""

    space_factor = 32  # pixels per latent cell, as a VideoEncoder says its own

    def __init__(self, channels: int = 16) -> None:
        super().__init__()
        generator = torch.Generator().manual_seed(3)
        self.mix = torch.nn.Parameter(torch.randn(channels, 3, generator=generator), requires_grad=False)
        self.offset = torch.nn.Parameter(torch.randn(channels, generator=generator), requires_grad=False)

    def encode(self, pixels: torch.Tensor) -> torch.Tensor:
        cells = torch.nn.functional.avg_pool3d((pixels + 1) / 2, (1, 32, 32))
        return torch.einsum("bkfhw,ck->bcfhw", cells, self.mix) + self.offset[:, None, None, None]


def test_a_linear_encoder_is_inverted_exactly():
    encoder = LinearEncoder()
    colours = fit_latent_colours(encoder)
    rgb = torch.rand(1, 3, 1, 2, 3)
    latent = encoder.encode(rgb.repeat_interleave(32, 3).repeat_interleave(32, 4) * 2 - 1)
    assert torch.allclose(
        colours.picture(latent, frame=0, longest=3), rgb[0, :, 0].permute(1, 2, 0), atol=1e-3
    )


def test_flat_colours_not_seen_in_fitting_come_back_far_better_than_a_guess(encoder):
    colours = fit_latent_colours(encoder, seed=1)
    assert colours.weight.shape == (VIDEO_VAE["latent_channels"], 3)
    tests = torch.rand(8, 3, generator=torch.Generator().manual_seed(99))
    errors, guesses = [], []
    for rgb in tests:
        pixels = rgb[None, :, None, None, None].expand(1, 3, 1, 128, 128) * 2 - 1
        with torch.inference_mode():
            latent = encoder.encode(pixels)
        shown = colours.picture(latent, frame=0).reshape(-1, 3).mean(0)
        errors.append(float((shown - rgb).abs().mean()))
        guesses.append(float((0.5 - rgb).abs().mean()))
    assert sum(errors) < 0.6 * sum(guesses), "even an untrained encoder's latents carry colour linearly"


def test_pictures_are_upscaled_in_range_and_the_same_from_tokens(encoder):
    colours = fit_latent_colours(encoder)
    latent = torch.randn(2, VIDEO_VAE["latent_channels"], 3, 4, 6)
    picture = colours.picture(latent, longest=96)
    assert picture.shape == (64, 96, 3) and 0 <= float(picture.min()) <= float(picture.max()) <= 1
    tokens = torch.cat(
        [video_tokens(latent), torch.randn(2, 24, latent.shape[1])], dim=1
    )  # + a keyframe's tokens
    assert torch.allclose(colours.picture_from_tokens(tokens, 3, 4, 6, longest=96), picture, atol=1e-6)


def test_a_filmstrip_shows_frames_from_first_to_last_side_by_side():
    encoder = LinearEncoder()
    colours = fit_latent_colours(encoder)
    rgb = torch.rand(1, 3, 7, 2, 3, generator=torch.Generator().manual_seed(5))
    latent = encoder.encode(rgb.repeat_interleave(32, 3).repeat_interleave(32, 4) * 2 - 1)
    strip = colours.filmstrip(latent, count=4, longest=12 * 4 + 3 * 2, gap=2)
    assert strip.shape == (2 * 4, 4 * 3 * 4 + 3 * 2, 3), "four frames at 4× with three 2-pixel gaps"
    for slot, frame in enumerate((0, 2, 4, 6)):
        left = slot * (12 + 2)
        expected = colours.picture(latent, frame=frame, longest=12)
        assert torch.allclose(strip[:, left : left + 12], expected, atol=1e-5), (
            f"slot {slot} is frame {frame}"
        )
        if slot:
            assert float(strip[:, left - 2 : left].abs().max()) == 0.0, "black gap between frames"
    one_frame = colours.filmstrip(latent[:, :, :1], count=4, longest=12)
    assert torch.allclose(one_frame, colours.picture(latent, frame=0, longest=12), atol=1e-5)
    tokens = torch.cat([video_tokens(latent), torch.randn(1, 5, latent.shape[1])], dim=1)
    assert torch.allclose(colours.filmstrip_from_tokens(tokens, 7, 2, 3, longest=54), strip, atol=1e-6)

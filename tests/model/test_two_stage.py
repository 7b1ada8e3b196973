"""Two-stage generation with a model: half size, ×2 latent upsampling, refinement at full size;
the same path from the CLI (--two-stage) and through the Upscale Latent node."""

from __future__ import annotations

from fractions import Fraction

import pytest
import torch

from talkies.__main__ import main
from talkies.model.media.audio_conform import samples_for_frames
from talkies.model.media.mp4 import probe_clip
from talkies.model.pipeline.decode import decode_audio
from talkies.model.pipeline.generate import generate
from talkies.model.pipeline.two_stage import generate_two_stage, load_upsampler
from talkies.model.sampling.latents import audio_frames_for_seconds
from talkies.nodes.latent_dict import from_latent_dict, to_latent_dict
from talkies.nodes.upscale_latent import TalkiesUpscaleLatent

from tiny_checkpoint import shared_tiny_checkpoint, write_tiny_upsampler


@pytest.fixture(scope="module")
def upsampler_path(tmp_path_factory, quick_model):
    folder = tmp_path_factory.mktemp("up")
    return write_tiny_upsampler(
        folder / "spatial.safetensors", quick_model.video_latent_channels, spatial_upsample=True
    )


def test_two_stages_make_the_full_size_clip_with_exact_lengths(quick_model, upsampler_path):
    up = load_upsampler(upsampler_path)
    image = torch.rand(1, 90, 120, 3)
    clip = generate_two_stage(
        quick_model, "a red ball", upsampler=up, width=128, height=128, frames=17, steps=1
    )
    assert clip.images.shape == (17, 128, 128, 3)
    assert clip.audio.num_samples == 17 * clip.audio.sample_rate // 24
    one = generate(quick_model, "a red ball", width=128, height=128, frames=17, steps=1)
    assert not torch.allclose(clip.latent.video, one.latent.video)
    pinned = generate_two_stage(
        quick_model, "a red ball", upsampler=up, image=image, width=128, height=128, frames=9, steps=1
    )
    with quick_model.working("video_encoder") as encoder:
        from talkies.model.media.image_prep import prepare_conditioning

        first = encoder.encode(prepare_conditioning(image, 128, 128, 33)[:, :, :1])
    assert torch.allclose(pinned.latent.video[:, :, :1], first, atol=1e-5), (
        "the full-size first frame is kept"
    )
    with pytest.raises(ValueError, match="multiples of 64"):
        generate_two_stage(quick_model, "a red ball", upsampler=up, width=96, height=128, frames=9, steps=1)


def test_the_cli_runs_the_two_stage_path(tmp_path, upsampler_path, capsys):
    out = tmp_path / "two.mp4"
    args = [
        "generate",
        "a ball",
        "--model",
        str(shared_tiny_checkpoint()),
        "--two-stage",
        str(upsampler_path),
    ]
    assert (
        main([*args, "--width", "128", "--height", "128", "--frames", "9", "--steps", "1", "-o", str(out)])
        == 0
    )
    video = probe_clip(out).first("video")
    assert (video.width, video.height, video.frames) == (128, 128, 9)
    lone = ["generate", "a ball", "--model", str(shared_tiny_checkpoint()), "--refiner-lora", "x.safetensors"]
    assert main([*lone, "-o", str(tmp_path / "x.mp4")]) == 2


def test_the_upscale_node_doubles_the_picture_and_keeps_the_sound(quick_model, upsampler_path, tmp_path):
    from talkies.nodes.upscale_latent import upsampler_for

    clip = generate(quick_model, "a red ball", width=64, height=64, frames=9, steps=1).latent
    out = TalkiesUpscaleLatent.execute(quick_model, to_latent_dict(clip), str(upsampler_path)).args[0]
    bigger, _ = from_latent_dict(out, Fraction(24), quick_model.video_compression)
    assert bigger.pixel_size == (128, 128) and bigger.pixel_frames == 9
    assert torch.equal(bigger.audio, clip.audio) and bigger.video_mask is None
    temporal = write_tiny_upsampler(
        tmp_path / "t.safetensors", 64, spatial_upsample=False, temporal_upsample=True
    )
    clip = generate(quick_model, "a red ball", width=64, height=64, frames=17, steps=1).latent
    longer = TalkiesUpscaleLatent.execute(quick_model, to_latent_dict(clip), str(temporal)).args[0]
    twice, _ = from_latent_dict(longer, Fraction(24), quick_model.video_compression)
    assert (twice.pixel_frames, twice.fps, twice.pixel_size) == (33, 48, (64, 64)), (
        "2F−1 frames, twice the rate"
    )
    cut = audio_frames_for_seconds(Fraction(33, 48))
    assert twice.audio.shape[2] == cut < clip.audio.shape[2], "the sound is cut to the new length"
    assert torch.equal(twice.audio, clip.audio[:, :, :cut])
    decoded = decode_audio(quick_model, twice)
    assert decoded.num_samples == samples_for_frames(33, Fraction(48), decoded.sample_rate)
    with pytest.raises(ValueError, match="spatial ×2 upsampler"):
        generate_two_stage(quick_model, "a ball", upsampler=load_upsampler(temporal), width=128, height=128)
    with pytest.raises(FileNotFoundError, match="latent_upscale_models"):
        upsampler_for("missing.safetensors")

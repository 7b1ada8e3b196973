"""The video VAE's compression is read from the checkpoint: a 16×/4× model runs through the same
code as LTX-2's 32×/8× (sizes, lengths, positions, extension, node latents)."""

from __future__ import annotations

from fractions import Fraction

import pytest
import torch

from talkies.model.pipeline.extend import extend_latent
from talkies.model.pipeline.generate import generate
from talkies.model.pipeline.load import TalkiesModel
from talkies.model.pipeline.sampling_options import SamplingOptions
from talkies.model.sampling.compression import LTX2_COMPRESSION, VideoCompression
from talkies.model.sampling.guidance import Guidance
from talkies.model.sampling.latents import frames_for_seconds, snap_pixel_size, video_positions
from talkies.nodes.empty_clip import TalkiesEmptyClip
from talkies.nodes.latent_dict import from_latent_dict, to_latent_dict

from tiny_checkpoint import LESS_COMPRESSED_VAE, write_tiny_checkpoint

LESS = VideoCompression(time=4, space=16)


@pytest.fixture(scope="module")
def less_compressed(tmp_path_factory):
    path = write_tiny_checkpoint(
        tmp_path_factory.mktemp("vae16") / "v16.safetensors", vae=LESS_COMPRESSED_VAE
    )
    return TalkiesModel(path)


def test_the_checkpoint_says_how_much_its_vae_compresses(less_compressed, quick_model):
    assert less_compressed.video_compression == LESS
    assert quick_model.video_compression == LTX2_COMPRESSION


def test_lengths_and_sizes_follow_the_models_grid():
    assert frames_for_seconds(1.85, Fraction(24), LESS) == 45  # 4k+1 nearest 44.4 frames
    assert frames_for_seconds(1.85, Fraction(24), LTX2_COMPRESSION) == 41
    assert snap_pixel_size(44, 76, LESS) == (48, 80)
    assert snap_pixel_size(44, 76, LTX2_COMPRESSION) == (32, 64)
    rows = video_positions(1, 1, 2, 1, 24, compression=LESS)[0, 1, :, :]
    assert rows.tolist() == [[0.0, 16.0], [16.0, 32.0]]  # each latent row covers 16 pixels


def test_a_less_compressed_model_generates_exact_lengths(less_compressed):
    clip = generate(less_compressed, "a red ball bounces", seconds=1.85, width=48, height=48, steps=1)
    assert clip.latent.video.shape[2:] == (12, 3, 3)
    assert clip.images.shape == (45, 48, 48, 3)
    assert clip.audio.num_samples == 45 * clip.audio.sample_rate // 24
    longer = extend_latent(
        less_compressed,
        clip.latent,
        *_prompts(less_compressed),
        seconds=0.5,
        overlap=1,
        options=SamplingOptions(video_guidance=Guidance(), audio_guidance=Guidance(), steps=1),
    )
    assert longer.pixel_frames == 45 + 12  # three latent frames of four
    assert torch.equal(longer.video[:, :, :12], clip.latent.video)


def test_empty_clip_and_latent_dicts_carry_the_models_grid(less_compressed):
    out = TalkiesEmptyClip.execute(
        less_compressed, width=44, height=76, length=1.85, unit="seconds", fps=24.0
    )
    message = out.ui["text"][0]
    assert "→ 48×80 (multiples of 16)" in message and "45 frames" in message and "4k+1" in message
    latent = out.args[0]
    assert latent["downscale_ratio_spacial"] == 16
    clip, _ = from_latent_dict(latent, Fraction(24), less_compressed.video_compression)
    assert clip.pixel_size == (48, 80) and clip.pixel_frames == 45
    assert to_latent_dict(clip)["downscale_ratio_spacial"] == 16
    with pytest.raises(ValueError, match="compresses 32×"):
        from_latent_dict(latent, Fraction(24), LTX2_COMPRESSION)


def _prompts(model):
    from talkies.model.pipeline.text_encode import encode_prompts

    return encode_prompts(model, "then it rolls away")

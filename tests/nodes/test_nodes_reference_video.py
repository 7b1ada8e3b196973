"""Talkies Reference Video: an IC-LoRA's control video, sized by the LoRA's own downscale factor."""

from __future__ import annotations

from fractions import Fraction

import pytest
import torch

from talkies.nodes.empty_clip import TalkiesEmptyClip
from talkies.nodes.latent_dict import from_latent_dict
from talkies.nodes.lora import TalkiesLoRA
from talkies.nodes.reference_video import TalkiesReferenceVideo
from talkies.nodes.sampler import TalkiesSampler
from talkies.nodes.text_encode import TalkiesTextEncode

from loras import layer_shapes, write_random_lora
from tiny_nodes import load_tiny_model


def _ic_lora(folder, model, name: str, factor: int) -> None:
    shapes = layer_shapes(model.transformer, ["transformer_blocks.0.attn1.to_k"])
    metadata = {"reference_downscale_factor": str(factor)}
    write_random_lora(folder / name, shapes, factor, rank=2, scale=0.1, metadata=metadata)


@pytest.fixture(scope="module")
def setup(tiny_models_dir):
    model = load_tiny_model()
    folder = tiny_models_dir / "loras"
    folder.mkdir(exist_ok=True)
    _ic_lora(folder, model, "depth.safetensors", 2)
    _ic_lora(folder, model, "pose.safetensors", 1)
    ic = TalkiesLoRA.execute(model, "depth.safetensors", 1.0).args[0]
    prompts = TalkiesTextEncode.execute(ic, "a red ball bounces").args[0]
    empty = TalkiesEmptyClip.execute(ic, width=128, height=128, length=17, unit="frames", fps=24.0).args[0]
    return model, ic, prompts, empty


def test_the_control_video_is_encoded_at_the_ic_loras_size_over_the_clips_frames(setup):
    _, ic, _, empty = setup
    control = torch.rand(30, 96, 160, 3)  # any size and length: resized, cropped, cut to the clip
    out = TalkiesReferenceVideo.execute(ic, empty, control).args[0]
    clip, _ = from_latent_dict(out, Fraction(24))
    (reference,) = clip.references
    assert reference.downscale == 2 and reference.strength == 1.0
    assert reference.latent.shape[2:] == (3, 2, 2), "17 frames at 64×64: a 2× smaller control video"
    assert clip.video.shape[2:] == (3, 4, 4) and float(clip.video.abs().sum()) == 0.0


def test_the_clip_follows_the_control_video_and_keeps_its_own_shape(setup):
    _, ic, prompts, empty = setup
    plain = TalkiesSampler.execute(ic, prompts, empty, seed=1, steps=2, preview=False).args[0]
    controlled_in = TalkiesReferenceVideo.execute(ic, empty, torch.rand(17, 128, 128, 3)).args[0]
    controlled = TalkiesSampler.execute(ic, prompts, controlled_in, seed=1, steps=2, preview=False).args[0]
    a, _ = from_latent_dict(plain, Fraction(24))
    b, _ = from_latent_dict(controlled, Fraction(24))
    assert a.video.shape == b.video.shape and not b.references
    assert not torch.allclose(a.video, b.video), "the control video changes the clip"


def test_sizes_that_do_not_divide_and_mixed_reference_sizes_are_refused(setup):
    model, ic, _, _ = setup
    odd = TalkiesEmptyClip.execute(ic, width=96, height=96, length=9, unit="frames", fps=24.0).args[0]
    with pytest.raises(ValueError, match="multiple of 64 pixels"):
        TalkiesReferenceVideo.execute(ic, odd, torch.rand(9, 96, 96, 3))
    both = TalkiesLoRA.execute(ic, "pose.safetensors", 1.0).args[0]
    empty = TalkiesEmptyClip.execute(both, width=128, height=128, length=9, unit="frames", fps=24.0).args[0]
    with pytest.raises(ValueError, match="different sizes"):
        TalkiesReferenceVideo.execute(both, empty, torch.rand(9, 128, 128, 3))
    forced = TalkiesReferenceVideo.execute(both, empty, torch.rand(9, 128, 128, 3), downscale=1).args[0]
    assert from_latent_dict(forced, Fraction(24))[0].references[0].latent.shape[3:] == (4, 4)
    assert model.reference_downscale == 1

"""The retake nodes' execute on a tiny random checkpoint, without ComfyUI."""

from fractions import Fraction

import pytest
import torch

from talkies.nodes.decode import TalkiesDecode
from talkies.nodes.latent_dict import from_latent_dict
from talkies.nodes.retake import TalkiesRetake, TalkiesRetakeFrames
from talkies.nodes.sampler import TalkiesSampler
from talkies.nodes.text_encode import TalkiesTextEncode

from tiny_nodes import encode, load_tiny_model, sampled_clip


@pytest.fixture(scope="module")
def setup(tiny_models_dir):
    model = load_tiny_model()
    prompts = encode(model)
    return model, prompts, sampled_clip(model, prompts, 33)


def test_retake_marks_the_window_and_the_sampler_keeps_everything_else(setup):
    model, prompts, first = setup
    marked = TalkiesRetake.execute(model, first, start=0.5, end=1.0, streams="sound").args[0]
    new_prompts = TalkiesTextEncode.execute(model, "a glass shatters").args[0]
    retaken = TalkiesSampler.execute(model, new_prompts, marked, seed=9, steps=2, preview=False).args[0]
    before, _ = from_latent_dict(first, Fraction(24))
    after, _ = from_latent_dict(retaken, Fraction(24))
    assert torch.equal(after.video, before.video)
    redo = after.audio_mask[0, 0, :, 0].bool()
    assert redo.any() and not redo.all()
    assert torch.equal(after.audio[:, :, ~redo], before.audio[:, :, ~redo])
    assert not torch.equal(after.audio[:, :, redo], before.audio[:, :, redo])


def test_retake_frames_redoes_the_window_and_keeps_every_frame_and_sample_outside(setup):
    model, prompts, first = setup
    images, audio, fps = TalkiesDecode.execute(model, first, 0, 0, 0, 0).args
    out_images, out_audio, out_fps = TalkiesRetakeFrames.execute(
        model, prompts, images, audio, fps, start=0.5, end=1.0, streams="picture", seed=3, steps=2
    ).args
    assert out_fps == fps and out_images.shape == images.shape
    assert torch.equal(out_images[:12], images[:12]) and torch.equal(out_images[24:], images[24:])
    assert not torch.equal(out_images[12:24], images[12:24])
    assert out_audio["sample_rate"] == audio["sample_rate"]
    assert torch.equal(out_audio["waveform"], audio["waveform"])


def test_bad_windows_are_refused_with_how_to_fix_them(setup):
    model, prompts, first = setup
    assert "must be after its start" in TalkiesRetake.validate_inputs(start=1.0, end=1.0)
    assert "must be after its start" in TalkiesRetakeFrames.validate_inputs(start=1.0, end=0.5)
    assert TalkiesRetake.validate_inputs(start=0.5, end=1.0) is True
    with pytest.raises(ValueError, match="choose an end of at most 1.375"):
        TalkiesRetake.execute(model, first, start=1.0, end=2.0, streams="both")
    images, audio, fps = TalkiesDecode.execute(model, first, 0, 0, 0, 0).args
    with pytest.raises(ValueError, match="ends after the clip does"):
        TalkiesRetakeFrames.execute(
            model, prompts, images, audio, fps, start=1.4, end=1.6, streams="sound", seed=0, steps=2
        )

"""The extension and join nodes' execute on a tiny random checkpoint, without ComfyUI."""

from fractions import Fraction

import pytest
import torch

from talkies.model.media.audio_conform import samples_for_frames
from talkies.nodes.decode import TalkiesDecode
from talkies.nodes.extend import TalkiesExtend, TalkiesExtendFrames
from talkies.nodes.join import TalkiesJoinClips
from talkies.nodes.latent_dict import from_latent_dict

from tiny_nodes import encode, load_tiny_model, sampled_clip


@pytest.fixture(scope="module")
def setup(tiny_models_dir):
    model = load_tiny_model()
    prompts = encode(model)
    return model, prompts, sampled_clip(model, prompts, 9)


def _decode(model, latent):
    return TalkiesDecode.execute(model, latent, 0, 0, 0, 0).args


def test_extend_appends_picture_and_sound_and_keeps_the_past(setup):
    model, prompts, first = setup
    longer = TalkiesExtend.execute(model, prompts, first, seconds=0.5, overlap=1, seed=2, steps=2).args[0]
    before, _ = from_latent_dict(first, Fraction(24))
    after, _ = from_latent_dict(longer, Fraction(24))
    assert after.pixel_frames == 9 + 16 and after.fps == 24
    assert torch.equal(after.video[:, :, :2], before.video)
    images, audio, fps = _decode(model, longer)
    assert images.shape[0] == 25 and fps == 24.0
    assert audio["waveform"].shape[-1] == samples_for_frames(25, Fraction(24), audio["sample_rate"])


def test_extend_frames_and_join_are_sample_exact(setup):
    model, prompts, first = setup
    images, audio, fps = _decode(model, first)
    more_images, more_audio, more_fps = TalkiesExtendFrames.execute(
        model, prompts, images, audio, fps, seconds=0.4, overlap=1, seed=3, steps=2
    ).args
    assert more_images.shape[0] == 9 + 8 and torch.equal(more_images[:9], images)
    assert more_audio["waveform"].shape[-1] == samples_for_frames(17, Fraction(24), audio["sample_rate"])
    joined, joined_audio, joined_fps = TalkiesJoinClips.execute(
        images, audio, more_images, more_audio, fps
    ).args
    assert joined.shape[0] == 26 and joined_fps == 24.0
    assert joined_audio["waveform"].shape[-1] == samples_for_frames(26, Fraction(24), audio["sample_rate"])


def test_bad_extension_lengths_and_sizes_are_refused(setup):
    model, prompts, first = setup
    images, audio, fps = _decode(model, first)
    with pytest.raises(ValueError, match="multiples of 32"):
        TalkiesExtendFrames.execute(
            model, prompts, images[:, :40], audio, fps, seconds=1.0, overlap=1, seed=0
        )
    with pytest.raises(ValueError, match="runs at 25 fps"):
        from talkies.model.media.waveform import Waveform
        from talkies.model.pipeline.join import ClipPart, join_clips

        wave = Waveform.from_audio(audio)
        join_clips([ClipPart(images, wave, Fraction(24)), ClipPart(images, wave, Fraction(25))])

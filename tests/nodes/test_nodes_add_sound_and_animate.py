"""Talkies Add Sound and Talkies Animate To Sound on a tiny random checkpoint, into Save Clip."""

from fractions import Fraction

import pytest
import torch

from talkies.model.media.mp4 import probe_clip
from talkies.nodes.add_sound import TalkiesAddSound
from talkies.nodes.animate import TalkiesAnimateToSound
from talkies.nodes.save_clip import TalkiesSaveClip
from talkies.nodes.standalone import runtime

from media_samples import moving_frames, tone
from tiny_nodes import encode, load_tiny_model


@pytest.fixture(scope="module")
def setup(tiny_models_dir):
    model = load_tiny_model()
    return model, encode(model, "a ball knocks on a wooden floor")


def _saved(tmp_path, images, audio, fps):
    runtime.configure_standalone(output=tmp_path)
    TalkiesSaveClip.execute(images, fps, "talkies/clip", "off", 23, False, audio)
    (path,) = tmp_path.rglob("*.mp4")
    info = probe_clip(path)
    return info.first("video"), info.first("audio")


def test_add_sound_hands_back_the_frames_with_sound_and_says_what_it_did(setup, tmp_path):
    model, prompts = setup
    frames = moving_frames(14, 240, 320)
    out = TalkiesAddSound.execute(model, prompts, frames, 30.0, seed=1, steps=2)
    images, audio, fps = out.args
    assert images is frames and fps == 30.0
    assert audio["waveform"].shape[-1] == round(Fraction(14, 30) * audio["sample_rate"])
    (note,) = out.ui["text"]
    assert "saw it at 64×64" in note and "14 frames as 17" in note
    video, sound = _saved(tmp_path, images, audio, fps)
    assert (video.frames, video.width, video.height, video.fps) == (14, 320, 240, 30)
    assert sound.samples == 14 * 48000 // 30


def test_animate_hands_back_the_sound_with_frames_that_cover_it(setup, tmp_path):
    model, prompts = setup
    memo = {"waveform": tone(0.7, 8000, hz=220)[None], "sample_rate": 8000}
    picture = torch.rand(1, 48, 80, 3)
    out = TalkiesAnimateToSound.execute(
        model, prompts, memo, 64, 64, 30.0, seed=2, steps=2, image=picture, image_strength=1.0
    )
    images, audio, fps = out.args
    assert audio["waveform"] is memo["waveform"] and audio["sample_rate"] == 8000
    assert images.shape == (21, 64, 64, 3) and fps == 30.0
    assert "cut to the 21 the sound lasts" in out.ui["text"][0]
    video, sound = _saved(tmp_path, images, audio, fps)
    assert video.frames == 21 and sound.samples == 48000 * 7 // 10


def test_the_nodes_refuse_what_they_cannot_follow(setup, tmp_path):
    model, prompts = setup
    with pytest.raises(ValueError, match="the sound is silent"):
        silent = {"waveform": torch.zeros(1, 1, 8000), "sample_rate": 8000}
        TalkiesAnimateToSound.execute(model, prompts, silent, 64, 64, 24.0, seed=0, steps=2)
    with pytest.raises(ValueError, match="zero length"):
        TalkiesAddSound.execute(model, prompts, torch.zeros(0, 64, 64, 3), 24.0, seed=0, steps=2)

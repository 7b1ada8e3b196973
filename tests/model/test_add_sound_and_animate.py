"""Add Sound (frames given, sound generated) and Animate to Sound (sound given, picture generated):
the given stream comes back untouched, lengths follow it exactly, the notes say what was done."""

from __future__ import annotations

from fractions import Fraction

import pytest
import torch

from talkies.model.media.waveform import Waveform
from talkies.model.pipeline.add_sound import add_sound, model_size
from talkies.model.pipeline.animate import animate_to_sound
from talkies.model.pipeline.sampling_options import SamplingOptions
from talkies.model.pipeline.text_encode import encode_prompts
from talkies.model.sampling.compression import LTX2_COMPRESSION, VideoCompression
from talkies.model.sampling.latents import frames_covering

from media_samples import moving_frames, tone

QUICK = SamplingOptions(steps=2, seed=3)


@pytest.fixture(scope="module")
def prompts(quick_model):
    return encode_prompts(quick_model, "a red ball bounces on a wooden floor")


def test_the_fewest_valid_frames_cover_a_count():
    assert [frames_covering(n) for n in (1, 2, 9, 10, 14, 17, 18)] == [1, 9, 9, 17, 17, 17, 25]


def test_the_model_sees_a_picture_at_its_own_size_or_smaller_on_its_grid():
    ltx2 = 768 * 512
    assert model_size(1920, 1080, ltx2, LTX2_COMPRESSION) == (832, 480)  # scaled down, shape kept
    assert model_size(320, 240, ltx2, LTX2_COMPRESSION) == (320, 256)  # only snapped
    assert model_size(40, 30, ltx2, LTX2_COMPRESSION) == (32, 32)  # never scaled up
    assert model_size(320, 240, 128 * 128, VideoCompression(time=4, space=16)) == (144, 112)


def test_add_sound_keeps_odd_frames_and_cuts_the_sound_to_them(quick_model, prompts):
    frames = moving_frames(14, 240, 320)  # 30 fps, 320×240, 14 frames: neither on the grid nor 8k+1
    out = add_sound(quick_model, frames, 30, *prompts, QUICK)
    assert torch.equal(out.images, frames) and out.fps == 30
    assert out.audio.num_samples == round(Fraction(14, 30) * out.audio.sample_rate)
    assert out.audio.samples.abs().max() > 0
    sized, padded = out.notes
    assert "320×240; the model saw it at 64×64 (at most its own 4096 pixels" in sized and "of 32" in sized
    assert "14 frames as 17" in padded and "last frame repeated" in padded


def test_add_sound_needs_no_note_for_a_clip_the_model_takes_and_follows_the_picture(quick_model, prompts):
    still = torch.full((9, 64, 64, 3), 0.5)
    quiet = add_sound(quick_model, still, 24, *prompts, QUICK)
    moving = add_sound(quick_model, moving_frames(9, 64, 64), 24, *prompts, QUICK)
    assert quiet.notes == ()
    assert quiet.audio.num_samples == moving.audio.num_samples == quiet.audio.sample_rate * 9 // 24
    assert not torch.equal(quiet.audio.samples, moving.audio.samples), "the sound depends on the picture"


@pytest.mark.parametrize(
    ("samples", "rate", "channels", "fps", "frames"),
    [
        (44100 // 2 + 100, 44100, 2, 24, 13),  # 44.1 kHz stereo, 12.05 frames long
        (5600, 8000, 1, 30, 21),  # an 8 kHz mono voice memo of 0.7 s
    ],
    ids=["44k1-stereo", "8k-mono-memo"],
)
def test_animate_keeps_the_sound_sample_exact_and_lasts_as_long(
    quick_model, prompts, samples, rate, channels, fps, frames
):
    hz = torch.linspace(300, 900, channels)[:, None]
    wave = (0.3 * torch.sin(2 * torch.pi * hz * torch.arange(samples) / rate))[None]
    given = Waveform(wave.clone(), rate)
    out = animate_to_sound(quick_model, given, *prompts, fps=fps, options=QUICK)
    assert torch.equal(out.audio.samples, wave) and out.audio.sample_rate == rate
    assert out.images.shape == (frames, 64, 64, 3) and out.fps == fps
    assert any(f"cut to the {frames} the sound lasts" in note for note in out.notes)
    assert any(f"given: {rate} Hz, {channels}" in note for note in out.notes)
    if samples * fps % rate:
        assert any("fills with silence" in note for note in out.notes)


def test_animate_follows_the_sound_and_the_first_frame(quick_model, prompts):
    beep = Waveform(tone(0.5, 16000, hz=440)[None], 16000)
    hum = Waveform(tone(0.5, 16000, hz=90, level=0.8)[None], 16000)
    plain = animate_to_sound(quick_model, beep, *prompts, fps=24, options=QUICK)
    other = animate_to_sound(quick_model, hum, *prompts, fps=24, options=QUICK)
    picture = torch.zeros(64, 64, 3)
    picture[:, :32, 0] = 1.0
    started = animate_to_sound(quick_model, beep, *prompts, fps=24, image=picture, options=QUICK)
    assert plain.images.shape[0] == other.images.shape[0] == started.images.shape[0] == 12
    assert not torch.equal(plain.images, other.images), "the picture depends on the sound"
    assert not torch.equal(plain.images[0], started.images[0]), "the first frame follows the image"
    assert (
        plain.notes
        == started.notes
        == ("the picture was made as 17 frames (8k+1) and cut to the 12 the sound lasts",)
    )


def test_animate_snaps_a_size_off_the_grid_and_says_so(quick_model, prompts):
    beep = Waveform(tone(0.3, 16000)[None], 16000)
    out = animate_to_sound(quick_model, beep, *prompts, width=70, height=100, fps=24, options=QUICK)
    assert out.images.shape[1:] == (96, 64, 3)
    assert "70×100 was snapped to 64×96" in out.notes[0]


@pytest.mark.parametrize(
    ("samples", "message"),
    [
        (torch.zeros(1, 2, 0), "the sound is empty"),
        (torch.zeros(1, 1, 16000), "the sound is silent"),
        (torch.full((1, 1, 16000), 1e-6), "the sound is silent"),
        (torch.full((1, 1, 100), float("nan")), "NaN"),
        (torch.rand(2, 1, 16000), "batch of 2"),
    ],
    ids=["empty", "digital-silence", "below-minus-90-dBFS", "nan", "batch"],
)
def test_animate_refuses_a_sound_with_nothing_to_follow(quick_model, prompts, samples, message):
    with pytest.raises(ValueError, match=message):
        animate_to_sound(quick_model, Waveform(samples, 16000), *prompts, options=QUICK)


@pytest.mark.parametrize(
    ("frames", "message"),
    [
        (torch.zeros(0, 64, 64, 3), "no frames \\(zero length\\)"),
        (torch.zeros(9, 64, 64), "IMAGE frames \\(F, H, W, 3\\)"),
        (torch.zeros(9, 0, 64, 3), "no pixels"),
    ],
    ids=["zero-length", "no-channels", "no-pixels"],
)
def test_add_sound_refuses_frames_it_cannot_use(quick_model, prompts, frames, message):
    with pytest.raises(ValueError, match=message):
        add_sound(quick_model, frames, 24, *prompts, QUICK)

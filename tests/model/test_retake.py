"""Retakes: a window of a clip redone (sound, picture or both), everything outside it kept.

On latents the kept latents come back bit-exact; on frames + sound every frame and sample outside
the window is the original, the output as long as the input. The tiny checkpoint's weights are
random, so the seam figures here check the plumbing, not how good a seam the model makes.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
import torch

from talkies.model.media.audio_conform import samples_for_frames
from talkies.model.media.waveform import Waveform
from talkies.model.pipeline import retake as retake_stage
from talkies.model.pipeline.decode import decode_audio, decode_video
from talkies.model.pipeline.empty_clip import empty_latent
from talkies.model.pipeline.retake import CROSSFADE_FRAMES, TimeWindow, retake_latent, retake_media
from talkies.model.pipeline.sample import sample, sigmas_for
from talkies.model.pipeline.sampling_options import SamplingOptions
from talkies.model.pipeline.text_encode import encode_prompts
from talkies.model.sampling.guidance import Guidance
from talkies.toyworld.metrics.seams import seam_report

from media_samples import moving_frames, tone

NO_CFG = Guidance()
FPS = Fraction(24)
FRAMES = 33  # 1.375 s
RATE = 44100
WINDOW = TimeWindow(0.5, 1.0)
FIRST, LAST = 12, 24  # the frames whose times lie in WINDOW
FIRST_SAMPLE, LAST_SAMPLE = 22050, 44100


def _sample(model, latent, prompt: str, seed: int):
    pos, neg = encode_prompts(model, prompt)
    sigmas = sigmas_for(model, latent, 2)
    return sample(
        model, latent, pos, neg, sigmas=sigmas, seed=seed, video_guidance=NO_CFG, audio_guidance=NO_CFG
    )


@pytest.fixture(scope="module")
def clip(quick_model):
    return _sample(quick_model, empty_latent(quick_model, 64, 64, FRAMES, FPS), "a red ball bounces", 1)


@pytest.fixture(scope="module")
def media():
    frames = moving_frames(FRAMES, 64, 64)
    sound = tone(FRAMES / 24, RATE, channels=2)
    assert sound.shape[-1] == samples_for_frames(FRAMES, FPS, RATE)
    return frames, sound


def _retake_media(model, frames, sound, window=WINDOW, streams="both", rate=RATE):
    pos, neg = encode_prompts(model, "a glass shatters")
    return retake_media(
        model,
        frames,
        Waveform(sound[None], rate),
        FPS,
        pos,
        neg,
        window=window,
        streams=streams,
        options=SamplingOptions(seed=5, steps=2, video_guidance=NO_CFG, audio_guidance=NO_CFG),
    )


def test_the_latent_frames_overlapping_the_window_are_the_ones_generated(clip):
    masked = retake_latent(clip, WINDOW, "both")
    # latent frames cover pixel frames [0,1), [1,9), [9,17), [17,25), [25,33) at 24 fps
    assert masked.video_mask[0, 0, :, 0, 0].tolist() == [0, 0, 1, 1, 0]
    generated = masked.audio_mask[0, 0, :, 0].nonzero()[:, 0]
    # audio latent frame j > 0 covers [4j - 3, 4j + 1) mel frames of 10 ms
    assert generated.min().item() == 13 and generated.max().item() == 25


@pytest.mark.parametrize("streams", ["both", "sound", "picture"])
def test_a_retaken_latent_is_bit_exact_outside_the_window_and_new_inside(quick_model, clip, streams):
    masked = retake_latent(clip, WINDOW, streams)
    out = _sample(quick_model, masked, "a glass shatters", 7)
    assert out.video.shape == clip.video.shape and out.audio.shape == clip.audio.shape
    video_new = masked.video_mask.expand_as(clip.video).bool()
    audio_new = masked.audio_mask.expand_as(clip.audio).bool()
    assert torch.equal(out.video[~video_new], clip.video[~video_new])
    assert torch.equal(out.audio[~audio_new], clip.audio[~audio_new])
    assert video_new.any() == (streams != "sound") and audio_new.any() == (streams != "picture")
    if video_new.any():
        assert not torch.equal(out.video[video_new], clip.video[video_new])
    if audio_new.any():
        assert not torch.equal(out.audio[audio_new], clip.audio[audio_new])


def test_retakes_chain_each_with_its_own_window(quick_model, clip):
    first = _sample(quick_model, retake_latent(clip, TimeWindow(0.0, 0.3), "both"), "a blue ball", 2)
    second = retake_latent(first, TimeWindow(1.1, 1.375), "both")
    fresh = retake_latent(clip, TimeWindow(1.1, 1.375), "both")
    assert torch.equal(second.video_mask, fresh.video_mask) and torch.equal(
        second.audio_mask, fresh.audio_mask
    )
    assert second.video_mask[0, 0, :, 0, 0].tolist() == [0, 0, 0, 0, 1]


@pytest.mark.parametrize("streams", ["sound", "picture"])
def test_decoding_a_retaken_latent_leaves_the_stream_not_redone_as_it_was(quick_model, clip, streams):
    """The redone stream decodes differently beyond the window too (the decoders see neighbouring
    latent frames; Griffin-Lim reconstructs the whole sound at once): Retake Frames splices
    decoded frames and samples for exactness there. The stream not redone decodes the same."""
    out = _sample(quick_model, retake_latent(clip, WINDOW, streams), "a glass", 3)
    if streams == "sound":
        assert torch.equal(decode_video(quick_model, out), decode_video(quick_model, clip))
        assert not torch.equal(
            decode_audio(quick_model, out).samples, decode_audio(quick_model, clip).samples
        )
    else:
        assert torch.equal(decode_audio(quick_model, out).samples, decode_audio(quick_model, clip).samples)
        assert not torch.equal(decode_video(quick_model, out), decode_video(quick_model, clip))


def test_retaking_both_changes_only_the_window_and_keeps_every_length(quick_model, media):
    frames, sound = media
    out = _retake_media(quick_model, frames, sound)
    assert out.images.shape == frames.shape and out.images.dtype == frames.dtype
    assert out.sound.sample_rate == RATE and out.sound.samples.shape == (1, 2, sound.shape[-1])
    assert torch.equal(out.images[:FIRST], frames[:FIRST]) and torch.equal(out.images[LAST:], frames[LAST:])
    inner = out.images[FIRST + CROSSFADE_FRAMES : LAST - CROSSFADE_FRAMES]
    assert all(not torch.equal(a, b) for a, b in zip(inner, frames[FIRST + CROSSFADE_FRAMES :], strict=False))
    samples = out.sound.samples[0]
    assert torch.equal(samples[:, :FIRST_SAMPLE], sound[:, :FIRST_SAMPLE])
    assert torch.equal(samples[:, LAST_SAMPLE:], sound[:, LAST_SAMPLE:])
    assert not torch.equal(samples[:, FIRST_SAMPLE:LAST_SAMPLE], sound[:, FIRST_SAMPLE:LAST_SAMPLE])
    assert out.notes == ()


def test_the_fades_lie_just_inside_the_window(quick_model, media, monkeypatch):
    """With a silent black take decoded, the output is the original scaled by the fades' weights."""
    frames, sound = media
    silent_black_take = {
        "decode_video": lambda model, latent: torch.zeros(latent.pixel_frames, 64, 64, 3),
        "decode_audio": lambda model, latent: Waveform(torch.zeros(1, 1, 2 * sound.shape[-1]), RATE),
    }
    for name, decode in silent_black_take.items():
        monkeypatch.setattr(retake_stage, name, decode)
    out = _retake_media(quick_model, frames, sound)
    n = CROSSFADE_FRAMES
    rising = (torch.arange(n) + 0.5) / n
    kept = torch.cat([1 - rising, torch.zeros(LAST - FIRST - 2 * n), rising]).view(-1, 1, 1, 1)
    assert torch.allclose(out.images[FIRST:LAST], frames[FIRST:LAST] * kept)
    assert torch.equal(out.images[:FIRST], frames[:FIRST]) and torch.equal(out.images[LAST:], frames[LAST:])
    fade = samples_for_frames(n, FPS, RATE)
    theta = (torch.arange(fade) + 0.5) / fade * (math.pi / 2)
    inside = sound[:, FIRST_SAMPLE:LAST_SAMPLE]
    expected = torch.cat([inside[:, :fade] * torch.cos(theta), torch.zeros(2, inside.shape[1] - 2 * fade)], 1)
    expected = torch.cat([expected, inside[:, -fade:] * torch.sin(theta)], 1)
    assert torch.allclose(out.sound.samples[0, :, FIRST_SAMPLE:LAST_SAMPLE], expected, atol=1e-6)


def test_retaking_the_sound_keeps_every_frame_and_the_picture_every_sample(quick_model, media):
    frames, sound = media
    sound_only = _retake_media(quick_model, frames, sound, streams="sound")
    assert torch.equal(sound_only.images, frames)
    assert not torch.equal(sound_only.sound.samples[0], sound)
    picture_only = _retake_media(quick_model, frames, sound, streams="picture")
    assert torch.equal(picture_only.sound.samples[0], sound)
    assert not torch.equal(picture_only.images, frames)


def test_frames_and_sound_of_any_length_are_fitted_to_the_model_and_come_back_as_long(quick_model):
    frames, sound = moving_frames(20, 64, 64), tone(0.7, 16000)
    out = _retake_media(quick_model, frames, sound, window=TimeWindow(0.2, 0.5), rate=16000)
    assert out.images.shape[0] == 20 and out.sound.samples.shape == (1, 1, sound.shape[-1])
    assert any("20 frames were encoded as 25" in note for note in out.notes)
    assert any("the output keeps all 11200 samples" in note for note in out.notes)
    assert torch.equal(out.images[:5], frames[:5]) and torch.equal(out.images[12:], frames[12:])
    assert torch.equal(out.sound.samples[0, :, :3200], sound[:, :3200])
    assert torch.equal(out.sound.samples[0, :, 8000:], sound[:, 8000:])


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (0.5, 0.5, "must be after its start"),
        (1.0, 0.5, "must be after its start"),
        (math.nan, 1.0, "finite number"),
        (-0.2, 0.5, "before the clip begins"),
        (0.5, 1.5, r"ends after the clip does \(1.375 s\): choose an end of at most 1.375"),
        (1.4, 2.0, "ends after the clip does"),
    ],
)
def test_bad_windows_are_refused_before_any_work(quick_model, media, monkeypatch, start, end, message):
    frames, sound = media

    def no_work(*args, **kwargs):
        raise AssertionError("encoded a clip for a window that was refused")

    monkeypatch.setattr(retake_stage, "encode_media", no_work)
    with pytest.raises(ValueError, match=message):
        _retake_media(quick_model, frames, sound, window=TimeWindow(start, end))


def test_a_latent_window_outside_the_clip_is_refused(clip):
    with pytest.raises(ValueError, match="choose an end of at most 1.375"):
        retake_latent(clip, TimeWindow(1.0, 2.0), "sound")
    with pytest.raises(ValueError, match="sound, picture, both"):
        retake_latent(clip, WINDOW, "music")


def test_seam_figures_at_both_edges_of_a_retake(quick_model, media):
    """The extension issue's seam metrics at the window's edges. With random weights only a plumbing
    check: the figures are printed; the fades keep the sound's jumps at the edges within the clip's own."""
    frames, sound = media
    out = _retake_media(quick_model, frames, sound)
    report = seam_report(out.images, FPS, out.sound.samples, RATE, [FIRST, LAST])
    for row in report["seams"]:
        print(
            f"seam at frame {row['frame']}: picture {row['picture_ratio']:.2f}× the clip's median, "
            f"audio jump {row['audio_jump_over_p99']:.2f}× its 99th percentile, "
            f"flux percentile {row['flux_percentile']:.2f}"
        )
        assert math.isfinite(row["picture_ratio"]) and row["audio_jump_over_p99"] <= 1.0

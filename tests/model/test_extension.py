"""Extending clips with picture and sound, and joining clips: exact lengths, untouched pasts."""

from __future__ import annotations

from fractions import Fraction

import pytest
import torch

from talkies.model.media.audio_conform import samples_for_frames
from talkies.model.media.waveform import Waveform
from talkies.model.pipeline.decode import decode_audio, decode_video
from talkies.model.pipeline.empty_clip import empty_latent
from talkies.model.pipeline.extend import equal_power_crossfade, extend_latent, extend_media, plan_window
from talkies.model.pipeline.join import ClipPart, join_clips
from talkies.model.pipeline.sample import sample, sigmas_for
from talkies.model.pipeline.sampling_options import SamplingOptions
from talkies.model.pipeline.text_encode import encode_prompts
from talkies.model.sampling.guidance import Guidance

NO_CFG = Guidance()


def _quick(**options) -> SamplingOptions:
    return SamplingOptions(video_guidance=NO_CFG, audio_guidance=NO_CFG, **options)


@pytest.fixture(scope="module")
def first_clip(quick_model):
    latent = empty_latent(quick_model, 128, 128, 17, Fraction(24))
    pos, neg = encode_prompts(quick_model, "a red ball bounces on a wooden floor")
    out = sample(
        quick_model,
        latent,
        pos,
        neg,
        sigmas=sigmas_for(quick_model, latent, 2),
        seed=1,
        video_guidance=NO_CFG,
        audio_guidance=NO_CFG,
    )
    return out, pos, neg


def test_window_covers_the_tail_in_both_streams(quick_model):
    latent = empty_latent(quick_model, 128, 128, 49, Fraction(24))
    w = plan_window(latent, seconds=1.0, overlap=2)
    assert (w.video_from, w.new_video) == (5, 3)
    assert w.new_audio == round(73 / 24 * 25) - 51
    tail_start = (8 * 5 - 7) / 24  # seconds where the video tail begins
    audio_start = (4 * w.audio_from - 3) / 100
    assert audio_start <= tail_start < audio_start + 0.04


def test_extension_keeps_the_past_and_sums_exactly(quick_model, first_clip):
    clip, pos, neg = first_clip
    longer = clip
    for i in range(3):
        longer = extend_latent(
            quick_model,
            longer,
            pos,
            neg,
            seconds=1.0,
            overlap=1,
            options=_quick(seed=10 + i, steps=2),
        )
    assert longer.pixel_frames == 17 + 3 * 24
    assert longer.audio.shape[2] == round(Fraction(longer.pixel_frames, 24) * 25)
    assert torch.equal(longer.video[:, :, : clip.video.shape[2]], clip.video)
    assert torch.equal(longer.audio[:, :, : clip.audio.shape[2] - 1], clip.audio[:, :, :-1])
    images = decode_video(quick_model, longer)
    sound = decode_audio(quick_model, longer)
    assert images.shape[0] == 89
    assert sound.num_samples == samples_for_frames(89, Fraction(24), sound.sample_rate)


def test_media_from_anywhere_is_extended_sample_exactly(quick_model, first_clip):
    clip, pos, neg = first_clip
    images = decode_video(quick_model, clip)
    t = torch.arange(samples_for_frames(17, Fraction(24), 44100)) / 44100
    stereo = torch.stack([torch.sin(2 * torch.pi * 440 * t), torch.sin(2 * torch.pi * 660 * t)])[None] * 0.3
    out_images, out_audio = extend_media(
        quick_model,
        images,
        Waveform(stereo, 44100),
        Fraction(24),
        pos,
        neg,
        seconds=0.6,
        overlap=1,
        options=_quick(seed=3, steps=2),
    )
    assert out_images.shape[0] == 17 + 16
    assert torch.equal(out_images[:17], images)
    assert out_audio.sample_rate == 44100 and out_audio.samples.shape[1] == 2
    assert out_audio.num_samples == samples_for_frames(33, Fraction(24), 44100)
    untouched = samples_for_frames(17 - 9, Fraction(24), 44100)
    assert torch.equal(out_audio.samples[..., :untouched], stereo[..., :untouched])


def test_bad_extensions_are_refused(quick_model, first_clip):
    clip, pos, neg = first_clip
    with pytest.raises(ValueError, match="positive length"):
        extend_latent(quick_model, clip, pos, neg, seconds=0, options=_quick())
    with pytest.raises(ValueError, match="positive length"):
        extend_latent(quick_model, clip, pos, neg, seconds=-2, options=_quick())
    odd = torch.zeros(9, 100, 128, 3)
    with pytest.raises(ValueError, match="resize it to 128×96"):
        extend_media(
            quick_model,
            odd,
            Waveform(torch.zeros(1, 1, 6000), 16000),
            Fraction(24),
            pos,
            neg,
            seconds=1,
            options=_quick(),
        )


def test_equal_power_crossfade_keeps_power():
    a, b = torch.ones(1000), torch.ones(1000)
    mixed = equal_power_crossfade(a, b)
    assert torch.allclose(mixed[[0, -1]], torch.tensor([1.0, 1.0]), atol=2e-3)
    assert float(mixed.max()) == pytest.approx(2**0.5, abs=1e-3)  # uncorrelated halves would sum to power 1


def test_join_is_sample_exact_across_rates_and_layouts():
    fps = Fraction(24000, 1001)
    parts = [
        ClipPart(torch.rand(25, 64, 64, 3), Waveform(torch.rand(1, 1, 17000) - 0.5, 16000), fps),
        ClipPart(torch.rand(17, 64, 64, 3), Waveform(torch.rand(1, 2, 30000) - 0.5, 44100), fps),
        ClipPart(torch.rand(33, 64, 64, 3), Waveform(torch.rand(1, 2, 80000) - 0.5, 48000), fps),
    ]
    joined = join_clips(parts)
    assert joined.images.shape[0] == 75
    assert joined.audio.sample_rate == 16000 and joined.audio.samples.shape[1] == 2
    assert joined.audio.num_samples == samples_for_frames(75, fps, 16000)
    first = samples_for_frames(25, fps, 16000)
    assert torch.allclose(
        joined.audio.samples[0, 0, : first - 40], parts[0].audio.samples[0, 0, : first - 40]
    )
    with pytest.raises(ValueError, match="runs at 25 fps"):
        join_clips([parts[0], ClipPart(parts[1].images, parts[1].audio, Fraction(25))])
    with pytest.raises(ValueError, match="resize one"):
        join_clips([parts[0], ClipPart(torch.rand(9, 32, 64, 3), parts[1].audio, fps)])


def test_the_shipped_chain_of_extensions_writes_exact_durations(tmp_path, capsys):
    """A clip extended three times (a 4-part chain), as workflows/extend-a-clip-three-times ships it:
    video duration = audio duration = the sum asked for, to one AAC frame, checked by decoding."""
    from pathlib import Path

    from talkies.__main__ import main
    from talkies.model.media.mp4 import read_clip

    from tiny_checkpoint import shared_tiny_checkpoint

    workflow = (
        Path(__file__).resolve().parents[2] / "workflows" / "api" / "extend-a-clip-three-times.api.json"
    )
    settings = {
        "1.ckpt_name": shared_tiny_checkpoint(),
        "3.width": 64,
        "3.height": 64,
        "3.length": 9,
        "3.unit": "frames",
        "6.seconds": 1.0,
        "7.seconds": 0.34,
        "8.seconds": 1.0,
    }
    args = ["run", str(workflow), "--output-dir", str(tmp_path)]
    args += [a for k, v in settings.items() for a in ("--set", f"{k}={v}")]
    assert main(args) == 0
    clip = read_clip(Path(capsys.readouterr().out.split()[0]))
    frames = 9 + 24 + 8 + 24  # 0.34 s rounds to one 8-frame step
    video, sound = ({s.kind: s for s in clip.streams}[k] for k in ("video", "audio"))
    assert clip.frames.shape[0] == frames
    assert abs(float(video.duration) - frames / 24) < 1e-6
    assert abs(clip.waveform.shape[-1] / clip.sample_rate - frames / 24) <= 1024 / clip.sample_rate
    assert sound.start_time == 0 and video.start_time == 0

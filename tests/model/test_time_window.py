"""Retake windows and held streams: which latent frames are generated, what stays bit-exact, and
that a stream held clean costs no guidance passes of its own."""

import math

import pytest
import torch

from talkies.model.sampling.av_latent import AVLatent
from talkies.model.sampling.compression import LTX2_COMPRESSION
from talkies.model.sampling.denoise import sample_clip
from talkies.model.sampling.guidance import Guidance
from talkies.model.sampling.schedule import ltx2_sigmas
from talkies.model.sampling.time_window import (
    TimeWindow,
    audio_frame_seconds,
    keep_stream,
    retake_window,
    video_frame_seconds,
)
from talkies.model.text.conditioner import PromptEmbedding

from tiny_av import tiny_transformer

FPS = 24


def _clip(frames: int = 4, audio_frames: int = 26, batch: int = 1) -> AVLatent:
    g = torch.Generator().manual_seed(0)
    return AVLatent(
        video=torch.randn(batch, 16, frames, 2, 2, generator=g),
        audio=torch.randn(batch, 8, audio_frames, 2, generator=g),
        fps=FPS,
        compression=LTX2_COMPRESSION,
    )


def test_latent_frames_cover_their_pixel_frames_and_mel_frames_in_seconds():
    video = video_frame_seconds(_clip())
    expected = torch.tensor([[0, 1], [1, 9], [9, 17], [17, 25]]) / 24
    assert torch.allclose(video, expected)
    audio = audio_frame_seconds(_clip())
    assert audio[0].tolist() == pytest.approx([0.0, 0.01])  # the causal first frame: one mel frame
    assert audio[1].tolist() == pytest.approx([0.01, 0.05])


def test_a_window_generates_the_frames_it_overlaps_and_keeps_the_rest():
    clip = retake_window(_clip(), TimeWindow(0.4, 0.5), "both")
    assert clip.video_mask[0, 0, :, 0, 0].tolist() == [0, 0, 1, 0]
    audio = clip.audio_mask[0, 0, :, 0]
    spans = audio_frame_seconds(_clip())
    assert torch.equal(audio.bool(), (spans[:, 1] > 0.4) & (spans[:, 0] < 0.5))
    sound_only = retake_window(_clip(), TimeWindow(0.4, 0.5), "sound")
    assert not sound_only.video_mask.any() and torch.equal(sound_only.audio_mask, clip.audio_mask)
    picture_only = retake_window(_clip(), TimeWindow(0.4, 0.5), "picture")
    assert not picture_only.audio_mask.any() and torch.equal(picture_only.video_mask, clip.video_mask)


def test_a_pinned_frame_stays_pinned_inside_a_window():
    clip = _clip()
    pinned = torch.ones(1, 1, 4, 2, 2)
    pinned[:, :, 2] = 0
    out = retake_window(AVLatent(**{**clip.__dict__, "video_mask": pinned}), TimeWindow(0.0, 9.0), "picture")
    assert out.video_mask[0, 0, :, 0, 0].tolist() == [1, 1, 0, 1]


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (0.5, 0.5, "must be after its start"),
        (0.6, 0.2, "must be after its start"),
        (-0.1, 0.2, "before the clip begins"),
        (math.nan, 0.2, "finite number"),
        (0.0, math.inf, "finite number"),
        (1.2, 2.0, "starts after the clip ends"),
    ],
)
def test_bad_windows_are_refused_with_what_to_do(start, end, message):
    with pytest.raises(ValueError, match=message):
        retake_window(_clip(), TimeWindow(start, end), "both")


def test_unknown_streams_are_refused():
    with pytest.raises(ValueError, match="sound, picture, both"):
        retake_window(_clip(), TimeWindow(0.0, 0.5), "music")
    with pytest.raises(ValueError, match="'picture' or 'sound'"):
        keep_stream(_clip(), "both")


class _CountingModel(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model, self.calls = model, 0

    @property
    def cfg(self):
        return self.model.cfg

    @property
    def dtype(self):
        return self.model.dtype

    def forward(self, *args, **kwargs):
        self.calls += 1
        return self.model(*args, **kwargs)


def _prompt(batch: int = 1) -> PromptEmbedding:
    g = torch.Generator().manual_seed(2)
    return PromptEmbedding(
        torch.randn(batch, 4, 32, generator=g),
        torch.randn(batch, 4, 16, generator=g),
        torch.ones(batch, 4, dtype=bool),
    )


@pytest.mark.parametrize("held", ["sound", "picture"])
def test_a_held_stream_stays_bit_exact_and_its_guidance_passes_do_not_run(held):
    model = _CountingModel(tiny_transformer(seed=3))
    clip = _clip(frames=2, audio_frames=10)
    clip = AVLatent(**{**clip.__dict__, "video": clip.video[:, :16], "audio": clip.audio[:, :, :, :2]})
    guided = Guidance(cfg=3.0, stg=1.0, stg_blocks=(1,), modality=3.0)
    plain = Guidance()
    # The generated stream needs no guidance; the held one asks for all of it.
    video_guidance, audio_guidance = (guided, plain) if held == "picture" else (plain, guided)
    steps = 3
    out = sample_clip(
        model,
        keep_stream(clip, held),
        _prompt(),
        _prompt(),
        ltx2_sigmas(steps),
        seed=5,
        video_guidance=video_guidance,
        audio_guidance=audio_guidance,
        batch_passes=False,
    )
    assert model.calls == steps, "one conditional pass a step: the held stream's guidance is dropped"
    kept, made = (out.video, out.audio) if held == "picture" else (out.audio, out.video)
    given, noise = (clip.video, clip.audio) if held == "picture" else (clip.audio, clip.video)
    assert torch.equal(kept, given)
    assert not torch.allclose(made, noise)

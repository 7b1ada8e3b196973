"""MP4 clips written by write_clip, checked by demuxing and decoding them with PyAV."""

from __future__ import annotations

import json
import logging
from fractions import Fraction

import av
import pytest
import torch

from talkies.model.media.fps import as_fps
from talkies.model.media.mp4 import probe_clip, read_clip, write_clip

from media_samples import audio, moving_frames, tone, top_level_boxes

AAC_FRAME = 1024


@pytest.fixture(scope="module")
def stereo_clip(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clip")
    frames = moving_frames(25)
    sound = audio(tone(1.2, 48000, channels=2), 48000)
    path = write_clip(folder, frames, 25, sound, metadata={"prompt": {"3": {"seed": 7}}})
    return path, frames


def test_streams_are_h264_high_yuv420p_and_aac_lc_48k_stereo(stereo_clip):
    path, _ = stereo_clip
    with av.open(str(path)) as container:
        assert container.format.name.startswith("mov,mp4")
        video, sound = container.streams.video[0], container.streams.audio[0]
        assert (video.codec_context.name, video.codec_context.profile) == ("h264", "High")
        assert video.codec_context.pix_fmt == "yuv420p"
        assert (sound.codec_context.name, sound.codec_context.profile) == ("aac", "LC")
        assert sound.codec_context.sample_rate == 48000
        assert sound.codec_context.layout.name == "stereo"


def test_index_is_at_the_front_for_streaming(stereo_clip):
    boxes = top_level_boxes(stereo_clip[0])
    assert boxes[0] == "ftyp"
    assert boxes.index("moov") < boxes.index("mdat")


def test_frame_count_start_times_and_durations(stereo_clip):
    path, frames = stereo_clip
    info = probe_clip(path)
    video, sound = info.first("video"), info.first("audio")
    assert video.frames == 25 and video.fps == 25
    assert video.start_time == 0 and sound.start_time == 0
    assert video.duration == pytest.approx(1.0)
    assert sound.samples == 48000  # 1.2 s of input trimmed to the 25 frames at 25 fps

    clip = read_clip(path)
    assert clip.frames.shape == (25, 64, 64, 3) and clip.frames.dtype == torch.uint8
    decoded_video = clip.frames.shape[0] / clip.fps
    decoded_audio = Fraction(clip.waveform.shape[1], clip.sample_rate)
    assert abs(decoded_video - decoded_audio) <= Fraction(AAC_FRAME, clip.sample_rate)
    assert decoded_audio <= decoded_video


def test_picture_survives_the_round_trip(stereo_clip):
    path, frames = stereo_clip
    decoded = read_clip(path).frames.float() / 255
    assert (decoded - frames).abs().mean() < 0.02
    # Away from the moving bar's sharp edges (it is left of column 24 in frames 0-5), every
    # pixel comes back close: a wrong colour matrix or range would shift them all.
    assert (decoded[:6, :, 30:] - frames[:6, :, 30:]).abs().max() < 0.04


def test_ntsc_rate_is_kept_exactly(tmp_path):
    fps = Fraction(24000, 1001)
    sound = audio(tone(1.0, 48000), 48000)
    path = write_clip(tmp_path / "ntsc.mp4", moving_frames(25), fps, sound)
    info = probe_clip(path)
    video, stream = info.first("video"), info.first("audio")
    assert video.fps == fps and video.frames == 25
    assert Fraction(video.duration).limit_denominator(24000) == 25 / fps
    assert stream.samples == round(25 / fps * 48000) == 50050
    clip = read_clip(path)
    assert clip.fps == fps and clip.frames.shape[0] == 25 and clip.waveform.shape[1] == 50050


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (24000 / 1001, Fraction(24000, 1001)),
        (23.976, Fraction(24000, 1001)),
        (23.98, Fraction(24000, 1001)),
        (29.97, Fraction(30000, 1001)),
        (25.0, Fraction(25)),
        (24, Fraction(24)),
        (12.5, Fraction(25, 2)),
        (Fraction(60000, 1001), Fraction(60000, 1001)),
    ],
)
def test_frame_rates_become_exact_fractions(value, expected):
    assert as_fps(value) == expected


@pytest.mark.parametrize("value", [0, -24, float("nan"), 1000, "24", True])
def test_bad_frame_rates_are_refused(value):
    with pytest.raises(ValueError, match="fps"):
        as_fps(value)


def test_ten_bit_is_high10_yuv420p10le(tmp_path):
    frames = moving_frames(9)
    path = write_clip(tmp_path / "deep.mp4", frames, 24, ten_bit=True)
    video = probe_clip(path).first("video")
    assert (video.codec, video.profile, video.pix_fmt) == ("h264", "High 10", "yuv420p10le")
    assert probe_clip(path).first("audio") is None
    decoded = read_clip(path)
    assert decoded.waveform is None and decoded.frames.shape[0] == 9
    assert (decoded.frames.float() / 255 - frames).abs().mean() < 0.02


def test_uint8_frames_are_accepted(tmp_path):
    frames = (moving_frames(5) * 255).round().to(torch.uint8)
    clip = read_clip(write_clip(tmp_path / "bytes.mp4", frames, 25))
    assert (clip.frames.float() - frames.float()).abs().mean() < 5


def test_odd_sizes_are_padded_by_repeating_the_edge(tmp_path, caplog):
    frames = moving_frames(5, height=63, width=65)
    with caplog.at_level(logging.INFO, logger="talkies.model.media.mp4"):
        path = write_clip(tmp_path / "odd.mp4", frames, 25)
    assert "65x63" in caplog.text
    decoded = read_clip(path).frames.float() / 255
    assert decoded.shape == (5, 64, 66, 3)
    assert (decoded[:, :63, :65] - frames).abs().mean() < 0.03
    assert (decoded[:, 63, :65] - frames[:, 62]).abs().mean() < 0.03
    assert (decoded[:, :63, 65] - frames[:, :, 64]).abs().mean() < 0.03


def test_comfyui_metadata_round_trips(tmp_path):
    prompt = {"3": {"class_type": "KSampler", "inputs": {"seed": 42, "cfg": 3.5}}}
    workflow = {"nodes": [{"id": 3, "type": "KSampler"}], "links": [], "version": 0.4}
    path = write_clip(
        tmp_path / "meta.mp4",
        moving_frames(3),
        25,
        metadata={"prompt": prompt, "workflow": workflow, "note": "plain text"},
    )
    with av.open(str(path)) as container:  # the container's own tags, as ComfyUI reads them
        assert json.loads(container.metadata["prompt"]) == prompt
    tags = probe_clip(path).metadata
    assert json.loads(tags["prompt"]) == prompt
    assert json.loads(tags["workflow"]) == workflow
    assert tags["note"] == "plain text"
    assert read_clip(path).metadata["workflow"] == tags["workflow"]


def test_missing_or_broken_files_are_reported_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="no clip at"):
        probe_clip(tmp_path / "absent.mp4")
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(64))
    with pytest.raises(ValueError, match="not a readable media file"):
        read_clip(broken)

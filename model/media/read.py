"""Reading clips back: stream facts from the headers, decoded frames and sound, delivery figures."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import torch

from .loudness import integrated_loudness, true_peak_dbtp
from .waveform import Waveform


@dataclass(kw_only=True, frozen=True)
class StreamInfo:
    """One stream of a container as its headers describe it. Times are in seconds."""

    index: int
    kind: str
    codec: str
    profile: str | None
    duration: float | None
    start_time: float | None
    frames: int | None = None
    samples: int | None = None
    fps: Fraction | None = None
    width: int | None = None
    height: int | None = None
    pix_fmt: str | None = None
    sample_rate: int | None = None
    channels: int | None = None
    layout: str | None = None


@dataclass(frozen=True)
class ClipInfo:
    path: Path
    streams: list[StreamInfo]
    metadata: dict[str, str]

    def first(self, kind: str) -> StreamInfo | None:
        return next((s for s in self.streams if s.kind == kind), None)


@dataclass(kw_only=True)
class Clip:
    """A decoded clip: frames (F,H,W,3) uint8, fps, audio (C,T) float32 trimmed to its stream length."""

    frames: torch.Tensor
    fps: Fraction | None
    waveform: torch.Tensor | None
    sample_rate: int | None
    streams: list[StreamInfo] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)

    def images(self) -> torch.Tensor:
        """The frames as an IMAGE batch (F, H, W, 3), float 0..1."""
        return self.frames.float() / 255.0

    def sound(self) -> Waveform | None:
        """The sound as a one-clip batch (1, C, T) at its own rate; None when the file has none."""
        return None if self.waveform is None else Waveform(self.waveform[None], self.sample_rate)


def _seconds(ticks: int | None, time_base: Fraction | None) -> Fraction | None:
    if ticks is None or time_base is None:
        return None
    return ticks * time_base


def _stream_info(stream: av.stream.Stream) -> StreamInfo:
    context = stream.codec_context
    duration = _seconds(stream.duration, stream.time_base)
    start = _seconds(stream.start_time, stream.time_base)
    common = dict(
        index=stream.index,
        kind=stream.type,
        codec=context.name,
        profile=context.profile,
        duration=None if duration is None else float(duration),
        start_time=None if start is None else float(start),
    )
    if stream.type == "video":
        rate = stream.average_rate or stream.guessed_rate
        return StreamInfo(
            **common,
            frames=stream.frames or None,
            fps=None if rate is None else Fraction(rate),
            width=context.width,
            height=context.height,
            pix_fmt=context.pix_fmt,
        )
    if stream.type == "audio":
        return StreamInfo(
            **common,
            samples=None if duration is None else round(duration * context.sample_rate),
            sample_rate=context.sample_rate,
            channels=context.channels,
            layout=context.layout.name,
        )
    return StreamInfo(**common)


def _open(path: str | os.PathLike) -> av.container.InputContainer:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no clip at {path}; check the path")
    try:
        return av.open(str(path))
    except av.FFmpegError as exc:
        raise ValueError(f"{path.name} is not a readable media file ({exc})") from exc


def probe_clip(path: str | os.PathLike) -> ClipInfo:
    """Streams and container tags, read from the headers without decoding."""
    with _open(path) as container:
        return ClipInfo(Path(path), [_stream_info(s) for s in container.streams], dict(container.metadata))


def _decode_audio(container: av.container.InputContainer, info: StreamInfo) -> torch.Tensor:
    stream = container.streams[info.index]
    to_float = av.AudioResampler(format="fltp", layout=stream.codec_context.layout, rate=info.sample_rate)
    blocks = []
    for frame in container.decode(stream):
        for converted in to_float.resample(frame):
            blocks.append(converted.to_ndarray())
    for converted in to_float.resample(None):
        blocks.append(converted.to_ndarray())
    if not blocks:
        return torch.zeros(info.channels or 1, 0)
    waveform = torch.from_numpy(np.concatenate(blocks, axis=1)).float()
    # Decoders hand out whole codec frames; the stream's own duration says where the sound ends.
    return waveform[:, : info.samples] if info.samples is not None else waveform


def _decode_video(container: av.container.InputContainer, info: StreamInfo) -> torch.Tensor:
    pictures = [frame.to_ndarray(format="rgb24") for frame in container.decode(container.streams[info.index])]
    if not pictures:
        return torch.zeros(0, info.height or 0, info.width or 0, 3, dtype=torch.uint8)
    return torch.from_numpy(np.stack(pictures))


def read_clip(path: str | os.PathLike, *, pictures: bool = True) -> Clip:
    """Decode the first video and first audio stream of a media file (``pictures=False``: the
    sound only; frames is then empty)."""
    info = probe_clip(path)
    video, sound = info.first("video"), info.first("audio")
    frames, waveform = torch.zeros(0, 0, 0, 3, dtype=torch.uint8), None
    if video is not None and pictures:
        with _open(path) as container:
            frames = _decode_video(container, video)
    if sound is not None:
        with _open(path) as container:
            waveform = _decode_audio(container, sound)
    return Clip(
        frames=frames,
        fps=None if video is None else video.fps,
        waveform=waveform,
        sample_rate=None if sound is None else sound.sample_rate,
        streams=info.streams,
        metadata=info.metadata,
    )


def delivery_report(path: str | os.PathLike) -> dict:
    """Delivery figures of a clip, from its headers and its decoded sound.

    Keys: video_duration, video_start, video_frames, audio_duration, audio_start,
    audio_samples (times in seconds), duration_difference (|video - audio| seconds),
    integrated_lufs (-inf for silence, nan under 0.4 s) and true_peak_dbtp (4x oversampled).
    Values a clip has no stream for are None.
    """
    info = probe_clip(path)
    video, sound = info.first("video"), info.first("audio")
    report: dict = {
        "video_duration": None if video is None else video.duration,
        "video_start": None if video is None else video.start_time,
        "video_frames": None if video is None else video.frames,
        "audio_duration": None if sound is None else sound.duration,
        "audio_start": None if sound is None else sound.start_time,
        "audio_samples": None if sound is None else sound.samples,
        "integrated_lufs": None,
        "true_peak_dbtp": None,
        "duration_difference": None,
    }
    if video is not None and sound is not None and None not in (video.duration, sound.duration):
        report["duration_difference"] = abs(video.duration - sound.duration)
    if sound is not None:
        with _open(path) as container:
            waveform = _decode_audio(container, sound)
        report["integrated_lufs"] = integrated_loudness(waveform, sound.sample_rate)
        report["true_peak_dbtp"] = true_peak_dbtp(waveform, sound.sample_rate)
    return report

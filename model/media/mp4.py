"""Writing the MP4 clips people post, and reading them back.

A clip is H.264 (High, yuv420p or High 10 yuv420p10le, BT.709 limited range) plus AAC-LC,
with the index (moov) at the front so it streams, and ComfyUI's workflow/prompt JSON in
the container tags. The audio is conformed to exactly as many samples as the frames last,
so both streams start at 0 and end together: the encoder's 1024 priming samples are hidden
by the MP4 edit list, and the movie timescale is chosen so the edit list can state the
audio length to the sample.
"""

from __future__ import annotations

import json
import logging
import math
import numbers
import os
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import torch
from av.video.reformatter import ColorRange, Colorspace, Interpolation

from . import aac
from .audio_conform import audio_waveform, conform_audio, samples_for_frames
from .delivery import DEFAULT_LOUDNESS_LUFS, Delivery, check_target, deliver
from .destination import EXTENSION, Destination, check_destination, destination_for
from .envelope import waveform_envelope
from .fps import as_fps
from .loudness import normalize_loudness
from .output_files import (
    next_counter,
    numbered_name,
    publish,
    publish_numbered,
    temporary_file,
    writable_folder,
)
from .read import Clip, ClipInfo, StreamInfo, delivery_report, probe_clip, read_clip

__all__ = [
    "Clip",
    "ClipInfo",
    "Delivery",
    "StreamInfo",
    "delivery_report",
    "normalize_loudness",
    "probe_clip",
    "read_clip",
    "waveform_envelope",
    "write_clip",
]

log = logging.getLogger(__name__)

_BT709 = 1
_LIMITED_RANGE = 1
_MAX_MOVIE_TIMESCALE = 10_000_000


def _check_frames(frames: torch.Tensor) -> torch.Tensor:
    frames = torch.as_tensor(frames)
    if frames.dim() == 3:
        frames = frames.unsqueeze(0)
    if frames.dim() != 4 or frames.shape[-1] != 3:
        rgba = frames.dim() == 4 and frames.shape[-1] == 4
        hint = " (drop the alpha channel: frames[..., :3])" if rgba else ""
        raise ValueError(f"frames must be an IMAGE tensor (F,H,W,3), got shape {tuple(frames.shape)}{hint}")
    if frames.shape[0] == 0 or frames.shape[1] == 0 or frames.shape[2] == 0:
        raise ValueError(f"frames are empty (shape {tuple(frames.shape)}); nothing to save")
    if frames.dtype != torch.uint8 and not frames.is_floating_point():
        raise ValueError(f"frames must be float 0..1 or uint8, got {frames.dtype}")
    if frames.is_floating_point() and not bool(torch.isfinite(frames).all()):
        raise ValueError("frames contain NaN or infinite values; check the decode that made them")
    return frames


def _frame_pixels(frame: torch.Tensor, ten_bit: bool, pad_h: int, pad_w: int) -> av.VideoFrame:
    """One (H,W,3) frame as an RGB VideoFrame (8 or 16 bits), padded by repeating its edges."""
    if frame.dtype == torch.uint8:
        rgb = frame.to(torch.int32) * 257 if ten_bit else frame
    else:
        top = 65535 if ten_bit else 255
        rgb = (frame.detach().float().clamp(0, 1) * top).round().to(torch.int32 if ten_bit else torch.uint8)
    pixels = rgb.cpu().numpy()
    if pad_h or pad_w:
        pixels = np.pad(pixels, ((0, pad_h), (0, pad_w), (0, 0)), mode="edge")
    if ten_bit:
        return av.VideoFrame.from_ndarray(np.ascontiguousarray(pixels.astype(np.uint16)), format="rgb48le")
    return av.VideoFrame.from_ndarray(np.ascontiguousarray(pixels), format="rgb24")


def _movie_timescale(fps: Fraction, audio_rate: int | None) -> int:
    """A timescale in which the video and audio lengths are both whole numbers of ticks."""
    if audio_rate is None:
        return fps.numerator
    both = math.lcm(audio_rate, fps.numerator)
    return both if both <= _MAX_MOVIE_TIMESCALE else audio_rate


def _prepare_audio(
    audio: Mapping, frames: int, fps: Fraction, rate: int, channels: int, loudness: float | None
) -> tuple[torch.Tensor, Delivery]:
    waveform, source_rate = audio_waveform(audio)
    out = conform_audio(waveform, source_rate, rate, channels, samples_for_frames(frames, fps, rate))
    return deliver(out, rate, loudness)


def _check_options(crf: int, audio_rate: int, channels: int, loudness: float | None) -> None:
    if isinstance(crf, bool) or not isinstance(crf, numbers.Integral) or not 1 <= crf <= 51:
        raise ValueError(f"crf must be a whole number from 1 (best) to 51 (smallest); got {crf!r}")
    if audio_rate not in aac.RATES:
        raise ValueError(
            f"audio_rate {audio_rate} is not an AAC rate; use one of {aac.RATES} (48000 is usual)"
        )
    if channels not in aac.LAYOUTS:
        raise ValueError(f"channels must be 1 (mono), 2 (stereo) or 6 (5.1), got {channels!r}")
    check_target(loudness)


def _add_video_stream(
    container: av.container.OutputContainer, width: int, height: int, fps: Fraction, crf: int, ten_bit: bool
) -> av.VideoStream:
    video = container.add_stream("libx264", rate=fps)
    video.width, video.height = width, height
    video.pix_fmt = "yuv420p10le" if ten_bit else "yuv420p"
    video.options = {"crf": str(crf), "profile": "high10" if ten_bit else "high"}
    context = video.codec_context
    context.time_base = 1 / fps
    context.colorspace = context.color_primaries = context.color_trc = _BT709
    context.color_range = _LIMITED_RANGE
    return video


def _add_audio_stream(container: av.container.OutputContainer, rate: int, channels: int) -> av.AudioStream:
    sound = container.add_stream("aac", rate=rate, layout=aac.LAYOUTS[channels])
    sound.codec_context.time_base = Fraction(1, rate)
    sound.codec_context.bit_rate = aac.bit_rate(channels)
    return sound


def _picture(frame: torch.Tensor, pix_fmt: str, pad_h: int, pad_w: int, index: int) -> av.VideoFrame:
    """One frame converted to BT.709 limited-range YUV, stamped with its frame number."""
    picture = _frame_pixels(frame, pix_fmt != "yuv420p", pad_h, pad_w).reformat(
        format=pix_fmt,
        src_colorspace=Colorspace.ITU709,
        dst_colorspace=Colorspace.ITU709,
        dst_color_range=ColorRange.MPEG,
        interpolation=Interpolation.BILINEAR | Interpolation.ACCURATE_RND,
    )
    picture.pts = index
    return picture


def _encode(
    path: Path,
    frames: torch.Tensor,
    fps: Fraction,
    waveform: torch.Tensor | None,
    audio_rate: int,
    crf: int,
    ten_bit: bool,
    metadata: Mapping[str, object] | None,
) -> None:
    count, height, width = frames.shape[0], frames.shape[1], frames.shape[2]
    pad_h, pad_w = height % 2, width % 2
    if pad_h or pad_w:
        log.info(
            "frames are %dx%d; repeating the last column/row to make %dx%d for yuv420p",
            width,
            height,
            width + pad_w,
            height + pad_h,
        )
    options = {
        "movflags": "+faststart+use_metadata_tags",
        "movie_timescale": str(_movie_timescale(fps, audio_rate if waveform is not None else None)),
    }
    container = av.open(str(path), mode="w", format="mp4", options=options)
    try:
        for key, value in (metadata or {}).items():
            container.metadata[str(key)] = value if isinstance(value, str) else json.dumps(value)
        video = _add_video_stream(container, width + pad_w, height + pad_h, fps, crf, ten_bit)
        sound = None if waveform is None else _add_audio_stream(container, audio_rate, waveform.shape[0])
        samples = None if waveform is None else waveform.numpy()
        sent = 0
        for index in range(count):
            container.mux(video.encode(_picture(frames[index], video.pix_fmt, pad_h, pad_w, index)))
            if sound is not None:
                # Feed the audio that plays during this frame, so the file interleaves in time.
                until = samples_for_frames(index + 1, fps, audio_rate)
                for block in aac.audio_blocks(samples, audio_rate, sent, until):
                    container.mux(sound.encode(block))
                sent = until
        container.mux(video.encode(None))
        if sound is not None:
            container.mux(sound.encode(None))
    except BaseException:
        try:
            container.close()
        except Exception:  # the original failure is the one worth reporting
            log.debug("closing the unfinished clip failed too", exc_info=True)
        raise
    container.close()


def write_clip(
    target: str | os.PathLike | Destination,
    frames: torch.Tensor,
    fps: int | float | Fraction,
    audio: Mapping | None = None,
    *,
    prefix: str = "talkies",
    crf: int = 19,
    ten_bit: bool = False,
    audio_rate: int = 48000,
    channels: int = 2,
    loudness: float | None = DEFAULT_LOUDNESS_LUFS,
    metadata: Mapping[str, object] | None = None,
) -> Path:
    """Save frames (and audio) as an MP4 and return its path.

    ``target`` is a :class:`Destination`, or a path read by :func:`destination_for`: a file
    path ending in .mp4 (it must not exist) or a folder (one that exists, or written with a
    trailing /), in which the next free ``{prefix}_NNNNN_.mp4`` is used (``prefix`` may name a
    subfolder, as in ComfyUI); the destination is checked before any work. ``frames`` is an
    IMAGE tensor (F,H,W,3) float 0..1 or uint8; odd sizes are padded to even by repeating the
    last row/column. ``audio`` is an AUDIO dict at any rate and channel count; it is remixed
    to ``channels``, resampled to ``audio_rate``, and padded or trimmed to exactly as long as
    the frames. ``loudness`` normalises to that many LUFS (None: level kept), with a -1 dBTP
    true-peak ceiling held after AAC decoding either way (``delivery.py``); the MP4's tags
    record the target and the measured loudness and peak. ``metadata`` values are stored as
    container tags (non-strings as JSON), as ComfyUI stores "prompt" and "workflow". Nothing
    is left behind if the save fails or is interrupted.
    """
    frames = _check_frames(frames)
    rate = as_fps(fps)
    _check_options(crf, audio_rate, channels, loudness)
    destination = check_destination(destination_for(target, prefix))
    folder, exact, stem = destination.folder, destination.file, destination.stem
    waveform, tags = None, dict(metadata or {})
    if audio is not None:
        waveform, delivery = _prepare_audio(audio, frames.shape[0], rate, audio_rate, channels, loudness)
        tags.update(delivery.tags())
    writable_folder(folder)
    with temporary_file(folder, f".{EXTENSION}") as partial:
        _encode(partial, frames, rate, waveform, audio_rate, crf, ten_bit, tags)
        if exact is not None:
            saved = publish(partial, exact)
        else:
            first = next_counter(folder, stem, EXTENSION)
            saved = publish_numbered(partial, lambda n: numbered_name(stem, n, EXTENSION), first)
    log.info(
        "saved %s (%d frames at %s fps%s)",
        saved,
        frames.shape[0],
        rate,
        "" if waveform is None else f", {waveform.shape[0]} ch audio at {audio_rate} Hz",
    )
    return saved

"""Small synthetic frames and sounds for the media tests."""

from __future__ import annotations

import math
import struct
from pathlib import Path

import av
import numpy as np
import torch


def moving_frames(count: int = 25, height: int = 64, width: int = 64, seed: int = 0) -> torch.Tensor:
    """IMAGE (F,H,W,3) float frames: a smooth colour field with a bar moving across it."""
    g = torch.Generator().manual_seed(seed)
    base = torch.rand(1, 1, 1, 3, generator=g) * 0.6 + 0.2
    y = torch.linspace(0, 1, height).view(1, height, 1, 1)
    x = torch.linspace(0, 1, width).view(1, 1, width, 1)
    frames = (base + 0.2 * (x - y)).expand(count, height, width, 3).clone()
    for i in range(count):
        frames[i, :, (i * 3) % width : (i * 3) % width + 4] = 1.0
    return frames.clamp(0, 1)


def tone(seconds: float, rate: int, channels: int = 1, hz: float = 440.0, level: float = 0.3) -> torch.Tensor:
    t = torch.arange(round(seconds * rate)) / rate
    return (level * torch.sin(2 * math.pi * hz * t)).repeat(channels, 1)


def audio(waveform: torch.Tensor, rate: int) -> dict:
    return {"waveform": waveform.unsqueeze(0), "sample_rate": rate}


def write_png(path: Path, array: np.ndarray, pix_fmt: str = "rgb24") -> Path:
    """One picture (H, W, C) uint8 (or as ``pix_fmt`` holds it) as a PNG file."""
    with av.open(str(path), "w", format="image2") as container:
        stream = container.add_stream("png")
        stream.height, stream.width = array.shape[:2]
        stream.pix_fmt = pix_fmt
        container.mux(stream.encode(av.VideoFrame.from_ndarray(array, format=pix_fmt)))
        container.mux(stream.encode(None))
    return path


def write_wav(path: Path, seconds: float, rate: int) -> Path:
    """A 220 Hz tone of ``seconds``, mono 16-bit PCM WAV at ``rate``."""
    t = np.arange(round(seconds * rate)) / rate
    pcm = (0.3 * np.sin(2 * np.pi * 220 * t) * 32767).astype(np.int16)[None]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("pcm_s16le", rate=rate, layout="mono")
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = rate
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    return path


def top_level_boxes(path: Path) -> list[str]:
    """Types of the top-level ISO-BMFF boxes of a file, in file order."""
    data = path.read_bytes()
    boxes, at = [], 0
    while at + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[at : at + 8])
        if size == 1:
            (size,) = struct.unpack(">Q", data[at + 8 : at + 16])
        elif size == 0:
            size = len(data) - at
        boxes.append(kind.decode("latin-1"))
        at += size
    return boxes

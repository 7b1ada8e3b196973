"""A saved clip as a VIDEO value outside ComfyUI (ComfyUI's own VideoFromFile is used inside it)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import torch

from ...model.media.mp4 import probe_clip, read_clip


@dataclass
class VideoComponents:
    images: torch.Tensor  # (F, H, W, 3) float 0..1
    audio: dict | None
    frame_rate: Fraction


class VideoFile:
    """An MP4 on disk, read on demand; the methods core nodes use on ComfyUI's VIDEO values."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def get_dimensions(self) -> tuple[int, int]:
        video = probe_clip(self.path).first("video")
        return video.width, video.height

    def get_duration(self) -> float:
        video = probe_clip(self.path).first("video")
        return float(video.duration)

    def get_bit_depth(self) -> int:
        return 8  # frames are decoded as 8-bit RGB

    def get_components(self) -> VideoComponents:
        clip = read_clip(self.path)
        sound = clip.sound()
        return VideoComponents(clip.images(), None if sound is None else sound.as_audio(), clip.fps)

    def save_to(self, path: str | Path) -> None:
        shutil.copyfile(self.path, path)

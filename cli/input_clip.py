"""The media files the commands work on, read and checked before any model is loaded."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import torch

from ..model.media.mp4 import read_clip
from ..model.media.waveform import Waveform


def read_picture_and_sound(
    path: Path, without_picture: str, without_sound: str
) -> tuple[torch.Tensor, Waveform, Fraction]:
    """A clip's frames (an IMAGE batch), sound and frame rate, for a command that needs both; a clip
    without one is refused with ``"{path} has no picture; {without_picture}"`` (likewise sound)."""
    clip = read_clip(path)
    if clip.fps is None or clip.frames.shape[0] == 0:
        raise ValueError(f"{path} has no picture; {without_picture}")
    sound = clip.sound()
    if sound is None:
        raise ValueError(f"{path} has no sound; {without_sound}")
    return clip.images(), sound, clip.fps

"""The Save Clip stage: the MP4 people post, and what a preview of it shows under its frames."""

from __future__ import annotations

from ..media.delivery import DEFAULT_LOUDNESS_LUFS, Delivery
from ..media.destination import Destination, check_destination
from ..media.loudness import LOUDNESS_TARGETS
from ..media.mp4 import probe_clip, read_clip, write_clip
from ..media.sound_preview import sound_preview

__all__ = [
    "DEFAULT_LOUDNESS_LUFS",
    "LOUDNESS_TARGETS",
    "Delivery",
    "Destination",
    "check_destination",
    "probe_clip",
    "read_clip",
    "sound_preview",
    "write_clip",
]

"""The Save Clip stage: the MP4 people post, and what a preview of it shows under its frames."""

from __future__ import annotations

from ..media.loudness import LOUDNESS_TARGETS
from ..media.mp4 import probe_clip, read_clip, write_clip
from ..media.sound_preview import sound_preview

__all__ = ["LOUDNESS_TARGETS", "probe_clip", "read_clip", "sound_preview", "write_clip"]

"""Exact ground truth of a rendered clip, and the clip itself."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .spec import SceneSpec


@dataclass(kw_only=True, frozen=True)
class Contact:
    """A contact that makes a sound: its sound starts at ``time`` seconds exactly."""

    frame: int  # nearest frame (frame k is shown at k / fps)
    time: float  # seconds
    object_id: int
    kind: str  # "ball" or "glass"
    colour: str | None  # ball colour; None for the glass
    size: str | None
    surface: str  # what it hit: "wood", "metal" or "soft"
    side: str  # "floor", "left wall" or "right wall"
    x: float  # object centre at the contact, pixels
    strength: float  # 0..1


@dataclass(kw_only=True, frozen=True)
class SceneObject:
    object_id: int
    kind: str  # "ball" or "glass"
    colour: str | None
    size: str | None
    radius: float  # pixels (half width for the glass)


@dataclass(kw_only=True, frozen=True)
class GroundTruth:
    scene: str
    ambience: str
    ambience_level: str
    surface: str | None
    impact_level: str | None
    manner: str | None
    pacing: str | None
    music: bool
    music_level: str | None
    objects: tuple[SceneObject, ...]
    contacts: tuple[Contact, ...]
    syllable_onsets: tuple[float, ...]  # seconds
    mouth_opening: np.ndarray | None  # (F,) 0..1, voice scenes only
    levels_db: dict[str, float]  # RMS dBFS of each layer over the clip, as mixed
    peak_db: float  # sample peak of the mix, dBFS

    @property
    def colour_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for obj in self.objects:
            if obj.colour is not None:
                counts[obj.colour] = counts.get(obj.colour, 0) + 1
        return counts

    def bounces(self, object_id: int) -> int:
        """Floor contacts of one object within the clip."""
        return sum(1 for c in self.contacts if c.object_id == object_id and c.side == "floor")


@dataclass(kw_only=True, frozen=True)
class Clip:
    frames: np.ndarray  # (F, H, W, 3) uint8
    fps: Fraction
    waveform: np.ndarray  # (C, T) float32 in -1..1
    sample_rate: int
    caption: str
    truth: GroundTruth
    spec: SceneSpec

"""Delivery: the loudness and peak level every written clip meets, defined once for every front end.

A clip's sound is normalised to ``DEFAULT_LOUDNESS_LUFS`` (−14 LUFS, what social platforms play
at) with its true peak at most ``PEAK_CEILING_DBTP`` (−1 dBTP) *as a player hears it*, after AAC
coding and decoding. With loudness off the level is left alone but the same peak guard holds,
so nothing ships above the ceiling either way. The peak limiter does the work of reaching the
target; where the ceiling truly prevents it (or the sound is silent or too short to measure),
the :class:`Delivery` says so in its ``note``. What was done is recorded in the MP4's tags and
read back from them (:meth:`Delivery.from_tags`) by the front ends' closing words.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

import torch

from . import aac
from .loudness import (
    GATE_SECONDS,
    LOUDNESS_TARGETS,
    guard_peak,
    integrated_loudness,
    normalize_loudness,
    true_peak_dbtp,
)

DEFAULT_LOUDNESS_LUFS = -14.0
PEAK_CEILING_DBTP = -1.0
# A clip within this many LU of its target has met it (EBU R128's tolerance for live programmes).
TOLERANCE_LU = 1.0

_TARGET_TAG = "loudness_target_lufs"
_LOUDNESS_TAG = "integrated_lufs"
_PEAK_TAG = "true_peak_dbtp"
_NOTE_TAG = "loudness_note"
OFF = "off"


def check_target(target: float | None) -> float | None:
    """``target`` if it is None (off) or one of ``LOUDNESS_TARGETS``; a ValueError otherwise."""
    if target is None:
        return None
    if (
        isinstance(target, bool)
        or not isinstance(target, int | float)
        or float(target) not in LOUDNESS_TARGETS
    ):
        choices = ", ".join(f"{t:g}" for t in LOUDNESS_TARGETS)
        raise ValueError(f"loudness must be one of {choices} LUFS or off (None); got {target!r}")
    return float(target)


def parse_target(text: str) -> float | None:
    """A loudness choice as typed: ``-14``, ``-16``, ``-23`` (LUFS) or ``off``."""
    if text.strip().lower() == OFF:
        return None
    try:
        value = float(text)
    except ValueError:
        value = text
    return check_target(value)


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


@dataclass(frozen=True, kw_only=True)
class Delivery:
    """What a clip's sound was brought to. Figures are measured on the decoded AAC."""

    target_lufs: float | None  # None: loudness off (the peak guard alone)
    integrated_lufs: float | None  # None: silent, or too short to measure
    true_peak_dbtp: float | None  # None: silent
    note: str | None = None  # why the target was not met, when it was not

    def tags(self) -> dict[str, str]:
        tags = {_TARGET_TAG: OFF if self.target_lufs is None else f"{self.target_lufs:g}"}
        if self.integrated_lufs is not None:
            tags[_LOUDNESS_TAG] = f"{self.integrated_lufs:.2f}"
        if self.true_peak_dbtp is not None:
            tags[_PEAK_TAG] = f"{self.true_peak_dbtp:.2f}"
        if self.note:
            tags[_NOTE_TAG] = self.note
        return tags

    @classmethod
    def from_tags(cls, tags: Mapping[str, str]) -> Delivery | None:
        """The delivery a clip's tags record (None for a clip without them)."""
        if _TARGET_TAG not in tags:
            return None

        def number(key: str) -> float | None:
            return float(tags[key]) if key in tags else None

        target = tags[_TARGET_TAG]
        return cls(
            target_lufs=None if target == OFF else float(target),
            integrated_lufs=number(_LOUDNESS_TAG),
            true_peak_dbtp=number(_PEAK_TAG),
            note=tags.get(_NOTE_TAG),
        )

    def summary(self) -> str:
        """One line: ``-14.0 LUFS (target -14), true peak -1.3 dBTP``."""
        level = (
            "loudness unmeasurable" if self.integrated_lufs is None else f"{self.integrated_lufs:.1f} LUFS"
        )
        target = "loudness off" if self.target_lufs is None else f"target {self.target_lufs:g}"
        peak = "silent" if self.true_peak_dbtp is None else f"true peak {self.true_peak_dbtp:.1f} dBTP"
        return f"{level} ({target}), {peak}"


def _note(target: float | None, integrated: float | None, measured: float) -> str | None:
    if measured == float("-inf"):
        return "the sound is silent; there is no loudness to set" if target is not None else None
    if math.isnan(measured):
        if target is None:
            return None
        return f"the sound is shorter than {GATE_SECONDS:g} s, too short to measure; only its peaks were held"
    if target is not None and integrated is not None and integrated < target - TOLERANCE_LU:
        return (
            f"loudness {integrated:.1f} LUFS, short of the {target:g} LUFS target: the "
            f"{PEAK_CEILING_DBTP:g} dBTP peak ceiling allows no more"
        )
    return None


def deliver(waveform: torch.Tensor, rate: int, target_lufs: float | None) -> tuple[torch.Tensor, Delivery]:
    """(C,T) audio brought to ``target_lufs`` (None: level kept) under the ceiling after AAC
    coding, and what it was brought to."""
    target = check_target(target_lufs)
    if target is None:
        level = partial(guard_peak, sample_rate=rate)
    else:
        level = partial(normalize_loudness, sample_rate=rate, target_lufs=target)
    out, heard = aac.hold_ceiling(
        waveform, rate, lambda x, ceiling: level(x, peak_dbtp=ceiling), PEAK_CEILING_DBTP
    )
    measured = integrated_loudness(waveform, rate)
    integrated = _finite(integrated_loudness(heard, rate))
    return out, Delivery(
        target_lufs=target,
        integrated_lufs=integrated,
        true_peak_dbtp=_finite(true_peak_dbtp(heard, rate)),
        note=_note(target, integrated, measured),
    )

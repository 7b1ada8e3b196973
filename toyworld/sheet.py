"""A contact sheet of clips: for each clip a row of frames, and under it the waveform on the same
time axis with the detected sound onsets (red) and the visual contacts the tracker finds (blue).

This is how a clip is looked at here: whether a ball can be seen, and whether its knock lands on
the frame it touches the floor. Pure arrays in, an (H, W, 3) uint8 picture out.
"""

from __future__ import annotations

import numpy as np

from ..model.media.onsets import detect_onsets
from .metrics.tracking import track_objects
from .metrics.visual_contacts import visual_contacts

WAVE_HEIGHT = 48
GAP = 6
BACKGROUND = (24, 24, 28)
WAVE = (120, 220, 200)
ONSET = (235, 80, 70)
CONTACT = (90, 150, 255)


def _row_frames(frames: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` frames evenly spread over the clip, side by side, and their indices."""
    picks = np.linspace(0, len(frames) - 1, count).round().astype(int)
    return np.concatenate([frames[i] for i in picks], axis=1), picks


def _mark(strip: np.ndarray, x: int, colour: tuple[int, int, int], dashed: bool) -> None:
    rows = np.arange(strip.shape[0])
    rows = rows[(rows // 3) % 2 == 0] if dashed else rows
    strip[rows, max(0, min(strip.shape[1] - 1, x))] = colour


def _waveform_strip(
    waveform: np.ndarray | None, sample_rate: int | None, width: int, seconds: float
) -> tuple[np.ndarray, np.ndarray]:
    """The min/max envelope drawn across ``width`` pixels, and the onset times found (seconds)."""
    strip = np.zeros((WAVE_HEIGHT, width, 3), np.uint8)
    strip[:] = BACKGROUND
    if waveform is None or not waveform.size:
        return strip, np.zeros(0)
    mono = waveform.mean(axis=0)
    edges = np.linspace(0, len(mono), width + 1).astype(int)
    mid = WAVE_HEIGHT // 2
    for x in range(width):
        part = mono[edges[x] : max(edges[x] + 1, edges[x + 1])]
        top = mid - int(round(float(part.max(initial=0.0)) * (mid - 1)))
        bottom = mid - int(round(float(part.min(initial=0.0)) * (mid - 1)))
        strip[max(0, top) : min(WAVE_HEIGHT, bottom + 1), x] = WAVE
    onsets = detect_onsets(mono, int(sample_rate)).times
    for t in onsets:
        _mark(strip, int(t / seconds * width), ONSET, dashed=False)
    return strip, onsets


def clip_sheet(
    frames: np.ndarray, fps: float, waveform: np.ndarray | None, sample_rate: int | None, columns: int = 8
) -> np.ndarray:
    """One clip's block: frames (F, H, W, 3) uint8, waveform (C, T) in -1..1 (or None)."""
    row, _ = _row_frames(frames, columns)
    seconds = len(frames) / fps
    width = row.shape[1]
    strip, _ = _waveform_strip(waveform, sample_rate, width, seconds)
    for contact in visual_contacts(track_objects(frames)):
        _mark(strip, int(contact.frame / fps / seconds * width), CONTACT, dashed=True)
    return np.concatenate([row, strip], axis=0)


def contact_sheet(blocks: list[np.ndarray]) -> np.ndarray:
    """Clip blocks one above another, padded to the widest, with a gap between them."""
    width = max(b.shape[1] for b in blocks)
    out = []
    for block in blocks:
        pad = np.zeros((block.shape[0], width - block.shape[1], 3), np.uint8)
        pad[:] = BACKGROUND
        gap = np.zeros((GAP, width, 3), np.uint8)
        gap[:] = BACKGROUND
        out += [np.concatenate([block, pad], axis=1), gap]
    return np.concatenate(out[:-1], axis=0)

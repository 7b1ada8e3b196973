"""Share of samples that were clipped, found by shape so it survives lossy coding.

Counting samples at full scale misses clipping once the sound has been through AAC: the
codec rings on a flat top (about ±2.5 % here) and the decoder's output rarely touches 1.0,
and it misses clipping that happened before a gain change. What survives is the shape: a
clipped top is flat and enters and leaves at a corner, where the top of a wave is round.

A run of same-sign samples that stays within ``BAND`` of its level is a flat top when the
signal's slope just outside it, times its length, is ``CORNER`` times what a round top of
the same width gives (a parabola inside a band of width w has slope × length = 4w at its
edges). Mild clipping, which shaves less off a wave than the codec's ringing, cannot be told
from a round top after lossy coding: the figure is a lower bound there, exact on PCM.
"""

from __future__ import annotations

import numpy as np

BAND = 0.05  # a flat top stays within ±5 % of its level (the AAC ringing is ±2.5 %)
CORNER = 2.0  # edge slope × length at least twice a round top's
TOP = 0.6  # clipping flattens the loudest parts: a flat run below 60 % of the peak is not it
EDGE = 3  # samples on each side that measure the slope in and out
SHORTEST = 4  # a shorter run is a few samples of any wave's top, too coarse to judge


def _edge_slope(x: np.ndarray, start: int, stop: int) -> float:
    slopes = []
    if start > 0:
        slopes.append(np.abs(np.diff(x[max(0, start - EDGE) : start + 1])).mean())
    if stop < len(x):
        slopes.append(np.abs(np.diff(x[stop - 1 : stop + EDGE])).mean())
    return min(slopes) if slopes else 0.0


def _flat_run_end(x: np.ndarray, start: int) -> tuple[int, float]:
    """Where the run from ``start`` leaves its band (or changes sign), and its width."""
    sign = x[start] > 0
    low = high = x[start]
    end = start + 1
    while end < len(x) and (x[end] > 0) == sign and x[end] != 0:
        new_low, new_high = min(low, x[end]), max(high, x[end])
        if new_high - new_low > 2 * BAND * abs(new_low + new_high) / 2:
            break
        low, high = new_low, new_high
        end += 1
    return end, high - low


def clipped_samples(channel: np.ndarray) -> int:
    """How many samples of one channel sit on flat, cornered tops."""
    x = np.asarray(channel, dtype=np.float64)
    peak = float(np.abs(x).max()) if x.size else 0.0
    if peak == 0.0:
        return 0
    floor, resolution = TOP * peak, 1e-4 * peak
    clipped, start = 0, 0
    while start < len(x):
        if abs(x[start]) < floor:
            start += 1
            continue
        end, width = _flat_run_end(x, start)
        length = end - start
        if length >= SHORTEST and _edge_slope(x, start, end) * length >= CORNER * 4 * max(width, resolution):
            clipped += length
        start = end if length >= SHORTEST else start + 1
    return clipped


def clipped_share(waveform: np.ndarray) -> float | None:
    """Share of all samples (every channel) on clipped tops; None when there is no sound."""
    x = np.atleast_2d(np.asarray(waveform))
    if not x.size:
        return None
    return sum(clipped_samples(channel) for channel in x) / x.size

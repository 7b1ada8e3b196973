"""Shared material for the toy-world tests: rendered clips, audio shifts, a foreign clip."""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

import numpy as np

from talkies.toyworld import render, sample_spec
from talkies.toyworld.metrics.tracking import track_objects
from talkies.toyworld.metrics.visual_contacts import visual_contacts


def delay_audio(waveform: np.ndarray, samples: int) -> np.ndarray:
    """Shift (C, T) audio later by ``samples`` (earlier if negative), keeping its length."""
    out = np.zeros_like(waveform)
    if samples >= 0:
        out[:, samples:] = waveform[:, : waveform.shape[1] - samples]
    else:
        out[:, :samples] = waveform[:, -samples:]
    return out


def frames_to_samples(frames: float, fps: Fraction, sample_rate: int) -> int:
    return round(frames / float(fps) * sample_rate)


@lru_cache(maxsize=4)
def rendered(kinds: tuple[str, ...], count: int, first_seed: int = 1000) -> tuple:
    return tuple(render(sample_spec(first_seed + i, kinds=kinds)) for i in range(count))


@lru_cache(maxsize=4)
def tracked(kinds: tuple[str, ...], count: int) -> tuple:
    """Per clip, (tracked scene, its visual contacts)."""
    out = []
    for clip in rendered(kinds, count):
        scene = track_objects(clip.frames)
        out.append((scene, visual_contacts(scene)))
    return tuple(out)


def measured_contacts(kinds: tuple[str, ...], count: int) -> tuple:
    """Per clip, the visual contact times (s) the tracker finds."""
    return tuple(
        np.array([c.frame / float(clip.fps) for c in contacts])
        for clip, (_, contacts) in zip(rendered(kinds, count), tracked(kinds, count), strict=True)
    )


def foreign_clip(audio_delay_s: float = 0.0) -> tuple[np.ndarray, float, np.ndarray, int, list[float]]:
    """Not from the renderer: an orange square bouncing on an unseen floor and off unseen
    walls over a plain grey background, 30 fps, 160x96, with stereo clicks at 22.05 kHz at
    each turn. Returns frames, fps, waveform, sample rate and the contact times."""
    fps, sr, count = 30.0, 22050, 60
    h, w, side = 96, 160, 14
    frames = np.empty((count, h, w, 3), dtype=np.uint8)
    frames[:] = (128, 128, 128)
    floor_y, top_y = 80.0, 30.0
    period = 15  # frames per hop, contacts land on frames
    x_speed = 3.0
    contacts: list[float] = []
    x = 20.0
    direction = 1.0
    for k in range(count):
        phase = (k % period) / period
        y = floor_y - 4 * (floor_y - top_y) * phase * (1 - phase)
        if k % period == 0 and k:
            contacts.append(k / fps)
        if k:
            x += direction * x_speed
            if x >= w - side - 10 or x <= 10:
                direction = -direction
                contacts.append(k / fps)
        top, left = int(round(y)) - side, int(round(x))
        frames[k, max(0, top) : top + side, left : left + side] = (240, 140, 20)
    waveform = np.zeros((2, round(count / fps * sr)))
    rng = np.random.default_rng(5)
    for t in contacts:
        start = round((t + audio_delay_s) * sr)
        n = min(400, waveform.shape[1] - start)
        if 0 <= start and n > 0:
            click = 0.6 * rng.standard_normal(n) * np.exp(-np.arange(n) / 60.0)
            waveform[:, start : start + n] += click
    waveform += 0.001 * rng.standard_normal(waveform.shape)
    return frames, fps, waveform.astype(np.float32), sr, sorted(contacts)

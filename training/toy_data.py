"""Toy-world clips as training tensors, seeded so every run sees the same data."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

from ..toyworld import render, sample_spec
from ..toyworld.held_out import HELD_OUT_SEED_START


@dataclass(kw_only=True)
class TrainingClip:
    pixels: torch.Tensor  # (3, F, H, W) in -1..1
    waveform: torch.Tensor  # (C, T) at the world's sample rate
    caption: str
    seed: int


def clip_for_seed(seed: int) -> TrainingClip:
    if seed >= HELD_OUT_SEED_START:
        raise ValueError(f"seed {seed} is reserved for held-out evaluation")
    return _as_tensors(seed)


def evaluation_clip(index: int) -> TrainingClip:
    """The ``index``-th held-out clip (never trained on), as training tensors, for probes."""
    return _as_tensors(HELD_OUT_SEED_START + index)


def _as_tensors(seed: int) -> TrainingClip:
    clip = render(sample_spec(seed))
    frames = torch.from_numpy(np.ascontiguousarray(clip.frames)).float()
    pixels = frames.permute(3, 0, 1, 2) / 127.5 - 1.0
    return TrainingClip(
        pixels=pixels,
        waveform=torch.as_tensor(clip.waveform, dtype=torch.float32),
        caption=clip.caption,
        seed=seed,
    )


def seeds(start: int, count: int) -> range:
    return range(start, start + count)


def batches(seed_list: list[int], batch: int, rng: np.random.Generator) -> Iterator[list[int]]:
    """Shuffled batches of seeds, forever."""
    order = np.array(seed_list)
    while True:
        rng.shuffle(order)
        for i in range(0, len(order) - batch + 1, batch):
            yield [int(s) for s in order[i : i + batch]]

"""The held-out clips: seeds from here on are never trained on, and evaluations start with them."""

from __future__ import annotations

from .render import render
from .sample import sample_spec

HELD_OUT_SEED_START = 10_000_000


def held_out_prompts(count: int) -> list[str]:
    """The captions of the first ``count`` held-out clips, those the evaluation starts with."""
    return [render(sample_spec(HELD_OUT_SEED_START + i)).caption for i in range(count)]

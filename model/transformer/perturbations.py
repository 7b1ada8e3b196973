"""Which attention layers a guidance pass switches off, per batch element.

STG skips self-attention in chosen blocks; modality isolation skips the audio↔video
cross-attention everywhere. A skipped self-attention passes its value projection through;
a skipped cross-attention adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

import torch


class Skip(Enum):
    VIDEO_SELF = "video_self_attention"
    AUDIO_SELF = "audio_self_attention"
    AUDIO_TO_VIDEO = "audio_to_video_attention"
    VIDEO_TO_AUDIO = "video_to_audio_attention"


@dataclass(frozen=True)
class SkipRule:
    kind: Skip
    blocks: frozenset[int] | None = None  # None: every block

    def applies(self, kind: Skip, block: int) -> bool:
        return self.kind == kind and (self.blocks is None or block in self.blocks)


def skip(kind: Skip, blocks: Iterable[int] | None = None) -> SkipRule:
    return SkipRule(kind, None if blocks is None else frozenset(blocks))


Keep = tuple[torch.Tensor | None, bool]


@dataclass(kw_only=True, frozen=True)
class BlockSkips:
    """One block's decisions per attention kind: (per-sample keep factor or None, all skipped).

    Resolved before the block's math runs, so that math never reads the block index
    (one compiled graph then serves every block).
    """

    video_self: Keep
    audio_self: Keep
    audio_to_video: Keep
    video_to_audio: Keep


@dataclass(frozen=True)
class Perturbations:
    """One tuple of rules per batch element."""

    per_sample: tuple[tuple[SkipRule, ...], ...]
    _keep_cache: dict = field(default_factory=dict, compare=False, repr=False)

    @staticmethod
    def none(batch: int) -> Perturbations:
        return Perturbations(((),) * batch)

    @staticmethod
    def uniform(batch: int, rules: Iterable[SkipRule]) -> Perturbations:
        return Perturbations((tuple(rules),) * batch)

    def __add__(self, other: Perturbations) -> Perturbations:
        return Perturbations(self.per_sample + other.per_sample)

    def _hits(self, kind: Skip, block: int) -> list[bool]:
        return [any(r.applies(kind, block) for r in rules) for rules in self.per_sample]

    def keep(self, kind: Skip, block: int, like: torch.Tensor) -> tuple[torch.Tensor | None, bool]:
        """(per-sample keep factor shaped (B,1,1) or None when nothing is skipped, all skipped)."""
        hits = self._hits(kind, block)
        if not any(hits):
            return None, False
        if all(hits):
            return None, True
        key = (kind, block, like.device, like.dtype)
        if key not in self._keep_cache:
            keep = torch.tensor([0.0 if h else 1.0 for h in hits], dtype=like.dtype).to(like.device)
            self._keep_cache[key] = keep.view(-1, 1, 1)
        return self._keep_cache[key], False

    def at_block(self, block: int, like: torch.Tensor) -> BlockSkips:
        return BlockSkips(
            video_self=self.keep(Skip.VIDEO_SELF, block, like),
            audio_self=self.keep(Skip.AUDIO_SELF, block, like),
            audio_to_video=self.keep(Skip.AUDIO_TO_VIDEO, block, like),
            video_to_audio=self.keep(Skip.VIDEO_TO_AUDIO, block, like),
        )

"""A guided step's transformer passes shared among the ranks of a group, then gathered.

Pass i runs on rank i mod W; one all-gather gives every rank every pass's velocities, which
guidance then combines as on one device. Ranks beyond the number of passes idle (they still
take part in the gather).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.distributed as dist

from .exchange import all_gather


@dataclass(frozen=True)
class PassShare:
    group: dist.ProcessGroup
    rank: int
    world: int
    passes: int

    @staticmethod
    def of(passes: int, group: dist.ProcessGroup) -> PassShare:
        return PassShare(group, dist.get_rank(group), dist.get_world_size(group), passes)

    @property
    def mine(self) -> list[int]:
        """The passes (by index in the plan) this rank runs."""
        return list(range(self.rank, self.passes, self.world))

    @property
    def slots(self) -> int:
        return math.ceil(self.passes / self.world)

    def gather(
        self,
        mine: list[tuple[torch.Tensor, torch.Tensor]],
        video_like: torch.Tensor,
        audio_like: torch.Tensor,
    ) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """This rank's pass results (video, audio velocities shaped like ``video_like``,
        ``audio_like``) → every pass's, in plan order."""
        v_size, dtype = video_like.numel(), video_like.dtype
        width = v_size + audio_like.numel()
        packed = torch.zeros(self.slots, width, dtype=dtype, device=video_like.device)
        for slot, (v, a) in enumerate(mine):
            packed[slot] = torch.cat([v.reshape(-1), a.reshape(-1)]).to(dtype)
        every = all_gather(packed, self.group)
        out = []
        for i in range(self.passes):
            row = every[i % self.world][i // self.world]
            out.append((row[:v_size].view_as(video_like), row[v_size:].view_as(audio_like)))
        return out

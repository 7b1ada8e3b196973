"""One token sequence split across a process group: equal chunks, the last ones padded.

Rank r holds tokens [r·c, (r + 1)·c) of the sequence padded to W·c tokens, c = ⌈T / W⌉, so
every rank runs the same shapes (collectives need that) and a sequence that does not divide
evenly still splits. Padding tokens are zeros; attention never reads them as keys (see
``split_attention``) and their outputs are dropped when the sequence is gathered again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.distributed as dist

from .exchange import all_gather


@dataclass(frozen=True)
class SequenceShard:
    group: dist.ProcessGroup
    rank: int
    world: int
    length: int  # real tokens of the whole sequence

    @staticmethod
    def of(length: int, group: dist.ProcessGroup) -> SequenceShard:
        return SequenceShard(group, dist.get_rank(group), dist.get_world_size(group), length)

    @property
    def chunk(self) -> int:
        """Tokens each rank holds, padding included."""
        return math.ceil(self.length / self.world)

    @property
    def padded(self) -> int:
        return self.chunk * self.world

    def pad(self, x: torch.Tensor, dim: int = 1, value: float = 0) -> torch.Tensor:
        """``x`` with the whole sequence along ``dim`` padded to W·c tokens."""
        missing = self.padded - x.shape[dim]
        if missing == 0:
            return x
        shape = list(x.shape)
        shape[dim] = missing
        return torch.cat([x, torch.full(shape, value, dtype=x.dtype, device=x.device)], dim)

    def take(self, x: torch.Tensor, dim: int = 1, value: float = 0) -> torch.Tensor:
        """This rank's chunk of a whole sequence laid along ``dim``."""
        return self.pad(x, dim, value).narrow(dim, self.rank * self.chunk, self.chunk)

    def gather(self, x: torch.Tensor) -> torch.Tensor:
        """Every rank's chunk (B, c, ...) → the whole sequence (B, T, ...), on every rank."""
        return torch.cat(all_gather(x, self.group), dim=1)[:, : self.length]

"""The process groups of a launch: ranks in a grid of guidance groups × sequence groups.

Rank r = g·S + s: the S ranks of guidance share g (neighbours, on one fast link) split every
pass's tokens; the G ranks at the same place s of each share run different guidance passes
side by side. G = 1 is pure sequence parallel, S = 1 pure guidance parallel.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import timedelta

import torch
import torch.distributed as dist

from ..transformer.model import AVTransformer

log = logging.getLogger(__name__)

LAUNCH_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


@dataclass(frozen=True)
class ParallelMesh:
    rank: int
    world: int
    guidance_ranks: int
    sequence_ranks: int
    guidance_group: dist.ProcessGroup | None  # None where it would hold one rank
    sequence_group: dist.ProcessGroup | None

    @property
    def decode_group(self) -> dist.ProcessGroup | None:
        """The ranks that share a decode's tiles: all of them."""
        return dist.group.WORLD if self.world > 1 else None

    @property
    def leader(self) -> bool:
        """Whether this rank writes what the launch produces (every rank computes all of it)."""
        return self.rank == 0


def make_mesh(guidance_ranks: int) -> ParallelMesh:
    """Split the default group's ranks into ``guidance_ranks`` groups that share the guidance
    passes, each splitting the tokens over its world / ``guidance_ranks`` ranks. Every rank
    must call it (group creation is collective)."""
    world, rank = dist.get_world_size(), dist.get_rank()
    if guidance_ranks < 1 or world % guidance_ranks:
        raise ValueError(
            f"{world} processes do not split into {guidance_ranks} guidance groups; give a divisor "
            f"of {world} (1 splits only the tokens, {world} only the guidance passes)"
        )
    seq = world // guidance_ranks
    guidance_group = sequence_group = None
    for s in range(seq):  # every rank creates every group, in the same order
        ranks = list(range(s, world, seq))
        group = dist.new_group(ranks) if guidance_ranks > 1 else None
        if rank in ranks:
            guidance_group = group
    for g in range(guidance_ranks):
        ranks = list(range(g * seq, (g + 1) * seq))
        group = dist.new_group(ranks) if seq > 1 else None
        if rank in ranks:
            sequence_group = group
    return ParallelMesh(rank, world, guidance_ranks, seq, guidance_group, sequence_group)


def split_sequence(model: AVTransformer, group: dist.ProcessGroup | None) -> None:
    """Split ``model``'s token sequences over ``group`` from its next call (None: whole again)."""
    model.sequence_group = group


def launched() -> bool:
    """Whether this process was started by a launcher (torchrun) as one of several."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def join_launch(device: str = "cpu", timeout_s: float = 600.0) -> torch.device:
    """Join the process group a torchrun launch describes and return this rank's device: on
    ``device`` "cuda", the GPU of its local rank (NCCL); on the CPU, gloo."""
    missing = [v for v in LAUNCH_VARIABLES if v not in os.environ]
    if missing:
        raise ValueError(
            f"a parallel launch needs {', '.join(missing)} set; start it with "
            "`torchrun --nproc-per-node N -m talkies …`"
        )
    kind = torch.device(device).type
    if kind == "cuda":
        chosen = torch.device("cuda", int(os.environ["LOCAL_RANK"]))
        torch.cuda.set_device(chosen)
        backend = "nccl"
    elif kind == "cpu":
        chosen, backend = torch.device("cpu"), "gloo"
    else:
        raise ValueError(f"a parallel launch runs on cuda or cpu, not {device!r}")
    if not dist.is_initialized():
        dist.init_process_group(backend, timeout=timedelta(seconds=timeout_s))
    log.info("rank %d of %d on %s (%s)", dist.get_rank(), dist.get_world_size(), chosen, backend)
    return chosen

"""A command started as one of several processes (``torchrun --nproc-per-node N -m talkies …``).

torchrun's environment says so; every rank then loads the model and computes the whole clip
together with the others (guidance passes shared, tokens split), and rank 0 alone writes it.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

import torch.distributed as dist

from ..model.parallel.mesh import ParallelMesh, join_launch, launched, make_mesh


def add_launch_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--guidance-ranks",
        type=int,
        default=1,
        metavar="G",
        help="under torchrun: G groups of ranks run a step's guidance passes side by side, each "
        "splitting the tokens over N/G ranks (default 1: every rank splits the tokens)",
    )


@contextmanager
def launch(args: argparse.Namespace) -> Iterator[ParallelMesh | None]:
    """The launch's process groups (``args.device`` becomes this rank's device), or None when this
    process runs alone."""
    if not launched():
        yield None
        return
    args.device = str(join_launch(args.device))
    try:
        yield make_mesh(args.guidance_ranks)
    finally:
        dist.destroy_process_group()

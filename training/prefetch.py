"""A function mapped over a stream of job batches by worker processes, a few batches ahead.

Rendering toy-world clips costs tens of milliseconds each; on a GPU a VAE step is quicker
than rendering its batch in the training loop, so workers render the next batches while the
current one trains. Results come back in the order of the jobs, so a run gives the same
batches with any number of workers, or none (the loop itself does the work).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch

AHEAD = 4  # batches in flight


def _one_thread() -> None:
    torch.set_num_threads(1)


@contextmanager
def worker_pool(workers: int) -> Iterator[multiprocessing.pool.Pool | None]:
    """``workers`` processes of one thread each (None for 0), shared by the stages of a run."""
    if workers <= 0:
        yield None
        return
    # spawn, not fork: the training process may hold a CUDA context, which a fork cannot share.
    pool = multiprocessing.get_context("spawn").Pool(workers, initializer=_one_thread)
    try:
        yield pool
    finally:
        pool.terminate()
        pool.join()


def prefetched(
    jobs: Iterator[list], work: Callable, pool: multiprocessing.pool.Pool | None = None
) -> Iterator[list]:
    """Batches of ``work(job)`` for each batch of ``jobs``; ``work`` must be picklable."""
    if pool is None:
        yield from ([work(job) for job in batch] for batch in jobs)
        return
    pending: deque = deque()
    while True:
        while len(pending) < AHEAD:
            pending.append(pool.map_async(work, next(jobs)))
        yield pending.popleft().get()

"""Run a function on N CPU processes of this machine joined by gloo over loopback, in bounded time
(the multi-process tests and ``python -m talkies bench --parallel``).

Each rank is a fresh spawned interpreter (sys.path and the environment carry over); it joins
a TCP store on 127.0.0.1 at a free port, runs ``fn(*args)`` with one thread, and saves what it
returns. ``run_ranks`` returns those results in rank order, or fails once any rank fails or the
time is up, ending every rank it started. ``fn`` must be importable by name (module level).
"""

from __future__ import annotations

import os
import socket
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def gloo_available() -> bool:
    return dist.is_available() and dist.is_gloo_available()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rank_main(fn, rank: int, world: int, port: int, out: str, timeout_s: float, args: tuple) -> None:
    os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")
    torch.set_num_threads(1)
    dist.init_process_group(
        "gloo",
        init_method=f"tcp://127.0.0.1:{port}",
        rank=rank,
        world_size=world,
        timeout=timedelta(seconds=timeout_s),
    )
    try:
        result = fn(*args)
        dist.barrier()
    finally:
        dist.destroy_process_group()
    torch.save(result, Path(out) / f"rank{rank}.pt")


def run_ranks(fn, world: int, *args, timeout_s: float = 120.0) -> list:
    """``fn(*args)`` on ``world`` gloo ranks; its results in rank order."""
    ctx = mp.get_context("spawn")
    with tempfile.TemporaryDirectory() as out:
        port = free_port()
        procs = [
            ctx.Process(target=_rank_main, args=(fn, r, world, port, out, timeout_s, args), daemon=True)
            for r in range(world)
        ]
        for p in procs:
            p.start()
        deadline = time.monotonic() + timeout_s
        try:
            while any(p.is_alive() for p in procs):
                failed = [r for r, p in enumerate(procs) if p.exitcode not in (None, 0)]
                if failed:
                    raise RuntimeError(f"rank(s) {failed} of {world} failed (see the captured stderr)")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{world} ranks did not finish within {timeout_s:.0f} s")
                time.sleep(0.05)
            failed = [r for r, p in enumerate(procs) if p.exitcode != 0]
            if failed:
                raise RuntimeError(f"rank(s) {failed} of {world} failed (see the captured stderr)")
            return [torch.load(Path(out) / f"rank{r}.pt") for r in range(world)]
        finally:
            for p in procs:
                if p.is_alive():
                    p.kill()
                p.join(5)

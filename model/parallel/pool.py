"""A pool of worker processes, one per device, that sample one clip together.

Each worker loads the model on its device as one rank of a process group (NCCL on CUDA, gloo
on the CPU, over 127.0.0.1) and waits for jobs. A job goes to every worker with the same
inputs; rank 0 sends back its steps and its result. The caller watches the workers while it
waits: one that dies ends the job with an error that names it (the pool is then stopped, and
the next job starts it again) instead of a wait on a collective that never completes. An
exception raised by the caller's ``on_step`` (an interrupt) is passed to every worker at its
next step, so they stop together and the pool stays up.
"""

from __future__ import annotations

import logging
import queue
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from .local import free_port

log = logging.getLogger(__name__)

POLL_S = 0.1


class WorkerDied(RuntimeError):
    """A worker process of the pool ended while the pool needed it."""


class _Stopped(Exception):
    """Raised in a worker whose caller asked the job to stop."""


@dataclass(frozen=True)
class PoolSpec:
    """What every worker loads: the checkpoint and TalkiesModel's options, one device each."""

    checkpoint: Path
    devices: tuple[str, ...]
    model_options: dict = field(default_factory=dict)
    guidance_ranks: int = 1
    start_timeout_s: float = 600.0
    job_timeout_s: float | None = None  # None: a job may take as long as it takes


def _sample(model, *args, loras=(), **kwargs) -> tuple[Any, torch.Tensor | None]:
    """The Sampler stage with the caller's LoRA stack, and where its noise generator (when given
    one) ended: the caller's copy continues from there, as it would had it sampled itself."""
    from ..pipeline.sample import sample  # the workers run the pipeline's own stage

    generator = kwargs.get("generator")
    out = sample(model.with_loras(loras) if loras else model, *args, **kwargs)
    return out, None if generator is None else generator.get_state()


JOBS: dict[str, Callable] = {"sample": _sample}


def _worker(rank: int, spec: PoolSpec, port: int, jobs, results, stop) -> None:
    from ..pipeline.load import TalkiesModel
    from .mesh import make_mesh

    device = spec.devices[rank]
    backend = "nccl" if torch.device(device).type == "cuda" else "gloo"
    dist.init_process_group(
        backend,
        init_method=f"tcp://127.0.0.1:{port}",
        rank=rank,
        world_size=len(spec.devices),
        timeout=timedelta(seconds=spec.start_timeout_s),
    )
    mesh = make_mesh(spec.guidance_ranks)
    model = TalkiesModel(spec.checkpoint, device=device, mesh=mesh, **spec.model_options)
    results.put(("ready", rank, None))
    while (job := jobs.get()) is not None:
        name, args, kwargs = job

        def on_step(preview) -> None:
            if stop.is_set():
                raise _Stopped
            if rank == 0:
                results.put(("step", rank, preview))

        try:
            out = JOBS[name](model, *args, on_step=on_step, **kwargs)
            results.put(("done", rank, out if rank == 0 else None))
        except _Stopped:
            results.put(("stopped", rank, None))
        except Exception:
            results.put(("error", rank, traceback.format_exc()))
    dist.destroy_process_group()


def _importable_by_workers() -> None:
    """Put the folder holding this pack on sys.path, which spawned workers inherit: a host that
    imported the pack from its folder by path (ComfyUI's custom_nodes) leaves it off, and a worker
    finds its function by the pack's module name."""
    top = sys.modules[__name__.split(".")[0]]
    folder = str(Path(next(iter(top.__path__))).parent)  # as imported: a symlinked pack stays linked
    if folder not in sys.path:
        sys.path.append(folder)


class WorkerPool:
    """Started on first use (or ``start``), stopped by ``close``."""

    def __init__(self, spec: PoolSpec) -> None:
        self.spec = spec
        self._procs: list[mp.Process] = []
        self._jobs: list = []
        self._results = None
        self._stop = None

    @property
    def running(self) -> bool:
        return bool(self._procs)

    def start(self) -> None:
        if self.running:
            return
        _importable_by_workers()
        ctx = mp.get_context("spawn")
        self._results, self._stop = ctx.Queue(), ctx.Event()
        self._jobs = [ctx.Queue() for _ in self.spec.devices]
        port = free_port()
        self._procs = [
            ctx.Process(
                target=_worker,
                args=(rank, self.spec, port, self._jobs[rank], self._results, self._stop),
                daemon=True,
                name=f"talkies-worker-{rank}",
            )
            for rank in range(len(self.spec.devices))
        ]
        for p in self._procs:
            p.start()
        ready: set[int] = set()
        deadline = time.monotonic() + self.spec.start_timeout_s
        while len(ready) < len(self._procs):
            kind, rank, payload = self._next("start", deadline, self.spec.start_timeout_s)
            if kind == "ready":
                ready.add(rank)
            elif kind == "error":
                self._fail(f"Talkies worker {rank} failed while loading the model:\n{payload}")
        log.info("started %d Talkies workers on %s", len(self._procs), ", ".join(self.spec.devices))

    def run(self, name: str, *args: Any, on_step: Callable | None = None, **kwargs: Any) -> Any:
        """``name``'s stage (e.g. "sample") on every worker with these inputs; rank 0's result."""
        self.start()
        self._stop.clear()
        for q in self._jobs:
            q.put((name, args, kwargs))
        limit = self.spec.job_timeout_s
        deadline = None if limit is None else time.monotonic() + limit
        finished: dict[int, tuple[str, Any]] = {}
        caller_error: BaseException | None = None
        while len(finished) < len(self._procs):
            kind, rank, payload = self._next(name, deadline, limit)
            if kind == "step":
                if on_step is not None and caller_error is None:
                    try:
                        on_step(payload)
                    except BaseException as e:  # an interrupt: every worker stops at its next step
                        caller_error = e
                        self._stop.set()
            else:
                finished[rank] = (kind, payload)
        if caller_error is not None:
            raise caller_error
        errors = [f"worker {r}:\n{p}" for r, (k, p) in sorted(finished.items()) if k == "error"]
        if errors:
            raise RuntimeError(f"Talkies workers failed in {name}:\n" + "\n".join(errors))
        return finished[0][1]

    def _next(self, doing: str, deadline: float | None, limit: float | None) -> tuple[str, int, Any]:
        """The next message from a worker; a dead worker or a passed deadline ends the pool."""
        while True:
            try:
                return self._results.get(timeout=POLL_S)
            except queue.Empty:
                pass
            for rank, p in enumerate(self._procs):
                if not p.is_alive():
                    self._fail(
                        f"Talkies worker {rank} on {self.spec.devices[rank]} stopped (exit code "
                        f"{p.exitcode}) during {doing}; the worker pool is shut down, run the graph "
                        "again to start it anew"
                    )
            if deadline is not None and time.monotonic() > deadline:
                self._fail(f"the Talkies workers did not finish {doing} within {limit:.0f} s; stopped them")

    def _fail(self, message: str) -> None:
        self.close()
        raise WorkerDied(message)

    def close(self) -> None:
        """Stop every worker (those that do not end within a few seconds are killed)."""
        for q, p in zip(self._jobs, self._procs, strict=True):
            if p.is_alive():
                q.put(None)
        for p in self._procs:
            p.join(5)
            if p.is_alive():
                p.kill()
                p.join(5)
        self._procs, self._jobs = [], []

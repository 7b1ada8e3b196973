"""The collectives sequence and guidance parallelism use, each counting the bytes it sends.

The sequence↔heads all-to-all (Ulysses) goes through ``yunchang`` when it is installed (the
``parallel`` extra) and through ``torch.distributed.all_to_all_single`` otherwise; both give
the same tensor. Only yunchang's all-to-all is used: its attention layers run flash kernels
that torch has on CUDA only, while the attention between the two exchanges here is Talkies'
own (its kernel choice, masks and RoPE stay as on one device).
"""

from __future__ import annotations

import importlib
import logging
import os
from dataclasses import dataclass
from types import ModuleType

import torch
import torch.distributed as dist

log = logging.getLogger(__name__)

YUNCHANG = "yunchang"
TORCH = "torch"
ENGINES = (YUNCHANG, TORCH)


@dataclass
class Traffic:
    """Bytes this process has sent through the collectives below, and how many calls."""

    bytes_sent: int = 0
    calls: int = 0

    def add(self, sent: int) -> None:
        self.bytes_sent += int(sent)
        self.calls += 1

    def reset(self) -> None:
        self.bytes_sent = self.calls = 0


TRAFFIC = Traffic()

_engine = os.environ.get("TALKIES_ALL_TO_ALL", YUNCHANG).strip().lower() or YUNCHANG
_yunchang: ModuleType | None | bool = False  # False: not looked for yet


def set_all_to_all_engine(name: str) -> None:
    """ "yunchang" (its all-to-all when installed, else torch's) or "torch" (torch's always)."""
    global _engine
    if name not in ENGINES:
        raise ValueError(f"the all-to-all engine must be one of {', '.join(ENGINES)}; got {name!r}")
    _engine = name


def _yunchang_all_to_all() -> ModuleType | None:
    global _yunchang
    if _yunchang is False:
        try:
            _yunchang = importlib.import_module("yunchang.comm.all_to_all")
        except Exception as e:  # absent, or a broken install: torch's exchange is exact too
            if not isinstance(e, ImportError):
                log.warning("yunchang is installed but does not load (%s); using torch's all-to-all", e)
            _yunchang = None
    return _yunchang


def all_to_all_engine() -> str:
    """The engine the next all-to-all goes through."""
    if _engine == YUNCHANG and _yunchang_all_to_all() is not None:
        return YUNCHANG
    return TORCH


def _world(group) -> int:
    return dist.get_world_size(group)


def _torch_seq_to_heads(x: torch.Tensor, group) -> torch.Tensor:
    world = _world(group)
    b, n, h, d = x.shape
    send = x.reshape(b, n, world, h // world, d).permute(2, 0, 1, 3, 4).contiguous()
    received = torch.empty_like(send)
    dist.all_to_all_single(received, send, group=group)
    # received[j]: rank j's tokens of this rank's heads
    return received.permute(1, 0, 2, 3, 4).reshape(b, world * n, h // world, d)


def _torch_heads_to_seq(x: torch.Tensor, group) -> torch.Tensor:
    world = _world(group)
    b, total, h, d = x.shape
    send = x.reshape(b, world, total // world, h, d).permute(1, 0, 2, 3, 4).contiguous()
    received = torch.empty_like(send)
    dist.all_to_all_single(received, send, group=group)
    # received[j]: this rank's tokens of rank j's heads
    return received.permute(1, 2, 0, 3, 4).reshape(b, total // world, world * h, d)


def seq_to_heads(x: torch.Tensor, group) -> torch.Tensor:
    """(B, n, H, D), this rank's n tokens of every head → (B, W·n, H/W, D), every rank's tokens
    (in rank order) of this rank's H/W heads."""
    world = _world(group)
    TRAFFIC.add(x.numel() * x.element_size() * (world - 1) // world)
    if all_to_all_engine() == YUNCHANG:
        return _yunchang_all_to_all().all_to_all_4D(x.contiguous(), 2, 1, group=group)
    return _torch_seq_to_heads(x, group)


def heads_to_seq(x: torch.Tensor, group) -> torch.Tensor:
    """The inverse of ``seq_to_heads``: (B, W·n, H/W, D) → (B, n, H, D)."""
    world = _world(group)
    TRAFFIC.add(x.numel() * x.element_size() * (world - 1) // world)
    if all_to_all_engine() == YUNCHANG:
        return _yunchang_all_to_all().all_to_all_4D(x.contiguous(), 1, 2, group=group)
    return _torch_heads_to_seq(x, group)


def all_reduce_sum(x: torch.Tensor, group) -> torch.Tensor:
    """``x`` summed over the ranks, in place. Counted as a ring all-reduce sends: 2·(W − 1)/W of ``x``."""
    world = _world(group)
    TRAFFIC.add(x.numel() * x.element_size() * 2 * (world - 1) // world)
    dist.all_reduce(x, op=dist.ReduceOp.SUM, group=group)
    return x


def broadcast_from_first(x: torch.Tensor, group) -> torch.Tensor:
    """The group's first rank's ``x`` on every rank (in place). Counted on the first rank alone."""
    if dist.get_rank(group) == 0:
        TRAFFIC.add(x.numel() * x.element_size())
    dist.broadcast(x, group_src=0, group=group)
    return x


def all_gather(x: torch.Tensor, group) -> list[torch.Tensor]:
    """Every rank's ``x`` (same shape everywhere), in rank order. Counted as a ring all-gather
    sends: W − 1 copies of ``x``."""
    world = _world(group)
    TRAFFIC.add(x.numel() * x.element_size() * (world - 1))
    out = [torch.empty_like(x) for _ in range(world)]
    dist.all_gather(out, x.contiguous(), group=group)
    return out

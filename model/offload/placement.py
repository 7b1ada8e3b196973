"""Parts on the compute device only while they work.

An offload policy says where a part's weights live between uses:

- ``resident``: moved to the device once and left there (fastest, most memory).
- ``offload``: kept on the host (pinned for CUDA) and copied in for each use; afterwards
  the device copy is simply dropped, since inference never changes weights.
- ``stream``: for the transformer, its blocks stream through the device one or two at a
  time (model/offload/streaming.py) and the rest is offloaded; other parts are offloaded.

``working(module, device, policy)`` is the one entry point: a context manager yielding the
module ready on ``device``. Host frameworks that manage memory themselves (ComfyUI) can
call it with ``resident`` and move modules as they see fit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import torch
from torch import nn

from .streaming import resident_blocks_within, stream_blocks
from .swap import owned_tensors, set_tensor

Policy = Literal["resident", "offload", "stream"]
POLICIES: tuple[str, ...] = ("resident", "offload", "stream")


def check_policy(policy: str) -> Policy:
    if policy not in POLICIES:
        raise ValueError(f"offload policy must be one of {', '.join(POLICIES)}; got {policy!r}")
    return policy  # type: ignore[return-value]


def pin_host(module: nn.Module) -> None:
    """Pin the module's host tensors (page-locked memory copies to CUDA asynchronously and faster)."""
    if not torch.cuda.is_available():
        return
    for owner, name, t in owned_tensors(module):
        if t.device.type == "cpu" and not t.is_pinned():
            set_tensor(owner, name, t.detach().pin_memory())


@contextmanager
def _offloaded(module: nn.Module, device: torch.device) -> Iterator[nn.Module]:
    with torch.inference_mode(False):
        if device.type == "cuda":
            pin_host(module)
        host = []
        for owner, name, t in owned_tensors(module):
            t = t.detach()
            on_host = t if t.device.type == "cpu" else t.cpu()
            host.append((owner, name, on_host))
            if t.device != device:
                set_tensor(owner, name, on_host.to(device, non_blocking=True))
    try:
        yield module
    finally:
        for owner, name, t in host:
            set_tensor(owner, name, t)


@contextmanager
def working(
    module: nn.Module,
    device: torch.device | str,
    policy: Policy = "offload",
    *,
    ahead: int = 2,
    weights_budget: int | None = None,
) -> Iterator[nn.Module]:
    """``module`` on ``device`` for the duration of the ``with`` block, as ``policy`` says.

    ``stream`` only: ``ahead`` blocks are copied in ahead of use, and when ``weights_budget``
    (device bytes for the blocks' weights) is given, as many blocks as fit in it stay resident.
    """
    device = torch.device(device)
    policy = check_policy(policy)
    if policy == "resident" or device.type == "cpu":
        yield module.to(device)
    elif policy == "stream" and hasattr(module, "transformer_blocks"):
        keep = 0 if weights_budget is None else resident_blocks_within(module, weights_budget, ahead)
        streamer = stream_blocks(module, device, ahead=ahead, keep_resident=keep)
        try:
            yield module
        finally:
            streamer.remove(to="cpu")
    else:
        with _offloaded(module, device) as m:
            yield m

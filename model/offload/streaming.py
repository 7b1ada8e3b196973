"""Block streaming: transformer blocks live in host memory and visit the compute device in turn.

Each streamed block's parameters are packed into one flat host buffer (pinned when the
device is CUDA), so a block travels as a single copy. A ring of ``ahead + 1`` device
buffers ("slots") holds the blocks in use: while block i computes, the next ``ahead``
streamed blocks are copied in on a side stream. Per slot, one event marks its copy as
landed (the compute stream waits on it before the block runs) and one marks the block
using it as finished (the copy stream waits on it before overwriting the slot). The host
never waits. After a block runs its parameters point back at the host buffer.

Blocks named resident stay on the device for good; spreading them between the streamed
ones lets every copy overlap the compute of the blocks in between. Prefetching wraps
around, so the first blocks of the next evaluation load while the current one finishes.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Iterable
from dataclasses import dataclass

import torch
from torch import nn

from ..transformer.model import AVTransformer
from .swap import get_tensor, owned_tensors, set_tensor

log = logging.getLogger(__name__)

ALIGN = 256  # bytes; every packed tensor starts on this boundary (any dtype may view it)


@dataclass(kw_only=True)
class _Entry:
    owner: nn.Module
    name: str
    dtype: torch.dtype
    shape: torch.Size
    offset: int
    nbytes: int


class _PackedBlock:
    """A block's parameters and buffers laid out in one flat byte buffer on the host."""

    def __init__(self, block: nn.Module, pin: bool) -> None:
        self.entries: list[_Entry] = []
        offset = 0
        for owner, name, tensor in owned_tensors(block):
            nbytes = tensor.numel() * tensor.element_size()
            self.entries.append(
                _Entry(
                    owner=owner,
                    name=name,
                    dtype=tensor.dtype,
                    shape=tensor.shape,
                    offset=offset,
                    nbytes=nbytes,
                )
            )
            offset += -(-nbytes // ALIGN) * ALIGN
        self.nbytes = offset
        self.host = torch.empty(offset, dtype=torch.uint8, pin_memory=pin)
        self.host_views = self.views(self.host)
        for e, view in zip(self.entries, self.host_views, strict=True):
            source = get_tensor(e.owner, e.name).detach().reshape(-1).view(torch.uint8)
            view.view(-1).view(torch.uint8).copy_(source)
            set_tensor(e.owner, e.name, view)  # the original storage is released here, tensor by tensor

    @staticmethod
    def view(buffer: torch.Tensor, e: _Entry) -> torch.Tensor:
        return buffer[e.offset : e.offset + e.nbytes].view(e.dtype).view(e.shape)

    def views(self, buffer: torch.Tensor) -> list[torch.Tensor]:
        return [self.view(buffer, e) for e in self.entries]

    def point_at(self, tensors: list[torch.Tensor]) -> None:
        for e, t in zip(self.entries, tensors, strict=True):
            set_tensor(e.owner, e.name, t)

    def is_current(self, block: nn.Module) -> bool:
        """Still what the block's parameters are (nothing moved or replaced them since)."""
        current = [t for _, _, t in owned_tensors(block)]
        return len(current) == len(self.host_views) and all(
            c.data_ptr() == h.data_ptr() and c.dtype == h.dtype and c.shape == h.shape
            for c, h in zip(current, self.host_views, strict=True)
        )


# Packing copies every weight once; a block streamed again later reuses its packed buffer.
_packed: weakref.WeakKeyDictionary[nn.Module, _PackedBlock] = weakref.WeakKeyDictionary()


def _pack(block: nn.Module, pin: bool) -> _PackedBlock:
    packed = _packed.get(block)
    if packed is None or not packed.is_current(block) or (pin and not packed.host.is_pinned()):
        packed = _PackedBlock(block, pin)
        _packed[block] = packed
    return packed


def spread(count: int, total: int) -> tuple[int, ...]:
    """``count`` of ``total`` indices, evenly spaced."""
    if not 0 <= count <= total:
        raise ValueError(f"cannot pick {count} of {total} blocks")
    return tuple(i for i in range(total) if (i + 1) * count // total > i * count // total)


def _nbytes(module: nn.Module) -> int:
    return sum(t.numel() * t.element_size() for _, _, t in owned_tensors(module))


def block_bytes(model: AVTransformer) -> int:
    """Bytes of the largest transformer block's parameters and buffers."""
    return max(_nbytes(b) for b in model.transformer_blocks)


def resident_blocks_within(model: AVTransformer, budget_bytes: int, ahead: int = 2) -> int:
    """How many blocks can stay resident when ``budget_bytes`` of device memory is for block
    weights (the streaming slots included)."""
    per_block = block_bytes(model)
    layers = len(model.transformer_blocks)
    if budget_bytes >= layers * per_block:
        return layers
    return max(0, min(layers, budget_bytes // per_block - (ahead + 1)))


class BlockStreamer:
    """Streams an AVTransformer's blocks to ``device``; see the module docstring.

    Use ``stream_blocks`` to install one; ``remove`` (or leaving a ``with`` block) makes the
    model an ordinary module again.
    """

    def __init__(
        self, model: AVTransformer, device: torch.device | str, *, ahead: int = 2, keep_resident: int = 0
    ) -> None:
        if ahead < 0:
            raise ValueError(f"ahead must be 0 or more blocks, got {ahead}")
        blocks = list(model.transformer_blocks)
        if not 0 <= keep_resident <= len(blocks):
            raise ValueError(f"keep_resident must be within 0..{len(blocks)}, got {keep_resident}")
        self.model = model
        self.device = torch.device(device)
        self.cuda = self.device.type == "cuda"
        resident = set(spread(keep_resident, len(blocks)))
        self.resident = tuple(sorted(resident))
        self.streamed = tuple(i for i in range(len(blocks)) if i not in resident)
        self.copies = 0
        n_slots = min(ahead + 1, len(self.streamed))
        self.ahead = n_slots - 1
        # Weights must stay ordinary tensors even when installed under inference_mode: compiled
        # blocks would otherwise see a different kind of input and compile again.
        with torch.inference_mode(False):
            self._host_originals = self._move_unstreamed()
            self._packs = [_pack(blocks[i], pin=self.cuda) for i in self.streamed]
            size = max((p.nbytes for p in self._packs), default=0)
            self._slots = [torch.empty(size, dtype=torch.uint8, device=self.device) for _ in range(n_slots)]
            self._slot_views = [[p.views(s) for s in self._slots] for p in self._packs]
        self._holds: list[int | None] = [None] * n_slots  # streamed index held by each slot
        self._where: dict[int, int] = {}  # streamed index -> slot
        self._copy_stream = torch.cuda.Stream(self.device) if self.cuda else None
        self._landed = [torch.cuda.Event() if self.cuda else None for _ in range(n_slots)]
        self._released = [torch.cuda.Event() if self.cuda else None for _ in range(n_slots)]
        self._hooks = []
        for k, i in enumerate(self.streamed):
            self._hooks.append(blocks[i].register_forward_pre_hook(self._before(k)))
            self._hooks.append(blocks[i].register_forward_hook(self._after(k)))
        log.info(
            "streaming %d of %d blocks to %s (%d resident, %d slots of %.1f MiB)",
            len(self.streamed), len(blocks), self.device, len(self.resident), n_slots, size / 2**20,
        )  # fmt: skip

    def __enter__(self) -> BlockStreamer:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()

    @property
    def device_bytes(self) -> int:
        """Device memory the streamer holds for block weights: slots plus resident blocks."""
        blocks = self.model.transformer_blocks
        return sum(s.numel() for s in self._slots) + sum(_nbytes(blocks[i]) for i in self.resident)

    def _move_unstreamed(self) -> list[tuple[nn.Module, str, torch.Tensor]]:
        """Resident blocks and everything outside the blocks go to the device; host originals
        are kept, so returning to the host needs no copy."""
        blocks = self.model.transformer_blocks
        streamed = {id(m) for i in self.streamed for m in blocks[i].modules()}
        host = []
        for owner, name, t in owned_tensors(self.model):
            if id(owner) not in streamed and t.device != self.device:
                host.append((owner, name, t.detach()))
                set_tensor(owner, name, t.detach().to(self.device))
        return host

    def _upcoming(self, k: int) -> list[int]:
        n = len(self.streamed)
        return [(k + j) % n for j in range(1, self.ahead + 1)]

    def _load(self, k: int, protected: Iterable[int]) -> None:
        """Start copying streamed block ``k`` into a slot no protected block holds."""
        protected = set(protected)
        free = [s for s, held in enumerate(self._holds) if held is None]
        slot = free[0] if free else next(s for s, held in enumerate(self._holds) if held not in protected)
        old = self._holds[slot]
        if old is not None:
            del self._where[old]
        self._holds[slot], self._where[k] = k, slot
        pack, target = self._packs[k], self._slots[slot][: self._packs[k].nbytes]
        if self.cuda:
            with torch.cuda.stream(self._copy_stream):
                self._copy_stream.wait_event(self._released[slot])
                target.copy_(pack.host, non_blocking=True)
                self._landed[slot].record(self._copy_stream)
        else:
            target.copy_(pack.host)
        self.copies += 1

    def _before(self, k: int):
        def hook(block: nn.Module, args) -> None:
            upcoming = self._upcoming(k)
            if k not in self._where:
                self._load(k, upcoming)
            slot = self._where[k]
            if self.cuda:
                torch.cuda.current_stream(self.device).wait_event(self._landed[slot])
            self._packs[k].point_at(self._slot_views[k][slot])
            for j in upcoming:
                if j not in self._where:
                    self._load(j, [k, *upcoming])

        return hook

    def _after(self, k: int):
        def hook(block: nn.Module, args, output) -> None:
            slot = self._where[k]
            if self.cuda:
                self._released[slot].record(torch.cuda.current_stream(self.device))
            self._packs[k].point_at(self._packs[k].host_views)

        return hook

    def remove(self, to: torch.device | str | None = None) -> None:
        """Stop streaming. Blocks and the rest go to ``to``: the streaming device by default,
        or the host ("cpu"), where blocks keep their packed buffers (no copy)."""
        for h in self._hooks:
            h.remove()
        self._hooks.clear()
        if self.cuda:
            torch.cuda.current_stream(self.device).wait_stream(self._copy_stream)
        self._slots, self._slot_views, self._holds, self._where = [], [], [], {}
        with torch.inference_mode(False):
            self._restore(self.device if to is None else torch.device(to))

    def _restore(self, target: torch.device) -> None:
        on_host = target.type == "cpu"
        for pack in self._packs:
            pack.point_at(pack.host_views if on_host else [t.to(target) for t in pack.host_views])
        if on_host:
            for owner, name, host in self._host_originals:
                set_tensor(owner, name, host)
        self._host_originals = []
        for owner, name, t in owned_tensors(self.model):
            if t.device != target:
                set_tensor(owner, name, t.detach().to(target))


def stream_blocks(
    model: AVTransformer, device: torch.device | str, *, ahead: int = 2, keep_resident: int = 0
) -> BlockStreamer:
    """Keep ``model``'s blocks in host memory and stream them to ``device`` as they run.

    ``ahead``: blocks copied in ahead of use (device memory: ``ahead + 1`` blocks plus the
    resident ones); ``keep_resident``: blocks that stay on the device (spread evenly).
    Works on any model placement; packing happens one block at a time, so peak memory grows
    by at most one block on either side.
    """
    return BlockStreamer(model, device, ahead=ahead, keep_resident=keep_resident)

"""Peak tensor memory on any device, CPU included, measured by watching every torch op.

Inside ``with PeakTensorMemory() as meter:`` each op's outputs are inspected: an output
whose storage is not one of the op's inputs' is a new allocation and is counted until the
last tensor viewing it dies. ``meter.peak`` is the most bytes alive at once. Storage that
existed before the context (weights, the input latent) is not counted, and neither is the
scratch memory kernels allocate internally (im2col buffers and the like), which also scales
with the size of the op's inputs.
"""

from __future__ import annotations

import weakref

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves


class PeakTensorMemory(TorchDispatchMode):
    def __init__(self) -> None:
        super().__init__()
        self.current = 0
        self.peak = 0
        self._live: dict[int, list[int]] = {}  # storage pointer → [bytes, tensors viewing it]

    def _release(self, key: int) -> None:
        entry = self._live.get(key)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] == 0:
            self.current -= entry[0]
            del self._live[key]

    def _hold(self, t: torch.Tensor, key: int) -> None:
        self._live[key][1] += 1
        weakref.finalize(t, self._release, key)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        inputs = {
            a.untyped_storage().data_ptr() for a in tree_leaves((args, kwargs)) if isinstance(a, torch.Tensor)
        }
        for t in tree_leaves(out):
            if not isinstance(t, torch.Tensor):
                continue
            key = t.untyped_storage().data_ptr()
            if key in inputs or key == 0:
                if key in self._live:
                    self._hold(t, key)
                continue
            if key not in self._live:
                self._live[key] = [t.untyped_storage().nbytes(), 0]
                self.current += self._live[key][0]
                self.peak = max(self.peak, self.current)
            self._hold(t, key)
        return out

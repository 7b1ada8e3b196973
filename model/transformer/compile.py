"""Opt-in ``torch.compile`` of the transformer blocks.

Only the blocks' math is compiled (``AVBlock.compute``): which attention a guidance pass
skips is decided before it, so the compiled code never depends on a block's index and one
graph serves all blocks of the same shapes. Inside it the compiler fuses the elementwise
work around the matmuls: RMS norms, AdaLN modulation, RoPE, gates and residual adds.
Block streaming (model/offload/streaming.py) works underneath: it swaps parameter storage
between calls, which compiled code reads as ordinary inputs (avoid CUDA-graph modes there).
"""

from __future__ import annotations

import importlib.util
import logging
import shutil
import types

import torch

from .model import AVBlock, AVTransformer

log = logging.getLogger(__name__)


def compile_unavailable(device: torch.device | str, backend: str = "inductor") -> str | None:
    """Why ``torch.compile`` with ``backend`` cannot run on ``device`` here, or None if it can."""
    if not hasattr(torch, "compile"):
        return "this torch has no torch.compile"
    if backend != "inductor":
        return None
    kind = torch.device(device).type
    if kind == "cuda" and importlib.util.find_spec("triton") is None:
        return "inductor on CUDA needs triton, which is not installed"
    if kind == "cpu" and not any(shutil.which(c) for c in ("g++", "c++", "clang++", "cl")):
        return "inductor on CPU needs a C++ compiler (g++ or clang++) on PATH"
    return None


def compile_blocks(
    model: AVTransformer,
    *,
    backend: str = "inductor",
    mode: str | None = None,
    dynamic: bool | None = False,
    fullgraph: bool = False,
) -> None:
    """Run every block's math through one compiled function (compiled on first use).

    ``dynamic=False`` specialises on shapes: a new resolution or clip length compiles
    again once. ``uncompile_blocks`` restores eager execution.
    """
    compiled = torch.compile(
        AVBlock.compute, backend=backend, mode=mode, dynamic=dynamic, fullgraph=fullgraph
    )
    for block in model.transformer_blocks:
        block.compute = types.MethodType(compiled, block)
    log.info("transformer blocks will compile on first use (backend %s, mode %s)", backend, mode)


def uncompile_blocks(model: AVTransformer) -> None:
    for block in model.transformer_blocks:
        block.__dict__.pop("compute", None)


def blocks_compiled(model: AVTransformer) -> bool:
    return all("compute" in block.__dict__ for block in model.transformer_blocks)

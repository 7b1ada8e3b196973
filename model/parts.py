"""Loading each part of a checkpoint: where its keys live and how it is built."""

from __future__ import annotations

from pathlib import Path

import torch

from .checkpoint import (
    CONNECTOR_NAMES,
    TEXT_PROJECTION_PREFIX,
    TRANSFORMER_PREFIX,
    Checkpoint,
    is_block_linear,
)
from .text import TextConditioner
from .transformer import AVTransformer

WeightDtype = torch.dtype | str


def resolve_dtype(dtype: WeightDtype, device: torch.device | str) -> tuple[torch.dtype, bool]:
    """(compute dtype, hold block weights in fp8) from a user choice: auto/bf16/fp16/fp32/fp8."""
    if isinstance(dtype, torch.dtype):
        return dtype, False
    name = dtype.lower()
    on_gpu = torch.device(device).type == "cuda"
    table = {
        "auto": (torch.bfloat16 if on_gpu else torch.float32, False),
        "bf16": (torch.bfloat16, False),
        "bfloat16": (torch.bfloat16, False),
        "fp16": (torch.float16, False),
        "float16": (torch.float16, False),
        "fp32": (torch.float32, False),
        "float32": (torch.float32, False),
        "fp8": (torch.bfloat16, True),
    }
    if name not in table:
        raise ValueError(f"dtype must be one of auto, bf16, fp16, fp32, fp8; got {dtype!r}")
    return table[name]


def _open(source: str | Path | Checkpoint) -> Checkpoint:
    return source if isinstance(source, Checkpoint) else Checkpoint(source)


def load_transformer(
    source: str | Path | Checkpoint, device: torch.device | str = "cpu", dtype: WeightDtype = torch.float32
) -> AVTransformer:
    """The audio-video transformer of an LTX-2 layout checkpoint."""
    ckpt = _open(source)
    cfg = ckpt.transformer_config()
    compute, fp8 = resolve_dtype(dtype, device)
    connectors = tuple(TRANSFORMER_PREFIX + c for c in CONNECTOR_NAMES)
    return ckpt.load(
        lambda: AVTransformer(cfg),
        {"": TRANSFORMER_PREFIX},
        what=f"LTX-{cfg.generation} transformer",
        device=device,
        dtype=compute,
        fp8_layers=is_block_linear if fp8 else None,
        owned_prefixes=(TRANSFORMER_PREFIX,),
        ignore=lambda k: k.startswith(connectors),
    )


def load_text_conditioner(
    source: str | Path | Checkpoint, device: torch.device | str = "cpu", dtype: WeightDtype = torch.float32
) -> TextConditioner:
    """Feature extractor and embeddings connectors (what turns encoder states into context)."""
    ckpt = _open(source)
    cfg = ckpt.transformer_config()
    compute, _ = resolve_dtype(dtype, device)
    prefixes = {
        "feature_extractor.": TEXT_PROJECTION_PREFIX,
        "video_embeddings_connector.": TRANSFORMER_PREFIX + "video_embeddings_connector.",
        "audio_embeddings_connector.": TRANSFORMER_PREFIX + "audio_embeddings_connector.",
    }
    return ckpt.load(
        lambda: TextConditioner(cfg),
        prefixes,
        what=f"LTX-{cfg.generation} text connectors",
        device=device,
        dtype=compute,
        owned_prefixes=(TEXT_PROJECTION_PREFIX, *(TRANSFORMER_PREFIX + c for c in CONNECTOR_NAMES)),
    )

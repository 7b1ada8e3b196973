"""Initial weights for training from scratch: every block starts as the identity (adaLN-zero)."""

from __future__ import annotations

import torch
from torch import nn

from ..model.text.conditioner import TextConditioner
from ..model.transformer.model import AVTransformer


def _zero(*tensors: torch.Tensor | None) -> None:
    for t in tensors:
        if t is not None:
            nn.init.zeros_(t)


@torch.no_grad()
def initialize(transformer: AVTransformer, conditioner: TextConditioner, seed: int) -> None:
    torch.manual_seed(seed)
    for module in (transformer, conditioner):
        for m in module.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                _zero(m.bias)
            elif isinstance(m, nn.RMSNorm):
                nn.init.ones_(m.weight)
    # Modulation starts at zero: shift 0, scale 0, gate 0, so each block passes its input through.
    for name, p in transformer.named_parameters():
        if "scale_shift_table" in name:
            _zero(p)
    for m in transformer.modules():
        if hasattr(m, "linear") and hasattr(m, "emb"):  # the AdaLN-single heads
            _zero(m.linear.weight, m.linear.bias)
    _zero(transformer.proj_out.weight, transformer.proj_out.bias)
    _zero(transformer.audio_proj_out.weight, transformer.audio_proj_out.bias)
    for connector in (conditioner.video_embeddings_connector, conditioner.audio_embeddings_connector):
        if connector.learnable_registers is not None:
            connector.learnable_registers.uniform_(-1.0, 1.0)

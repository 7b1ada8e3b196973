"""Scaled dot-product attention over (B, T, H·D) tensors.

Goes through ``torch.nn.functional.scaled_dot_product_attention`` so CUDA picks flash or
memory-efficient kernels on its own.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, heads: int, mask: torch.Tensor | None = None
) -> torch.Tensor:
    """``mask``: boolean (B, S) over keys (True = may attend), or an additive bias (B, 1, T, S)."""
    q, k, v = (t.unflatten(-1, (heads, -1)).transpose(1, 2) for t in (q, k, v))
    if mask is not None and mask.dtype == torch.bool and mask.ndim == 2:
        mask = mask[:, None, None, :]
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    return out.transpose(1, 2).flatten(2)

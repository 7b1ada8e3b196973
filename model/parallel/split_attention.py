"""Attention whose queries and keys are token sequences split across ranks.

With as many heads as a multiple of the ranks, Ulysses: an all-to-all turns each rank's tokens
of every head into every token of its share of the heads, attention runs there whole, and a
second all-to-all turns it back. Otherwise each rank gathers the keys and values of every
token (more bytes, any head count). Either way the padding the split adds is cut off before
attention, so the result is the one-device result.
"""

from __future__ import annotations

import torch

from ..transformer.attention import attention
from .exchange import heads_to_seq, seq_to_heads
from .sequence import SequenceShard


def uses_ulysses(heads: int, shard: SequenceShard) -> bool:
    return heads % shard.world == 0


def split_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    heads: int,
    queries: SequenceShard,
    keys: SequenceShard,
    bias: torch.Tensor | None = None,
) -> torch.Tensor:
    """q (B, c_q, H·D) and k, v (B, c_k, H·D): this rank's chunks; → its chunk of the output.
    ``bias``: an additive bias over the whole sequences (B, 1, T_q, T_k), or None."""
    if bias is not None and (bias.ndim != 4 or bias.shape[1] != 1):
        raise ValueError(
            "a self-attention bias split across ranks must be (B, 1, T, T), shared by the heads; "
            f"got shape {tuple(bias.shape)}"
        )
    if not uses_ulysses(heads, queries):
        return _gathered_keys(q, k, v, heads, queries, keys, bias)
    group = queries.group
    q, k, v = (t.unflatten(-1, (heads, -1)) for t in (q, k, v))
    q = seq_to_heads(q, group)[:, : queries.length]
    k = seq_to_heads(k, group)[:, : keys.length]
    v = seq_to_heads(v, group)[:, : keys.length]
    local_heads = heads // queries.world
    out = attention(q.flatten(2), k.flatten(2), v.flatten(2), local_heads, bias)
    out = queries.pad(out).unflatten(-1, (local_heads, -1))
    return heads_to_seq(out, group).flatten(2)


def _gathered_keys(q, k, v, heads, queries, keys, bias):
    k, v = keys.gather(k), keys.gather(v)
    if bias is not None:
        bias = queries.take(bias, dim=2)
    return attention(q, k, v, heads, bias)

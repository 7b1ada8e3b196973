"""Building blocks of the audio-video DiT. Parameter names follow the LTX-2 checkpoint keys."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ..parallel.sequence import SequenceShard
from ..parallel.split_attention import split_attention
from .attention import attention
from .rope import Rope, apply_rope


def rms_norm(x: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    return F.rms_norm(x, (x.shape[-1],), eps=eps)


def modulate(x: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """x · (1 + scale) + shift in one pass over x."""
    return torch.addcmul(shift, x, 1 + scale)


class Attention(nn.Module):
    """Multi-head attention with RMS QK-norm, rotary positions and optional per-head gates.

    ``skip`` blends the attention output with the value projection per batch element
    (1 keeps attention, 0 passes values through); ``skip_all`` is the cheap all-zero case.
    ``split``: how the queries' and the keys' sequences are split across ranks, when they are.
    """

    def __init__(
        self,
        query_dim: int,
        heads: int,
        head_dim: int,
        context_dim: int | None = None,
        gated: bool = False,
        eps: float = 1e-6,
    ) -> None:
        super().__init__()
        inner = heads * head_dim
        context_dim = query_dim if context_dim is None else context_dim
        self.heads = heads
        self.head_dim = head_dim
        self.to_q = nn.Linear(query_dim, inner)
        self.to_k = nn.Linear(context_dim, inner)
        self.to_v = nn.Linear(context_dim, inner)
        self.q_norm = nn.RMSNorm(inner, eps=eps)
        self.k_norm = nn.RMSNorm(inner, eps=eps)
        self.to_gate_logits = nn.Linear(query_dim, heads) if gated else None
        self.to_out = nn.ModuleList([nn.Linear(inner, query_dim)])

    def forward(
        self,
        x: torch.Tensor,
        context: torch.Tensor | None = None,
        *,
        rope: Rope | None = None,
        key_rope: Rope | None = None,
        mask: torch.Tensor | None = None,
        keep: torch.Tensor | None = None,
        skip_all: bool = False,
        split: tuple[SequenceShard, SequenceShard] | None = None,
    ) -> torch.Tensor:
        context = x if context is None else context
        v = self.to_v(context)
        if skip_all:
            out = v
        else:
            q = self.q_norm(self.to_q(x))
            k = self.k_norm(self.to_k(context))
            if rope is not None:
                q = apply_rope(q, rope)
                k = apply_rope(k, rope if key_rope is None else key_rope)
            if split is None:
                out = attention(q, k, v, self.heads, mask)
            else:
                out = split_attention(q, k, v, self.heads, *split, mask)
            if keep is not None:
                out = out * keep + v * (1 - keep)
        if self.to_gate_logits is not None:
            gates = 2.0 * torch.sigmoid(self.to_gate_logits(x))  # zero logits are the identity
            out = (out.unflatten(-1, (self.heads, self.head_dim)) * gates.unsqueeze(-1)).flatten(-2)
        return self.to_out[0](out)


class GeluProjection(nn.Module):
    def __init__(self, dim_in: int, dim_out: int, bias: bool = True) -> None:
        super().__init__()
        self.proj = nn.Linear(dim_in, dim_out, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.gelu(self.proj(x), approximate="tanh")


class FeedForward(nn.Module):
    def __init__(self, dim: int, mult: int = 4, bias: bool = True) -> None:
        super().__init__()
        inner = dim * mult
        self.net = nn.Sequential(
            GeluProjection(dim, inner, bias=bias), nn.Identity(), nn.Linear(inner, dim, bias=bias)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def sinusoidal_embedding(t: torch.Tensor, channels: int = 256, max_period: float = 10000.0) -> torch.Tensor:
    """[cos | sin] of t · exp(-ln(max_period) · i / half) for i < half, as PixArt embeds timesteps."""
    half = channels // 2
    exponent = -math.log(max_period) * torch.arange(half, dtype=torch.float32, device=t.device) / half
    angles = t[:, None].float() * torch.exp(exponent)[None, :]
    return torch.cat([torch.cos(angles), torch.sin(angles)], dim=-1)


class TimestepMLP(nn.Module):
    def __init__(self, dim: int, channels: int = 256) -> None:
        super().__init__()
        self.linear_1 = nn.Linear(channels, dim)
        self.linear_2 = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear_2(F.silu(self.linear_1(x)))


class TimestepEmbedding(nn.Module):
    """Holds the MLP under the checkpoint's ``emb.timestep_embedder`` name."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.timestep_embedder = TimestepMLP(dim)

    def forward(self, t: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        return self.timestep_embedder(sinusoidal_embedding(t).to(dtype))


class AdaLNSingle(nn.Module):
    """Timestep → (``n`` modulation vectors, the embedding itself), shared by all blocks."""

    def __init__(self, dim: int, n: int) -> None:
        super().__init__()
        self.n = n
        self.emb = TimestepEmbedding(dim)
        self.linear = nn.Linear(dim, n * dim)

    def forward(self, t: torch.Tensor, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
        """t (...) → modulation (..., n, dim) and embedding (..., dim)."""
        embedded = self.emb(t.flatten(), dtype)
        mod = self.linear(F.silu(embedded))
        return mod.unflatten(-1, (self.n, -1)).unflatten(0, t.shape), embedded.unflatten(0, t.shape)


class CaptionProjection(nn.Module):
    def __init__(self, dim_in: int, dim: int) -> None:
        super().__init__()
        self.linear_1 = nn.Linear(dim_in, dim)
        self.linear_2 = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear_2(F.gelu(self.linear_1(x), approximate="tanh"))

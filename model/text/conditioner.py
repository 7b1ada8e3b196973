"""From a prompt to the context each stream attends to.

text encoder (any model exposing all hidden states) → feature extractor (normalise the
stacked layers, project) → one 1-D connector transformer per stream (padding replaced by
learnable registers, 1-D RoPE) → video context, audio context.

Feature extractor V1 (LTX-2.0) normalises each layer over the whole prompt and projects
once for both streams; V2 (LTX-2.3) RMS-normalises each token and projects per stream.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import torch
from torch import nn

from ..config import ConnectorConfig, TextFeatureConfig, TransformerConfig
from ..transformer.layers import Attention, FeedForward, rms_norm
from ..transformer.rope import make_rope


@dataclass
class EncodedText:
    """Hidden states of every layer (B, T, D, L) and the token mask (B, T), 1 = real token."""

    hidden: torch.Tensor
    mask: torch.Tensor


@dataclass
class PromptEmbedding:
    """What the transformer receives: per-stream context (B, S, D) and its key mask (B, S)."""

    video: torch.Tensor
    audio: torch.Tensor
    mask: torch.Tensor

    def to(self, device: torch.device | str, dtype: torch.dtype | None = None) -> PromptEmbedding:
        return PromptEmbedding(
            self.video.to(device=device, dtype=dtype),
            self.audio.to(device=device, dtype=dtype),
            self.mask.to(device),
        )

    @staticmethod
    def cat(items: Sequence[PromptEmbedding]) -> PromptEmbedding:
        lengths = {e.video.shape[1] for e in items}
        if len(lengths) != 1:
            raise ValueError(f"prompt embeddings differ in length ({sorted(lengths)}); encode them together")
        return PromptEmbedding(
            torch.cat([e.video for e in items]),
            torch.cat([e.audio for e in items]),
            torch.cat([e.mask for e in items]),
        )


class TextEncoder(Protocol):
    """Anything that turns prompts into stacked hidden states, e.g. Gemma 3 or MiniLM."""

    hidden_size: int
    hidden_states: int

    def encode(self, prompts: Sequence[str]) -> EncodedText: ...


def normalize_per_prompt(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """V1: per prompt and layer, centre on the masked mean and scale by 8 / (max − min)."""
    b, t, d, layers = hidden.shape
    valid = mask.bool()[:, :, None, None]
    eps = 1e-6
    count = mask.sum(dim=1).to(hidden.dtype) * d
    mean = hidden.masked_fill(~valid, 0.0).sum(dim=(1, 2), keepdim=True) / (count.view(b, 1, 1, 1) + eps)
    lo = hidden.masked_fill(~valid, float("inf")).amin(dim=(1, 2), keepdim=True)
    hi = hidden.masked_fill(~valid, float("-inf")).amax(dim=(1, 2), keepdim=True)
    normed = (8 * (hidden - mean) / (hi - lo + eps)).reshape(b, t, d * layers)
    return normed.masked_fill(~valid[:, :, :, 0], 0.0)


def normalize_per_token(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """V2: RMS-normalise each token of each layer."""
    b, t, d, layers = hidden.shape
    normed = hidden * torch.rsqrt(hidden.pow(2).mean(dim=2, keepdim=True) + 1e-6)
    normed = normed.reshape(b, t, d * layers)
    return torch.where(mask.bool()[..., None], normed, torch.zeros_like(normed))


class FeatureExtractor(nn.Module):
    """Checkpoint prefix ``text_embedding_projection.``."""

    def __init__(self, cfg: TextFeatureConfig, video_dim: int, audio_dim: int) -> None:
        super().__init__()
        self.version = cfg.version
        self.hidden_size = cfg.hidden_size
        if cfg.version == 1:
            self.aggregate_embed = nn.Linear(cfg.flat_dim, cfg.hidden_size, bias=False)
        else:
            self.video_aggregate_embed = nn.Linear(cfg.flat_dim, video_dim)
            self.audio_aggregate_embed = nn.Linear(cfg.flat_dim, audio_dim)

    def forward(self, text: EncodedText) -> tuple[torch.Tensor, torch.Tensor]:
        dtype = text.hidden.dtype
        if self.version == 1:
            features = self.aggregate_embed(normalize_per_prompt(text.hidden, text.mask).to(dtype))
            return features, features
        normed = normalize_per_token(text.hidden, text.mask).to(dtype)
        out = []
        for proj in (self.video_aggregate_embed, self.audio_aggregate_embed):
            out.append(proj(normed * math.sqrt(proj.out_features / self.hidden_size)))
        return out[0], out[1]


class ConnectorBlock(nn.Module):
    def __init__(self, cfg: ConnectorConfig) -> None:
        super().__init__()
        self.attn1 = Attention(cfg.dim, cfg.heads, cfg.head_dim, gated=cfg.gated_attention)
        self.ff = FeedForward(cfg.dim, bias=cfg.ff_bias)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None, rope) -> torch.Tensor:
        x = x + self.attn1(rms_norm(x), rope=rope, mask=mask)
        return x + self.ff(rms_norm(x))


class Connector(nn.Module):
    """Checkpoint prefix ``model.diffusion_model.{video,audio}_embeddings_connector.``."""

    def __init__(self, cfg: ConnectorConfig, rope_theta: float, rope_type: str, rope_float64: bool) -> None:
        super().__init__()
        self.cfg = cfg
        self.rope_args = dict(theta=rope_theta, layout=rope_type, float64=rope_float64)
        self.transformer_1d_blocks = nn.ModuleList([ConnectorBlock(cfg) for _ in range(cfg.layers)])
        if cfg.registers:
            self.learnable_registers = nn.Parameter(torch.empty(cfg.registers, cfg.dim))
        else:
            self.learnable_registers = None

    def _with_registers(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Real tokens first, in order; every later slot j holds register j mod R."""
        b, t, d = x.shape
        r = self.cfg.registers
        if t % r:
            raise ValueError(f"text length {t} must be a multiple of the {r} learnable registers")
        valid = mask.bool()
        order = torch.argsort((~valid).to(torch.int8), dim=1, stable=True)
        packed = torch.gather(x, 1, order[..., None].expand(-1, -1, d))
        front = torch.arange(t, device=x.device)[None, :] < valid.sum(dim=1, keepdim=True)
        registers = self.learnable_registers.to(x.dtype).repeat(t // r, 1)[None]
        return torch.where(front[..., None], packed, registers)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x (B, T, D), mask (B, T) → context (B, T, D) and the mask still in force."""
        attn_mask: torch.Tensor | None = mask.bool()
        if self.learnable_registers is not None:
            x = self._with_registers(x, mask)
            attn_mask = None
        positions = torch.arange(x.shape[1], dtype=torch.float32, device=x.device)[None, None, :]
        rope = make_rope(
            positions,
            max_pos=self.cfg.max_pos,
            dim=self.cfg.dim,
            heads=self.cfg.heads,
            dtype=x.dtype,
            middle=False,
            **self.rope_args,
        )
        for block in self.transformer_1d_blocks:
            x = block(x, attn_mask, rope)
        x = rms_norm(x)
        kept = torch.ones_like(mask, dtype=torch.bool) if attn_mask is None else attn_mask
        return x, kept


class TextConditioner(nn.Module):
    """Feature extractor plus the two connectors: the checkpoint's text-side weights."""

    def __init__(self, cfg: TransformerConfig) -> None:
        super().__init__()
        vc, ac = cfg.video_connector, cfg.audio_connector
        self.feature_extractor = FeatureExtractor(cfg.text, vc.dim, ac.dim)
        rope = (cfg.rope_theta, cfg.rope_type, cfg.rope_float64)
        self.video_embeddings_connector = Connector(vc, *rope)
        self.audio_embeddings_connector = Connector(ac, *rope)

    @property
    def dtype(self) -> torch.dtype:
        return next(self.parameters()).dtype

    def forward(self, text: EncodedText) -> PromptEmbedding:
        video, audio = self.feature_extractor(text)
        video, kept = self.video_embeddings_connector(video, text.mask)
        audio, _ = self.audio_embeddings_connector(audio, text.mask)
        video = video * kept[..., None].to(video.dtype)
        return PromptEmbedding(video, audio, kept)

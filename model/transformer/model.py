"""The LTX-2 audio-video diffusion transformer: two streams, one block class.

Each block runs, per stream, AdaLN-modulated self-attention, text cross-attention,
then audio↔video cross-attention (both directions) and a modulated feed-forward.
Timesteps are per token (σ times the denoise mask) so clean conditioning tokens can sit
beside noisy ones; since a mask holds few distinct values, modulation is computed once per
value ("level") and gathered per token.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..config import TransformerConfig
from .layers import AdaLNSingle, Attention, CaptionProjection, FeedForward, modulate, rms_norm
from .perturbations import BlockSkips, Keep, Perturbations
from .rope import Rope, make_rope


@dataclass
class Stream:
    """One modality as the transformer receives it.

    latent: tokens (B, T, C); positions: (B, axes, T, 2) bounds (seconds for time, pixels
    for space); sigma: (B,); context: (B, S, D) text context; context_mask: (B, S) bool;
    denoise_mask: (B, T) in [0, 1] (1 = noisy, 0 = clean), its precomputed MaskLevels,
    or None for all noisy.
    """

    latent: torch.Tensor
    positions: torch.Tensor
    sigma: torch.Tensor
    context: torch.Tensor
    context_mask: torch.Tensor | None = None
    denoise_mask: torch.Tensor | MaskLevels | None = None
    self_attention_bias: torch.Tensor | None = None
    enabled: bool = True


@dataclass
class MaskLevels:
    """A denoise mask (B, T) stored as its distinct values (K,) and an index per token.

    Computing it needs one host sync, so samplers build it once per generation.
    """

    levels: torch.Tensor
    index: torch.Tensor | None

    @staticmethod
    def of(mask: torch.Tensor) -> MaskLevels:
        levels, index = torch.unique(mask.float(), return_inverse=True)
        return MaskLevels(levels, index if levels.numel() > 1 else None)


@dataclass
class TokenLevels:
    """Distinct timestep values (B, K) and which one each token uses (B, T), or None if K == 1."""

    values: torch.Tensor
    index: torch.Tensor | None

    @staticmethod
    def from_mask(sigma: torch.Tensor, mask: torch.Tensor | MaskLevels | None) -> TokenLevels:
        if mask is None:
            return TokenLevels(sigma[:, None].float(), None)
        levels = mask if isinstance(mask, MaskLevels) else MaskLevels.of(mask)
        return TokenLevels(sigma[:, None].float() * levels.levels[None, :], levels.index)

    def per_token(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, K, D) → (B, T, D), or (B, 1, D) when all tokens share one level."""
        if self.index is None:
            return x
        return torch.gather(x, 1, self.index[..., None].expand(-1, -1, x.shape[-1]))


@dataclass
class _StreamState:
    """A stream inside the blocks: hidden state plus the per-call values blocks read."""

    x: torch.Tensor
    levels: TokenLevels
    mod: torch.Tensor  # (B, K, n, D) from adaln_single
    embedded: torch.Tensor  # (B, K, D)
    context: torch.Tensor
    context_mask: torch.Tensor | None
    rope: Rope
    cross_rope: Rope
    cross_levels: TokenLevels
    cross_mod: torch.Tensor  # (B, K', 4, D)
    cross_gate: torch.Tensor  # (B, K', 1, D)
    prompt_mod: torch.Tensor | None  # (B, 1, 2, D)
    attention_bias: torch.Tensor | None
    enabled: bool

    def ada(self, table: torch.Tensor, i: int) -> torch.Tensor:
        return self.levels.per_token(table[i].to(self.mod.dtype) + self.mod[:, :, i])

    def cross_ada(self, table: torch.Tensor, i: int) -> torch.Tensor:
        if i < 4:
            value = table[i].to(self.cross_mod.dtype) + self.cross_mod[:, :, i]
        else:
            value = table[i].to(self.cross_gate.dtype) + self.cross_gate[:, :, 0]
        return self.cross_levels.per_token(value)


class AVBlock(nn.Module):
    def __init__(self, idx: int, cfg: TransformerConfig) -> None:
        super().__init__()
        self.idx = idx
        self.eps = cfg.norm_eps
        vd, ad, gated, eps = cfg.video_dim, cfg.audio_dim, cfg.gated_attention, cfg.norm_eps
        n = cfg.adaln_coefficients
        self.attn1 = Attention(vd, cfg.video_heads, cfg.video_head_dim, gated=gated, eps=eps)
        self.attn2 = Attention(
            vd, cfg.video_heads, cfg.video_head_dim, context_dim=cfg.video_context_dim, gated=gated, eps=eps
        )
        self.ff = FeedForward(vd)
        self.scale_shift_table = nn.Parameter(torch.empty(n, vd))
        self.audio_attn1 = Attention(ad, cfg.audio_heads, cfg.audio_head_dim, gated=gated, eps=eps)
        self.audio_attn2 = Attention(
            ad, cfg.audio_heads, cfg.audio_head_dim, context_dim=cfg.audio_context_dim, gated=gated, eps=eps
        )
        self.audio_ff = FeedForward(ad)
        self.audio_scale_shift_table = nn.Parameter(torch.empty(n, ad))
        # Both directions use the audio stream's head layout.
        self.audio_to_video_attn = Attention(
            vd, cfg.audio_heads, cfg.audio_head_dim, context_dim=ad, gated=gated, eps=eps
        )
        self.video_to_audio_attn = Attention(
            ad, cfg.audio_heads, cfg.audio_head_dim, context_dim=vd, gated=gated, eps=eps
        )
        self.scale_shift_table_a2v_ca_video = nn.Parameter(torch.empty(5, vd))
        self.scale_shift_table_a2v_ca_audio = nn.Parameter(torch.empty(5, ad))
        if cfg.cross_attention_adaln:
            self.prompt_scale_shift_table = nn.Parameter(torch.empty(2, vd))
            self.audio_prompt_scale_shift_table = nn.Parameter(torch.empty(2, ad))
        else:
            self.prompt_scale_shift_table = None
            self.audio_prompt_scale_shift_table = None

    def _self_and_text(
        self,
        s: _StreamState,
        table: torch.Tensor,
        prompt_table: torch.Tensor | None,
        self_attn: Attention,
        text_attn: Attention,
        skip: Keep,
    ) -> torch.Tensor:
        x = s.x
        keep, skip_all = skip
        h = modulate(rms_norm(x, self.eps), s.ada(table, 0), s.ada(table, 1))
        h = self_attn(h, rope=s.rope, mask=s.attention_bias, keep=keep, skip_all=skip_all)
        x = torch.addcmul(x, h, s.ada(table, 2))
        if prompt_table is None:
            return x + text_attn(rms_norm(x, self.eps), s.context, mask=s.context_mask)
        q = modulate(rms_norm(x, self.eps), s.ada(table, 6), s.ada(table, 7))
        kv = prompt_table.to(s.prompt_mod.dtype) + s.prompt_mod
        context = modulate(s.context, kv[:, :, 0], kv[:, :, 1])
        return torch.addcmul(x, text_attn(q, context, mask=s.context_mask), s.ada(table, 8))

    def _cross(
        self,
        q: _StreamState,
        kv: _StreamState,
        q_norm: torch.Tensor,
        kv_norm: torch.Tensor,
        q_table: torch.Tensor,
        kv_table: torch.Tensor,
        first: int,
        attn: Attention,
        keep: torch.Tensor | None,
    ) -> torch.Tensor:
        """Cross-attention from stream ``q`` to stream ``kv``; rows first/first+1 are (scale, shift)."""
        q_in = modulate(q_norm, q.cross_ada(q_table, first + 1), q.cross_ada(q_table, first))
        kv_in = modulate(kv_norm, kv.cross_ada(kv_table, first + 1), kv.cross_ada(kv_table, first))
        out = attn(q_in, kv_in, rope=q.cross_rope, key_rope=kv.cross_rope) * q.cross_ada(q_table, 4)
        return out if keep is None else out * keep

    def forward(self, v: _StreamState, a: _StreamState, perturbations: Perturbations) -> None:
        self.compute(v, a, perturbations.at_block(self.idx, v.x))

    def compute(self, v: _StreamState, a: _StreamState, skips: BlockSkips) -> None:
        """The block's math, given its skip decisions (what ``compile_blocks`` compiles)."""
        run_v = v.enabled and v.x.numel() > 0
        run_a = a.enabled and a.x.numel() > 0
        if run_v:
            v.x = self._self_and_text(
                v,
                self.scale_shift_table,
                self.prompt_scale_shift_table,
                self.attn1,
                self.attn2,
                skips.video_self,
            )
        if run_a:
            a.x = self._self_and_text(
                a,
                self.audio_scale_shift_table,
                self.audio_prompt_scale_shift_table,
                self.audio_attn1,
                self.audio_attn2,
                skips.audio_self,
            )
        run_a2v = run_v and a.x.numel() > 0
        run_v2a = run_a and v.x.numel() > 0
        if run_a2v or run_v2a:
            v_norm, a_norm = rms_norm(v.x, self.eps), rms_norm(a.x, self.eps)
            vt, at = self.scale_shift_table_a2v_ca_video, self.scale_shift_table_a2v_ca_audio
            if run_a2v:
                keep, skip_all = skips.audio_to_video
                if not skip_all:
                    v.x = v.x + self._cross(v, a, v_norm, a_norm, vt, at, 0, self.audio_to_video_attn, keep)
            if run_v2a:
                keep, skip_all = skips.video_to_audio
                if not skip_all:
                    a.x = a.x + self._cross(a, v, a_norm, v_norm, at, vt, 2, self.video_to_audio_attn, keep)
        if run_v:
            t = self.scale_shift_table
            h = self.ff(modulate(rms_norm(v.x, self.eps), v.ada(t, 3), v.ada(t, 4)))
            v.x = torch.addcmul(v.x, h, v.ada(t, 5))
        if run_a:
            t = self.audio_scale_shift_table
            h = self.audio_ff(modulate(rms_norm(a.x, self.eps), a.ada(t, 3), a.ada(t, 4)))
            a.x = torch.addcmul(a.x, h, a.ada(t, 5))


class AVTransformer(nn.Module):
    """Predicts the flow-matching velocity of both streams."""

    def __init__(self, cfg: TransformerConfig) -> None:
        super().__init__()
        self.cfg = cfg
        vd, ad, n = cfg.video_dim, cfg.audio_dim, cfg.adaln_coefficients
        self.patchify_proj = nn.Linear(cfg.video_in_channels, vd)
        self.audio_patchify_proj = nn.Linear(cfg.audio_in_channels, ad)
        self.adaln_single = AdaLNSingle(vd, n)
        self.audio_adaln_single = AdaLNSingle(ad, n)
        if cfg.cross_attention_adaln:
            self.prompt_adaln_single = AdaLNSingle(vd, 2)
            self.audio_prompt_adaln_single = AdaLNSingle(ad, 2)
        else:
            self.prompt_adaln_single = self.audio_prompt_adaln_single = None
        if cfg.caption_projection:
            self.caption_projection = CaptionProjection(cfg.caption_channels, vd)
            self.audio_caption_projection = CaptionProjection(cfg.caption_channels, ad)
        else:
            self.caption_projection = self.audio_caption_projection = None
        self.av_ca_video_scale_shift_adaln_single = AdaLNSingle(vd, 4)
        self.av_ca_audio_scale_shift_adaln_single = AdaLNSingle(ad, 4)
        self.av_ca_a2v_gate_adaln_single = AdaLNSingle(vd, 1)
        self.av_ca_v2a_gate_adaln_single = AdaLNSingle(ad, 1)
        self.transformer_blocks = nn.ModuleList([AVBlock(i, cfg) for i in range(cfg.num_layers)])
        self.scale_shift_table = nn.Parameter(torch.empty(2, vd))
        self.audio_scale_shift_table = nn.Parameter(torch.empty(2, ad))
        self.norm_out = nn.LayerNorm(vd, elementwise_affine=False, eps=cfg.norm_eps)
        self.audio_norm_out = nn.LayerNorm(ad, elementwise_affine=False, eps=cfg.norm_eps)
        self.proj_out = nn.Linear(vd, cfg.video_out_channels)
        self.audio_proj_out = nn.Linear(ad, cfg.audio_out_channels)

    @property
    def dtype(self) -> torch.dtype:
        return self.patchify_proj.bias.dtype

    def _rope(self, positions: torch.Tensor, max_pos, dim: int, heads: int, dtype) -> Rope:
        c = self.cfg
        return make_rope(
            positions,
            max_pos=tuple(max_pos),
            dim=dim,
            heads=heads,
            theta=c.rope_theta,
            layout=c.rope_type,
            float64=c.rope_float64,
            dtype=dtype,
            middle=c.middle_positions,
        )

    def _cross_levels(self, own: Stream, other: Stream) -> TokenLevels:
        if self.cfg.av_cross_uses_own_timesteps:
            return TokenLevels.from_mask(own.sigma, own.denoise_mask)
        return TokenLevels(other.sigma[:, None].float(), None)

    def _prepare(
        self,
        s: Stream,
        other: Stream,
        *,
        audio: bool,
    ) -> _StreamState:
        c = self.cfg
        prefix = "audio_" if audio else ""
        dim, heads = (c.audio_dim, c.audio_heads) if audio else (c.video_dim, c.video_heads)
        max_pos = c.audio_max_pos if audio else c.video_max_pos
        dtype = s.latent.dtype
        x = getattr(self, f"{prefix}patchify_proj")(s.latent)
        levels = TokenLevels.from_mask(s.sigma, s.denoise_mask)
        mod, embedded = getattr(self, f"{prefix}adaln_single")(levels.values * c.timestep_scale, dtype)
        context = s.context
        projection = getattr(self, f"{prefix}caption_projection")
        if projection is not None:
            context = projection(context)
        prompt_mod = None
        prompt_adaln = getattr(self, f"{prefix}prompt_adaln_single")
        if prompt_adaln is not None:
            prompt_mod, _ = prompt_adaln(s.sigma[:, None].float() * c.timestep_scale, dtype)
        cross_levels = self._cross_levels(s, other)
        scaled = cross_levels.values * c.timestep_scale
        ss = self.av_ca_audio_scale_shift_adaln_single if audio else self.av_ca_video_scale_shift_adaln_single
        gate = self.av_ca_v2a_gate_adaln_single if audio else self.av_ca_a2v_gate_adaln_single
        cross_mod, _ = ss(scaled, dtype)
        cross_gate, _ = gate(scaled * (c.av_timestep_scale / c.timestep_scale), dtype)
        cross_max = (max(c.video_max_pos[0], c.audio_max_pos[0]),)
        return _StreamState(
            x=x,
            levels=levels,
            mod=mod,
            embedded=embedded,
            context=context,
            context_mask=s.context_mask,
            rope=self._rope(s.positions, max_pos, dim, heads, dtype),
            cross_rope=self._rope(s.positions[:, :1], cross_max, c.audio_dim, heads, dtype),
            cross_levels=cross_levels,
            cross_mod=cross_mod,
            cross_gate=cross_gate,
            prompt_mod=prompt_mod,
            attention_bias=s.self_attention_bias,
            enabled=s.enabled,
        )

    def _output(self, s: _StreamState, table: torch.Tensor, norm: nn.Module, proj: nn.Module) -> torch.Tensor:
        values = table[None, None].to(s.embedded.dtype) + s.embedded[:, :, None]
        shift = s.levels.per_token(values[:, :, 0])
        scale = s.levels.per_token(values[:, :, 1])
        return proj(modulate(norm(s.x), shift, scale))

    def forward(
        self, video: Stream, audio: Stream, perturbations: Perturbations | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        batch = video.latent.shape[0]
        perturbations = perturbations or Perturbations.none(batch)
        if len(perturbations.per_sample) != batch:
            raise ValueError(f"perturbations cover {len(perturbations.per_sample)} samples, batch is {batch}")
        v = self._prepare(video, audio, audio=False)
        a = self._prepare(audio, video, audio=True)
        for block in self.transformer_blocks:
            block(v, a, perturbations)
        return (
            self._output(v, self.scale_shift_table, self.norm_out, self.proj_out),
            self._output(a, self.audio_scale_shift_table, self.audio_norm_out, self.audio_proj_out),
        )

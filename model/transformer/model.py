"""The LTX-2 audio-video diffusion transformer: two streams, one block class.

Each block runs, per stream, AdaLN-modulated self-attention, text cross-attention,
then audio↔video cross-attention (both directions) and a modulated feed-forward.
Timesteps are per token (σ times the denoise mask) so clean conditioning tokens can sit
beside noisy ones; since a mask holds few distinct values, modulation is computed once per
value ("level") and gathered per token.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

import torch
import torch.distributed as dist
from torch import nn

from ..config import TransformerConfig
from ..parallel.sequence import SequenceShard
from .layers import AdaLNSingle, Attention, CaptionProjection, FeedForward, modulate, rms_norm
from .perturbations import BlockSkips, Keep, Perturbations
from .rope import Rope, make_rope


class Rows(NamedTuple):
    """Which rows of a scale-shift table modulate one sub-layer (the checkpoints fix the order)."""

    shift: int
    scale: int
    gate: int


class Modulation(NamedTuple):
    """Per-token AdaLN values of one sub-layer: its input x·(1 + scale) + shift, its output × gate."""

    shift: torch.Tensor
    scale: torch.Tensor
    gate: torch.Tensor


# Rows of each stream's ``scale_shift_table`` (9 rows with cross-attention AdaLN, else 6).
SELF_ATTENTION = Rows(shift=0, scale=1, gate=2)
FEED_FORWARD = Rows(shift=3, scale=4, gate=5)
TEXT_QUERY = Rows(shift=6, scale=7, gate=8)
# Rows of ``scale_shift_table_a2v_ca_*``: scale before shift here, and one shared gate row.
AUDIO_TO_VIDEO = Rows(shift=1, scale=0, gate=4)
VIDEO_TO_AUDIO = Rows(shift=3, scale=2, gate=4)


@dataclass(kw_only=True)
class Stream:
    """One modality as the transformer receives it.

    latent: tokens (B, T, C); positions: (B, axes, T, 2) bounds (seconds for time, pixels
    for space); sigma: (B,); context: (B, S, D) text context; context_mask: (B, S) bool;
    denoise_mask: (B, T) in [0, 1] (1 = noisy, 0 = clean), its precomputed MaskLevels,
    or None for all noisy. single_frame_tokens: (B, T) bool, the video tokens whose latent
    encodes one pixel frame (the clip's first latent frame); what transformers with a
    first-frame embedding add it to.
    """

    latent: torch.Tensor
    positions: torch.Tensor
    sigma: torch.Tensor
    context: torch.Tensor
    context_mask: torch.Tensor | None = None
    denoise_mask: torch.Tensor | MaskLevels | None = None
    self_attention_bias: torch.Tensor | None = None
    enabled: bool = True
    single_frame_tokens: torch.Tensor | None = None


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


@dataclass(kw_only=True)
class _StreamState:
    """What the blocks read of a stream besides its hidden state: the same for every block of a call."""

    levels: TokenLevels
    mod: torch.Tensor  # (B, K, n, D) from adaln_single
    embedded: torch.Tensor  # (B, K, D)
    context: torch.Tensor
    context_mask: torch.Tensor | None
    rope: Rope
    cross_rope: Rope
    cross_levels: TokenLevels
    cross_mod: torch.Tensor  # (B, K', 4, D)
    cross_gate_levels: TokenLevels
    cross_gate: torch.Tensor  # (B, K'', 1, D)
    prompt_mod: torch.Tensor | None  # (B, 1, 2, D)
    attention_bias: torch.Tensor | None
    enabled: bool
    shard: SequenceShard | None  # this rank's part of the stream's tokens, when split

    @property
    def self_split(self) -> tuple[SequenceShard, SequenceShard] | None:
        return None if self.shard is None else (self.shard, self.shard)

    def _row(self, table: torch.Tensor, i: int) -> torch.Tensor:
        return self.levels.per_token(table[i].to(self.mod.dtype) + self.mod[:, :, i])

    def modulation(self, table: torch.Tensor, rows: Rows) -> Modulation:
        """A self-attention, feed-forward or text-query modulation from the stream's own table."""
        return Modulation(
            self._row(table, rows.shift), self._row(table, rows.scale), self._row(table, rows.gate)
        )

    def _cross_row(self, table: torch.Tensor, i: int) -> torch.Tensor:
        return self.cross_levels.per_token(table[i].to(self.cross_mod.dtype) + self.cross_mod[:, :, i])

    def cross_shift_scale(self, table: torch.Tensor, rows: Rows) -> tuple[torch.Tensor, torch.Tensor]:
        """Shift and scale of an audio↔video cross-attention input (from ``cross_mod``)."""
        return self._cross_row(table, rows.shift), self._cross_row(table, rows.scale)

    def cross_gate_for(self, table: torch.Tensor, rows: Rows) -> torch.Tensor:
        """The gate on an audio↔video cross-attention output (from ``cross_gate``)."""
        return self.cross_gate_levels.per_token(
            table[rows.gate].to(self.cross_gate.dtype) + self.cross_gate[:, :, 0]
        )


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
        self.ff = FeedForward(vd, bias=cfg.video_ff_bias)
        self.scale_shift_table = nn.Parameter(torch.empty(n, vd))
        self.audio_attn1 = Attention(ad, cfg.audio_heads, cfg.audio_head_dim, gated=gated, eps=eps)
        self.audio_attn2 = Attention(
            ad, cfg.audio_heads, cfg.audio_head_dim, context_dim=cfg.audio_context_dim, gated=gated, eps=eps
        )
        self.audio_ff = FeedForward(ad, bias=cfg.audio_ff_bias)
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
        x: torch.Tensor,
        s: _StreamState,
        table: torch.Tensor,
        prompt_table: torch.Tensor | None,
        self_attn: Attention,
        text_attn: Attention,
        skip: Keep,
    ) -> torch.Tensor:
        keep, skip_all = skip
        m = s.modulation(table, SELF_ATTENTION)
        h = self_attn(
            modulate(rms_norm(x, self.eps), m.shift, m.scale),
            rope=s.rope,
            mask=s.attention_bias,
            keep=keep,
            skip_all=skip_all,
            split=s.self_split,
        )
        x = torch.addcmul(x, h, m.gate)
        if prompt_table is None:
            return x + text_attn(rms_norm(x, self.eps), s.context, mask=s.context_mask)
        q = s.modulation(table, TEXT_QUERY)
        if s.prompt_mod is None:  # no prompt AdaLN: the block's static table alone
            kv = prompt_table.to(x.dtype)[None, None]
        else:
            kv = prompt_table.to(s.prompt_mod.dtype) + s.prompt_mod
        context = modulate(s.context, kv[:, :, 0], kv[:, :, 1])
        h = text_attn(modulate(rms_norm(x, self.eps), q.shift, q.scale), context, mask=s.context_mask)
        return torch.addcmul(x, h, q.gate)

    @staticmethod
    def _cross(
        q: _StreamState,
        kv: _StreamState,
        q_norm: torch.Tensor,
        kv_norm: torch.Tensor,
        q_table: torch.Tensor,
        kv_table: torch.Tensor,
        rows: Rows,
        attn: Attention,
        keep: torch.Tensor | None,
    ) -> torch.Tensor:
        """Cross-attention from stream ``q`` to stream ``kv``, each modulated by its own table's ``rows``."""
        q_in = modulate(q_norm, *q.cross_shift_scale(q_table, rows))
        kv_in = modulate(kv_norm, *kv.cross_shift_scale(kv_table, rows))
        split = None if q.shard is None else (q.shard, kv.shard)
        out = attn(q_in, kv_in, rope=q.cross_rope, key_rope=kv.cross_rope, split=split)
        out = out * q.cross_gate_for(q_table, rows)
        return out if keep is None else out * keep

    def _feed_forward(
        self, x: torch.Tensor, s: _StreamState, table: torch.Tensor, ff: FeedForward
    ) -> torch.Tensor:
        m = s.modulation(table, FEED_FORWARD)
        return torch.addcmul(x, ff(modulate(rms_norm(x, self.eps), m.shift, m.scale)), m.gate)

    def forward(
        self,
        vx: torch.Tensor,
        ax: torch.Tensor,
        v: _StreamState,
        a: _StreamState,
        perturbations: Perturbations,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        return self.compute(vx, ax, v, a, perturbations.at_block(self.idx, vx))

    def compute(
        self, vx: torch.Tensor, ax: torch.Tensor, v: _StreamState, a: _StreamState, skips: BlockSkips
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The block's math, given its skip decisions (what ``compile_blocks`` compiles): the video
        and audio hidden states after this block."""
        run_v = v.enabled and vx.numel() > 0
        run_a = a.enabled and ax.numel() > 0
        if run_v:
            vx = self._self_and_text(
                vx,
                v,
                self.scale_shift_table,
                self.prompt_scale_shift_table,
                self.attn1,
                self.attn2,
                skips.video_self,
            )
        if run_a:
            ax = self._self_and_text(
                ax,
                a,
                self.audio_scale_shift_table,
                self.audio_prompt_scale_shift_table,
                self.audio_attn1,
                self.audio_attn2,
                skips.audio_self,
            )
        run_a2v = run_v and ax.numel() > 0
        run_v2a = run_a and vx.numel() > 0
        if run_a2v or run_v2a:
            v_norm, a_norm = rms_norm(vx, self.eps), rms_norm(ax, self.eps)
            vt, at = self.scale_shift_table_a2v_ca_video, self.scale_shift_table_a2v_ca_audio
            # Both directions read the hidden states from before either cross-attention.
            if run_a2v:
                keep, skip_all = skips.audio_to_video
                if not skip_all:
                    a2v = self.audio_to_video_attn
                    vx = vx + self._cross(v, a, v_norm, a_norm, vt, at, AUDIO_TO_VIDEO, a2v, keep)
            if run_v2a:
                keep, skip_all = skips.video_to_audio
                if not skip_all:
                    v2a = self.video_to_audio_attn
                    ax = ax + self._cross(a, v, a_norm, v_norm, at, vt, VIDEO_TO_AUDIO, v2a, keep)
        if run_v:
            vx = self._feed_forward(vx, v, self.scale_shift_table, self.ff)
        if run_a:
            ax = self._feed_forward(ax, a, self.audio_scale_shift_table, self.audio_ff)
        return vx, ax


class _StreamModules(NamedTuple):
    """One stream's input-side modules of the transformer."""

    patchify: nn.Linear
    adaln: AdaLNSingle
    caption_projection: CaptionProjection | None
    prompt_adaln: AdaLNSingle | None
    cross_scale_shift: AdaLNSingle
    cross_gate: AdaLNSingle


def _local(s: Stream, shard: SequenceShard) -> Stream:
    """This rank's tokens of a stream (its text context is whole on every rank)."""
    mask = s.denoise_mask
    if isinstance(mask, MaskLevels):
        mask = MaskLevels(mask.levels, None if mask.index is None else shard.take(mask.index))
    elif mask is not None:
        mask = shard.take(mask)
    single = s.single_frame_tokens
    return replace(
        s,
        latent=shard.take(s.latent),
        positions=shard.take(s.positions, dim=2),
        denoise_mask=mask,
        single_frame_tokens=None if single is None else shard.take(single),
    )


class AVTransformer(nn.Module):
    """Predicts the flow-matching velocity of both streams.

    ``sequence_group``: a process group whose ranks each run a part of every stream's tokens
    (set by ``talkies.model.parallel.mesh.split_sequence``); every rank passes the whole
    streams and gets the whole outputs.
    """

    sequence_group: dist.ProcessGroup | None = None

    def __init__(self, cfg: TransformerConfig) -> None:
        super().__init__()
        self.cfg = cfg
        vd, ad, n = cfg.video_dim, cfg.audio_dim, cfg.adaln_coefficients
        self.patchify_proj = nn.Linear(cfg.video_in_channels, vd)
        self.audio_patchify_proj = nn.Linear(cfg.audio_in_channels, ad)
        self.keyframes_abs_pos_embedding = (
            nn.Parameter(torch.empty(1, vd)) if cfg.first_frame_embedding else None
        )
        self.adaln_single = AdaLNSingle(vd, n)
        self.audio_adaln_single = AdaLNSingle(ad, n)
        if cfg.prompt_timestep_modulation:
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

    @staticmethod
    def _cross_levels(own_timesteps: bool, own: TokenLevels, other: Stream) -> TokenLevels:
        """The timesteps of an A/V cross-attention modulation: the stream's own per-token ones,
        or the other stream's σ."""
        return own if own_timesteps else TokenLevels(other.sigma[:, None].float(), None)

    def _stream_modules(self, audio: bool) -> _StreamModules:
        if audio:
            return _StreamModules(
                self.audio_patchify_proj,
                self.audio_adaln_single,
                self.audio_caption_projection,
                self.audio_prompt_adaln_single,
                self.av_ca_audio_scale_shift_adaln_single,
                self.av_ca_v2a_gate_adaln_single,
            )
        return _StreamModules(
            self.patchify_proj,
            self.adaln_single,
            self.caption_projection,
            self.prompt_adaln_single,
            self.av_ca_video_scale_shift_adaln_single,
            self.av_ca_a2v_gate_adaln_single,
        )

    def _prepare(
        self, s: Stream, other: Stream, *, audio: bool, shard: SequenceShard | None = None
    ) -> tuple[torch.Tensor, _StreamState]:
        """The stream's first hidden state, and what every block reads of it."""
        c = self.cfg
        parts = self._stream_modules(audio)
        dim, heads = (c.audio_dim, c.audio_heads) if audio else (c.video_dim, c.video_heads)
        max_pos = c.audio_max_pos if audio else c.video_max_pos
        dtype = s.latent.dtype
        x = parts.patchify(s.latent)
        if not audio and self.keyframes_abs_pos_embedding is not None:
            x = self._mark_single_frames(x, s.single_frame_tokens)
        levels = TokenLevels.from_mask(s.sigma, s.denoise_mask)
        mod, embedded = parts.adaln(levels.values * c.timestep_scale, dtype)
        context = s.context if parts.caption_projection is None else parts.caption_projection(s.context)
        prompt_mod = None
        if parts.prompt_adaln is not None:
            prompt_mod, _ = parts.prompt_adaln(s.sigma[:, None].float() * c.timestep_scale, dtype)
        cross_levels = self._cross_levels(c.av_cross_shift_scale_uses_own_timesteps, levels, other)
        gate_levels = self._cross_levels(c.av_cross_gate_uses_own_timesteps, levels, other)
        cross_mod, _ = parts.cross_scale_shift(cross_levels.values * c.timestep_scale, dtype)
        gate_scaled = gate_levels.values * c.timestep_scale
        cross_gate, _ = parts.cross_gate(gate_scaled * (c.av_timestep_scale / c.timestep_scale), dtype)
        cross_max = (max(c.video_max_pos[0], c.audio_max_pos[0]),)
        return x, _StreamState(
            levels=levels,
            mod=mod,
            embedded=embedded,
            context=context,
            context_mask=s.context_mask,
            rope=self._rope(s.positions, max_pos, dim, heads, dtype),
            cross_rope=self._rope(s.positions[:, :1], cross_max, c.audio_dim, heads, dtype),
            cross_levels=cross_levels,
            cross_mod=cross_mod,
            cross_gate_levels=gate_levels,
            cross_gate=cross_gate,
            prompt_mod=prompt_mod,
            attention_bias=s.self_attention_bias,
            enabled=s.enabled,
            shard=shard,
        )

    def _mark_single_frames(self, x: torch.Tensor, tokens: torch.Tensor | None) -> torch.Tensor:
        if tokens is None:
            raise ValueError(
                "this transformer (LTX-2.5) adds a learned embedding to the tokens of the clip's first "
                "latent frame; pass them as the video Stream's single_frame_tokens (B, T) bool"
            )
        if tokens.shape != x.shape[:2]:
            raise ValueError(
                f"single_frame_tokens must be (B, T) = {tuple(x.shape[:2])}, got {tuple(tokens.shape)}"
            )
        marked = tokens.bool()[..., None].to(x.dtype)
        return x + marked * self.keyframes_abs_pos_embedding.to(x.dtype)

    @staticmethod
    def _output(
        x: torch.Tensor, s: _StreamState, table: torch.Tensor, norm: nn.Module, proj: nn.Module
    ) -> torch.Tensor:
        values = table[None, None].to(s.embedded.dtype) + s.embedded[:, :, None]
        shift = s.levels.per_token(values[:, :, 0])
        scale = s.levels.per_token(values[:, :, 1])
        return proj(modulate(norm(x), shift, scale))

    def forward(
        self, video: Stream, audio: Stream, perturbations: Perturbations | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        batch = video.latent.shape[0]
        perturbations = perturbations or Perturbations.none(batch)
        if len(perturbations.per_sample) != batch:
            raise ValueError(f"perturbations cover {len(perturbations.per_sample)} samples, batch is {batch}")
        group = self.sequence_group
        if group is None:
            v_shard = a_shard = None
        else:
            v_shard = SequenceShard.of(video.latent.shape[1], group)
            a_shard = SequenceShard.of(audio.latent.shape[1], group)
            video, audio = _local(video, v_shard), _local(audio, a_shard)
        vx, v = self._prepare(video, audio, audio=False, shard=v_shard)
        ax, a = self._prepare(audio, video, audio=True, shard=a_shard)
        for block in self.transformer_blocks:
            vx, ax = block(vx, ax, v, a, perturbations)
        video_out = self._output(vx, v, self.scale_shift_table, self.norm_out, self.proj_out)
        audio_out = self._output(
            ax, a, self.audio_scale_shift_table, self.audio_norm_out, self.audio_proj_out
        )
        if group is None:
            return video_out, audio_out
        return v_shard.gather(video_out), a_shard.gather(audio_out)

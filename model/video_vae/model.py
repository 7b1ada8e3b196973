"""The LTX-2 video VAE: pixels (B, 3, F, H, W) in -1..1 ↔ normalized latents (B, C, F', H', W').

With the published config, F pixel frames = 8k+1 ↔ k+1 latent frames (the first latent
frame holds the first pixel frame alone) and H, W shrink 32×. ``encode``/``decode`` are
the inference entry points (no autograd, sizes checked); ``forward`` stays differentiable
for training a VAE of this architecture.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

from ..media.image_prep import image_to_pixels, images_from_chunks, pixels_to_image
from ..parallel.exchange import broadcast_from_first
from ..transformer.layers import TimestepEmbedding
from .blocks import (
    CausalConv3d,
    DepthToSpaceUpsample,
    LatentStatistics,
    ResnetBlock3D,
    ResnetStack,
    SpaceToDepthDownsample,
    gaussian,
    make_norm,
    patchify,
    unpatchify,
)
from .config import DECODER_STRIDES, ENCODER_STRIDES, BlockSpec, VideoVAEConfig
from .tiling import VideoTiling, decode_in_tiles


def _stride(name: str, table: dict) -> tuple[int, int, int]:
    t, s = table[name]
    return (t, s, s)


def _nearest(value: int, valid) -> str:
    """'a or b': the valid values just below and above ``value``."""
    lower = [v for v in valid if v <= value]
    upper = [v for v in valid if v >= value]
    options = sorted({*(lower[-1:]), *(upper[:1])})
    return " or ".join(str(v) for v in options)


def check_video_size(frames: int, height: int, width: int, time_factor: int, space_factor: int) -> None:
    """Raise a ValueError naming the nearest valid sizes unless F = tf·k+1 and H, W are multiples of sf."""
    if frames < 1 or (frames - 1) % time_factor:
        valid = range(1, frames + 2 * time_factor, time_factor)
        raise ValueError(
            f"frames must be {time_factor}k+1; got {frames}, nearest valid: {_nearest(frames, valid)}"
        )
    for name, size in (("height", height), ("width", width)):
        if size < space_factor or size % space_factor:
            valid = range(space_factor, size + 2 * space_factor, space_factor)
            raise ValueError(
                f"{name} must be a multiple of {space_factor}; got {size}, "
                f"nearest valid: {_nearest(size, valid)}"
            )


def _check_pixels(pixels: torch.Tensor, channels: int) -> None:
    if pixels.ndim != 5 or pixels.shape[1] != channels:
        raise ValueError(
            f"pixels must be (B, {channels}, F, H, W) in -1..1; got shape {tuple(pixels.shape)}. "
            "For an IMAGE batch (F, H, W, 3) in 0..1 use encode_images"
        )


class _Half(nn.Module):
    """What the encoder and the decoder share: the config, their compression and the latent statistics."""

    def __init__(self, cfg: VideoVAEConfig, *, encoder: bool) -> None:
        super().__init__()
        blocks, key, other = (
            (cfg.encoder_blocks, "encoder_blocks", "a decoder")
            if encoder
            else (cfg.decoder_blocks, "decoder_blocks", "an encoder")
        )
        if not blocks:
            raise ValueError(f"vae config has no {key}; this file describes {other} only")
        self.cfg = cfg
        self.time_factor, self.space_factor = cfg.encoder_factors if encoder else cfg.decoder_factors
        self.per_channel_statistics = LatentStatistics(cfg.latent_channels)


def _stack(
    make: Callable[[BlockSpec, int], tuple[nn.Module, int]], specs: Iterable[BlockSpec], width: int
) -> tuple[nn.ModuleList, int]:
    """The blocks for ``specs`` in order, each taking the previous one's width; and the last width."""
    blocks = nn.ModuleList()
    for spec in specs:
        block, width = make(spec, width)
        blocks.append(block)
    return blocks, width


class VideoEncoder(_Half):
    """Pixels → normalized latent means (the reference encodes deterministically, without sampling)."""

    def __init__(self, cfg: VideoVAEConfig) -> None:
        super().__init__(cfg, encoder=True)
        pad, width = cfg.encoder_padding, cfg.latent_channels
        self.conv_in = CausalConv3d(cfg.in_channels * cfg.patch_size**2, width, padding_mode=pad)
        self.down_blocks, width = _stack(self._block, cfg.encoder_blocks, width)
        self.conv_norm_out = make_norm(cfg.norm_layer, width)
        out = 2 * cfg.latent_channels if cfg.latent_log_var == "per_channel" else cfg.latent_channels + 1
        self.conv_out = CausalConv3d(width, out, padding_mode=pad)

    def _block(self, spec: BlockSpec, width: int) -> tuple[nn.Module, int]:
        pad, norm = self.cfg.encoder_padding, self.cfg.norm_layer
        out = width * spec.widening
        if spec.name == "res_x":
            return ResnetStack(width, spec.num_layers, norm, pad), width
        if spec.name == "res_x_y":
            return ResnetBlock3D(width, out, norm, pad), out
        stride = _stride(spec.name, ENCODER_STRIDES)
        if spec.name.endswith("_res"):
            return SpaceToDepthDownsample(width, out, stride, pad), out
        return CausalConv3d(width, out, stride=stride, padding_mode=pad), out

    def forward(self, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Raw (un-normalized) latent mean and log-variance, each (B, C, F', H', W')."""
        x = self.conv_in(patchify(pixels, self.cfg.patch_size))
        for block in self.down_blocks:
            x = block(x, True)
        x = self.conv_out(F.silu(self.conv_norm_out(x)))
        c = self.cfg.latent_channels
        mean = x[:, :c]
        if self.cfg.latent_log_var == "per_channel":
            return mean, x[:, c:]
        if self.cfg.latent_log_var == "constant":
            return mean, torch.full_like(mean, -30.0)
        return mean, x[:, c:].expand_as(mean)

    @torch.no_grad()
    def encode(self, pixels: torch.Tensor) -> torch.Tensor:
        """(B, 3, F, H, W) in -1..1 → normalized latent (B, C, (F-1)/tf+1, H/sf, W/sf)."""
        _check_pixels(pixels, self.cfg.in_channels)
        check_video_size(*pixels.shape[2:], self.time_factor, self.space_factor)
        param = self.conv_in.conv.weight
        mean, _ = self(pixels.to(param.device, param.dtype))
        return self.per_channel_statistics.normalize(mean)

    def encode_images(self, images: torch.Tensor) -> torch.Tensor:
        """ComfyUI IMAGE frames (F, H, W, 3) in 0..1 → normalized latent (1, C, F', H', W')."""
        return self.encode(image_to_pixels(images))


class VideoDecoder(_Half):
    """Normalized latent → pixels in -1..1, optionally conditioned on a small decode timestep."""

    def __init__(self, cfg: VideoVAEConfig) -> None:
        super().__init__(cfg, encoder=False)
        pad, width = cfg.decoder_padding, cfg.decoder_bottleneck_channels
        self.conv_in = CausalConv3d(cfg.latent_channels, width, padding_mode=pad)
        self.up_blocks, width = _stack(self._block, reversed(cfg.decoder_blocks), width)
        self.conv_norm_out = make_norm(cfg.norm_layer, width)
        self.conv_out = CausalConv3d(width, cfg.out_channels * cfg.patch_size**2, padding_mode=pad)
        if cfg.timestep_conditioning:
            self.timestep_scale_multiplier = nn.Parameter(torch.tensor(1000.0))
            self.last_time_embedder = TimestepEmbedding(2 * width)
            self.last_scale_shift_table = nn.Parameter(torch.zeros(2, width))

    def _block(self, spec: BlockSpec, width: int) -> tuple[nn.Module, int]:
        pad, norm, cond = self.cfg.decoder_padding, self.cfg.norm_layer, self.cfg.timestep_conditioning
        out = width // spec.narrowing
        if spec.name == "res_x":
            return ResnetStack(width, spec.num_layers, norm, pad, spec.inject_noise, cond), width
        if spec.name == "res_x_y":
            return ResnetBlock3D(width, out, norm, pad, spec.inject_noise), out
        stride = _stride(spec.name, DECODER_STRIDES)
        return DepthToSpaceUpsample(width, stride, spec.narrowing, spec.residual, pad), out

    def output_shape(self, latent_shape: tuple[int, ...]) -> tuple[int, int, int, int, int]:
        """(B, 3, F, H, W) of the pixels a latent of ``latent_shape`` decodes to."""
        b, _, f, h, w = latent_shape
        return (
            b,
            self.cfg.out_channels,
            self.time_factor * (f - 1) + 1,
            h * self.space_factor,
            w * self.space_factor,
        )

    def forward(
        self,
        latent: torch.Tensor,
        timestep: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Decode an already-noised normalized latent; ``timestep`` is (B,) and required when conditioned."""
        causal = self.cfg.causal_decoder
        x = self.conv_in(self.per_channel_statistics.denormalize(latent), causal)
        scaled = None
        if self.cfg.timestep_conditioning:
            if timestep is None:
                raise ValueError("this VAE decoder is timestep-conditioned; pass a timestep (B,)")
            scaled = timestep.to(x) * self.timestep_scale_multiplier.to(x)
        for block in self.up_blocks:
            if isinstance(block, ResnetStack):
                x = block(x, causal, scaled, generator)
            elif isinstance(block, ResnetBlock3D):
                x = block(x, causal, generator=generator)
            else:
                x = block(x, causal)
        x = self.conv_norm_out(x)
        if scaled is not None:
            embedding = self.last_time_embedder(scaled.flatten(), x.dtype)
            ada = self.last_scale_shift_table.to(x)[None] + embedding.unflatten(1, (2, -1))
            shift, scale = ada[..., None, None, None].unbind(1)
            x = torch.addcmul(shift, x, 1 + scale)
        return unpatchify(self.conv_out(F.silu(x), causal), self.cfg.patch_size)

    def _prepare(
        self,
        latent: torch.Tensor,
        timestep: float | torch.Tensor | None,
        noise_scale: float | None,
        generator: torch.Generator | None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Check the latent, move it to the weights, blend in decode noise, resolve the timestep."""
        c = self.cfg.latent_channels
        if latent.ndim != 5 or latent.shape[1] != c:
            raise ValueError(
                f"video latent must be (B, {c}, F', H', W'); got shape {tuple(latent.shape)}. "
                "An audio latent (B, C, T, M) goes to the audio VAE"
            )
        if self.cfg.decoder_padding == "reflect" and min(latent.shape[-2:]) < 2:
            raise ValueError(
                "this decoder pads by reflection, so latents must be at least 2x2 "
                f"({2 * self.space_factor} px); got {latent.shape[-2]}x{latent.shape[-1]}"
            )
        param = self.conv_in.conv.weight
        latent = latent.to(param.device, param.dtype)
        if not self.cfg.timestep_conditioning:
            return latent, None
        scale = self.cfg.decode_noise_scale if noise_scale is None else float(noise_scale)
        # Drawn even at scale 0, so a seed drives the blocks' injected noise the same way whatever the scale.
        latent = gaussian(tuple(latent.shape), generator, latent) * scale + (1.0 - scale) * latent
        t = self.cfg.decode_timestep if timestep is None else timestep
        t = torch.as_tensor(t, device=latent.device, dtype=latent.dtype)
        return latent, t.expand(latent.shape[0]) if t.ndim == 0 else t.reshape(latent.shape[0])

    @torch.no_grad()
    def decode(
        self,
        latent: torch.Tensor,
        timestep: float | torch.Tensor | None = None,
        noise_scale: float | None = None,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Normalized latent (B, C, F', H', W') → pixels (B, 3, tf·(F'-1)+1, H'·sf, W'·sf) in about -1..1.

        For timestep-conditioned decoders, ``timestep`` (default 0.05) and ``noise_scale``
        (default 0.025: latent ← noise·s + latent·(1-s)) follow the reference; noise comes from
        ``generator``. Both are ignored by decoders without timestep conditioning.
        """
        latent, t = self._prepare(latent, timestep, noise_scale, generator)
        return self(latent, t, generator)

    @torch.no_grad()
    def decode_tiled(
        self,
        latent: torch.Tensor,
        tiling: VideoTiling | None = None,
        timestep: float | torch.Tensor | None = None,
        noise_scale: float | None = None,
        generator: torch.Generator | None = None,
        group: dist.ProcessGroup | None = None,
    ) -> Iterator[torch.Tensor]:
        """Like :meth:`decode`, but yields float32 frame chunks (B, 3, n, H, W) in order, decoding one
        tile at a time so memory is set by the tile, not by the clip. The chunks' n add up to
        tf·(F'-1)+1. Decode noise is drawn once for the whole latent, as in :meth:`decode`.
        ``group``: ranks that decode the tiles between them (without a ``generator``: a seeded one's
        draws follow the order of the tiles, which sharing them would change); rank 0's noisy
        latent is the one every rank decodes."""
        if group is not None and generator is not None:
            raise ValueError("a decode shared across ranks draws its noise unseeded; give no generator")
        latent, t = self._prepare(latent, timestep, noise_scale, generator)
        if group is not None:
            latent = broadcast_from_first(latent.contiguous(), group)
        yield from decode_in_tiles(
            lambda z: self(z, t, generator),
            latent,
            tiling or VideoTiling(),
            out_channels=self.cfg.out_channels,
            time_factor=self.time_factor,
            space_factor=self.space_factor,
            group=group,
        )

    def decode_images(
        self,
        latent: torch.Tensor,
        tiling: VideoTiling | None = None,
        timestep: float | torch.Tensor | None = None,
        noise_scale: float | None = None,
        generator: torch.Generator | None = None,
        group: dist.ProcessGroup | None = None,
    ) -> torch.Tensor:
        """Latent → ComfyUI IMAGE (B·F, H, W, 3) in 0..1, tiled chunk by chunk (untiled if tiling is None);
        ``group``: ranks that share the tiles."""
        if tiling is None:
            return pixels_to_image(self.decode(latent, timestep, noise_scale, generator))
        chunks = self.decode_tiled(latent, tiling, timestep, noise_scale, generator, group)
        return images_from_chunks(chunks, self.output_shape(latent.shape)[2])

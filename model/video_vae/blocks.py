"""Layers of the LTX-2 video VAE. Parameter and buffer names follow the checkpoint keys.

Every block takes ``(x, causal)``: causal convolutions pad time with copies of the first
frame only, so frame t never sees frame t+1; otherwise time is padded with first and last
frame copies on both sides. Space is padded by the convolution's own padding mode.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ..transformer.layers import TimestepEmbedding

_ONEDNN = torch.backends.mkldnn.is_available()


def space_to_depth(x: torch.Tensor, stride: tuple[int, int, int]) -> torch.Tensor:
    """(B, C, F·a, H·b, W·c) → (B, C·a·b·c, F, H, W), channel index ((c·a + i)·b + j)·c + k."""
    a, b, c = stride
    n, ch, f, h, w = x.shape
    x = x.reshape(n, ch, f // a, a, h // b, b, w // c, c)
    return x.permute(0, 1, 3, 5, 7, 2, 4, 6).reshape(n, ch * a * b * c, f // a, h // b, w // c)


def depth_to_space(x: torch.Tensor, stride: tuple[int, int, int]) -> torch.Tensor:
    """Inverse of :func:`space_to_depth`."""
    a, b, c = stride
    n, ch, f, h, w = x.shape
    x = x.reshape(n, ch // (a * b * c), a, b, c, f, h, w)
    return x.permute(0, 1, 5, 2, 6, 3, 7, 4).reshape(n, ch // (a * b * c), f * a, h * b, w * c)


def patchify(x: torch.Tensor, p: int) -> torch.Tensor:
    """Pixels → channels: (B, C, F, H·p, W·p) → (B, C·p·p, F, H, W), channel order (c, w-offset, h-offset)."""
    if p == 1:
        return x
    n, ch, f, h, w = x.shape
    x = x.reshape(n, ch, f, h // p, p, w // p, p)
    return x.permute(0, 1, 6, 4, 2, 3, 5).reshape(n, ch * p * p, f, h // p, w // p)


def unpatchify(x: torch.Tensor, p: int) -> torch.Tensor:
    """Inverse of :func:`patchify`."""
    if p == 1:
        return x
    n, ch, f, h, w = x.shape
    x = x.reshape(n, ch // (p * p), p, p, f, h, w)
    return x.permute(0, 1, 4, 5, 3, 6, 2).reshape(n, ch // (p * p), f, h * p, w * p)


def gaussian(shape: tuple[int, ...], generator: torch.Generator | None, like: torch.Tensor) -> torch.Tensor:
    """Normal noise drawn on the generator's device, so a CPU generator gives the same noise anywhere."""
    device = generator.device if generator is not None else like.device
    return torch.randn(shape, generator=generator, device=device, dtype=like.dtype).to(like.device)


class PixelNorm(nn.Module):
    """x / RMS over channels, at every position."""

    def __init__(self, eps: float = 1e-8) -> None:
        super().__init__()
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean_square = torch.linalg.vector_norm(x, dim=1, keepdim=True).square() / x.shape[1]
        return x * torch.rsqrt(mean_square + self.eps)


def make_norm(kind: str, channels: int, eps: float = 1e-6) -> nn.Module:
    return nn.GroupNorm(32, channels, eps=eps) if kind == "group_norm" else PixelNorm()


def _edges(x: torch.Tensor, p: int, mode: str, dim: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``p`` slices that pad ``x`` before and after along ``dim`` in ``mode``."""
    n = x.shape[dim]
    if mode == "reflect":
        return x.narrow(dim, 1, p).flip(dim), x.narrow(dim, n - 1 - p, p).flip(dim)
    if mode == "replicate":
        before, after = x.narrow(dim, 0, 1), x.narrow(dim, n - 1, 1)
        return before.repeat_interleave(p, dim), after.repeat_interleave(p, dim)
    return x.narrow(dim, n - p, p), x.narrow(dim, 0, p)  # circular


def pad_video(x: torch.Tensor, front: int, back: int, p: int, mode: str) -> torch.Tensor:
    """Pad time with copies of the edge frames and H, W by ``p`` in ``mode``, in one allocation.

    Equal to replicate-padding time then ``F.pad`` in ``mode`` over H, W, which on CPU costs
    two full copies through slow kernels; this writes the interior once and fills the borders.
    """
    b, c, t, h, w = x.shape
    out = x.new_empty(b, c, front + t + back, h + 2 * p, w + 2 * p)
    out[:, :, front : front + t, p : p + h, p : p + w] = x
    if p:
        frames = out[:, :, front : front + t]
        top, bottom = _edges(x, p, mode, dim=3)
        frames[:, :, :, :p, p : p + w] = top
        frames[:, :, :, p + h :, p : p + w] = bottom
        left, right = _edges(frames[..., p : p + w], p, mode, dim=4)
        frames[..., :p] = left
        frames[..., p + w :] = right
    if front:
        out[:, :, :front] = out[:, :, front : front + 1]
    if back:
        out[:, :, front + t :] = out[:, :, front + t - 1 : front + t]
    return out


class CausalConv3d(nn.Module):
    """k×k×k convolution whose temporal padding repeats edge frames instead of zeros."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 3,
        stride: int | tuple[int, int, int] = 1,
        padding_mode: str = "zeros",
    ) -> None:
        super().__init__()
        self.time_pad = kernel_size - 1
        self.space_pad = kernel_size // 2
        self.padding_mode = padding_mode
        # Zeros are padded inside the convolution for free; other modes are padded by pad_video.
        inner = (0, self.space_pad, self.space_pad) if padding_mode == "zeros" else 0
        self.conv = nn.Conv3d(in_channels, out_channels, kernel_size, stride=stride, padding=inner)

    def forward(self, x: torch.Tensor, causal: bool = True) -> torch.Tensor:
        front, back = (self.time_pad, 0) if causal else (self.time_pad // 2, self.time_pad // 2)
        space = 0 if self.padding_mode == "zeros" else self.space_pad
        if front or back or space:
            x = pad_video(x, front, back, space, self.padding_mode)
        c = self.conv
        if _ONEDNN and x.device.type == "cpu" and x.dtype == torch.float32 and not torch.is_grad_enabled():
            # PyTorch sends narrow fp32 3-D convolutions to its slow reference kernel; oneDNN runs the
            # small-config decoders about twice as fast.
            return torch.mkldnn_convolution(x, c.weight, c.bias, c.padding, c.stride, c.dilation, c.groups)
        return c(x)


class ResnetBlock3D(nn.Module):
    """norm → (modulate) → SiLU → conv, twice, plus a skip path (projected when the width changes)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        norm: str,
        padding_mode: str,
        inject_noise: bool = False,
        timestep_conditioning: bool = False,
        eps: float = 1e-6,
    ) -> None:
        super().__init__()
        self.norm1 = make_norm(norm, in_channels, eps)
        self.conv1 = CausalConv3d(in_channels, out_channels, padding_mode=padding_mode)
        self.norm2 = make_norm(norm, out_channels, eps)
        self.conv2 = CausalConv3d(out_channels, out_channels, padding_mode=padding_mode)
        self.inject_noise = inject_noise
        if inject_noise:
            self.per_channel_scale1 = nn.Parameter(torch.zeros(in_channels, 1, 1))
            self.per_channel_scale2 = nn.Parameter(torch.zeros(in_channels, 1, 1))
        self.projects = in_channels != out_channels
        if self.projects:
            self.norm3 = nn.GroupNorm(1, in_channels, eps=eps)
            self.conv_shortcut = nn.Conv3d(in_channels, out_channels, kernel_size=1)
        if timestep_conditioning:
            self.scale_shift_table = nn.Parameter(torch.zeros(4, in_channels))

    def _noise(self, h: torch.Tensor, scale: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        """StyleGAN-style noise: one H×W field shared by channels, frames and batch, scaled per channel."""
        field = gaussian(tuple(h.shape[-2:]), generator, h)
        return h + (field[None] * scale.to(h))[None, :, None]

    def forward(
        self,
        x: torch.Tensor,
        causal: bool = True,
        embedding: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        h = self.norm1(x)
        if embedding is not None:
            ada = self.scale_shift_table.to(h)[None] + embedding.unflatten(1, (4, -1))
            shift1, scale1, shift2, scale2 = ada[..., None, None, None].unbind(1)
            h = torch.addcmul(shift1, h, 1 + scale1)
        h = self.conv1(F.silu(h), causal)
        if self.inject_noise:
            h = self._noise(h, self.per_channel_scale1, generator)
        h = self.norm2(h)
        if embedding is not None:
            h = torch.addcmul(shift2, h, 1 + scale2)
        h = self.conv2(F.silu(h), causal)
        if self.inject_noise:
            h = self._noise(h, self.per_channel_scale2, generator)
        skip = self.conv_shortcut(self.norm3(x)) if self.projects else x
        return skip + h


class ResnetStack(nn.Module):
    """``res_x``: several same-width resnet blocks, sharing one timestep embedding when conditioned."""

    def __init__(
        self,
        channels: int,
        num_layers: int,
        norm: str,
        padding_mode: str,
        inject_noise: bool = False,
        timestep_conditioning: bool = False,
    ) -> None:
        super().__init__()
        if timestep_conditioning:
            self.time_embedder = TimestepEmbedding(4 * channels)
        self.timestep_conditioning = timestep_conditioning
        self.res_blocks = nn.ModuleList(
            ResnetBlock3D(channels, channels, norm, padding_mode, inject_noise, timestep_conditioning)
            for _ in range(num_layers)
        )

    def forward(
        self,
        x: torch.Tensor,
        causal: bool = True,
        timestep: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        embedding = self.time_embedder(timestep, x.dtype) if self.timestep_conditioning else None
        for block in self.res_blocks:
            x = block(x, causal, embedding, generator)
        return x


class SpaceToDepthDownsample(nn.Module):
    """Encoder ``compress_*_res``: a strided fold of a conv's output plus the folded input, group-averaged."""

    def __init__(
        self, in_channels: int, out_channels: int, stride: tuple[int, int, int], padding_mode: str
    ) -> None:
        super().__init__()
        self.stride = stride
        self.group = in_channels * math.prod(stride) // out_channels
        self.conv = CausalConv3d(in_channels, out_channels // math.prod(stride), padding_mode=padding_mode)

    def forward(self, x: torch.Tensor, causal: bool = True) -> torch.Tensor:
        if self.stride[0] == 2:
            # The first frame stands alone (8k+1 frames): give it a twin so time folds evenly.
            x = torch.cat([x[:, :, :1], x], dim=2)
        skip = space_to_depth(x, self.stride).unflatten(1, (-1, self.group)).mean(dim=2)
        return space_to_depth(self.conv(x, causal), self.stride) + skip


class DepthToSpaceUpsample(nn.Module):
    """Decoder ``compress_*``: a conv whose channels unfold into time/space (+ unfolded input if residual)."""

    def __init__(
        self,
        in_channels: int,
        stride: tuple[int, int, int],
        reduction: int,
        residual: bool,
        padding_mode: str,
    ) -> None:
        super().__init__()
        self.stride = stride
        self.residual = residual
        self.repeats = math.prod(stride) // reduction
        self.conv = CausalConv3d(
            in_channels, math.prod(stride) * in_channels // reduction, padding_mode=padding_mode
        )

    def forward(self, x: torch.Tensor, causal: bool = True) -> torch.Tensor:
        y = depth_to_space(self.conv(x, causal), self.stride)
        if self.residual:
            y = y + depth_to_space(x, self.stride).repeat(1, self.repeats, 1, 1, 1)
        if self.stride[0] == 2:
            # The first latent frame encodes one pixel frame, not two.
            y = y[:, :, 1:]
        return y


class LatentStatistics(nn.Module):
    """Per-channel mean and std of the encoder's raw latents; the diffusion model sees normalized latents."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.register_buffer("std-of-means", torch.ones(channels))
        self.register_buffer("mean-of-means", torch.zeros(channels))

    def _stats(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        shape = (1, -1) + (1,) * (x.ndim - 2)
        return self.get_buffer("mean-of-means").view(shape).to(x), self.get_buffer("std-of-means").view(
            shape
        ).to(x)

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        mean, std = self._stats(x)
        return (x - mean) / std

    def denormalize(self, x: torch.Tensor) -> torch.Tensor:
        mean, std = self._stats(x)
        return x * std + mean

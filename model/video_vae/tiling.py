"""Tiled, streaming video decode whose memory is set by the tile size, not the clip length.

The latent is cut into a grid of overlapping tiles: spatial tiles over H and W, temporal
chunks over latent frames. Each tile is decoded alone. A temporal chunk starting at latent
frame s decodes, like any clip, its first latent frame to a single pixel frame, which is
pixel frame tf·s of the whole clip (the last of that latent's frames), so a chunk of latent
frames [s, e) covers pixel frames [tf·s, tf·(e-1)+1) and consecutive chunks must share at
least one latent frame.

Where two tiles overlap, the outer third on each side is left to the tile that is not at
its border (decoders see padding there, not neighbours), and the middle third crossfades
linearly; the weights of all tiles sum to one at every output position. So when a third
of the overlap spans the decoder's receptive field, tiled and untiled decodes are equal
(for decoders with local normalization, pixel norm, and no injected noise); with smaller
overlaps they differ by the seam error that the crossfade spreads out.

Frames are yielded chunk by chunk as soon as no later chunk can touch them.

Across the ranks of a process group, tile k (counted over the whole clip) is decoded by rank
k mod W into a chunk that is zero elsewhere, and the ranks' chunks are summed: every rank gets
every frame.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
import torch.distributed as dist

from ..parallel.exchange import all_reduce_sum


@dataclass(kw_only=True, frozen=True)
class VideoTiling:
    """Decode tile sizes in output pixels and frames; a tile size of 0 turns tiling off on that axis."""

    tile_pixels: int = 512
    overlap_pixels: int = 96
    tile_frames: int = 64
    overlap_frames: int = 24

    def latent_sizes(self, time_factor: int, space_factor: int) -> tuple[int, int, int, int]:
        """(spatial tile, spatial overlap, temporal tile, temporal overlap) in latent cells."""
        tile_s, overlap_s = self._axis("pixels", self.tile_pixels, self.overlap_pixels, space_factor, 0)
        tile_t, overlap_t = self._axis("frames", self.tile_frames, self.overlap_frames, time_factor, 1)
        return tile_s, overlap_s, tile_t, overlap_t

    @staticmethod
    def _axis(unit: str, tile: int, overlap: int, factor: int, min_overlap: int) -> tuple[int, int]:
        if tile == 0:
            return 0, 0
        tile_cells, overlap_cells = tile // factor, overlap // factor
        if tile < 0 or tile_cells < 2:  # a reflect-padded decoder cannot decode a 1-cell tile
            raise ValueError(f"tile_{unit} must be 0 (no tiling) or at least {2 * factor}; got {tile}")
        if overlap < 0 or not min_overlap <= overlap_cells <= tile_cells // 2:
            raise ValueError(
                f"overlap_{unit} must be between {min_overlap * factor} and half of tile_{unit} "
                f"({tile_cells // 2 * factor}); got {overlap}"
            )
        return tile_cells, overlap_cells


@dataclass(frozen=True)
class AxisTile:
    """One tile along one axis: its latent cells, the output positions it decodes to, its blend weights."""

    latent: slice
    out: slice
    weight: torch.Tensor  # (out length,), float32


def split(length: int, tile: int, overlap: int) -> list[tuple[int, int]]:
    """Evenly spaced [start, stop) of size ``tile`` covering [0, length), neighbours sharing ≥ overlap."""
    if tile <= 0 or length <= tile:
        return [(0, length)]
    n = 1 + math.ceil((length - tile) / (tile - overlap))
    starts = [round(i * (length - tile) / (n - 1)) for i in range(n)]
    return [(s, s + tile) for s in starts]


def _rise(pos: torch.Tensor, start: float, stop: float) -> torch.Tensor:
    """0 before ``start``, 1 after ``stop``, linear between (at pixel centres)."""
    if stop <= start:
        return (pos >= start).to(pos.dtype)
    return ((pos + 0.5 - start) / (stop - start)).clamp(0.0, 1.0)


def plan_axis(
    length: int, tile: int, overlap: int, to_out: Callable[[int, int], tuple[int, int]]
) -> list[AxisTile]:
    """Tiles along one axis with crossfade weights that sum to one at every output position."""
    spans = split(length, tile, overlap)
    outs = [to_out(a, b) for a, b in spans]
    raw = []
    for i, (a, b) in enumerate(outs):
        pos = torch.arange(a, b, dtype=torch.float64)
        w = torch.ones(b - a, dtype=torch.float64)
        if i > 0:
            shared = outs[i - 1][1] - a
            w = w * _rise(pos, a + shared / 3, a + 2 * shared / 3)
        if i + 1 < len(outs):
            nxt = outs[i + 1][0]
            shared = b - nxt
            w = w * (1 - _rise(pos, nxt + shared / 3, nxt + 2 * shared / 3))
        raw.append(w)
    total = torch.zeros(outs[-1][1], dtype=torch.float64)
    for (a, b), w in zip(outs, raw, strict=True):
        total[a:b] += w
    return [
        AxisTile(slice(*span), slice(a, b), (w / total[a:b]).float())
        for span, (a, b), w in zip(spans, outs, raw, strict=True)
    ]


def decode_in_tiles(
    render: Callable[[torch.Tensor], torch.Tensor],
    latent: torch.Tensor,
    tiling: VideoTiling,
    *,
    out_channels: int,
    time_factor: int,
    space_factor: int,
    group: dist.ProcessGroup | None = None,
) -> Iterator[torch.Tensor]:
    """Decode ``latent`` (B, C, F', H', W') tile by tile through ``render``; yield float32 frame chunks.
    ``group``: ranks that share the tiles (each calls this with the same latent)."""
    rank, world = (0, 1) if group is None else (dist.get_rank(group), dist.get_world_size(group))
    b, _, frames, height, width = latent.shape
    tile_s, overlap_s, tile_t, overlap_t = tiling.latent_sizes(time_factor, space_factor)
    device = latent.device

    def on_device(tiles: list[AxisTile]) -> list[AxisTile]:
        return [AxisTile(t.latent, t.out, t.weight.to(device)) for t in tiles]

    chunks = on_device(
        plan_axis(frames, tile_t, overlap_t, lambda s, e: (time_factor * s, time_factor * (e - 1) + 1))
    )
    rows = on_device(plan_axis(height, tile_s, overlap_s, lambda s, e: (space_factor * s, space_factor * e)))
    cols = on_device(plan_axis(width, tile_s, overlap_s, lambda s, e: (space_factor * s, space_factor * e)))
    carry: torch.Tensor | None = None
    tile = 0
    for i, chunk_tile in enumerate(chunks):
        n = chunk_tile.out.stop - chunk_tile.out.start
        chunk = torch.zeros(b, out_channels, n, height * space_factor, width * space_factor, device=device)
        for row in rows:
            for col in cols:
                tile += 1
                if (tile - 1) % world != rank:
                    continue
                pixels = render(latent[:, :, chunk_tile.latent, row.latent, col.latent])
                weight = (
                    chunk_tile.weight[:, None, None] * row.weight[None, :, None] * col.weight[None, None, :]
                )
                chunk[:, :, :, row.out, col.out].addcmul_(pixels, weight)
                del pixels
        if group is not None:
            all_reduce_sum(chunk, group)
        if carry is not None:
            chunk[:, :, : carry.shape[2]] += carry
        done = (
            chunks[i + 1].out.start if i + 1 < len(chunks) else chunk_tile.out.stop
        ) - chunk_tile.out.start
        carry = chunk[:, :, done:].clone()
        yield chunk[:, :, :done]

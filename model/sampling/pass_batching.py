"""Whether a guided step's transformer passes (cond, uncond, perturbed, isolated) run as one batch.

Batching saves the per-pass overhead and fills the device better, at the price of holding
every pass's activations at once. On CUDA the passes are batched when the device's free
memory (the caching allocator's reserve included) comfortably holds the extra activations;
on other devices, where batching gains little once the work is large, when the batch is
small enough to be overhead-bound. The same rule on CUDA decides whether several clips of one
generation (best-of-N candidates) sample as one batch.
"""

from __future__ import annotations

import torch

from ..config import TransformerConfig

# Activations per token, in units of the model width: hidden state, norm, q/k/v, attention
# output, the 4x feed-forward hidden and its activation, with room for temporaries.
WIDTHS_PER_TOKEN = 16
HEADROOM = 2.0  # batch only if twice the extra activations fit
CPU_BATCH_LIMIT = 256 * 2**20  # bytes of activations below which CPU work is overhead-bound


def pass_activation_bytes(
    cfg: TransformerConfig,
    video_tokens: int,
    audio_tokens: int,
    text_tokens: int,
    batch: int,
    dtype: torch.dtype,
) -> int:
    """A generous estimate of the peak activations of one transformer pass."""
    size = torch.empty((), dtype=dtype).element_size()
    per_sample = (
        video_tokens * cfg.video_dim * WIDTHS_PER_TOKEN
        + audio_tokens * cfg.audio_dim * WIDTHS_PER_TOKEN
        + text_tokens * (cfg.video_dim + cfg.audio_dim) * 4
    )
    return per_sample * batch * size


def free_device_bytes(device: torch.device) -> int | None:
    """Free CUDA memory, counting what the caching allocator holds unused; None elsewhere."""
    if device.type != "cuda":
        return None
    free, _ = torch.cuda.mem_get_info(device)
    return free + torch.cuda.memory_reserved(device) - torch.cuda.memory_allocated(device)


def should_batch(passes: int, pass_bytes: int, free_bytes: int | None) -> bool:
    """Batch ``passes`` passes of ``pass_bytes`` activations each, given the device's free memory
    (None: a device without a memory query, decided by size)."""
    if passes < 2:
        return False
    if free_bytes is None:
        return pass_bytes * passes <= CPU_BATCH_LIMIT
    return _extra_copies_fit(passes, pass_bytes, free_bytes)


def should_batch_clips(clips: int, clip_bytes: int, free_bytes: int | None) -> bool:
    """Sample ``clips`` clips of ``clip_bytes`` activations each (one pass) as one batch, given the
    device's free memory. A device without a memory query (the CPU) always batches: host memory
    holds a few clips' activations, and one batch pays each step's per-pass overhead once."""
    if clips < 2:
        return False
    return free_bytes is None or _extra_copies_fit(clips, clip_bytes, free_bytes)


def _extra_copies_fit(copies: int, each_bytes: int, free_bytes: int) -> bool:
    return (copies - 1) * each_bytes * HEADROOM <= free_bytes

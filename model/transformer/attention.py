"""Scaled dot-product attention over (B, T, H·D) tensors, through the fastest kernel that fits.

SDPA is always available (on CUDA it picks its own flash or memory-efficient kernels). On
CUDA, FlashAttention 3 (``flash_attn_interface``, Hopper), FlashAttention 2 (``flash_attn``)
and SageAttention (``sageattention``) are used when they import and the call fits them: no
mask, fp16/bf16, a head dim they support, a GPU generation they run on. None is required.
The environment variable ``TALKIES_ATTENTION`` or ``set_attention_backend`` restricts the
choice to one of them ("sdpa" turns the others off); a backend that does not fit a call
still falls back to SDPA.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

import torch
import torch.nn.functional as F

log = logging.getLogger(__name__)

SDPA = "sdpa"
AUTO = "auto"
FAST_DTYPES = (torch.float16, torch.bfloat16)


def _first(out):
    """FlashAttention 3 returns (out, lse) in some releases and out alone in others."""
    return out[0] if isinstance(out, tuple) else out


@dataclass(kw_only=True, frozen=True)
class Backend:
    """An optional attention kernel taking and returning (B, T, H, D) tensors."""

    name: str
    module: str
    min_capability: tuple[int, int]
    below_capability: tuple[int, int] | None
    head_dims: Callable[[int], bool]
    run: Callable[[ModuleType, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]

    def fits(self, capability: tuple[int, int], dtype: torch.dtype, head_dim: int) -> bool:
        if capability < self.min_capability:
            return False
        if self.below_capability is not None and capability >= self.below_capability:
            return False
        return dtype in FAST_DTYPES and self.head_dims(head_dim)


# In order of preference: exact kernels first, SageAttention (8-bit QK) last.
BACKENDS: tuple[Backend, ...] = (
    Backend(
        name="flash_attn_3",
        module="flash_attn_interface",
        min_capability=(9, 0),
        below_capability=(10, 0),
        head_dims=lambda d: d <= 256 and d % 8 == 0,
        run=lambda m, q, k, v: _first(m.flash_attn_func(q, k, v)),
    ),
    Backend(
        name="flash_attn_2",
        module="flash_attn",
        min_capability=(8, 0),
        below_capability=None,
        head_dims=lambda d: d <= 256 and d % 8 == 0,
        run=lambda m, q, k, v: m.flash_attn_func(q, k, v),
    ),
    Backend(
        name="sage",
        module="sageattention",
        min_capability=(8, 0),
        below_capability=None,
        head_dims=lambda d: d in (64, 96, 128),
        run=lambda m, q, k, v: m.sageattn(q, k, v, tensor_layout="NHD", is_causal=False),
    ),
)
BACKEND_NAMES = (AUTO, SDPA, *(b.name for b in BACKENDS))
_BY_NAME = {b.name: b for b in BACKENDS}

_modules: dict[str, ModuleType | None] = {}
_capabilities: dict[int, tuple[int, int]] = {}
_preference = AUTO


def set_attention_backend(name: str) -> None:
    """Restrict the choice: "auto" (default), "sdpa", "flash_attn_3", "flash_attn_2" or "sage"."""
    global _preference
    if name not in BACKEND_NAMES:
        raise ValueError(f"attention backend must be one of {', '.join(BACKEND_NAMES)}; got {name!r}")
    _preference = name


def attention_backend() -> str:
    return _preference


def _module(name: str) -> ModuleType | None:
    """The backend's module, imported once; a missing or broken install counts as absent."""
    if name not in _modules:
        try:
            _modules[name] = importlib.import_module(name)
        except Exception as e:  # a broken native extension raises OSError, RuntimeError...
            if not isinstance(e, ImportError):
                log.warning("attention backend %s is installed but does not load (%s); not using it", name, e)
            _modules[name] = None
    return _modules[name]


def _capability(device: torch.device) -> tuple[int, int] | None:
    """The CUDA compute capability of ``device``; None where only SDPA applies."""
    if device.type != "cuda":
        return None
    index = device.index if device.index is not None else torch.cuda.current_device()
    if index not in _capabilities:
        _capabilities[index] = torch.cuda.get_device_capability(index)
    return _capabilities[index]


def choose_backend(device: torch.device, dtype: torch.dtype, head_dim: int, masked: bool) -> str:
    """The kernel a call with these properties goes to (a backend name, or "sdpa")."""
    if masked or _preference == SDPA:
        return SDPA
    capability = _capability(device)
    if capability is None:
        return SDPA
    for backend in BACKENDS:
        if _preference not in (AUTO, backend.name):
            continue
        if backend.fits(capability, dtype, head_dim) and _module(backend.module) is not None:
            return backend.name
    return SDPA


def _sdpa(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, heads: int, mask: torch.Tensor | None
) -> torch.Tensor:
    q, k, v = (t.unflatten(-1, (heads, -1)).transpose(1, 2) for t in (q, k, v))
    if mask is not None and mask.dtype == torch.bool and mask.ndim == 2:
        mask = mask[:, None, None, :]
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    return out.transpose(1, 2).flatten(2)


@torch.compiler.assume_constant_result
def _chosen(device: torch.device, dtype: torch.dtype, head_dim: int, masked: bool) -> str:
    # Decided once per traced graph when compiled; the choice only depends on constants.
    return choose_backend(device, dtype, head_dim, masked)


def attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, heads: int, mask: torch.Tensor | None = None
) -> torch.Tensor:
    """``mask``: boolean (B, S) over keys (True = may attend), or an additive bias (B, 1, T, S)."""
    name = _chosen(q.device, q.dtype, q.shape[-1] // heads, mask is not None)
    if name == SDPA:
        return _sdpa(q, k, v, heads, mask)
    backend = _BY_NAME[name]
    q, k, v = (t.unflatten(-1, (heads, -1)) for t in (q, k, v))
    return backend.run(_module(backend.module), q, k, v).flatten(2)


def _from_environment() -> None:
    name = os.environ.get("TALKIES_ATTENTION", AUTO).strip().lower() or AUTO
    try:
        set_attention_backend(name)
    except ValueError as e:
        log.warning("TALKIES_ATTENTION: %s; using auto", e)


_from_environment()

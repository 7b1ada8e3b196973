"""fp8 (e4m3) weights with a per-tensor scale.

Where the hardware has fp8 matrix cores (CUDA compute capability 8.9 and up) and the shapes
suit them, the activation is quantised per tensor on the fly and the product runs as a
real fp8 matmul (``torch._scaled_mm``). Elsewhere the weight is dequantised one matmul at a
time and the product runs in the activation's dtype.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

FP8 = torch.float8_e4m3fn
FP8_MAX = float(torch.finfo(FP8).max)
SCALED_MM_DTYPES = (torch.bfloat16, torch.float16)
_capable: dict[int, bool] = {}


def quantize_fp8(weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-tensor scaling so the largest magnitude lands on the fp8 maximum."""
    amax = weight.detach().abs().max().float().clamp(min=1e-12)
    scale = amax / FP8_MAX
    return (weight.float() / scale).to(FP8), scale


def dequantize_fp8(weight: torch.Tensor, scale: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """The real-valued weight, scaled in float32 and rounded once to ``dtype``."""
    return (weight.float() * scale.float()).to(dtype)


@torch.compiler.assume_constant_result
def scaled_mm_supported(device: torch.device) -> bool:
    """fp8 tensor cores: CUDA compute capability 8.9 (Ada) or newer."""
    if device.type != "cuda":
        return False
    index = device.index if device.index is not None else torch.cuda.current_device()
    if index not in _capable:
        _capable[index] = torch.cuda.get_device_capability(index) >= (8, 9)
    return _capable[index]


def fp8_matmul(
    x: torch.Tensor, weight: torch.Tensor, weight_scale: torch.Tensor, bias: torch.Tensor | None
) -> torch.Tensor:
    """x (..., in) @ (weight · weight_scale)ᵀ + bias, with x quantised per tensor to e4m3.

    The activation scale is computed on the device, so nothing waits on the host.
    """
    flat = x.reshape(-1, x.shape[-1])
    x_scale = (flat.abs().amax().float() / FP8_MAX).clamp(min=1e-12)
    x8 = (flat.float() / x_scale).clamp(-FP8_MAX, FP8_MAX).to(FP8)
    fused_bias = bias is not None and x.dtype == torch.bfloat16
    out = torch._scaled_mm(
        x8,
        weight.t(),
        scale_a=x_scale,
        scale_b=weight_scale.float(),
        bias=bias.to(x.dtype) if fused_bias else None,
        out_dtype=x.dtype,
    )
    out = out[0] if isinstance(out, tuple) else out  # torch < 2.4 also returned amax
    if bias is not None and not fused_bias:
        out = out + bias.to(x.dtype)
    return out.unflatten(0, x.shape[:-1])


class FP8Linear(nn.Linear):
    """A Linear whose weight is stored in fp8; ``weight_scale`` maps it back to real values."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None) -> None:
        super().__init__(in_features, out_features, bias=bias, device=device)
        self.weight = nn.Parameter(self.weight.detach().to(FP8), requires_grad=False)
        self.weight_scale = nn.Parameter(torch.ones((), device=device), requires_grad=False)

    def uses_scaled_mm(self, x: torch.Tensor) -> bool:
        """fp8 matmul needs fp8 hardware, a 16-bit activation and both weight dims multiple of 16."""
        return (
            x.dtype in SCALED_MM_DTYPES
            and self.in_features % 16 == 0
            and self.out_features % 16 == 0
            and scaled_mm_supported(x.device)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.uses_scaled_mm(x):
            return fp8_matmul(x, self.weight, self.weight_scale, self.bias)
        weight = dequantize_fp8(self.weight, self.weight_scale, x.dtype)
        bias = None if self.bias is None else self.bias.to(x.dtype)
        return F.linear(x, weight, bias)


def swap_to_fp8(module: nn.Module, names: set[str]) -> None:
    """Replace the named nn.Linear children (dotted paths) by FP8Linear, on the module's device."""
    for name in names:
        parent_name, _, child = name.rpartition(".")
        parent = module.get_submodule(parent_name) if parent_name else module
        old = getattr(parent, child)
        new = FP8Linear(
            old.in_features, old.out_features, bias=old.bias is not None, device=old.weight.device
        )
        setattr(parent, child, new)


def quantize_linears(module: nn.Module, names: set[str]) -> None:
    """Hold the named nn.Linear layers of a loaded module in fp8 (weights quantised in place)."""
    for name in sorted(names):
        parent_name, _, child = name.rpartition(".")
        parent = module.get_submodule(parent_name) if parent_name else module
        old = getattr(parent, child)
        weight, scale = quantize_fp8(old.weight.detach())
        with torch.device("meta"):
            new = FP8Linear(old.in_features, old.out_features, bias=old.bias is not None)
        new.weight = nn.Parameter(weight, requires_grad=False)
        new.weight_scale = nn.Parameter(scale.to(weight.device), requires_grad=False)
        if old.bias is not None:
            new.bias = nn.Parameter(old.bias.detach(), requires_grad=False)
        setattr(parent, child, new)

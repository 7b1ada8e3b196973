"""fp8 (e4m3) weights with a per-tensor scale, upcast one matmul at a time."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

FP8 = torch.float8_e4m3fn
FP8_MAX = float(torch.finfo(FP8).max)


class FP8Linear(nn.Linear):
    """A Linear whose weight is stored in fp8; ``weight_scale`` maps it back to real values."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None) -> None:
        super().__init__(in_features, out_features, bias=bias, device=device)
        self.weight = nn.Parameter(self.weight.detach().to(FP8), requires_grad=False)
        self.weight_scale = nn.Parameter(torch.ones((), device=device), requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weight = self.weight.to(x.dtype) * self.weight_scale.to(x.dtype)
        bias = None if self.bias is None else self.bias.to(x.dtype)
        return F.linear(x, weight, bias)


def quantize_fp8(weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-tensor scaling so the largest magnitude lands on the fp8 maximum."""
    amax = weight.detach().abs().max().float().clamp(min=1e-12)
    scale = amax / FP8_MAX
    return (weight.float() / scale).to(FP8), scale


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

"""Pointing a module's parameters and buffers at other storage (another device, a packed buffer).

Inference never changes weights, so moving a module means swapping what its tensors refer
to; the Parameter objects stay the same wherever the new tensor's kind allows it.
"""

from __future__ import annotations

import torch
from torch import nn


def owned_tensors(module: nn.Module) -> list[tuple[nn.Module, str, torch.Tensor]]:
    """(owner module, attribute name, tensor) for every parameter and buffer, each once."""
    out, seen = [], set()
    for owner in module.modules():
        for name, t in [*owner._parameters.items(), *owner._buffers.items()]:
            if t is not None and id(t) not in seen:
                seen.add(id(t))
                out.append((owner, name, t))
    return out


def get_tensor(owner: nn.Module, name: str) -> torch.Tensor:
    return owner._parameters[name] if name in owner._parameters else owner._buffers[name]


def set_tensor(owner: nn.Module, name: str, tensor: torch.Tensor) -> None:
    if name not in owner._parameters:
        owner._buffers[name] = tensor
        return
    param = owner._parameters[name]
    if torch._has_compatible_shallow_copy_type(param, tensor):
        param.data = tensor
    else:  # e.g. meta tensors cannot stand in for CPU ones inside the same Parameter
        owner._parameters[name] = nn.Parameter(tensor, requires_grad=param.requires_grad)

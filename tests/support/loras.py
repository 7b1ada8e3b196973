"""Random LoRA files in the layouts LTX-2 LoRAs are published in, for the tests."""

from __future__ import annotations

from pathlib import Path

import torch

from talkies.model.loading.safetensors_file import write_safetensors

# (down, up) key names of each layout
LAYOUT_KEYS = {"peft": ("lora_A", "lora_B"), "kohya": ("lora_down", "lora_up")}


def layer_shapes(model: torch.nn.Module, names) -> dict[str, tuple[int, int]]:
    """(out, in) features of the named Linear layers of ``model``."""
    modules = dict(model.named_modules())
    return {name: (modules[name].out_features, modules[name].in_features) for name in names}


def write_random_lora(
    path: Path,
    shapes: dict[str, tuple[int, int]],
    seed: int,
    *,
    rank: int = 4,
    layout: str = "peft",
    alpha: float | None = None,
    prefix: str = "diffusion_model.",
    scale: float = 0.2,
    metadata: dict[str, str] | None = None,
) -> tuple[Path, dict[str, tuple[torch.Tensor, torch.Tensor]]]:
    """A LoRA file changing layers of ``shapes`` {name: (out, in)}, and its (down, up) per layer."""
    down_key, up_key = LAYOUT_KEYS[layout]
    g = torch.Generator().manual_seed(seed)
    tensors, pairs = {}, {}
    for name, (out, inp) in shapes.items():
        down, up = torch.randn(rank, inp, generator=g) * scale, torch.randn(out, rank, generator=g) * scale
        tensors[f"{prefix}{name}.{down_key}.weight"] = down
        tensors[f"{prefix}{name}.{up_key}.weight"] = up
        if alpha is not None:
            tensors[f"{prefix}{name}.alpha"] = torch.tensor(alpha)
        pairs[name] = (down, up)
    return write_safetensors(path, tensors, metadata or {}), pairs

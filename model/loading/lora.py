"""LoRA files for the LTX-2 transformer: read as published, stacked with strengths, applied, removed.

Layouts read: ``<layer>.lora_A.weight`` + ``<layer>.lora_B.weight`` (PEFT, LTX-2's trainer) and
``<layer>.lora_down.weight`` + ``<layer>.lora_up.weight`` (kohya), either with an optional
``<layer>.alpha``; layer names with or without a ``diffusion_model.`` (or
``model.diffusion_model.``, ``transformer.``) prefix. Each layer's change is

    ΔW = strength · (alpha / rank) · up @ down        (no alpha: scale 1, as the reference fuses)

Two ways of applying it, chosen per layer:

- fused, for bf16/fp16/fp32 weights: W ← W + ΣΔW, computed in fp32 and rounded once; the
  original weights of the touched layers are kept on the host so the stack can be removed
  again without reloading the checkpoint;
- per matmul, for fp8 weights: y = x·Wᵀ + Σ s·(x·downᵀ)·upᵀ, so the fp8 weights stay as they
  are and the stack costs the LoRA tensors only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ..config import TransformerConfig
from ..transformer.model import AVTransformer
from .quant import FP8Linear
from .safetensors_file import SafetensorsFile

# Prefixes published LTX-2 LoRA files put before the transformer's own layer names.
LAYER_PREFIXES = ("model.diffusion_model.", "diffusion_model.", "transformer.")
# (down, up) weight suffixes of the layouts in use.
LAYOUTS = ((".lora_A.weight", ".lora_B.weight"), (".lora_down.weight", ".lora_up.weight"))
ALPHA_SUFFIX = ".alpha"
_SHOWN = 3  # example names an error message gives


@dataclass(frozen=True)
class LoraLayer:
    """One layer's low-rank change: ``down`` (rank, in), ``up`` (out, rank), ``scale`` = alpha / rank."""

    down: torch.Tensor
    up: torch.Tensor
    scale: float

    def delta(self, strength: float) -> torch.Tensor:
        """ΔW (out, in) in fp32 at ``strength``."""
        return (strength * self.scale) * (self.up.float() @ self.down.float())


# Metadata an IC-LoRA trained on smaller control videos carries: how many times smaller they were.
REFERENCE_DOWNSCALE_KEY = "reference_downscale_factor"


@dataclass(frozen=True)
class LoraFile:
    """A LoRA file's layers, keyed by the transformer's own layer names, and its metadata."""

    path: Path
    layers: dict[str, LoraLayer]
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def reference_downscale(self) -> int:
        """For an IC-LoRA: how many times smaller than the clip its control videos are (1: same size)."""
        value = self.metadata.get(REFERENCE_DOWNSCALE_KEY, "1")
        try:
            factor = int(value)
        except ValueError:
            raise ValueError(
                f"{self.path.name}: {REFERENCE_DOWNSCALE_KEY} is {value!r}, not a whole number"
            ) from None
        if factor < 1:
            raise ValueError(f"{self.path.name}: {REFERENCE_DOWNSCALE_KEY} must be at least 1, got {factor}")
        return factor


def _layer_name(key: str) -> str:
    for prefix in LAYER_PREFIXES:
        if key.startswith(prefix):
            return key[len(prefix) :]
    return key


def _examples(names) -> str:
    names = sorted(names)
    shown = ", ".join(repr(n) for n in names[:_SHOWN])
    return shown + (f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else "")


def read_lora(path: str | Path) -> LoraFile:
    """The layers of a LoRA file, whatever its layout; a clear error when it is none of them."""
    path = Path(path)
    with SafetensorsFile(path) as f:
        keys, metadata = f.keys(), dict(f.metadata)
        layers: dict[str, LoraLayer] = {}
        for down_suffix, up_suffix in LAYOUTS:
            for key in keys:
                if not key.endswith(down_suffix):
                    continue
                base = key[: -len(down_suffix)]
                up_key = base + up_suffix
                if up_key not in f.tensors:
                    raise ValueError(
                        f"{path.name}: {key} has no {up_suffix[1:]} partner; the file is incomplete"
                    )
                down, up = f.read(key, dtype=torch.float32), f.read(up_key, dtype=torch.float32)
                if down.dim() != 2 or up.dim() != 2 or up.shape[1] != down.shape[0]:
                    raise ValueError(
                        f"{path.name}: {base} has down {tuple(down.shape)} and up {tuple(up.shape)}, "
                        "not a low-rank pair of matrices"
                    )
                alpha_key = base + ALPHA_SUFFIX
                scale = (
                    float(f.read(alpha_key, dtype=torch.float32)) / down.shape[0]
                    if alpha_key in f.tensors
                    else 1.0
                )
                layers[_layer_name(base)] = LoraLayer(down=down, up=up, scale=scale)
    if not layers:
        raise ValueError(
            f"{path.name} holds no LoRA layers (keys ending in lora_A/lora_B or lora_down/lora_up .weight); "
            f"its keys look like {_examples(keys)}"
        )
    return LoraFile(path=path, layers=layers, metadata=metadata)


def _targets(model: nn.Module, lora: LoraFile) -> dict[str, nn.Linear]:
    """The model's Linear layer for each of the LoRA's layers; errors for what does not fit."""
    linears = {name: m for name, m in model.named_modules() if isinstance(m, nn.Linear)}
    missing = [name for name in lora.layers if name not in linears]
    if len(missing) == len(lora.layers):
        raise ValueError(
            f"{lora.path.name} changes layers this transformer does not have ({_examples(missing)}); "
            f"its layers are named like {_examples(linears)}. Is the LoRA for another model family?"
        )
    if missing:
        raise ValueError(
            f"{lora.path.name}: {len(missing)} of its {len(lora.layers)} layers are not in this transformer "
            f"({_examples(missing)}); it was made for a different LTX-2 version or size"
        )
    for name, layer in lora.layers.items():
        target = linears[name]
        if (layer.up.shape[0], layer.down.shape[1]) != (target.out_features, target.in_features):
            raise ValueError(
                f"{lora.path.name}: {name} changes a {layer.up.shape[0]}×{layer.down.shape[1]} weight, "
                f"this transformer's is {target.out_features}×{target.in_features}: the LoRA is for another "
                "model size"
            )
    return {name: linears[name] for name in lora.layers}


class _MatmulLoras:
    """A forward hook adding Σ s·(x·downᵀ)·upᵀ to a Linear's output; the pairs are held once, on the
    layer's device in the model's compute dtype, with strength and alpha folded into ``up``."""

    def __init__(
        self, layers: list[tuple[LoraLayer, float]], device: torch.device, dtype: torch.dtype
    ) -> None:
        self.pairs = [
            (layer.down.to(device, dtype), (layer.up * (strength * layer.scale)).to(device, dtype))
            for layer, strength in layers
        ]

    def __call__(self, module: nn.Module, inputs: tuple, output: torch.Tensor) -> torch.Tensor:
        x = inputs[0]
        for down, up in self.pairs:
            output = output + F.linear(F.linear(x, down.to(x.dtype)), up.to(x.dtype))
        return output


@dataclass
class AppliedLoras:
    """What :func:`apply_loras` changed, so :meth:`remove` can put it back."""

    originals: dict[str, tuple[nn.Linear, torch.Tensor]] = field(default_factory=dict)
    hooks: list = field(default_factory=list)

    def remove(self) -> None:
        """The transformer as it was before the LoRAs, without reloading anything."""
        with torch.no_grad():
            for linear, weight in self.originals.values():
                linear.weight.copy_(weight.to(linear.weight.device))
        for hook in self.hooks:
            hook.remove()
        self.originals.clear()
        self.hooks.clear()


def check_loras(cfg: TransformerConfig, loras: Sequence[tuple[LoraFile, float]]) -> None:
    """Refuse LoRAs that do not fit a transformer of ``cfg`` before any weight is loaded."""
    with torch.device("meta"):
        model = AVTransformer(cfg)
    for lora, _ in loras:
        _targets(model, lora)


def _compute_dtype(model: nn.Module) -> torch.dtype:
    """The dtype the model computes in (an fp8 model keeps its biases and norms in it)."""
    return getattr(model, "dtype", torch.float32)


@torch.no_grad()
def apply_loras(model: nn.Module, loras: Sequence[tuple[LoraFile, float]]) -> AppliedLoras:
    """Apply a stack of (LoRA, strength) to ``model``'s Linear layers; strength 0 changes nothing."""
    per_layer: dict[str, list[tuple[LoraLayer, float]]] = {}
    linears: dict[str, nn.Linear] = {}
    for lora, strength in loras:
        if not isinstance(strength, int | float) or strength != strength:
            raise ValueError(f"a LoRA strength must be a number, got {strength!r} for {lora.path.name}")
        targets = _targets(model, lora)
        if strength == 0:
            continue
        for name, layer in lora.layers.items():
            per_layer.setdefault(name, []).append((layer, float(strength)))
            linears[name] = targets[name]
    applied = AppliedLoras()
    for name, stack in per_layer.items():
        linear = linears[name]
        if isinstance(linear, FP8Linear):
            hook = _MatmulLoras(stack, linear.weight.device, _compute_dtype(model))
            applied.hooks.append(linear.register_forward_hook(hook))
            continue
        weight = linear.weight
        applied.originals[name] = (linear, weight.detach().to("cpu", copy=True))
        delta = sum(layer.delta(strength).to(weight.device) for layer, strength in stack)
        weight.copy_((weight.float() + delta).to(weight.dtype))
    return applied

"""Which weight quantisation a file holds, and refusing the ones Talkies does not implement.

Talkies computes with bf16, fp16 and fp32 weights and with fp8 e4m3 weights scaled per tensor
(``<layer>.weight`` in F8_E4M3 next to a one-element ``<layer>.weight_scale``), as Lightricks and
Comfy-Org publish their fp8 files. Anything else would load as numbers that mean nothing, so it
is refused here, naming the format, before a module is built. What is recognised:

- ComfyUI's per-layer markers: a ``<layer>.comfy_quant`` uint8 tensor holding JSON
  ``{"format": ...}``, or the same per layer in the ``_quantization_metadata`` file metadata;
  ComfyUI's older ``scaled_fp8`` marker tensor with ``.scale_weight`` / ``.scale_input``;
- bitsandbytes 4-bit (``.quant_state.bitsandbytes__nf4`` / ``__fp4``, ``.absmax``);
- packed 4-bit weights (uint8 ``.weight`` with ``.weight_scale_2``: nvfp4);
- int8 weights (``int8`` ``.weight`` with a scale);
- fp8 with block scales (a ``.weight_scale`` of more than one element: mxfp8, blockwise fp8)
  and fp8 e5m2 weights with a scale;
- safetensors dtypes torch here cannot hold (F8_E8M0 block scales, F4, F6) and GGUF files,
  refused where the file is opened (safetensors_file.py).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator

from .safetensors_file import SafetensorsFile

COMFY_QUANT_SUFFIX = ".comfy_quant"
COMFY_QUANT_METADATA = "_quantization_metadata"
COMFY_SCALED_FP8_KEY = "scaled_fp8"
# ComfyUI's name for the one quantisation Talkies computes with.
IMPLEMENTED_COMFY_FORMATS = ("float8_e4m3fn",)
_BNB_MARKERS = {"bitsandbytes__nf4": "bitsandbytes nf4", "bitsandbytes__fp4": "bitsandbytes fp4"}
WHAT_WORKS = "bf16, fp16, fp32 or fp8 e4m3 scaled per tensor (as Lightricks and Comfy-Org publish them)"


def _comfy_formats(file: SafetensorsFile) -> Iterator[tuple[str, str]]:
    """(layer, format) of every layer a ComfyUI quantisation marker describes."""
    raw = file.metadata.get(COMFY_QUANT_METADATA)
    if raw is not None:
        try:
            layers = json.loads(raw).get("layers", {})
        except (json.JSONDecodeError, AttributeError) as exc:
            raise ValueError(f"{file.path.name}: its '{COMFY_QUANT_METADATA}' metadata is not JSON") from exc
        for layer, conf in layers.items():
            yield layer, str(conf.get("format", "unnamed"))
    for key in file.tensors:
        if key.endswith(COMFY_QUANT_SUFFIX):
            try:
                conf = json.loads(bytes(file.read(key).tolist()).decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError, TypeError) as exc:
                raise ValueError(f"{file.path.name}: {key} is not ComfyUI quantisation JSON") from exc
            yield key.removesuffix(COMFY_QUANT_SUFFIX), str(conf.get("format", "unnamed"))


def unimplemented_quantization(file: SafetensorsFile) -> tuple[str, str] | None:
    """(the quantisation's name, a tensor showing it) when ``file`` holds one Talkies cannot compute
    with; None for plain and per-tensor fp8 e4m3 files."""
    for layer, fmt in _comfy_formats(file):
        if fmt not in IMPLEMENTED_COMFY_FORMATS:
            return f"ComfyUI '{fmt}'", layer
    if COMFY_SCALED_FP8_KEY in file.tensors:
        return "ComfyUI's older scaled_fp8 layout (.scale_weight / .scale_input)", COMFY_SCALED_FP8_KEY
    tensors = file.tensors
    for key, info in tensors.items():
        for marker, name in _BNB_MARKERS.items():
            if key.endswith(marker):
                return name, key
        if key.endswith(".absmax") or key.endswith(".quant_map"):
            return "bitsandbytes 4-bit", key
        if key.endswith(".weight_scale_2"):
            return "nvfp4 (4-bit with two-level scales)", key
        if not key.endswith(".weight"):
            continue
        scale = tensors.get(key + "_scale")
        if info.dtype == "U8" and scale is not None:
            return "packed 4-bit weights (fp4 / nvfp4)", key
        if info.dtype == "I8" and scale is not None:
            return "int8 weights (w8a8 / int8 tensorwise)", key
        if info.dtype == "F8_E5M2" and scale is not None:
            return "fp8 e5m2 scaled", key
        if info.dtype == "F8_E4M3" and scale is not None and math.prod(scale.shape) > 1:
            return "fp8 with block scales (mxfp8 / blockwise fp8)", key
    return None


def refuse_unimplemented_quantization(file: SafetensorsFile) -> None:
    """A ValueError naming the quantisation when ``file`` holds one Talkies does not implement."""
    found = unimplemented_quantization(file)
    if found is not None:
        name, where = found
        raise ValueError(
            f"{file.path.name} is quantised as {name} (e.g. {where}); Talkies does not implement that "
            f"quantisation and will not load it as if it were plain weights. Use the file's {WHAT_WORKS} "
            "release, or pick dtype fp8 with a bf16 file to hold the transformer in fp8"
        )

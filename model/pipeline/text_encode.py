"""The Text Encode stage: a prompt (with its structured sound fields) → each stream's context."""

from __future__ import annotations

from ..text.conditioner import PromptEmbedding
from ..text.prompt import LEVELS, SoundLayer, compose_prompt, parse_dialogue
from .load import TalkiesModel

__all__ = ["LEVELS", "PromptEmbedding", "SoundLayer", "compose_prompt", "encode_prompts", "parse_dialogue"]


def encode_prompts(
    model: TalkiesModel, prompt: str, negative: str = ""
) -> tuple[PromptEmbedding, PromptEmbedding]:
    both = model.encode_prompts([prompt, negative or ""], required=False) if prompt.strip() else None
    if both is None:
        model.encode_prompts([prompt])  # raises the empty-prompt message
    pos = PromptEmbedding(both.video[:1], both.audio[:1], both.mask[:1])
    neg = PromptEmbedding(both.video[1:], both.audio[1:], both.mask[1:])
    return pos, neg

"""The LoRA stage: a model with LoRAs stacked on its transformer, sharing every other part."""

from __future__ import annotations

from pathlib import Path

from .load import TalkiesModel


def add_lora(model: TalkiesModel, path: str | Path, strength: float) -> TalkiesModel:
    """``model`` with the LoRA at ``path`` on top of its own at ``strength`` (0: exactly the model).

    The file is read and checked against the transformer's layers at once (no weights loaded),
    so a LoRA for another model is refused here, not in the sampler."""
    return model.with_loras([(path, strength)])

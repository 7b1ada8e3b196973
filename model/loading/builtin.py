"""The built-in model shipped with the pack (trained on the toy world, see training/)."""

from __future__ import annotations

from pathlib import Path

BUILTIN_NAME = "talkies_toyworld.safetensors"
# The model_version of every checkpoint trained on the toy world (the built-in one, retrainings).
TOY_WORLD_VERSION = "talkies-toyworld"
BUILTIN_CHECKPOINT = Path(__file__).resolve().parents[2] / "checkpoints" / BUILTIN_NAME


def builtin_checkpoint() -> Path:
    if not BUILTIN_CHECKPOINT.is_file():
        raise FileNotFoundError(
            f"the built-in model is missing at {BUILTIN_CHECKPOINT}; reinstall the pack or rebuild it with "
            "`python -m talkies train --out runs/builtin` and copy the checkpoint there"
        )
    return BUILTIN_CHECKPOINT


def trained_on_toy_world(metadata: dict[str, str]) -> bool:
    """Whether a checkpoint's metadata says it was trained on the toy world (its clips are toy-world
    clips, which the world's own metrics can read)."""
    return metadata.get("model_version", "").startswith(TOY_WORLD_VERSION)

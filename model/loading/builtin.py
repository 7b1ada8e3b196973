"""The built-in model shipped with the pack (trained on the toy world, see training/)."""

from __future__ import annotations

from pathlib import Path

BUILTIN_NAME = "talkies_toyworld.safetensors"
BUILTIN_CHECKPOINT = Path(__file__).resolve().parents[2] / "checkpoints" / BUILTIN_NAME


def builtin_checkpoint() -> Path:
    if not BUILTIN_CHECKPOINT.is_file():
        raise FileNotFoundError(
            f"the built-in model is missing at {BUILTIN_CHECKPOINT}; reinstall the pack or rebuild it with "
            "`python -m talkies train --out runs/builtin` and copy the checkpoint there"
        )
    return BUILTIN_CHECKPOINT

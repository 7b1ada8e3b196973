"""Shared fixtures."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Oracles, tiny checkpoints and helpers shared by every test group.
sys.path.insert(0, str(Path(__file__).resolve().parent / "support"))

from tiny_checkpoint import shared_tiny_checkpoint  # noqa: E402


@pytest.fixture(scope="session")
def quick_model():
    """A TalkiesModel over a tiny random checkpoint in the built-in model's layout."""
    from talkies.model.pipeline.load import TalkiesModel

    return TalkiesModel(shared_tiny_checkpoint())


@pytest.fixture(scope="module")
def tiny_models_dir(tmp_path_factory):
    """A ComfyUI-style models folder holding the tiny checkpoint as talkies/tiny.safetensors,
    set as the standalone host's models folder."""
    from talkies.nodes.standalone import runtime

    root = tmp_path_factory.mktemp("models")
    (root / "talkies").mkdir()
    (root / "talkies" / "tiny.safetensors").symlink_to(shared_tiny_checkpoint())
    runtime.configure_standalone(models=root)
    return root

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

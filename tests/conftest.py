"""Shared fixtures."""

from __future__ import annotations

import pytest
from tiny_checkpoint import shared_tiny_checkpoint


@pytest.fixture(scope="session")
def quick_model():
    """A TalkiesModel over a tiny random checkpoint in the built-in model's layout."""
    from talkies.model.talkies_model import TalkiesModel

    return TalkiesModel(shared_tiny_checkpoint())

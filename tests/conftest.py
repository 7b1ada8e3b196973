"""Shared fixtures."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def quick_checkpoint(tmp_path_factory):
    """A complete built-in-layout checkpoint from the training recipe's quick mode (a few steps
    of every stage): real architecture and code path, untrained weights."""
    from talkies.training.cli import QUICK
    from talkies.training.recipe import reproduce

    out = tmp_path_factory.mktemp("quick_model")
    return reproduce(out, QUICK, seed=0, device="cpu", evaluate=False).checkpoint


@pytest.fixture(scope="session")
def quick_model(quick_checkpoint):
    from talkies.model.talkies_model import TalkiesModel

    return TalkiesModel(quick_checkpoint)

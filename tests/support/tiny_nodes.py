"""The first nodes of a chain, run headless on the tiny checkpoint (tiny_models_dir's tiny.safetensors)."""

from __future__ import annotations

from talkies.nodes.empty_clip import TalkiesEmptyClip
from talkies.nodes.load_model import TalkiesLoadModel
from talkies.nodes.sampler import TalkiesSampler
from talkies.nodes.text_encode import TalkiesTextEncode

PROMPT = "a red ball bounces on a wooden floor"


def load_tiny_model():
    """Talkies Load Model's model for the tiny checkpoint on the CPU."""
    return TalkiesLoadModel.execute("tiny.safetensors", "from checkpoint", "auto", "cpu").args[0]


def encode(model, text: str = PROMPT):
    return TalkiesTextEncode.execute(model, text).args[0]


def sampled_clip(model, prompts, frames: int) -> dict:
    """A 64×64 clip of ``frames`` frames at 24 fps, sampled in 2 steps from seed 1 (a LATENT)."""
    empty = TalkiesEmptyClip.execute(model, width=64, height=64, length=frames, unit="frames", fps=24.0).args[
        0
    ]
    return TalkiesSampler.execute(model, prompts, empty, seed=1, steps=2, preview=False).args[0]

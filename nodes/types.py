"""The pack's own wire types, and the node menu category."""

from __future__ import annotations

from .host import io

CATEGORY = "Talkies"

# A loaded model shared by every node wired to it (model/talkies_model.TalkiesModel).
Model = io.Custom("TALKIES_MODEL")
# Encoded positive and negative prompts (nodes/text_encode.EncodedPrompts).
Prompts = io.Custom("TALKIES_PROMPTS")
# Per-stream guidance for the sampler (nodes/guidance.GuidanceChoice).
GuidanceType = io.Custom("TALKIES_GUIDANCE")

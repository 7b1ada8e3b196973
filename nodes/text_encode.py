"""Talkies Text Encode: the scene and its sound, as the prompt the model reads, encoded."""

from __future__ import annotations

from dataclasses import dataclass

from ..model.pipeline.load import TalkiesModel
from ..model.pipeline.text_encode import (
    LEVELS,
    PromptEmbedding,
    SoundLayer,
    compose_prompt,
    encode_prompts,
    parse_dialogue,
)
from .host import io
from .inputs import problem_with, text_input
from .types import CATEGORY, Model, Prompts


@dataclass(kw_only=True, frozen=True)
class EncodedPrompts:
    positive: PromptEmbedding
    negative: PromptEmbedding
    text: str
    negative_text: str


def _level(name: str, what: str) -> io.Combo.Input:
    return io.Combo.Input(
        name, options=list(LEVELS), default="normal", tooltip=f"How loud the {what} is, relative to the rest."
    )


class TalkiesTextEncode(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="TalkiesTextEncode",
            display_name="Talkies Text Encode",
            category=f"{CATEGORY}/conditioning",
            description="Encodes what happens and what it sounds like. The optional sound fields are written "
            "into the prompt in the form the model understands (the composed text is an output).",
            inputs=[
                Model.Input("model", tooltip="The model whose text encoder reads the prompt."),
                text_input(
                    "prompt",
                    "What happens in the clip and what it sounds like, in plain sentences.",
                    multiline=True,
                ),
                text_input(
                    "negative",
                    "What to steer away from (used when a guidance scale above 1 is set).",
                    multiline=True,
                ),
                text_input(
                    "dialogue",
                    "Spoken lines, one per line: 'Speaker (manner, level): words'. Manner: says, whispers, "
                    "shouts or sings; level: soft, normal or loud; both optional, e.g. "
                    "'Anna (whispers): I told you so'.",
                    multiline=True,
                ),
                text_input("sound_effects", "Sound effects, e.g. 'a door slams'."),
                _level("sound_effects_level", "sound effects"),
                text_input("ambience", "The background sound, e.g. 'rain on a window'."),
                _level("ambience_level", "ambience"),
                text_input("music", "The music, e.g. 'slow piano'."),
                _level("music_level", "music"),
            ],
            outputs=[
                Prompts.Output(display_name="prompts"),
                io.String.Output(display_name="text", tooltip="The composed prompt the model reads."),
            ],
        )

    @classmethod
    def validate_inputs(cls, dialogue: str | None = None) -> bool | str:
        return problem_with(parse_dialogue, dialogue or "")

    @classmethod
    def execute(
        cls,
        model: TalkiesModel,
        prompt: str,
        negative: str = "",
        dialogue: str = "",
        sound_effects: str = "",
        sound_effects_level: str = "normal",
        ambience: str = "",
        ambience_level: str = "normal",
        music: str = "",
        music_level: str = "normal",
    ) -> io.NodeOutput:
        layers = [
            SoundLayer("effects", sound_effects, sound_effects_level),
            SoundLayer("ambience", ambience, ambience_level),
            SoundLayer("music", music, music_level),
        ]
        text = compose_prompt(prompt, parse_dialogue(dialogue), layers)
        positive, negative_embedding = encode_prompts(model, text, negative)
        return io.NodeOutput(
            EncodedPrompts(positive=positive, negative=negative_embedding, text=text, negative_text=negative),
            text,
        )

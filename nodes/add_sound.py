"""Talkies Add Sound: a video's frames → the same frames with sound made for them."""

from __future__ import annotations

import torch

from ..model.pipeline.add_sound import add_sound
from ..model.pipeline.load import TalkiesModel
from . import host
from .generation import held_stream_output, sampling_options
from .guidance import GuidanceChoice
from .host import io
from .inputs import clip_outputs, fps_input, generation_inputs
from .text_encode import EncodedPrompts
from .types import CATEGORY, Model, Prompts


class TalkiesAddSound(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="TalkiesAddSound",
            display_name="Talkies Add Sound",
            category=f"{CATEGORY}/sampling",
            description="Makes the sound for a video: the picture is held as it is while the model generates "
            "the sound to go with it. The frames come out unchanged, with sound exactly as long as they "
            "last.",
            search_aliases=["foley", "video to audio", "sound effects", "v2a"],
            inputs=[
                Model.Input("model", tooltip="The model that makes the sound."),
                Prompts.Input(
                    "prompts",
                    tooltip="What the sound is (from Talkies Text Encode: effects, ambience, music).",
                ),
                io.Image.Input(
                    "images",
                    tooltip="The video's frames, any size and length (from Load Video or any IMAGE).",
                ),
                fps_input("The video's frame rate (wire Get Video Components' fps here)."),
                *generation_inputs("The noise seed of the sound."),
            ],
            outputs=clip_outputs(),
        )

    @classmethod
    def execute(
        cls,
        model: TalkiesModel,
        prompts: EncodedPrompts,
        images: torch.Tensor,
        fps: float,
        seed: int,
        steps: int = 0,
        guidance: GuidanceChoice | None = None,
    ) -> io.NodeOutput:
        options = sampling_options(model, guidance, seed=seed, steps=steps)
        host.check_interrupt()
        clip = add_sound(model, images, fps, prompts.positive, prompts.negative, options)
        return held_stream_output(clip)

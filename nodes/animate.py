"""Talkies Animate To Sound: a sound (and optionally a first frame) → a picture that follows it."""

from __future__ import annotations

import torch

from ..model.media.waveform import Waveform
from ..model.pipeline.animate import animate_to_sound
from ..model.pipeline.load import TalkiesModel
from . import host
from .generation import held_stream_output, sampling_options
from .guidance import GuidanceChoice
from .host import io
from .inputs import (
    clip_outputs,
    fps_input,
    guidance_input,
    scale_input,
    seed_input,
    size_inputs,
    steps_input,
)
from .text_encode import EncodedPrompts
from .types import CATEGORY, Model, Prompts


class TalkiesAnimateToSound(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="TalkiesAnimateToSound",
            display_name="Talkies Animate To Sound",
            category=f"{CATEGORY}/sampling",
            description="Makes a picture that follows a sound: the sound is held as it is while the model "
            "generates the video. The sound comes out unchanged, sample for sample, with frames covering it.",
            search_aliases=["audio to video", "a2v", "lip sync", "music video"],
            inputs=[
                Model.Input("model", tooltip="The model that makes the picture."),
                Prompts.Input("prompts", tooltip="What the picture shows (from Talkies Text Encode)."),
                io.Audio.Input("audio", tooltip="The sound to follow: any sample rate, channels and length."),
                *size_inputs(),
                fps_input("The clip's frame rate."),
                seed_input("The noise seed of the picture."),
                steps_input(),
                io.Image.Input(
                    "image",
                    optional=True,
                    tooltip="A first frame to start from (resized and centre-cropped).",
                ),
                scale_input(
                    "image_strength", 1.0, 1.0, "How exactly the first frame keeps the image.", step=0.05
                ),
                guidance_input(),
            ],
            outputs=clip_outputs(),
        )

    @classmethod
    def execute(
        cls,
        model: TalkiesModel,
        prompts: EncodedPrompts,
        audio: dict,
        width: int,
        height: int,
        fps: float,
        seed: int,
        steps: int = 0,
        image: torch.Tensor | None = None,
        image_strength: float = 1.0,
        guidance: GuidanceChoice | None = None,
    ) -> io.NodeOutput:
        options = sampling_options(model, guidance, seed=seed, steps=steps)
        host.check_interrupt()
        clip = animate_to_sound(
            model,
            Waveform.from_audio(audio),
            prompts.positive,
            prompts.negative,
            fps=fps,
            width=width,
            height=height,
            image=image,
            image_strength=image_strength,
            options=options,
        )
        return held_stream_output(clip)

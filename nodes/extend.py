"""Talkies Extend: the next seconds of a clip, picture and sound together.

Two nodes, one per kind of input: our latents (appended in latent space, decoded once, no
seam) and IMAGE frames + AUDIO from anywhere (the tail is encoded on the fly and the sound
cross-fades only inside the overlap).
"""

from __future__ import annotations

from fractions import Fraction

from ..model.media.fps import as_fps
from ..model.media.waveform import Waveform
from ..model.pipeline.extend import extend_latent, extend_media
from ..model.pipeline.load import TalkiesModel
from . import host
from .generation import sampling_options
from .guidance import GuidanceChoice
from .host import io
from .inputs import clip_outputs, generation_inputs, int_input, media_inputs, scale_input
from .latent_dict import model_clip, to_latent_dict
from .text_encode import EncodedPrompts
from .types import CATEGORY, Model, Prompts


def _inputs(clip_input) -> list:
    """Both extension nodes' inputs around the one that gives the clip."""
    return [
        Model.Input("model", tooltip="The model that generates the new part."),
        Prompts.Input("prompts", tooltip="What happens next (from Talkies Text Encode)."),
        *clip_input,
        scale_input(
            "seconds", 2.0, 600.0, "How much longer the clip gets (in whole latent frames).", minimum=0.1
        ),
        int_input(
            "overlap",
            2,
            1,
            16,
            "Latent frames of the clip's end (8 video frames each for LTX-2, with the sound over the "
            "same time) the new part continues from.",
        ),
        *generation_inputs("The noise seed of the new part."),
    ]


class TalkiesExtend(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="TalkiesExtend",
            display_name="Talkies Extend",
            category=f"{CATEGORY}/sampling",
            description="Generates what happens next, conditioned on the end of the clip's picture and "
            "sound; the clip's earlier latents are kept exactly and the new part is appended.",
            inputs=_inputs(
                [io.Latent.Input("latent", tooltip="The clip to extend (from Talkies Sampler or Extend).")]
            ),
            outputs=[io.Latent.Output(display_name="latent")],
        )

    @classmethod
    def execute(
        cls,
        model: TalkiesModel,
        prompts: EncodedPrompts,
        latent: dict,
        seconds: float,
        overlap: int,
        seed: int,
        steps: int = 0,
        guidance: GuidanceChoice | None = None,
    ) -> io.NodeOutput:
        clip, _ = model_clip(model, latent)
        options = sampling_options(model, guidance, seed=seed, steps=steps)
        host.check_interrupt()
        out = extend_latent(
            model, clip, prompts.positive, prompts.negative, seconds=seconds, overlap=overlap, options=options
        )
        return io.NodeOutput(to_latent_dict(out))


class TalkiesExtendFrames(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="TalkiesExtendFrames",
            display_name="Talkies Extend Frames",
            category=f"{CATEGORY}/sampling",
            description="Extends frames and sound from anywhere: the original frames and samples are kept, "
            "the new part starts exactly where they end, and the sound cross-fades only inside the overlap.",
            inputs=_inputs(media_inputs("The clip's frame rate (kept for the new part).")),
            outputs=clip_outputs(),
        )

    @classmethod
    def execute(
        cls,
        model: TalkiesModel,
        prompts: EncodedPrompts,
        images,
        audio: dict,
        fps: float,
        seconds: float,
        overlap: int,
        seed: int,
        steps: int = 0,
        guidance: GuidanceChoice | None = None,
    ) -> io.NodeOutput:
        rate: Fraction = as_fps(fps)
        options = sampling_options(model, guidance, seed=seed, steps=steps)
        host.check_interrupt()
        sound_in = Waveform.from_audio(audio)
        frames, sound = extend_media(
            model,
            images,
            sound_in,
            rate,
            prompts.positive,
            prompts.negative,
            seconds=seconds,
            overlap=overlap,
            options=options,
        )
        return io.NodeOutput(frames, sound.as_audio(), float(rate))

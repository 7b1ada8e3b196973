"""Talkies Retake: redo a time window of a clip (its sound, its picture or both), keep the rest.

Two nodes, one per kind of input: our latents (the window's masks, for the Sampler with a new
prompt; every latent outside the window comes back bit-exact) and IMAGE frames + AUDIO from
anywhere (encoded, redone and spliced back in one node: outside the window every frame and
sample is the original, with a short cross-fade just inside each edge).
"""

from __future__ import annotations

from ..model.media.fps import as_fps
from ..model.media.waveform import Waveform
from ..model.pipeline.load import TalkiesModel
from ..model.pipeline.retake import CROSSFADE_FRAMES, STREAMS, TimeWindow, retake_latent, retake_media
from . import host
from .generation import sampling_options
from .guidance import GuidanceChoice
from .host import io
from .inputs import choice_input, clip_outputs, generation_inputs, media_inputs, problem_with, scale_input
from .latent_dict import model_clip, to_latent_dict
from .text_encode import EncodedPrompts
from .types import CATEGORY, Model, Prompts

LONGEST_SECONDS = 3600.0


def _window_inputs() -> list:
    return [
        scale_input("start", 0.5, LONGEST_SECONDS, "Where the window to redo begins, in seconds.", step=0.01),
        scale_input("end", 1.0, LONGEST_SECONDS, "Where it ends (not included), in seconds.", step=0.01),
        choice_input(
            "streams",
            STREAMS,
            "both",
            "What to redo inside the window: the sound, the picture, or both; the other stays as it is.",
        ),
    ]


def _window_problem(start: float | None, end: float | None) -> bool | str:
    if start is None or end is None:  # linked from another node: checked when it runs
        return True
    return problem_with(lambda bounds: TimeWindow(*bounds), (start, end))


class TalkiesRetake(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="TalkiesRetake",
            display_name="Talkies Retake",
            category=f"{CATEGORY}/sampling",
            description="Marks a time window of a clip to redo (sound, picture or both); feed it to "
            "Talkies Sampler with a new prompt. Everything outside the window is kept exactly.",
            search_aliases=["inpaint", "redo", "fix", "regenerate"],
            inputs=[
                Model.Input("model", tooltip="The model the clip was made with."),
                io.Latent.Input(
                    "latent", tooltip="The clip to fix (from Talkies Sampler, Extend or an earlier retake)."
                ),
                *_window_inputs(),
            ],
            outputs=[io.Latent.Output(display_name="latent")],
        )

    @classmethod
    def validate_inputs(cls, start: float | None = None, end: float | None = None) -> bool | str:
        return _window_problem(start, end)

    @classmethod
    def execute(
        cls, model: TalkiesModel, latent: dict, start: float, end: float, streams: str
    ) -> io.NodeOutput:
        clip, _ = model_clip(model, latent)
        return io.NodeOutput(to_latent_dict(retake_latent(clip, TimeWindow(start, end), streams)))


class TalkiesRetakeFrames(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="TalkiesRetakeFrames",
            display_name="Talkies Retake Frames",
            category=f"{CATEGORY}/sampling",
            description="Redoes a time window of frames and sound from anywhere (sound, picture or "
            "both) with a new prompt; outside the window every frame and sample is kept, with a "
            f"{CROSSFADE_FRAMES}-frame cross-fade just inside each edge.",
            search_aliases=["inpaint", "redo", "fix", "regenerate"],
            inputs=[
                Model.Input("model", tooltip="The model that redoes the window."),
                Prompts.Input("prompts", tooltip="What the window should show and sound like."),
                *media_inputs("The clip's frame rate."),
                *_window_inputs(),
                *generation_inputs("The noise seed of the retake."),
            ],
            outputs=clip_outputs(),
        )

    @classmethod
    def validate_inputs(cls, start: float | None = None, end: float | None = None) -> bool | str:
        return _window_problem(start, end)

    @classmethod
    def execute(
        cls,
        model: TalkiesModel,
        prompts: EncodedPrompts,
        images,
        audio: dict,
        fps: float,
        start: float,
        end: float,
        streams: str,
        seed: int,
        steps: int = 0,
        guidance: GuidanceChoice | None = None,
    ) -> io.NodeOutput:
        rate = as_fps(fps)
        window = TimeWindow(start, end)
        options = sampling_options(model, guidance, seed=seed, steps=steps)
        host.check_interrupt()
        out = retake_media(
            model,
            images,
            Waveform.from_audio(audio),
            rate,
            prompts.positive,
            prompts.negative,
            window=window,
            streams=streams,
            options=options,
        )
        for note in out.notes:
            host.tell(note)
        return io.NodeOutput(out.images, out.sound.as_audio(), float(rate))

"""Talkies Sampler: denoises picture and sound together, with a progress bar and preview frames."""

from __future__ import annotations

import weakref

from ..model.pipeline.best_of import MAX_CANDIDATES, best_of, score_lines
from ..model.pipeline.load import TalkiesModel
from ..model.pipeline.sample import (
    LatentColours,
    StepPreview,
    fit_latent_colours,
    parse_sigmas,
    sample,
    sigmas_for,
)
from ..toyworld.prompt_measures import prompt_measures
from . import host
from .guidance import GuidanceChoice, resolve_guidance
from .host import io
from .inputs import guidance_input, int_input, problem_with, seed_input, steps_input
from .latent_dict import model_clip, to_latent_dict
from .text_encode import EncodedPrompts
from .types import CATEGORY, Model, Prompts

_colours: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def latent_colours(model: TalkiesModel) -> LatentColours:
    """The model's latent → RGB preview map, fitted on first use."""
    if model not in _colours:
        with model.working("video_encoder") as encoder:
            _colours[model] = fit_latent_colours(encoder)
    return _colours[model]


class TalkiesSampler(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="TalkiesSampler",
            display_name="Talkies Sampler",
            category=f"{CATEGORY}/sampling",
            description="Generates the clip's picture and sound in one denoising pass. Cancel stops it "
            "within one step.",
            search_aliases=["ksampler", "generate", "denoise"],
            inputs=[
                Model.Input("model", tooltip="The model that denoises."),
                Prompts.Input("prompts", tooltip="The encoded prompts (from Talkies Text Encode)."),
                io.Latent.Input(
                    "latent",
                    tooltip="The clip to generate into (from Talkies Empty Clip or "
                    "Talkies Image Conditioning).",
                ),
                seed_input("The noise seed; a seed gives the same clip on any device."),
                steps_input("Denoising steps; 0 uses the model's recommended count."),
                io.String.Input(
                    "sigmas",
                    default="",
                    tooltip="An explicit σ schedule from 1 to 0, e.g. '1, 0.99, 0.9, 0.7, 0.4, 0'; "
                    "overrides steps. Empty: the model's schedule.",
                ),
                io.Boolean.Input(
                    "preview",
                    default=True,
                    tooltip="Show the current estimate after every step as a strip of frames from the "
                    "clip's start to its end (cheap: a fitted colour map, no decoding).",
                ),
                guidance_input(
                    "Per-stream guidance (from Talkies Guidance); without it the model's "
                    "recommended guidance."
                ),
                int_input(
                    "candidates",
                    1,
                    1,
                    MAX_CANDIDATES,
                    "Best of N: sample seeds seed … seed + N − 1 (one batch when memory allows), decode "
                    "each, score how well its sound lands on its motion (AV-Align and the sound-to-motion "
                    "lag) and keep the best. 1: just this seed.",
                    optional=True,
                ),
            ],
            outputs=[
                io.Latent.Output(display_name="latent"),
                io.String.Output(
                    "scores",
                    display_name="scores",
                    tooltip="With candidates above 1, one line per candidate: its seed, sync score, "
                    "AV-Align, lag and correlation, the kept one marked. Empty otherwise.",
                ),
            ],
        )

    @classmethod
    def validate_inputs(cls, sigmas: str | None = None) -> bool | str:
        return problem_with(parse_sigmas, sigmas) if sigmas and sigmas.strip() else True

    @classmethod
    def execute(
        cls,
        model: TalkiesModel,
        prompts: EncodedPrompts,
        latent: dict,
        seed: int,
        steps: int = 0,
        sigmas: str = "",
        preview: bool = True,
        guidance: GuidanceChoice | None = None,
        candidates: int = 1,
    ) -> io.NodeOutput:
        clip, fps_known = model_clip(model, latent)
        if not fps_known:
            host.tell(f"the latent does not say its frame rate; assuming the model's {clip.fps} fps")
        schedule = sigmas_for(model, clip, steps or None, parse_sigmas(sigmas) if sigmas.strip() else None)
        video_guidance, audio_guidance = resolve_guidance(model, guidance)
        colours = latent_colours(model) if preview else None
        _, _, f, h, w = clip.video.shape
        progress = host.Progress(len(schedule) - 1)

        def on_step(step: StepPreview) -> None:
            nonlocal progress
            host.check_interrupt()
            if step.total != progress.total:  # best of N, sampled one candidate after another
                progress = host.Progress(step.total)
            picture = None if colours is None else colours.filmstrip_from_tokens(step.video_x0, f, h, w)
            progress.update(step.step, picture)

        host.check_interrupt()
        run = {
            "sigmas": schedule,
            "video_guidance": video_guidance,
            "audio_guidance": audio_guidance,
            "on_step": on_step,
        }
        if candidates == 1:
            out = sample(model, clip, prompts.positive, prompts.negative, seed=seed, **run)
            return io.NodeOutput(to_latent_dict(out), "")
        measures = prompt_measures(prompts.text) if model.trained_on_toy_world else None
        best = best_of(
            model,
            clip,
            prompts.positive,
            prompts.negative,
            candidates=candidates,
            seed=seed,
            measures=measures,
            **run,
        )
        lines = score_lines(best.scores, best.kept)
        host.tell(f"kept seed {best.scores[best.kept].seed} of {candidates} candidates")
        return io.NodeOutput(to_latent_dict(best.latent), "\n".join(lines), ui={"text": lines})

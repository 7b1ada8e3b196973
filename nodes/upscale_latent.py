"""Talkies Upscale Latent: a sampled clip's video latent ×2 in space, for a refining second stage."""

from __future__ import annotations

import threading
from pathlib import Path

from ..model.pipeline.load import TalkiesModel
from ..model.pipeline.two_stage import load_upsampler, upscale_latent
from . import host
from .folders import UPSCALER_FOLDER
from .host import io
from .inputs import choice_input, problem_with
from .latent_dict import model_clip, to_latent_dict
from .model_handle import folder_file
from .types import CATEGORY, Model

UPSCALER_TOOLTIP = f"A spatial (or temporal) ×2 latent upsampler from models/{UPSCALER_FOLDER}."
_upsamplers: dict[Path, object] = {}
_lock = threading.Lock()


def upsampler_path(name: str) -> Path:
    """The upsampler file ``name`` (LTX-2's spatial or temporal ×2 upscaler)."""
    return folder_file((UPSCALER_FOLDER,), name, "upscaler")


def upsampler_for(name: str):
    """The upsampler file ``name``, loaded once."""
    path = upsampler_path(name)
    with _lock:
        if path not in _upsamplers:
            _upsamplers[path] = load_upsampler(path)
        return _upsamplers[path]


class TalkiesUpscaleLatent(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="TalkiesUpscaleLatent",
            display_name="Talkies Upscale Latent",
            category=f"{CATEGORY}/latent",
            description="Doubles the width and height of a sampled clip's picture in latent space (the "
            "sound is kept). Condition the bigger clip again (Image Conditioning at full size), then refine "
            "it with Talkies Sampler on the distilled stage-2 σ list: LTX-2's two-stage quality path.",
            search_aliases=["latent upscale", "two stage", "upsampler", "hires"],
            inputs=[
                Model.Input("model", tooltip="The model whose VAE statistics the upsampler works in."),
                io.Latent.Input("latent", tooltip="A sampled clip (from Talkies Sampler)."),
                choice_input("upscale_model", host.model_files(UPSCALER_FOLDER), None, UPSCALER_TOOLTIP),
            ],
            outputs=[io.Latent.Output(display_name="latent")],
        )

    @classmethod
    def validate_inputs(cls, upscale_model: str) -> bool | str:
        return problem_with(upsampler_path, upscale_model)

    @classmethod
    def execute(cls, model: TalkiesModel, latent: dict, upscale_model: str) -> io.NodeOutput:
        clip, _ = model_clip(model, latent)
        return io.NodeOutput(to_latent_dict(upscale_latent(model, clip, upsampler_for(upscale_model))))

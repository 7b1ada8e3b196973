"""Talkies Upscale Latent: a sampled clip's video latent ×2 in space, for a refining second stage."""

from __future__ import annotations

import threading
from pathlib import Path

from ..model.pipeline.defaults import defaults_for
from ..model.pipeline.load import TalkiesModel
from ..model.pipeline.two_stage import load_upsampler, upscale_latent
from . import host
from .folders import UPSCALER_FOLDER
from .host import io
from .inputs import problem_with
from .latent_dict import from_latent_dict, to_latent_dict
from .types import CATEGORY, Model

_upsamplers: dict[Path, object] = {}
_lock = threading.Lock()


def upsampler_path(name: str) -> Path:
    """The upsampler file ``name`` in the latent upscale models folder (standalone: or a path)."""
    path = host.model_file(UPSCALER_FOLDER, name)
    if path is None and host.PATHS_ALLOWED and Path(name).expanduser().is_file():
        path = Path(name).expanduser()
    if path is None:
        raise FileNotFoundError(
            f"upscaler {name!r} was not found; put ltx-2-spatial-upscaler-x2 (a .safetensors file) in "
            f"models/{UPSCALER_FOLDER} and refresh"
        )
    return path


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
                io.Combo.Input(
                    "upscale_model",
                    options=host.model_files(UPSCALER_FOLDER),
                    tooltip=f"A spatial ×2 latent upsampler from models/{UPSCALER_FOLDER}.",
                ),
            ],
            outputs=[io.Latent.Output(display_name="latent")],
        )

    @classmethod
    def validate_inputs(cls, upscale_model: str) -> bool | str:
        return problem_with(upsampler_path, upscale_model)

    @classmethod
    def execute(cls, model: TalkiesModel, latent: dict, upscale_model: str) -> io.NodeOutput:
        clip, _ = from_latent_dict(latent, defaults_for(model).fps, model.video_compression)
        return io.NodeOutput(to_latent_dict(upscale_latent(model, clip, upsampler_for(upscale_model))))

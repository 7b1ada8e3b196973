"""Talkies Reference Video: a control video (depth, pose, edges) for an IC-LoRA on the model."""

from __future__ import annotations

import torch

from ..model.pipeline.load import TalkiesModel
from ..model.pipeline.reference_video import condition_on_reference
from .host import io
from .inputs import count_input, scale_input
from .latent_dict import model_clip, to_latent_dict
from .types import CATEGORY, Model


class TalkiesReferenceVideo(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="TalkiesReferenceVideo",
            display_name="Talkies Reference Video",
            category=f"{CATEGORY}/conditioning",
            description="Gives an IC-LoRA its control video (a depth, pose or edge video: any IMAGE batch). "
            "Load the IC-LoRA with Talkies LoRA; the clip then follows the control video.",
            search_aliases=["ic-lora", "ic lora", "control video", "depth", "pose", "canny"],
            inputs=[
                Model.Input("model", tooltip="The model with its IC-LoRA (from Talkies LoRA)."),
                io.Latent.Input("latent", tooltip="The clip to condition (from Talkies Empty Clip)."),
                io.Image.Input("images", tooltip="The control video's frames; resized and centre-cropped."),
                scale_input("strength", 1.0, 1.0, "1 keeps the control video exactly as given.", 0.01),
                count_input(
                    "downscale",
                    0,
                    8,
                    1,
                    "How many times smaller than the clip the control video is; 0: "
                    "what the IC-LoRA's file says (1 when it says nothing).",
                ),
            ],
            outputs=[io.Latent.Output(display_name="latent")],
        )

    @classmethod
    def execute(
        cls,
        model: TalkiesModel,
        latent: dict,
        images: torch.Tensor,
        strength: float = 1.0,
        downscale: int = 0,
    ) -> io.NodeOutput:
        clip, _ = model_clip(model, latent)
        conditioned = condition_on_reference(
            model, clip, images, strength=strength, downscale=downscale or None
        )
        return io.NodeOutput(to_latent_dict(conditioned))

"""Talkies Image Conditioning: a picture as the first frame (image-to-video) or as a frame to pass through."""

from __future__ import annotations

import torch

from ..model.pipeline.image_conditioning import DEFAULT_IMAGE_CRF, condition_on_image, frame_at
from ..model.pipeline.load import TalkiesModel
from .host import io
from .inputs import choice_input, count_input, flag_input, scale_input
from .latent_dict import model_clip, to_latent_dict
from .types import CATEGORY, Model

POSITIONS = ("frame", "seconds")
CRF_TOOLTIP = (
    "H.264 CRF the picture is re-compressed with first, so a still looks like a video frame and the clip "
    "moves (0: none; use 0 for frames from a video)."
)
GUIDE_TOOLTIP = (
    "Guide the clip through the picture instead of starting from it, at frame 0 too (first-and-last-frame "
    "and keyframe clips, as LTX-2's keyframe interpolation)."
)


class TalkiesImageConditioning(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="TalkiesImageConditioning",
            display_name="Talkies Image Conditioning",
            category=f"{CATEGORY}/conditioning",
            description="Pins a picture into the clip: at frame 0 the clip starts from it (image-to-video); "
            "at a later frame the clip is guided to pass through it. Chain several for several frames.",
            search_aliases=["image to video", "i2v", "first frame", "keyframe"],
            inputs=[
                Model.Input("model", tooltip="The model whose video encoder encodes the picture."),
                io.Latent.Input("latent", tooltip="The clip to condition (from Talkies Empty Clip)."),
                io.Image.Input(
                    "image",
                    tooltip="The picture; any size, it is resized and centre-cropped "
                    "to the clip. The first image of a batch is used.",
                ),
                count_input(
                    "frame", 0, 100000, 1, "The frame the picture is pinned at: 0 is the first frame."
                ),
                scale_input(
                    "strength", 1.0, 1.0, "1 keeps the picture exactly; lower values let it change.", 0.01
                ),
                count_input("compression", DEFAULT_IMAGE_CRF, 51, 1, CRF_TOOLTIP, advanced=True),
                choice_input(
                    "position", POSITIONS, "frame", "Place the picture by frame or by seconds.", optional=True
                ),
                scale_input(
                    "seconds", 0.0, 10000.0, "With position 'seconds': when it is shown.", 0.01, optional=True
                ),
                flag_input("guide", False, GUIDE_TOOLTIP, optional=True),
            ],
            outputs=[io.Latent.Output(display_name="latent")],
        )

    @classmethod
    def execute(
        cls,
        model: TalkiesModel,
        latent: dict,
        image: torch.Tensor,
        frame: int = 0,
        strength: float = 1.0,
        compression: int = DEFAULT_IMAGE_CRF,
        position: str = "frame",
        seconds: float = 0.0,
        guide: bool = False,
    ) -> io.NodeOutput:
        if position not in POSITIONS:
            raise ValueError(f"position must be one of {', '.join(POSITIONS)}; got {position!r}")
        clip, _ = model_clip(model, latent)
        at = frame_at(clip, seconds) if position == "seconds" else frame
        conditioned = condition_on_image(
            model, clip, image[:1], frame=at, strength=strength, crf=compression, guide=guide
        )
        return io.NodeOutput(to_latent_dict(conditioned))

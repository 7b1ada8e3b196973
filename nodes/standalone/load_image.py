"""ComfyUI's core "LoadImage" for headless runs, so shipped image-to-video workflows run without ComfyUI.

Only the headless runner registers it (inside ComfyUI the core node runs). The ``image``
value is a file name in the input folder, as in ComfyUI, or a path to a picture.
"""

from __future__ import annotations

import torch

from ...model.media.image_prep import load_image, to_rgb
from ..host import io
from .input_files import input_choices, input_path, input_problem

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")


class LoadImage(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="LoadImage",
            display_name="Load Image",
            category="image",
            inputs=[
                io.Combo.Input(
                    "image",
                    options=input_choices(IMAGE_SUFFIXES),
                    upload=io.UploadType.image,
                    tooltip="A picture in the input folder, or a path to one.",
                ),
            ],
            outputs=[io.Image.Output(display_name="IMAGE"), io.Mask.Output(display_name="MASK")],
        )

    @classmethod
    def validate_inputs(cls, image: str) -> bool | str:
        return input_problem(image, "picture")

    @classmethod
    def execute(cls, image: str) -> io.NodeOutput:
        pixels = to_rgb(load_image(input_path(image, "picture")))
        return io.NodeOutput(pixels, torch.zeros(1, *pixels.shape[1:3]))

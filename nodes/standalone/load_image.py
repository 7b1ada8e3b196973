"""ComfyUI's core "LoadImage" for headless runs, so shipped image-to-video workflows run without ComfyUI.

Only the headless runner registers it (inside ComfyUI the core node runs). The ``image``
value is a file name in the input folder, as in ComfyUI, or a path to a picture.
"""

from __future__ import annotations

import torch

from ...model.media.image_prep import load_image, to_rgb
from ..host import io
from .input_files import InputFileLoader

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")


class LoadImage(InputFileLoader):
    NODE_ID, DISPLAY_NAME, CATEGORY = "LoadImage", "Load Image", "image"
    INPUT, SUFFIXES, UPLOAD, WHAT = "image", IMAGE_SUFFIXES, io.UploadType.image, "picture"
    TOOLTIP = "A picture in the input folder, or a path to one."

    @classmethod
    def outputs(cls) -> list:
        return [io.Image.Output(display_name="IMAGE"), io.Mask.Output(display_name="MASK")]

    @classmethod
    def validate_inputs(cls, image: str) -> bool | str:
        return cls.problem(image)

    @classmethod
    def execute(cls, image: str) -> io.NodeOutput:
        pixels = to_rgb(load_image(cls.path(image)))
        return io.NodeOutput(pixels, torch.zeros(1, *pixels.shape[1:3]))

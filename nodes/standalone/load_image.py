"""ComfyUI's core "LoadImage" for headless runs, so shipped image-to-video workflows run without ComfyUI.

Only the headless runner registers it (inside ComfyUI the core node runs). The ``image``
value is a file name in the input folder, as in ComfyUI, or a path to a picture.
"""

from __future__ import annotations

from pathlib import Path

import torch

from ...model.media.image_prep import load_image, to_rgb
from .. import host
from ..host import io

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")


def image_choices() -> list[str]:
    folder = host.input_directory()
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


def image_path(name: str) -> Path:
    for candidate in (host.input_directory() / name, Path(name).expanduser()):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"image {name!r} is neither in the input folder {host.input_directory()} nor a file; "
        "give a picture's path or pass --input-dir"
    )


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
                    options=image_choices(),
                    upload=io.UploadType.image,
                    tooltip="A picture in the input folder, or a path to one.",
                ),
            ],
            outputs=[io.Image.Output(display_name="IMAGE"), io.Mask.Output(display_name="MASK")],
        )

    @classmethod
    def validate_inputs(cls, image: str) -> bool | str:
        try:
            image_path(image)
        except FileNotFoundError as exc:
            return str(exc)
        return True

    @classmethod
    def execute(cls, image: str) -> io.NodeOutput:
        pixels = to_rgb(load_image(image_path(image)))
        return io.NodeOutput(pixels, torch.zeros(1, *pixels.shape[1:3]))

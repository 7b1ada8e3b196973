"""Pictures written as PNG files, through PyAV's PNG encoder (no image library needed)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from .output_files import publish, temporary_file, writable_folder


def write_png(picture: np.ndarray, path: Path) -> Path:
    """An (H, W, 3) uint8 picture as a new PNG file at ``path``, published whole or not at all."""
    codec = av.CodecContext.create("png", "w")
    codec.width, codec.height, codec.pix_fmt = picture.shape[1], picture.shape[0], "rgb24"
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(picture), format="rgb24")
    data = b"".join(bytes(packet) for packet in [*codec.encode(frame), *codec.encode(None)])
    with temporary_file(writable_folder(path.parent), ".png") as finished:
        finished.write_bytes(data)
        return publish(finished, path)

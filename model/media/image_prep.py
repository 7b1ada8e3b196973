"""Pictures ↔ VAE pixels: formats, resize with centre crop, and the reference's H.264 round trip.

A conditioning picture goes through what the reference pipeline does before encoding:
optionally one H.264 encode/decode at a given CRF (the model was trained on compressed
video, so a pristine still otherwise stands out), a bilinear resize that fills the target,
a centre crop, and the map from 0..1 to -1..1. Pictures may be gray, gray+alpha, RGB or
RGBA, 8-bit, 16-bit or float; alpha is dropped, as ComfyUI's image loader does.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

DEFAULT_IMAGE_CRF = 33  # what LTX-2 pipelines re-compress still images at

_INTEGER_RANGE = {
    torch.uint8: 255.0,
    torch.uint16: 65535.0,
    torch.int32: 65535.0,
}  # PIL keeps 16-bit in int32


def to_rgb(picture: torch.Tensor | np.ndarray) -> torch.Tensor:
    """Any of (H, W), (H, W, C), (F, H, W, C) with C = 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA, integer or float
    → float32 RGB (F, H, W, 3) in 0..1."""
    t = torch.from_numpy(np.ascontiguousarray(picture)) if isinstance(picture, np.ndarray) else picture
    if t.ndim == 2:
        t = t[..., None]
    if t.ndim == 3:
        t = t[None]
    if t.ndim != 4 or t.shape[-1] not in (1, 2, 3, 4):
        raise ValueError(
            "a picture must be (H, W), (H, W, C) or (F, H, W, C) with C = 1 (gray), 2 (gray+alpha), "
            f"3 (RGB) or 4 (RGBA); got shape {tuple(t.shape)}"
        )
    color = t[..., :1].expand(*t.shape[:-1], 3) if t.shape[-1] <= 2 else t[..., :3]
    if color.is_floating_point():
        return color.float().clamp(0.0, 1.0).contiguous()
    if color.dtype == torch.bool:
        return color.float()
    if color.dtype not in _INTEGER_RANGE:
        raise ValueError(
            f"pixels of type {color.dtype} are not supported; use uint8, uint16 or float in 0..1"
        )
    return (color.float() / _INTEGER_RANGE[color.dtype]).clamp(0.0, 1.0)


def load_image(path: str | Path) -> np.ndarray:
    """An image file as an array: (H, W) gray or (H, W, 3|4) colour, uint8 or uint16 as stored."""
    import av  # here, not above: the model and the training stages run where PyAV is missing

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no image at {path}; check the path")
    try:
        with av.open(str(path)) as container:
            frame = next(container.decode(video=0))
    except (av.FFmpegError, StopIteration) as exc:
        raise ValueError(
            f"{path.name} is not an image that PyAV can read (PNG, JPEG, WebP, TIFF, ...)"
        ) from exc
    fmt = frame.format
    deep = max(c.bits for c in fmt.components) > 8
    if fmt.name.startswith(("gray", "ya")):
        target = "gray16le" if deep else "gray"
    elif any(c.is_alpha for c in fmt.components):
        target = "rgba64le" if deep else "rgba"
    else:
        target = "rgb48le" if deep else "rgb24"
    return frame.to_ndarray(format=target)


def h264_round_trip(frame: np.ndarray, crf: int) -> np.ndarray:
    """An RGB uint8 frame (H, W, 3) encoded as one libx264 frame at ``crf`` and decoded again.

    As in the reference, odd sizes lose their last row/column (yuv420p needs even sizes) and
    ``crf`` 0 returns the frame untouched.
    """
    if crf == 0:
        return frame
    import av

    h, w = frame.shape[0] // 2 * 2, frame.shape[1] // 2 * 2
    if min(h, w) < 2:
        return frame
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=1, options={"crf": str(crf), "preset": "veryfast"})
        stream.height, stream.width = h, w
        picture = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame[:h, :w]), format="rgb24")
        container.mux(stream.encode(picture.reformat(format="yuv420p")))
        container.mux(stream.encode())
    buffer.seek(0)
    with av.open(buffer) as container:
        return next(container.decode(video=0)).to_ndarray(format="rgb24")


def resize_and_center_crop(rgb: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """(F, H, W, 3) → (F, height, width, 3): bilinear resize until the target is filled, then centre crop."""
    if height < 1 or width < 1:
        raise ValueError(f"target size must be positive; got {height}x{width}")
    src_h, src_w = rgb.shape[1:3]
    scale = max(height / src_h, width / src_w)
    new_h, new_w = math.ceil(src_h * scale), math.ceil(src_w * scale)
    x = rgb.permute(0, 3, 1, 2)
    if (new_h, new_w) != (src_h, src_w):
        x = F.interpolate(x, size=(new_h, new_w), mode="bilinear", align_corners=False)
    top, left = (new_h - height) // 2, (new_w - width) // 2
    return x[:, :, top : top + height, left : left + width].permute(0, 2, 3, 1)


def prepare_conditioning(
    pictures: torch.Tensor | np.ndarray, height: int, width: int, crf: int = DEFAULT_IMAGE_CRF
) -> torch.Tensor:
    """A picture or frames (any :func:`to_rgb` input) → VAE pixels (1, 3, F, height, width) in -1..1.

    ``crf`` > 0 re-compresses each frame with H.264 first (at 8 bits), as the reference does for
    still images (33); pass 0 for frames that come from a video already.
    """
    rgb = to_rgb(pictures)
    if crf:
        frames = (rgb * 255.0).round().to(torch.uint8).cpu().numpy()
        rgb = torch.from_numpy(np.stack([h264_round_trip(f, crf) for f in frames])).float() / 255.0
    return resize_and_center_crop(rgb, height, width).permute(3, 0, 1, 2)[None] * 2.0 - 1.0


def image_to_pixels(images: torch.Tensor | np.ndarray) -> torch.Tensor:
    """ComfyUI IMAGE frames (F, H, W, 3) in 0..1 (any :func:`to_rgb` input) → pixels (1, 3, F, H, W)."""
    return to_rgb(images).permute(3, 0, 1, 2)[None] * 2.0 - 1.0


def pixels_to_image(pixels: torch.Tensor) -> torch.Tensor:
    """Pixels (B, C, F, H, W) in -1..1 → IMAGE (B·F, H, W, C) in 0..1, clipped."""
    b, c, f, h, w = pixels.shape
    return ((pixels.float() + 1.0) / 2.0).clamp(0.0, 1.0).permute(0, 2, 3, 4, 1).reshape(b * f, h, w, c)


def images_from_chunks(chunks: Iterable[torch.Tensor], frames: int) -> torch.Tensor:
    """Gather streamed pixel chunks (B, C, n, H, W) into one IMAGE (B·frames, H, W, C), filled in place."""
    out: torch.Tensor | None = None
    pos = 0
    for chunk in chunks:
        b, c, n, h, w = chunk.shape
        if out is None:
            out = torch.empty(b, frames, h, w, c, device=chunk.device)
        if pos + n > frames:
            raise ValueError(f"the chunks hold more than the {frames} frames announced")
        out[:, pos : pos + n] = ((chunk + 1.0) / 2.0).clamp_(0.0, 1.0).permute(0, 2, 3, 4, 1)
        pos += n
    if out is None or pos != frames:
        raise ValueError(f"the chunks hold {pos} frames, not the {frames} announced")
    return out.reshape(-1, *out.shape[2:])

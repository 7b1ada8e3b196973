"""The Image Conditioning stage: a picture pinned at a frame of the clip, as clean tokens."""

from __future__ import annotations

from dataclasses import replace

import torch

from ..media.image_prep import DEFAULT_IMAGE_CRF, prepare_conditioning
from ..sampling.av_latent import AVLatent, Keyframe
from .defaults import defaults_for
from .load import TalkiesModel

__all__ = ["DEFAULT_IMAGE_CRF", "condition_on_image", "frame_at"]


def frame_at(latent: AVLatent, seconds: float) -> int:
    """The clip's frame shown at ``seconds`` (frame k is shown from k / fps), refused outside it."""
    if not 0 <= seconds < float(latent.seconds):
        raise ValueError(f"{seconds} s is outside the clip (0 to {float(latent.seconds):.3f} s)")
    return min(latent.pixel_frames - 1, int(seconds * latent.fps))


def condition_on_image(
    model: TalkiesModel,
    latent: AVLatent,
    image: torch.Tensor,
    *,
    frame: int = 0,
    strength: float = 1.0,
    crf: int | None = None,
    guide: bool = False,
) -> AVLatent:
    """Pin ``image`` (IMAGE (H,W,3) or (N,H,W,3), any size: resized and centre-cropped) at a
    pixel ``frame``: frame 0 replaces the first latent frame (image-to-video, as LTX-2's
    text/image-to-video pipelines do); any other frame, or any frame with ``guide``, adds a
    guiding keyframe (as LTX-2's keyframe interpolation does, the first frame included).
    ``crf``: the H.264 re-compression of the image (None: the checkpoint's, 18 for LTX-2.5, else 33)."""
    if not 0 <= frame < latent.pixel_frames:
        raise ValueError(f"frame {frame} is outside the clip (0..{latent.pixel_frames - 1})")
    width, height = latent.pixel_size
    crf = defaults_for(model).image_crf if crf is None else crf
    pixels = prepare_conditioning(image, height, width, crf)
    with model.working("video_encoder") as encoder:
        encoded = encoder.encode(pixels[:, :, :1]).to(latent.video)
    encoded = encoded.expand(latent.batch, -1, -1, -1, -1)
    if frame == 0 and not guide:
        video = latent.video.clone()
        video[:, :, :1] = encoded[:, :, :1]
        b, _, f, h, w = latent.video.shape
        mask = (
            torch.ones(b, 1, f, h, w)
            if latent.video_mask is None
            else latent.video_mask.expand(b, 1, f, h, w).clone()
        )
        mask[:, :, :1] = 1.0 - strength
        return replace(latent, video=video, video_mask=mask)
    return replace(latent, keyframes=latent.keyframes + (Keyframe(encoded[:, :, :1], frame, strength),))

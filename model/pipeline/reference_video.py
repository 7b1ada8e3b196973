"""The Reference Video stage: a control video (depth, pose, edges: any frames) for an IC-LoRA.

As LTX-2's IC-LoRA pipeline conditions it: the frames are resized and centre-cropped to the
clip's size divided by the IC-LoRA's reference downscale factor, encoded, and their tokens put
beside the clip's from its first frame, clean at ``strength`` 1.
"""

from __future__ import annotations

from dataclasses import replace

import torch

from ..media.image_prep import prepare_conditioning
from ..sampling.av_latent import AVLatent, Reference
from .load import TalkiesModel


def condition_on_reference(
    model: TalkiesModel,
    latent: AVLatent,
    frames: torch.Tensor,
    *,
    strength: float = 1.0,
    downscale: int | None = None,
) -> AVLatent:
    """Add ``frames`` (IMAGE (F, H, W, 3), any size) as a control video; ``downscale``: the model's
    IC-LoRA's factor unless given. Only whole latent frames that fit the clip are used."""
    factor = model.reference_downscale if downscale is None else int(downscale)
    if factor < 1:
        raise ValueError(f"downscale must be at least 1, got {factor}")
    width, height = latent.pixel_size
    space = latent.compression.space
    if width % (factor * space) or height % (factor * space):
        raise ValueError(
            f"the clip's {width}×{height} does not divide into a {factor}× smaller control video on the "
            f"model's {space}-pixel grid; make the clip a multiple of {factor * space} pixels"
        )
    if frames.ndim != 4 or frames.shape[0] < 1:
        raise ValueError(
            f"the control video must be an IMAGE batch (F, H, W, 3); got shape {tuple(frames.shape)}"
        )
    t = latent.compression.time
    count = (min(frames.shape[0], latent.pixel_frames) - 1) // t * t + 1
    pixels = prepare_conditioning(frames[:count], height // factor, width // factor, crf=0)
    with model.working("video_encoder") as encoder:
        encoded = encoder.encode(pixels.to(model.compute_dtype)).to(latent.video)
    encoded = encoded.expand(latent.batch, -1, -1, -1, -1)
    reference = Reference(latent=encoded, strength=float(strength), downscale=factor)
    return replace(latent, references=latent.references + (reference,))

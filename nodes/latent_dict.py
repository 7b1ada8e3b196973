"""AVLatent ↔ ComfyUI LATENT dicts, in the layout ComfyUI's native LTX-2 nodes use.

A joint latent is ``{"samples": NestedTensor((video, audio)), "type": "audio",
"downscale_ratio_spacial": 32}`` as LTXVConcatAVLatent makes it: video (B, C, F, H/s, W/s) with
the model's spatial compression s (32 for LTX-2),
audio (B, 8, T, 16). ``"noise_mask"`` (1 = generate, 0 = keep) is a NestedTensor of a video
mask (B, 1, F, H, W) and an audio mask (B, 1, T, 1) when any part is pinned; ComfyUI's
samplers broadcast both. Our extra keys ride along: ``"fps"`` (a Fraction), ``"keyframes"``
(guiding frames) and ``"references"`` (IC-LoRA control videos). Latents from native graphs lack
them; the model's frame rate is assumed then.
"""

from __future__ import annotations

from fractions import Fraction

import torch

from ..model.media.fps import as_fps
from ..model.pipeline.defaults import defaults_for
from ..model.pipeline.load import TalkiesModel
from ..model.sampling.av_latent import AVLatent
from ..model.sampling.compression import LTX2_COMPRESSION, VideoCompression
from . import host

_JOINT_HINT = (
    "connect a joint audio-video latent: Talkies Empty Clip's output, or LTXVConcatAVLatent of a "
    "video latent and an audio latent"
)


def to_latent_dict(latent: AVLatent) -> dict:
    out = {
        "samples": host.nested([latent.video, latent.audio]),
        "type": "audio",
        "downscale_ratio_spacial": latent.compression.space,
        "fps": latent.fps,
        "keyframes": latent.keyframes,
        "references": latent.references,
    }
    if latent.video_mask is not None or latent.audio_mask is not None:
        b, _, f, h, w = latent.video.shape
        t = latent.audio.shape[2]
        video_mask = torch.ones(b, 1, f, h, w) if latent.video_mask is None else latent.video_mask
        audio_mask = torch.ones(b, 1, t, 1) if latent.audio_mask is None else latent.audio_mask
        out["noise_mask"] = host.nested([video_mask, audio_mask])
    return out


def _channel_one(mask: torch.Tensor | None, dims: int, what: str) -> torch.Tensor | None:
    """A mask reduced to one channel (native masks may repeat the latent's channels)."""
    if mask is None:
        return None
    if mask.dim() != dims:
        raise ValueError(f"the {what} noise mask has shape {tuple(mask.shape)}; expected {dims} dimensions")
    return mask[:, :1].float()


def model_clip(model: TalkiesModel, latent: dict) -> tuple[AVLatent, bool]:
    """:func:`from_latent_dict` for ``model``: its frame rate when the dict has none, its compression."""
    return from_latent_dict(latent, defaults_for(model).fps, model.video_compression)


def from_latent_dict(
    latent: dict, default_fps: Fraction, compression: VideoCompression = LTX2_COMPRESSION
) -> tuple[AVLatent, bool]:
    """(the AVLatent, whether the dict said its frame rate), for a model of ``compression``."""
    if not isinstance(latent, dict) or "samples" not in latent:
        raise ValueError(f"expected a LATENT dict with 'samples'; {_JOINT_HINT}")
    samples = latent["samples"]
    if not getattr(samples, "is_nested", False):
        raise ValueError(f"this latent holds only one stream (shape {tuple(samples.shape)}); {_JOINT_HINT}")
    parts = samples.unbind()
    if len(parts) < 2 or parts[0].dim() != 5 or parts[1].dim() != 4:
        shapes = ", ".join(str(tuple(p.shape)) for p in parts)
        raise ValueError(
            f"expected video (B,C,F,H,W) and audio (B,C,T,M) latents, got {shapes}; {_JOINT_HINT}"
        )
    video, audio = parts[0], parts[1]
    video_mask = audio_mask = None
    masks = latent.get("noise_mask")
    if masks is not None:
        if getattr(masks, "is_nested", False):
            video_mask, audio_mask = (list(masks.unbind()) + [None])[:2]
        else:
            video_mask = masks
    video_mask = _channel_one(video_mask, 5, "video")
    audio_mask = _channel_one(audio_mask, 4, "audio")
    if audio_mask is not None:
        audio_mask = audio_mask[..., :1]
    ratio = latent.get("downscale_ratio_spacial", compression.space)
    if ratio != compression.space:
        raise ValueError(
            f"this latent is {ratio}× smaller than its pictures but the model's video VAE compresses "
            f"{compression.space}×: make the latent with this model (Talkies Empty Clip with this model)"
        )
    fps = latent.get("fps")
    av = AVLatent(
        video=video,
        audio=audio,
        fps=as_fps(fps if fps is not None else default_fps),
        video_mask=video_mask,
        audio_mask=audio_mask,
        keyframes=tuple(latent.get("keyframes", ())),
        references=tuple(latent.get("references", ())),
        compression=compression,
    )
    return av, fps is not None

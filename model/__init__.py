"""Pure-torch core of Talkies: no ComfyUI imports here."""

from .checkpoint import Checkpoint
from .parts import (
    load_text_conditioner,
    load_transformer,
    load_upsampler,
    load_video_decoder,
    load_video_encoder,
)
from .predict import predict_velocity
from .upsampler import upsample_latent
from .video_tiling import VideoTiling

__all__ = [
    "Checkpoint",
    "VideoTiling",
    "load_text_conditioner",
    "load_transformer",
    "load_upsampler",
    "load_video_decoder",
    "load_video_encoder",
    "predict_velocity",
    "upsample_latent",
]

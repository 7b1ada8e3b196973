"""Pure-torch core of Talkies: no ComfyUI imports here."""

from .audio_codec import decode_audio, encode_audio
from .audio_loaders import load_audio_decoder, load_audio_encoder, load_vocoder, vocoder_from_config
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
from .waveform import Waveform

__all__ = [
    "Checkpoint",
    "VideoTiling",
    "Waveform",
    "decode_audio",
    "encode_audio",
    "load_audio_decoder",
    "load_audio_encoder",
    "load_text_conditioner",
    "load_transformer",
    "load_upsampler",
    "load_video_decoder",
    "load_video_encoder",
    "load_vocoder",
    "predict_velocity",
    "upsample_latent",
    "vocoder_from_config",
]

"""Pure-torch core of Talkies: no ComfyUI imports here."""

from .audio_vae.codec import decode_audio, encode_audio
from .loading.audio_parts import load_audio_decoder, load_audio_encoder, load_vocoder, vocoder_from_config
from .loading.checkpoint import Checkpoint
from .loading.parts import (
    load_text_conditioner,
    load_transformer,
    load_upsampler,
    load_video_decoder,
    load_video_encoder,
)
from .media.waveform import Waveform
from .transformer.predict import predict_velocity
from .video_vae.tiling import VideoTiling
from .video_vae.upsampler import upsample_latent

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

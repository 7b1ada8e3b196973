"""The Decode stage: latents → IMAGE frames (tiled) and sound at the vocoder's true rate."""

from __future__ import annotations

import torch

from ..audio_vae.codec import decode_audio as decode_audio_latent
from ..media.audio_conform import samples_for_frames
from ..media.waveform import Waveform
from ..sampling.av_latent import AVLatent
from ..video_vae.tiling import VideoTiling
from .load import TalkiesModel

DEFAULT_TILING = VideoTiling()


def decode_video(
    model: TalkiesModel, latent: AVLatent, tiling: VideoTiling | None = DEFAULT_TILING
) -> torch.Tensor:
    """IMAGE (B·F, H, W, 3) in 0..1."""
    with model.working("video_decoder") as decoder, torch.inference_mode():
        return decoder.decode_images(latent.video.to(model.compute_dtype), tiling=tiling).float()


def decode_audio(model: TalkiesModel, latent: AVLatent) -> Waveform:
    """The waveform at the vocoder's true rate, exactly as long as the video's frames last."""
    with (
        model.working("audio_decoder") as decoder,
        model.working("vocoder") as vocoder,
        torch.inference_mode(),
    ):
        rate = vocoder.sample_rate
        samples = samples_for_frames(latent.pixel_frames, latent.fps, rate)
        return decode_audio_latent(
            latent.audio.to(model.compute_dtype), decoder, vocoder, num_samples=samples
        )

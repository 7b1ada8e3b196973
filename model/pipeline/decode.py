"""The Decode stage: latents → IMAGE frames (tiled) and sound at the vocoder's true rate."""

from __future__ import annotations

import math

import torch

from ..audio_vae.codec import decode_audio as decode_audio_latent
from ..media.audio_conform import samples_for_frames
from ..media.waveform import Waveform
from ..sampling.av_latent import AVLatent
from ..video_vae.tiling import VideoTiling
from .load import TalkiesModel

DEFAULT_TILING = VideoTiling()
# The audio path (vocoder STFTs and convolutions) needs some sound to work on: a shorter audio
# latent is decoded continued by its own last frame up to this length, then cut back.
MIN_DECODED_SECONDS = 0.5


def decode_video(
    model: TalkiesModel, latent: AVLatent, tiling: VideoTiling | None = DEFAULT_TILING
) -> torch.Tensor:
    """IMAGE (B·F, H, W, 3) in 0..1; the tiles shared by the model's ranks when it has several."""
    group = None if model.mesh is None else model.mesh.decode_group
    with model.working("video_decoder") as decoder, torch.inference_mode():
        video = latent.video.to(model.compute_dtype)
        return decoder.decode_images(video, tiling=tiling, group=group).float()


def decode_audio(model: TalkiesModel, latent: AVLatent) -> Waveform:
    """The waveform at the vocoder's true rate, exactly as long as the video's frames last
    (however short: one frame of picture has its 1/fps seconds of sound)."""
    with (
        model.working("audio_decoder") as decoder,
        model.working("vocoder") as vocoder,
        torch.inference_mode(),
    ):
        rate = vocoder.sample_rate
        samples = samples_for_frames(latent.pixel_frames, latent.fps, rate)
        audio = latent.audio.to(model.compute_dtype)
        shortest = math.ceil(MIN_DECODED_SECONDS * decoder.cfg.latents_per_second)
        if audio.shape[2] >= shortest:
            return decode_audio_latent(audio, decoder, vocoder, num_samples=samples)
        tail = audio[:, :, -1:].expand(-1, -1, shortest - audio.shape[2], -1)
        longer = decode_audio_latent(torch.cat([audio, tail], dim=2), decoder, vocoder, num_samples=None)
        return Waveform(longer.samples[..., :samples], rate)

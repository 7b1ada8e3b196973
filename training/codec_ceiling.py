"""How much sync the model's own VAEs keep: the ceiling over every generated figure.

Each held-out impact clip goes through one codec at a time, the other stream kept true, and is
scored as a generated clip is: the picture through the video VAE with the true sound, the sound
through the audio VAE and vocoder with the true picture. A generated clip cannot land more
knocks within a frame of their contacts than its decoders can draw.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ..model.audio_vae.codec import decode_audio, encode_audio
from ..model.media.arrays import as_frames
from ..model.media.waveform import Waveform
from ..model.pipeline.load import TalkiesModel
from ..toyworld import render, sample_spec
from ..toyworld.metrics import evaluate_clip
from ..toyworld.vocabulary import IMPACT_KINDS
from .evaluate_extension import percent


def picture_round_trip(model: TalkiesModel, frames: np.ndarray) -> np.ndarray:
    """(F, H, W, 3) uint8 through the video VAE, whole (untiled)."""
    images = torch.from_numpy(frames).float() / 255
    with torch.inference_mode():
        with model.working("video_encoder") as encoder:
            latent = encoder.encode_images(images.to(model.compute_dtype))
        with model.working("video_decoder") as decoder:
            return as_frames(decoder.decode_images(latent).float())


def sound_round_trip(model: TalkiesModel, samples: np.ndarray, sample_rate: int) -> Waveform:
    """Mono samples through the audio VAE and the vocoder, as long as they came in seconds."""
    wave = Waveform(torch.as_tensor(np.asarray(samples), dtype=torch.float32)[None, None], sample_rate)
    with (
        torch.inference_mode(),
        model.working("audio_encoder") as encoder,
        model.working("audio_decoder") as decoder,
        model.working("vocoder") as vocoder,
    ):
        latent = encode_audio(wave, encoder)
        length = round(len(samples) * vocoder.sample_rate / sample_rate)
        return decode_audio(latent.to(model.compute_dtype), decoder, vocoder, num_samples=length)


def codec_ceiling(model: TalkiesModel, cases, summarize: Callable, count: int) -> dict:
    """The evaluation's figures (``summarize``) of the first ``count`` impact ``cases`` with one
    stream round-tripped."""
    picture, sound = [], []
    for case in [c for c in cases if c.kind in IMPACT_KINDS][:count]:
        clip = render(sample_spec(case.seed))
        true_sound = np.asarray(clip.waveform)[0]
        frames = picture_round_trip(model, clip.frames)
        picture.append((case, evaluate_clip(frames, clip.fps, true_sound, clip.sample_rate, case.caption)))
        wave = sound_round_trip(model, true_sound, clip.sample_rate)
        report = evaluate_clip(
            clip.frames, clip.fps, wave.samples[0, 0].float().numpy(), wave.sample_rate, case.caption
        )
        sound.append((case, report))
    return {"clips": len(picture), "video_vae": summarize(picture), "audio_vae": summarize(sound)}


def ceiling_line(figures: dict) -> str:
    def share(part: str) -> str:
        f = figures[part]
        return f"{percent(f['impact_within_1_frame'])} of {f['impact_contacts']}"

    return (
        f"What the model's own codecs keep ({figures['clips']} held-out impact clips, one stream "
        f"round-tripped, the other true; the ceiling over the impact figures): the video VAE keeps "
        f"{share('video_vae')} contacts with their knock within ±1 frame, the audio VAE and vocoder "
        f"{share('audio_vae')}."
    )

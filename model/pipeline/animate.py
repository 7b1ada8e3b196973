"""Animate to Sound: a sound (and optionally a first frame) → a clip whose picture follows it.

The sound is encoded with the audio VAE (resampled and remixed for its encoder only), held clean
from the clip's start, and only the picture is generated: the fewest frames the model makes
(tk+1) that cover the sound at the chosen frame rate, cut back to the frames the sound lasts.
The sound handed back is the given one, sample for sample, not the VAE's reconstruction.
"""

from __future__ import annotations

import math
from dataclasses import replace
from fractions import Fraction

import torch

from ..audio_vae.codec import encode_audio
from ..media.audio_conform import fit_length, samples_for_frames
from ..media.audio_prep import as_float_waveform, validate
from ..media.fps import as_fps
from ..media.waveform import Waveform
from ..sampling.latents import frames_covering, snap_pixel_size
from ..text.conditioner import PromptEmbedding
from .decode import decode_video
from .defaults import defaults_for
from .empty_clip import check_size, empty_latent
from .held_stream import HeldStreamClip, generate_other_stream
from .image_conditioning import condition_on_image
from .load import TalkiesModel
from .sampling_options import MODEL_DEFAULTS, SamplingOptions, schedule_for

# Below this peak (−90 dBFS) a sound is taken as silence: there is nothing for a picture to follow.
SILENT_PEAK_DBFS = -90.0


def check_sound(audio: Waveform) -> torch.Tensor:
    """The sound as (1, C, N) float samples, refused when empty, silent, corrupt or a batch."""
    if not isinstance(audio, Waveform):
        raise ValueError(f"the sound must be a Waveform (samples, sample rate), got {type(audio).__name__}")
    wave = as_float_waveform(audio.samples)
    if wave.numel() == 0:
        raise ValueError(
            f"the sound is empty (shape {tuple(wave.shape)}); Animate to Sound needs a sound to follow"
        )
    validate(wave, audio.sample_rate)
    if wave.shape[0] != 1:
        raise ValueError(f"the sound holds a batch of {wave.shape[0]}; animate one sound at a time")
    peak = float(wave.abs().max())
    if peak < 10 ** (SILENT_PEAK_DBFS / 20):
        raise ValueError(
            f"the sound is silent (its peak is below {SILENT_PEAK_DBFS:g} dBFS): there is nothing for the "
            "picture to follow; give a sound with something in it"
        )
    return wave


def frames_showing(samples: int, sample_rate: int, fps: Fraction) -> int:
    """The fewest frames at ``fps`` whose duration covers ``samples`` at ``sample_rate``."""
    return max(1, math.ceil(Fraction(samples, sample_rate) * fps))


def _size(model: TalkiesModel, width: int | None, height: int | None) -> tuple[int, int, list[str]]:
    d = defaults_for(model)
    width, height = width or d.width, height or d.height
    check_size(width, height)
    snapped = snap_pixel_size(width, height, model.video_compression)
    if snapped == (width, height):
        return width, height, []
    note = (
        f"{width}×{height} was snapped to {snapped[0]}×{snapped[1]} "
        f"(sides in multiples of {model.video_compression.space} pixels)"
    )
    return *snapped, [note]


def _length_notes(samples: int, rate: int, fps: Fraction, shown: int, generated: int, step: int) -> list[str]:
    notes = []
    if generated != shown:
        notes.append(
            f"the picture was made as {generated} frames ({step}k+1) and cut to the {shown} the sound lasts"
        )
    extra = samples_for_frames(shown, fps, rate) - samples
    if extra:
        notes.append(
            f"the sound lasts {samples / rate:.3f} s, {float(Fraction(samples, rate) * fps):.2f} frames at "
            f"{float(fps):g} fps: its last frame runs {1000 * extra / rate:.1f} ms past the sound, which a "
            "saved clip fills with silence"
        )
    return notes


def animate_to_sound(
    model: TalkiesModel,
    audio: Waveform,
    prompt: PromptEmbedding,
    negative: PromptEmbedding | None,
    *,
    fps: Fraction | float | None = None,
    width: int | None = None,
    height: int | None = None,
    image: torch.Tensor | None = None,
    image_strength: float = 1.0,
    options: SamplingOptions = MODEL_DEFAULTS,
) -> HeldStreamClip:
    """A clip whose picture follows ``audio`` (any rate, channels, length); ``image``: its first frame."""
    wave = check_sound(audio)
    fps = as_fps(defaults_for(model).fps if fps is None else fps)
    width, height, notes = _size(model, width, height)
    comp, rate, samples = model.video_compression, int(audio.sample_rate), wave.shape[-1]
    shown = frames_showing(samples, rate, fps)
    frames = frames_covering(shown, comp)
    shape = empty_latent(model, width, height, frames, fps, device="meta")
    sigmas = schedule_for(model, shape, options)
    latent = empty_latent(model, width, height, frames, fps)
    # Silence after the sound's end, up to the made frames' end, so every audio latent frame is given.
    covered = Waveform(fit_length(wave, samples_for_frames(frames, fps, rate)), rate)
    with model.working("audio_encoder") as encoder:
        target = (encoder.cfg.mel.sample_rate, encoder.cfg.in_channels)
        sound = encode_audio(covered, encoder).to(latent.audio)
    if (rate, wave.shape[1]) != target:
        notes.append(
            f"the model's audio encoder heard the sound at {target[0]} Hz, {target[1]} channel(s) "
            f"(given: {rate} Hz, {wave.shape[1]}); the clip keeps the sound as given"
        )
    t = latent.audio.shape[2]
    # The encoding covers the made frames; should resampling leave it a latent frame short, its
    # last frame stands in (as the decoder continues short latents).
    sound = torch.cat([sound, sound[:, :, -1:].expand(-1, -1, max(0, t - sound.shape[2]), -1)], dim=2)
    latent = replace(latent, audio=sound[:, :, :t])
    if image is not None:
        latent = condition_on_image(model, latent, image, strength=image_strength)
    out = generate_other_stream(model, latent, "sound", prompt, negative, sigmas, options)
    images = decode_video(model, out)[:shown]
    notes += _length_notes(samples, rate, fps, shown, frames, comp.time)
    return HeldStreamClip(images=images, audio=audio, fps=fps, notes=tuple(notes))

"""The Retake stage: redo [start, end) seconds of a clip's sound, picture or both; keep the rest.

Two inputs, as for extension:
- our latents (``retake_latent``): the clip's latent with denoise masks that generate only the
  latent frames overlapping the window in the chosen streams, for the Sampler with a new
  prompt. Every other latent comes back bit-exact. Decoding that latent re-renders the frames
  and sound next to the window too, because the decoders look at neighbouring latent frames;
- frames + sound from anywhere (``retake_media``): encoded, masked, sampled and decoded in one
  call, then spliced back. Outside the window every frame and every sample is the original.
  Inside, the new take is reached through a cross-fade of ``CROSSFADE_FRAMES`` frames, and the
  same length of sound, lying just inside each edge of the window that is not an end of the
  clip. The picture fades linearly, the sound at equal power. A stream that is not redone
  comes back unchanged. The output has exactly as many frames and samples as the input.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction

import torch

from ..media.audio_conform import audio_waveform, fit_length, remix, samples_for_frames
from ..media.splice import linear_crossfade, splice
from ..media.waveform import Waveform
from ..sampling.av_latent import AVLatent, empty_av_latent
from ..sampling.latents import audio_frames_for_seconds
from ..sampling.time_window import STREAMS, TimeWindow, check_streams, retake_window
from ..text.conditioner import PromptEmbedding
from .decode import decode_audio, decode_video
from .extend import check_media, encode_media, equal_power_crossfade
from .load import TalkiesModel
from .sampling_options import MODEL_DEFAULTS, SamplingOptions, sample_with, schedule_for

__all__ = [
    "CROSSFADE_FRAMES",
    "STREAMS",
    "Retaken",
    "TimeWindow",
    "check_window",
    "retake_latent",
    "retake_media",
]

CROSSFADE_FRAMES = 3  # at each inner edge of the window (125 ms at 24 fps); the sound's lasts as long


def check_window(window: TimeWindow, seconds: Fraction) -> TimeWindow:
    """A window that lies inside a clip of ``seconds`` (``TimeWindow`` itself refuses the rest)."""
    if Fraction(window.end) > seconds:
        last = math.floor(seconds * 1000) / 1000
        raise ValueError(
            f"window [{window.start:g}, {window.end:g}) s ends after the clip does ({last:.3f} s): "
            f"choose an end of at most {last:.3f}"
        )
    return window


def retake_latent(clip: AVLatent, window: TimeWindow, streams: str = "both") -> AVLatent:
    """``clip`` with only ``streams`` inside ``window`` left to generate; all else kept exactly.

    The clip is taken as sampled: masks it still carries from earlier stages (an earlier
    retake's window, a pinned first frame) are replaced by this window's, so retakes chain."""
    check_streams(streams)
    check_window(window, clip.seconds)
    return retake_window(replace(clip, video_mask=None, audio_mask=None), window, streams)


@dataclass(frozen=True)
class Retaken:
    """A retaken clip: frames (F, H, W, 3), its sound, and what was done to fit the model."""

    images: torch.Tensor
    sound: Waveform
    notes: tuple[str, ...]


def _span(window: TimeWindow, rate: Fraction | int, length: int) -> tuple[int, int]:
    """The steps (frames or samples at ``rate`` per second) whose times lie in the window."""
    start = math.ceil(Fraction(window.start) * rate)
    return min(start, length), min(math.ceil(Fraction(window.end) * rate), length)


def _frames_to_encode(frames: int, time_compression: int) -> int:
    """The fewest frames tk+1 that hold ``frames``."""
    return math.ceil((frames - 1) / time_compression) * time_compression + 1


def _audio_frames(latent: torch.Tensor, count: int) -> torch.Tensor:
    """The audio latent cut, or continued by its last frame, to ``count`` frames."""
    if latent.shape[2] >= count:
        return latent[:, :, :count]
    return torch.cat([latent, latent[:, :, -1:].expand(-1, -1, count - latent.shape[2], -1)], dim=2)


def retake_media(
    model: TalkiesModel,
    images: torch.Tensor,
    audio: Waveform,
    fps: Fraction,
    prompt: PromptEmbedding,
    negative: PromptEmbedding | None,
    *,
    window: TimeWindow,
    streams: str = "both",
    options: SamplingOptions = MODEL_DEFAULTS,
) -> Retaken:
    """Frames (F, H, W, 3) + sound from anywhere, with ``streams`` redone inside ``window``."""
    fps = Fraction(fps)
    check_streams(streams)
    check_media(model, images, fps)
    frames, height, width = images.shape[:3]
    check_window(window, Fraction(frames) / fps)
    samples, rate = audio_waveform(audio.as_audio())
    comp, notes = model.video_compression, []
    encoded = _frames_to_encode(frames, comp.time)
    if encoded != frames:
        notes.append(
            f"the clip's {frames} frames were encoded as {encoded} (the model takes {comp.time}k+1), "
            f"its last frame repeated; the output keeps its {frames}"
        )
    if samples.shape[-1] != samples_for_frames(frames, fps, rate):
        notes.append(
            f"the sound lasts {samples.shape[-1] / rate:.3f} s and the frames {float(frames / fps):.3f} s; "
            f"the model heard it fitted to the frames, the output keeps all {samples.shape[-1]} samples"
        )
    schedule = schedule_for(model, empty_av_latent(width, height, encoded, fps, compression=comp), options)
    padded = torch.cat([images, images[-1:].expand(encoded - frames, -1, -1, -1)])
    heard = Waveform(fit_length(samples, samples_for_frames(encoded, fps, rate))[None], rate)
    video, sound, level = encode_media(model, padded, heard)
    sound = _audio_frames(sound, audio_frames_for_seconds(Fraction(encoded) / fps))
    clip = AVLatent(video=video, audio=sound, fps=fps, compression=comp)
    out = sample_with(model, retake_latent(clip, window, streams), prompt, negative, schedule, options)
    result_images, result_samples = images, samples
    if streams != "sound":
        new = decode_video(model, out)[:frames].to(images)
        start, end = _span(window, fps, frames)
        result_images = splice(
            images.movedim(0, -1), new.movedim(0, -1), start, end, CROSSFADE_FRAMES, linear_crossfade
        ).movedim(-1, 0)
    if streams != "picture":
        decoded = decode_audio(model, out).resampled(rate)
        fresh = fit_length(remix(decoded.samples[0].float(), samples.shape[0]) * level, samples.shape[-1])
        start, end = _span(window, rate, samples.shape[-1])
        fade = samples_for_frames(CROSSFADE_FRAMES, fps, rate)
        result_samples = splice(samples, fresh, start, end, fade, equal_power_crossfade)
    return Retaken(result_images, Waveform(result_samples[None], rate), tuple(notes))

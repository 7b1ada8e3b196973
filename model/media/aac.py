"""AAC-LC facts, and a level setting that holds its peak ceiling after AAC coding.

Lossy coding adds its own overshoot to sharp peaks (around 0.1 to 1 dB): a signal limited
to -1 dBTP can decode above it. The audio is therefore coded and decoded once in memory
with the same encoder settings; if the decoded true peak is over the ceiling, the
level setting is redone against a ceiling lowered by the overshoot.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from fractions import Fraction

import av
import numpy as np
import torch

from .loudness import db_to_gain, true_peak_dbtp

log = logging.getLogger(__name__)

FRAME = 1024
RATES = (7350, 8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 64000, 88200, 96000)
LAYOUTS = {1: "mono", 2: "stereo", 6: "5.1"}
_MAX_PASSES = 3
_MARGIN_DB = 0.1


def bit_rate(channels: int) -> int:
    return min(96_000 * channels, 384_000)


def encoder(rate: int, channels: int) -> av.CodecContext:
    """An AAC-LC encoder context with the settings clips are written with (not yet opened)."""
    context = av.CodecContext.create("aac", "w")
    context.sample_rate, context.layout, context.format = rate, LAYOUTS[channels], "fltp"
    context.bit_rate = bit_rate(channels)
    context.time_base = Fraction(1, rate)
    return context


def audio_blocks(waveform: np.ndarray, rate: int, start: int, stop: int) -> list[av.AudioFrame]:
    """Samples [start, stop) of a (C,T) float32 array as encoder input frames, pts in samples."""
    layout = LAYOUTS[waveform.shape[0]]
    blocks = []
    for first in range(start, stop, FRAME):
        chunk = np.ascontiguousarray(waveform[:, first : min(first + FRAME, stop)])
        block = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=layout)
        block.sample_rate, block.pts = rate, first
        blocks.append(block)
    return blocks


def round_trip(waveform: torch.Tensor, rate: int) -> torch.Tensor:
    """(C,T) waveform as a player hears it after AAC coding (priming removed, same length)."""
    samples = waveform.detach().to(torch.float32).contiguous().numpy()
    coder = encoder(rate, samples.shape[0])
    coder.open()
    packets = [p for block in audio_blocks(samples, rate, 0, samples.shape[1]) for p in coder.encode(block)]
    packets += coder.encode(None)
    decoder = av.CodecContext.create("aac", "r")
    decoder.sample_rate, decoder.layout, decoder.extradata = rate, coder.layout, coder.extradata
    decoded = [f.to_ndarray() for p in packets for f in decoder.decode(p)]
    decoded += [f.to_ndarray() for f in decoder.decode(None)]
    heard = np.concatenate(decoded, axis=1) if decoded else np.zeros((samples.shape[0], 0), np.float32)
    # The first packet is stamped before 0 by the encoder's priming; that much is not sound.
    skip = max(0, -packets[0].pts) if packets and packets[0].pts is not None else 0
    return torch.from_numpy(heard[:, skip : skip + samples.shape[1]].copy())


def hold_ceiling(
    waveform: torch.Tensor, rate: int, level: Callable[[torch.Tensor, float], torch.Tensor], peak_dbtp: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """(audio to encode, the same as heard after AAC decoding) whose decoded true peak is at
    most ``peak_dbtp``. ``level(waveform, ceiling_dbtp)`` sets the level (normalises, or only
    guards the peaks) under a ceiling; the ceiling is lowered by the codec's overshoot until
    the decoded result holds ``peak_dbtp``."""
    ceiling = peak_dbtp
    for _ in range(_MAX_PASSES):
        out = level(waveform, ceiling)
        heard = round_trip(out, rate)
        overshoot = true_peak_dbtp(heard, rate) - peak_dbtp
        if overshoot <= 0:
            return out, heard
        ceiling -= overshoot + _MARGIN_DB
    log.info("AAC overshoot persists; trimming the level by %.2f dB to keep %.1f dBTP", overshoot, peak_dbtp)
    out = out * db_to_gain(-(overshoot + _MARGIN_DB))
    return out, round_trip(out, rate)

"""Mixing the layers of a scene's sound at their levels, with panning for stereo."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .dsp import db_to_gain, pan_gains, rms, rms_db

# Level of each layer per level word (dBFS). Impacts are set by their peak, beds by RMS,
# the voice by its RMS while speaking.
AMBIENCE_RMS_DB = {"soft": -44.0, "loud": -33.0}
ROOM_TONE_RMS_DB = -52.0
IMPACT_PEAK_DB = {"soft": -12.0, "loud": -3.0}
VOICE_RMS_DB = {"says": -22.0, "whispers": -29.0, "shouts": -14.0, "sings": -20.0}
MUSIC_RMS_DB = {"soft": -30.0, "loud": -24.0}
# Under a voice, music is always soft and further down, so the voice stays in front.
MUSIC_UNDER_VOICE_RMS_DB = -40.0
AMBIENCE_UNDER_VOICE_RMS_DB = -48.0
PEAK_CEILING = 0.97


@dataclass
class Mix:
    channels: int
    samples: int
    layers: dict[str, np.ndarray] = field(default_factory=dict)

    def _layer(self, name: str) -> np.ndarray:
        if name not in self.layers:
            self.layers[name] = np.zeros((self.channels, self.samples))
        return self.layers[name]

    def add_centre(self, name: str, sound: np.ndarray, gain: float) -> None:
        """A (T,) sound in the middle (or one (C,T) bed with its own channels)."""
        layer = self._layer(name)
        layer += gain * (sound if sound.ndim == 2 else np.broadcast_to(sound, layer.shape))

    def add_at(self, name: str, sound: np.ndarray, start: int, gain: float, position: float) -> None:
        """A short (T,) sound from sample ``start``, panned to ``position`` 0..1 in stereo."""
        layer = self._layer(name)
        if start >= self.samples:
            return
        end = min(self.samples, start + len(sound))
        piece = gain * sound[: end - start]
        if self.channels == 1:
            layer[0, start:end] += piece
        else:
            left, right = pan_gains(position)
            layer[0, start:end] += left * piece
            layer[1, start:end] += right * piece

    def render(self) -> tuple[np.ndarray, dict[str, float], float]:
        """(C,T) float32 mix, each layer's RMS dBFS as mixed, and the mix's peak dBFS.

        The whole mix is turned down together if it would exceed the peak ceiling, so the
        layers keep their relative levels."""
        total = np.zeros((self.channels, self.samples))
        for layer in self.layers.values():
            total += layer
        peak = float(np.abs(total).max()) if total.size else 0.0
        scale = PEAK_CEILING / peak if peak > PEAK_CEILING else 1.0
        levels = {
            name: round(float(rms_db(layer * scale)), 2)
            for name, layer in self.layers.items()
            if rms(layer) > 0
        }
        peak_db = 20.0 * np.log10(peak * scale) if peak > 0 else float("-inf")
        return (total * scale).astype(np.float32), levels, round(float(peak_db), 2)


def voice_gain(audio: np.ndarray, amplitude: np.ndarray, manner: str) -> float:
    """Gain that brings the speech's RMS while speaking to its manner's level."""
    speaking = amplitude > 0.3 * max(float(amplitude.max()), 1e-9)
    current = rms(audio[speaking])
    return db_to_gain(VOICE_RMS_DB[manner]) / current if current > 0 else 0.0

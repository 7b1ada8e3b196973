"""Lip sync: does the mouth open with the voice?

The face is the largest object seen in most frames; its mouth is whatever fills holes in
the lower half of the face's outline (the eyes sit in the upper half). Mouth opening per
frame is that area over the face's area. The speech envelope is the RMS of the 200 Hz -
4 kHz band over each frame's interval (filtered forwards and backwards, so without delay).
Reported: their correlation at zero lag, and the lag of the best correlation within
+-``max_lag_s`` (positive = audio late).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage, signal

from ...model.media.spectral import frame_rms
from ...model.media.sync.xcorr import best_lag, pearson
from .tracking import Scene

FACE_MIN_AREA_SHARE = 0.03
FACE_MIN_PRESENCE = 0.8
FACE_COLOUR_DISTANCE = 40.0


def find_face(scene: Scene) -> int | None:
    """Index of the face track, or None when no object is big and present enough."""
    best, best_area = None, 0.0
    for i, track in enumerate(scene.tracks):
        present = track.present
        if present.mean() < FACE_MIN_PRESENCE:
            continue
        area = float(track.area[present].mean())
        if area >= FACE_MIN_AREA_SHARE * scene.height * scene.width and area > best_area:
            best, best_area = i, area
    return best


def mouth_opening(frames: np.ndarray, scene: Scene, face: int) -> np.ndarray:
    """(F,) mouth area over face area (0 where the face is unseen)."""
    track = scene.tracks[face]
    step = round(1.0 / scene.scale)
    small = frames[:, step // 2 :: step, step // 2 :: step]
    colour = np.array(track.colour)
    out = np.zeros(len(frames))
    for k in np.flatnonzero(track.present):
        top, left, bottom, right = (int(v) for v in track.box[k])
        patch = small[k, top:bottom, left:right].astype(np.float32)
        skin = np.abs(patch - colour).max(axis=-1) < FACE_COLOUR_DISTANCE
        filled = ndimage.binary_fill_holes(skin)
        holes = filled & ~skin
        centre_row = round(track.y[k]) - top
        out[k] = holes[centre_row:].sum() / max(1, filled.sum())
    return out


def speech_envelope(waveform: np.ndarray, sr: int, frames: int, fps: float) -> np.ndarray:
    sos = signal.butter(2, (200.0, min(4000.0, 0.45 * sr)), btype="bandpass", fs=sr, output="sos")
    band = signal.sosfiltfilt(sos, waveform) if len(waveform) > 30 else waveform
    return frame_rms(band, sr, frames, fps)


def face_mouth(frames: np.ndarray, scene: Scene) -> np.ndarray | None:
    """(F,) mouth opening of the face in the clip, or None when there is no face."""
    face = find_face(scene)
    return None if face is None else mouth_opening(frames, scene, face)


def lip_sync(
    mouth: np.ndarray | None, waveform: np.ndarray, sr: int, fps: float, max_lag_s: float = 0.5
) -> dict:
    """Lip-sync figures for a mouth-opening series (from ``face_mouth``) and a mono waveform."""
    if mouth is None:
        return {"face_found": False, "correlation": None, "lag_ms": None, "best_correlation": None}
    envelope = speech_envelope(waveform, sr, len(mouth), fps)
    lag = best_lag(mouth, envelope, max(1, round(max_lag_s * fps)))
    return {
        "face_found": True,
        "correlation": pearson(mouth, envelope),
        "lag_ms": None if lag is None else lag[0] / fps * 1000,
        "best_correlation": None if lag is None else lag[1],
        "mouth_active_share": float(np.mean(mouth > 0)),
    }

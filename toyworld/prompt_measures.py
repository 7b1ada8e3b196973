"""The toy world's own sync figures for a prompt, for ranking best-of-N candidates.

A model trained on the toy world draws its balls and faces, which the world's metrics can
find (by colour, against the background): for a prompt that asks for impacts, the share of
visual contacts whose sound lands within a frame; for one that asks for speech, the
correlation of the mouth's opening with the voice (below zero counted as zero). A prompt
that asks for neither gets no figures of its own (the general sync score ranks alone).
"""

from __future__ import annotations

import numpy as np

from ..model.media.onsets import detect_onsets
from ..model.media.sync.score import ClipMeasures
from .caption_parse import parse_caption
from .metrics.impact_sync import impact_sync
from .metrics.lip_sync import face_mouth, lip_sync
from .metrics.tracking import track_objects
from .metrics.visual_contacts import visual_contacts

IMPACTS = "impacts within a frame"
LIPS = "lip sync"


def prompt_measures(prompt: str) -> ClipMeasures | None:
    """The figures ``prompt`` asks for, as a ``ClipMeasures``; None when it asks for none."""
    claims = parse_caption(prompt)
    impacts, speech = bool(claims.balls or claims.glass), claims.speaker or claims.manner is not None
    if not (impacts or speech):
        return None

    def measure(frames: np.ndarray, fps: float, waveform: np.ndarray, sample_rate: int) -> dict[str, float]:
        mono = waveform.mean(axis=0)
        scene = track_objects(frames)
        figures = {}
        if impacts:
            contacts = visual_contacts(scene)
            onsets = detect_onsets(mono, sample_rate).times
            within = impact_sync([c.frame / fps for c in contacts], onsets, fps)["within_1_frame"]
            figures[IMPACTS] = 0.0 if within is None else float(within)
        if speech:
            correlation = lip_sync(face_mouth(frames, scene), mono, sample_rate, fps)["correlation"]
            figures[LIPS] = 0.0 if correlation is None else max(0.0, float(correlation))
        return figures

    return measure

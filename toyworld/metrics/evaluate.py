"""All metrics on one clip: frames + waveform in, one JSON-serialisable dict out.

Times are in seconds, offsets and lags in milliseconds, positive = audio late.
"""

from __future__ import annotations

from fractions import Fraction

from ...model.media.arrays import Array, as_channels, as_frames
from ...model.media.fps import as_fps
from ...model.media.onsets import detect_onsets
from ...model.media.sync.measure import measure_sync
from ..caption_parse import parse_caption
from .adherence import adherence, colour_name, observe
from .audio_scene import describe_audio
from .delivery import delivery, stream_timing
from .impact_sync import impact_sync
from .lip_sync import face_mouth, lip_sync
from .tracking import track_objects
from .visual_contacts import visual_contacts


def evaluate_clip(
    frames: Array,
    fps: float | Fraction,
    waveform: Array,
    sample_rate: int,
    caption: str | None = None,
    streams: list | None = None,
) -> dict:
    """Every metric on one clip.

    ``frames``: (F, H, W, 3) uint8 or float 0..1 (numpy or torch); ``fps``: number or
    Fraction; ``waveform``: (T,), (C, T) or (1, C, T) in -1..1; ``caption``: checked for
    adherence when given; ``streams``: container stream facts (from an MP4) for delivery.
    """
    video = as_frames(frames)
    channels = as_channels(waveform)
    mono = channels.mean(axis=0)
    rate = float(as_fps(fps))
    sr = int(sample_rate)
    count = len(video)

    scene = track_objects(video)
    contacts = visual_contacts(scene)
    onsets = detect_onsets(mono, sr)
    audio = describe_audio(mono, sr)

    result = {
        "clip": {
            "frames": count,
            "height": int(video.shape[1]),
            "width": int(video.shape[2]),
            "fps": rate,
            "sample_rate": sr,
            "audio_channels": int(channels.shape[0]),
        },
        "objects": [
            {
                "colour": colour_name(t.colour),
                "rgb": [round(v) for v in t.colour],
                "frames_seen": int(t.present.sum()),
            }
            for t in scene.tracks
        ],
        "impacts": impact_sync([c.frame / rate for c in contacts], onsets.times, rate),
        "lip_sync": lip_sync(face_mouth(video, scene), mono, sr, rate),
        **measure_sync(video, rate, mono, sr),
        "audio": {key: audio[key] for key in ("ambience", "music", "manner", "pacing")},
        "delivery": delivery(channels, sr, count, rate),
        "adherence": None,
    }
    result["impacts"]["contact_kinds"] = [c.kind for c in contacts]
    if streams:
        result["delivery"].update(stream_timing(streams))
    if caption:
        result["caption"] = caption
        result["adherence"] = adherence(parse_caption(caption), observe(scene, contacts, audio))
    return result

"""The UI output of the nodes that show a clip (Save Clip, Preview Clip): what the front end receives.

    {"images": [{"filename", "subfolder", "type"}],   # ComfyUI's own video preview (plays sound)
     "animated": [True],
     "talkies_clips": [{"filename", "subfolder", "type": "output" | "temp",
                        "fps": float, "fps_fraction": "24000/1001", "frames": int, "seconds": float,
                        "width": int, "height": int,
                        "sample_rate": int | None, "channels": int | None, "loudness": float | None,
                        "delivery": {"target_lufs", "integrated_lufs", "true_peak_dbtp", "note"} | None,
                        "envelope": {"points_per_second": 50, "min": [...], "max": [...]} | None,
                        "onsets": [seconds, ...]}]}

``images``/``animated`` alone give ComfyUI's built-in player, so the clip still plays if our
script (web/) does not load. ``envelope`` is the written sound's min/max per 1/50 s over all
channels (bucket i covers [i, i+1)/50 s); ``onsets`` are the times at which a sound starts
(empty without sound). Both come from :func:`talkies.model.media.sound_preview.sound_preview`.
``delivery`` is what the file's tags record of its loudness (measured after AAC decoding); a
clip whose loudness target could not be met adds its note to the node's ``text`` lines.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from ..model.pipeline.save import Delivery, probe_clip, read_clip, sound_preview

ENVELOPE_POINTS_PER_SECOND = 50


def clip_entry(path: Path, root: Path, folder_type: str, loudness: float | None) -> dict:
    """The ``talkies_clips`` entry of one written clip; ``root`` is the folder ``folder_type`` names."""
    info = probe_clip(path)
    video, sound = info.first("video"), info.first("audio")
    try:
        subfolder = path.parent.relative_to(root).as_posix()
    except ValueError:
        subfolder = str(path.parent)
    marks, delivery = {"envelope": None, "onsets": []}, None
    if sound is not None:
        clip = read_clip(path, pictures=False)
        marks = sound_preview(clip.waveform, clip.sample_rate, ENVELOPE_POINTS_PER_SECOND)
    delivery = Delivery.from_tags(info.metadata)
    return {
        "filename": path.name,
        "subfolder": "" if subfolder == "." else subfolder,
        "type": folder_type,
        "fps": float(video.fps),
        "fps_fraction": f"{video.fps.numerator}/{video.fps.denominator}",
        "frames": video.frames,
        "seconds": float(video.frames / video.fps),
        "width": video.width,
        "height": video.height,
        "sample_rate": None if sound is None else sound.sample_rate,
        "channels": None if sound is None else sound.channels,
        "loudness": loudness,
        "delivery": None if sound is None or delivery is None else asdict(delivery),
        **marks,
    }


def clips_ui(entries: list[dict]) -> dict:
    """The node's UI dict for its clip entries (see the module docstring)."""
    ui = {
        "images": [{k: e[k] for k in ("filename", "subfolder", "type")} for e in entries],
        "animated": [True],
        "talkies_clips": entries,
    }
    notes = [
        f"{e['filename']}: {e['delivery']['note']}" for e in entries if (e["delivery"] or {}).get("note")
    ]
    if notes:
        ui["text"] = notes
    return ui

"""Many clips at once: one flat row of headline figures per clip, written as CSV or JSON."""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from ...model.media.arrays import Array
from .evaluate import evaluate_clip

HEADLINES = (
    ("impacts", "visual_contacts"),
    ("impacts", "audio_onsets"),
    ("impacts", "within_1_frame"),
    ("impacts", "median_offset_ms"),
    ("impacts", "mean_abs_offset_ms"),
    ("impacts", "lag_ms"),
    ("impacts", "audio_leads"),
    ("lip_sync", "correlation"),
    ("lip_sync", "lag_ms"),
    ("av_align", "score"),
    ("motion_lag", "lag_ms"),
    ("adherence", "score"),
    ("audio", "ambience"),
    ("audio", "music"),
    ("audio", "manner"),
    ("delivery", "loudness_lufs"),
    ("delivery", "true_peak_dbtp"),
    ("delivery", "duration_gap_ms"),
    ("delivery", "audio_start_offset_ms"),
)


@dataclass(kw_only=True, frozen=True)
class ClipInput:
    name: str
    frames: Array
    fps: float | Fraction
    waveform: Array
    sample_rate: int
    caption: str | None = None
    streams: list | None = None


def headline_row(name: str, result: dict) -> dict:
    """The clip's name and its headline figures as flat 'section.figure' columns."""
    row: dict = {"clip": name}
    for section, key in HEADLINES:
        row[f"{section}.{key}"] = (result.get(section) or {}).get(key)
    return row


def evaluate_many(clips: Iterable[ClipInput]) -> tuple[list[dict], list[dict]]:
    """(full results, headline rows) for each clip, in order."""
    results, rows = [], []
    for clip in clips:
        result = evaluate_clip(
            clip.frames, clip.fps, clip.waveform, clip.sample_rate, clip.caption, clip.streams
        )
        results.append(result)
        rows.append(headline_row(clip.name, result))
    return results, rows


def summary_row(rows: list[dict]) -> dict:
    """Mean of each numeric column over the clips that have it (booleans as shares)."""
    out: dict = {"clip": "mean"}
    for column in rows[0] if rows else ():
        if column == "clip":
            continue
        values = [
            r[column] for r in rows if isinstance(r[column], int | float) and not isinstance(r[column], str)
        ]
        out[column] = float(np.mean(values)) if values else None
    return out


def write_table(rows: list[dict], path: str | os.PathLike) -> Path:
    """Write rows as .csv or .json (chosen by the suffix), atomically."""
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".json"):
        raise ValueError(f"table path must end in .csv or .json; got {path.name}")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", newline="") as out:
            if path.suffix.lower() == ".json":
                json.dump(rows, out, indent=2)
            else:
                columns = list(dict.fromkeys(key for row in rows for key in row))
                writer = csv.DictWriter(out, fieldnames=columns)
                writer.writeheader()
                writer.writerows(rows)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path

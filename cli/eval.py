"""``python -m talkies eval CLIP.mp4 [--caption ...] [--json] [--table out.csv]``.

One clip prints a readable summary (or, with --json, one JSON object). Several clips or a
folder make a batch: one headline row per clip (and a mean row), printed and, with --table,
written as CSV or JSON. A clip's caption comes from --caption (one clip only), else from a
``<clip>.txt`` file beside it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..toyworld.metrics import ClipInput, evaluate_many, summary_row, write_table


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", help="MP4 clips, or folders whose .mp4 files are all evaluated")
    parser.add_argument("--caption", help="caption to check adherence against (one clip only)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a summary")
    parser.add_argument("--table", help="write the per-clip headline table to this .csv or .json file")


def _clip_paths(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            clips = sorted(p for p in path.iterdir() if p.suffix.lower() == ".mp4")
            if not clips:
                raise FileNotFoundError(f"no .mp4 files in folder {path}")
            found.extend(clips)
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"no such clip or folder: {path}")
    return found


def _caption_for(path: Path, given: str | None) -> str | None:
    if given is not None:
        return given
    sidecar = path.with_suffix(".txt")
    return sidecar.read_text().strip() if sidecar.is_file() else None


# Codecs of single pictures that a media library also opens as a one-frame "video".
STILL_IMAGE_CODECS = frozenset({"png", "apng", "mjpeg", "bmp", "tiff", "webp", "gif", "jpeg2000", "qoi"})


def load_clip(path: Path, caption: str | None) -> ClipInput:
    from ..model.media.mp4 import read_clip

    clip = read_clip(path)
    video = next((s for s in clip.streams if s.kind == "video"), None)
    if video is None or clip.fps is None or clip.frames.shape[0] == 0:
        raise ValueError(f"{path.name} has no picture; eval measures clips with a video stream")
    if video.codec in STILL_IMAGE_CODECS:
        raise ValueError(
            f"{path.name} is a still image ({video.codec}), not a clip; eval measures video clips"
        )
    if clip.waveform is None:
        raise ValueError(
            f"{path.name} has no sound; eval measures picture and sound together (sync, lip sync, delivery)"
        )
    frames = clip.frames
    waveform, sample_rate = clip.waveform, clip.sample_rate
    return ClipInput(
        name=path.name,
        frames=frames,
        fps=clip.fps,
        waveform=waveform,
        sample_rate=int(sample_rate),
        caption=caption,
        streams=list(clip.streams or []),
    )


def _fmt(value, pattern: str = "{:.1f}", missing: str = "n/a") -> str:
    return missing if value is None else pattern.format(value)


def summary_text(name: str, r: dict) -> str:
    c, i, lip, a, d = r["clip"], r["impacts"], r["lip_sync"], r["audio"], r["delivery"]
    lines = [
        f"{name}: {c['frames']} frames {c['width']}x{c['height']} at {c['fps']:g} fps, "
        f"audio {c['sample_rate']} Hz x{c['audio_channels']}",
        f"  impacts   {i['visual_contacts']} visual contacts, {i['audio_onsets']} audio onsets; "
        f"within ±1 frame {_fmt(i['within_1_frame'], '{:.0%}')}, "
        f"median offset {_fmt(i['median_offset_ms'], '{:+.1f}')} ms, "
        f"lag {_fmt(i['lag_ms'], '{:+.0f}')} ms{'  AUDIO LEADS' if i['audio_leads'] else ''}",
    ]
    if lip["face_found"]:
        lines.append(
            f"  lip sync  r = {_fmt(lip['correlation'], '{:.2f}')}; "
            f"best r = {_fmt(lip['best_correlation'], '{:.2f}')} "
            f"at {_fmt(lip['lag_ms'], '{:+.0f}')} ms"
        )
    else:
        lines.append("  lip sync  no face found")
    lines.append(
        f"  AV-Align  {_fmt(r['av_align']['score'], '{:.2f}')} "
        f"({r['av_align']['audio_peaks']} audio / {r['av_align']['video_peaks']} video peaks); "
        f"onset-vs-motion lag {_fmt(r['motion_lag']['lag_ms'], '{:+.0f}')} ms"
    )
    voice = f", voice {a['manner']} ({a['pacing']})" if a["manner"] else ", no voice"
    if a["ambience"] is None:
        lines.append("  audio     silent: no ambience, music or voice to describe")
    else:
        lines.append(f"  audio     ambience {a['ambience']}, music {'yes' if a['music'] else 'no'}{voice}")
    adherence = r.get("adherence")
    if adherence and adherence["score"] is not None:
        failed = [
            f"{ch['check']}: expected {ch['expected']}, measured {ch['measured']}"
            for ch in adherence["checks"]
            if not ch["ok"]
        ]
        lines.append(
            f"  adherence {adherence['score']:.0%} ({adherence['passed']}/{len(adherence['checks'])})"
            + ("; " + "; ".join(failed) if failed else "")
        )
    lines.append(
        f"  delivery  {_fmt(d['loudness_lufs'])} LUFS, true peak {_fmt(d['true_peak_dbtp'])} dBTP, "
        f"video {d['video_duration_s']:.3f} s / audio {d['audio_duration_s']:.3f} s"
        + (
            f", audio starts {_fmt(d.get('audio_start_offset_ms'), '{:+.1f}')} ms after video"
            if "streams" in d
            else ""
        )
    )
    return "\n".join(lines)


def _table_text(rows: list[dict]) -> str:
    columns = list(rows[0])

    def cell(v) -> str:
        return f"{v:.3g}" if isinstance(v, float) else str(v)

    return "\n".join(["\t".join(columns)] + ["\t".join(cell(row[c]) for c in columns) for row in rows])


def evaluate_inputs(clips: list[ClipInput], as_json: bool, table: str | None) -> int:
    results, rows = evaluate_many(clips)
    if len(clips) == 1:
        print(json.dumps(results[0]) if as_json else summary_text(clips[0].name, results[0]))
        everything = rows
    else:
        everything = rows + [summary_row(rows)]
        print(json.dumps({"clips": rows, "mean": everything[-1]}) if as_json else _table_text(everything))
    if table:
        # On stderr, so that --json output stays one JSON object.
        print(f"wrote {write_table(everything, table)}", file=sys.stderr)
    return 0


def run(args: argparse.Namespace) -> int:
    paths = _clip_paths(args.paths)
    if args.caption is not None and len(paths) > 1:
        raise ValueError("--caption names one clip's caption; for several clips put a <clip>.txt beside each")
    clips = [load_clip(p, _caption_for(p, args.caption)) for p in paths]
    return evaluate_inputs(clips, args.json, args.table)

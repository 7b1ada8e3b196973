"""Toy-world metrics on ground truth and on degraded audio: the figures behind the claims.

For sampled clips, prints impact sync, lip sync, AV-Align and adherence with the true audio,
the audio shifted late by 2, 5 and 10 frames (and early by 2), swapped with the next clip's,
and replaced by silence; then the time evaluate_clip takes per clip.

    python tests/bench/bench_toyworld_metrics.py [--clips 60]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from talkies.model.media.onsets import detect_onsets  # noqa: E402
from talkies.model.media.sync.av_align import av_align  # noqa: E402
from talkies.model.media.sync.flow import frame_flows  # noqa: E402
from talkies.toyworld import parse_caption  # noqa: E402
from talkies.toyworld.metrics import evaluate_clip  # noqa: E402
from talkies.toyworld.metrics.adherence import adherence, observe  # noqa: E402
from talkies.toyworld.metrics.audio_scene import describe_audio  # noqa: E402
from talkies.toyworld.metrics.impact_sync import impact_sync  # noqa: E402
from talkies.toyworld.metrics.lip_sync import face_mouth, lip_sync  # noqa: E402

from toyworld_cases import delay_audio, frames_to_samples, rendered, tracked  # noqa: E402

IMPACTS, VOICE, ALL = ("impacts", "glass"), ("voice",), ("impacts", "glass", "voice", "ambience")


def conditions(clips):
    def shift(frames):
        return lambda i, c: delay_audio(c.waveform, frames_to_samples(frames, c.fps, c.sample_rate))

    return {
        "ground truth": lambda i, c: c.waveform,
        "late 2 frames": shift(2),
        "late 5 frames": shift(5),
        "late 10 frames": shift(10),
        "early 2 frames": shift(-2),
        "swapped": lambda i, c: clips[(i + 1) % len(clips)].waveform,
        "silence": lambda i, c: np.zeros_like(c.waveform),
    }


def _mono(audio: np.ndarray) -> np.ndarray:
    return audio.mean(axis=0).astype(np.float64)


def impact_table(count: int) -> None:
    clips, seen = rendered(IMPACTS, count), tracked(IMPACTS, count)
    flows = [frame_flows(c.frames) for c in clips[: min(count, 20)]]
    print(f"\nimpact sync over {count} clips ({sum(len(c) for _, c in seen)} visual contacts)")
    header = ("within ±1 frame", 16), ("median offset ms", 17), ("lag ms", 8), ("leads", 6), ("AV-Align", 9)
    print(f"{'audio':16} " + " ".join(f"{title:>{width}}" for title, width in header))
    for name, audio_for in conditions(clips).items():
        figures = []
        for i, (clip, (_, contacts)) in enumerate(zip(clips, seen, strict=True)):
            times = [c.frame / float(clip.fps) for c in contacts]
            onsets = detect_onsets(_mono(audio_for(i, clip)), clip.sample_rate).times
            figures.append(impact_sync(times, onsets, float(clip.fps)))
        within = sum(r["within_1_frame"] * r["visual_contacts"] for r in figures) / sum(
            r["visual_contacts"] for r in figures
        )
        medians = [r["median_offset_ms"] for r in figures if r["median_offset_ms"] is not None]
        lags = [r["lag_ms"] for r in figures if r["lag_ms"] is not None]
        leads = np.mean([bool(r["audio_leads"]) for r in figures])
        scores = [
            av_align(f, s, _mono(audio_for(i, clips[i])), clips[i].sample_rate, 24.0)["score"] or 0.0
            for i, (f, s) in enumerate(flows)
        ]
        median = f"{np.median(medians):+.1f}" if medians else "n/a"
        lag = f"{np.median(lags):+.0f}" if lags else "n/a"
        print(f"{name:16} {within:16.1%} {median:>17} {lag:>8} {leads:6.0%} {np.mean(scores):9.2f}")


def lip_table(count: int) -> None:
    clips, seen = rendered(VOICE, count), tracked(VOICE, count)
    mouths = [face_mouth(c.frames, scene) for c, (scene, _) in zip(clips, seen, strict=True)]
    print(f"\nlip sync over {count} clips")
    print(f"{'audio':16} {'median r':>9} {'min r':>7} {'median lag ms':>14}")
    for name, audio_for in conditions(clips).items():
        figures = [
            lip_sync(m, _mono(audio_for(i, c)), c.sample_rate, 24.0)
            for i, (c, m) in enumerate(zip(clips, mouths, strict=True))
        ]
        r = [f["correlation"] if f["correlation"] is not None else 0.0 for f in figures]
        lags = [f["lag_ms"] for f in figures if f["lag_ms"] is not None]
        lag = f"{np.median(lags):+.0f}" if lags else "n/a"
        print(f"{name:16} {np.median(r):9.2f} {np.min(r):7.2f} {lag:>14}")


def adherence_table(count: int) -> None:
    clips, seen = rendered(ALL, count), tracked(ALL, count)
    print(f"\nadherence over {count} clips (share of caption checks passed)")
    cases = {
        "ground truth": (lambda i, c: c.waveform, lambda i: clips[i].caption),
        "wrong caption": (lambda i, c: c.waveform, lambda i: clips[(i + 1) % len(clips)].caption),
        "silence": (lambda i, c: np.zeros_like(c.waveform), lambda i: clips[i].caption),
    }
    for name, (audio_for, caption_for) in cases.items():
        checks = []
        for i, (clip, (scene, contacts)) in enumerate(zip(clips, seen, strict=True)):
            audio = describe_audio(_mono(audio_for(i, clip)), clip.sample_rate)
            result = adherence(parse_caption(caption_for(i)), observe(scene, contacts, audio))
            checks += [c["ok"] for c in result["checks"]]
        print(f"{name:16} {np.mean(checks):7.1%} of {len(checks)} checks")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clips", type=int, default=60)
    args = parser.parse_args()
    impact_table(args.clips)
    lip_table(max(10, args.clips // 2))
    adherence_table(args.clips)
    clips = rendered(ALL, args.clips)[:10]
    start = time.perf_counter()
    for clip in clips:
        evaluate_clip(clip.frames, clip.fps, clip.waveform, clip.sample_rate, clip.caption)
    print(f"\nevaluate_clip: {(time.perf_counter() - start) / len(clips) * 1000:.0f} ms per 128x128x49 clip")


if __name__ == "__main__":
    main()

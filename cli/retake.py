"""``python -m talkies retake clip.mp4 --start 0.5 --end 1 --streams sound "PROMPT" -o fixed.mp4``."""

from __future__ import annotations

import argparse
import sys
import time
from fractions import Fraction
from pathlib import Path

from ..model.media.mp4 import read_clip
from ..model.media.waveform import Waveform
from ..model.pipeline.retake import CROSSFADE_FRAMES, STREAMS, TimeWindow, check_window, retake_media
from ..model.pipeline.text_encode import encode_prompts
from .model_options import (
    add_model_arguments,
    add_output_arguments,
    guidance,
    open_model,
    output_destination,
    report_saved,
    save_clip,
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("clip", type=Path, help="the MP4 (with sound) to fix")
    p.add_argument("prompt", help="what the window should show and sound like")
    p.add_argument("--start", type=float, required=True, help="where the window to redo begins, in seconds")
    p.add_argument("--end", type=float, required=True, help="where it ends (not included), in seconds")
    p.add_argument(
        "--streams",
        choices=STREAMS,
        default="both",
        help=f"what to redo inside the window (default both); a {CROSSFADE_FRAMES}-frame cross-fade "
        "just inside each edge, everything outside kept",
    )
    # The clip outside the window is the original: its level stays as it was unless asked.
    add_output_arguments(p, "talkies-retake.mp4", loudness=None)
    add_model_arguments(p)


def run(args: argparse.Namespace) -> int:
    began = time.monotonic()
    destination = output_destination(args, "talkies-retake")
    window = TimeWindow(args.start, args.end)
    clip = read_clip(args.clip)
    if clip.fps is None or clip.frames.shape[0] == 0:
        raise ValueError(f"{args.clip} has no picture; Talkies retakes a clip's picture and sound together")
    if clip.waveform is None:
        raise ValueError(f"{args.clip} has no sound; Talkies retakes a clip's picture and sound together")
    check_window(window, Fraction(clip.frames.shape[0]) / clip.fps)
    model = open_model(args)
    video_guidance, audio_guidance = guidance(model, args)
    pos, neg = encode_prompts(model, args.prompt, args.negative)
    out = retake_media(
        model,
        clip.frames.float() / 255.0,
        Waveform(clip.waveform[None], clip.sample_rate),
        clip.fps,
        pos,
        neg,
        window=window,
        streams=args.streams,
        seed=args.seed,
        steps=args.steps,
        video_guidance=video_guidance,
        audio_guidance=audio_guidance,
    )
    for note in out.notes:
        print(f"note: {note}", file=sys.stderr)
    metadata = {
        "prompt": args.prompt,
        "seed": args.seed,
        "retakes": f"{args.clip.name} {args.streams} {args.start:g}-{args.end:g} s",
    }
    path, delivery = save_clip(destination, args, out.images, clip.fps, out.sound, metadata=metadata)
    made = (
        f"{args.streams} redone over [{args.start:g}, {args.end:g}) s of {out.images.shape[0]} frames "
        f"in {time.monotonic() - began:.1f} s"
    )
    report_saved(path, delivery, made)
    return 0

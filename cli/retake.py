"""``python -m talkies retake clip.mp4 --start 0.5 --end 1 --streams sound "PROMPT" -o fixed.mp4``."""

from __future__ import annotations

import argparse
import time
from fractions import Fraction
from pathlib import Path

from ..model.pipeline.retake import CROSSFADE_FRAMES, STREAMS, TimeWindow, check_window, retake_media
from .input_clip import read_picture_and_sound
from .model_options import (
    add_model_arguments,
    add_output_arguments,
    open_model_and_prompts,
    output_destination,
    sampling_options,
    save_and_report,
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
    why = "Talkies retakes a clip's picture and sound together"
    frames, sound, fps = read_picture_and_sound(args.clip, why, why)
    check_window(window, Fraction(frames.shape[0]) / fps)
    model, pos, neg = open_model_and_prompts(args)
    out = retake_media(
        model,
        frames,
        sound,
        fps,
        pos,
        neg,
        window=window,
        streams=args.streams,
        options=sampling_options(model, args),
    )
    return save_and_report(
        destination,
        args,
        out.images,
        fps,
        out.sound,
        tags={"retakes": f"{args.clip.name} {args.streams} {args.start:g}-{args.end:g} s"},
        made=f"{args.streams} redone over [{args.start:g}, {args.end:g}) s of {out.images.shape[0]} frames",
        began=began,
        notes=out.notes,
    )

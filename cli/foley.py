"""``python -m talkies foley VIDEO -o out.mp4 [--prompt P]``: the same video with sound made for it."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..model.media.mp4 import read_clip
from ..model.pipeline.add_sound import DEFAULT_SOUND_PROMPT, add_sound, check_video_frames
from .model_options import (
    add_model_arguments,
    add_output_arguments,
    open_model_and_prompts,
    output_destination,
    sampling_options,
    save_and_report,
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("video", type=Path, help="the video to add sound to (any size, frame rate and length)")
    p.add_argument("--prompt", default=DEFAULT_SOUND_PROMPT, help="what the sound is")
    add_output_arguments(p, "talkies-foley.mp4")
    add_model_arguments(p)


def run(args: argparse.Namespace) -> int:
    began = time.monotonic()
    destination = output_destination(args, "talkies-foley")
    clip = read_clip(args.video)
    if not any(stream.kind == "video" for stream in clip.streams):
        raise ValueError(f"{args.video} has no video stream; foley adds sound to a video")
    frames = clip.images()
    check_video_frames(frames)
    if clip.fps is None:
        raise ValueError(f"{args.video} does not say its frame rate; remux it with one (ffmpeg -r)")
    if clip.waveform is not None:
        print(f"note: {args.video.name}'s own sound is replaced", file=sys.stderr)
    model, pos, neg = open_model_and_prompts(args)
    made = add_sound(model, frames, clip.fps, pos, neg, sampling_options(model, args))
    return save_and_report(
        destination,
        args,
        made.images,
        made.fps,
        made.audio,
        tags={"sound_for": args.video.name},
        made=f"sound for {made.images.shape[0]} frames at {made.fps} fps",
        began=began,
        notes=made.notes,
    )

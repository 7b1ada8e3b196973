"""``python -m talkies animate AUDIO "PROMPT" [--image I] -o out.mp4``: a picture that follows a sound."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..model.media.image_prep import load_image
from ..model.media.mp4 import read_clip
from ..model.pipeline.animate import animate_to_sound, check_sound
from .model_options import (
    add_model_arguments,
    add_output_arguments,
    open_model_and_prompts,
    output_destination,
    sampling_options,
    save_and_report,
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("audio", type=Path, help="the sound to follow (WAV, MP3, FLAC, or a video's sound track)")
    p.add_argument("prompt", help="what the picture shows")
    p.add_argument("--image", type=Path, help="a picture to start from (the first frame)")
    p.add_argument("--image-strength", type=float, default=1.0, help="how exactly the clip keeps the image")
    p.add_argument("--width", type=int, help="multiple of 32 (default: the model's)")
    p.add_argument("--height", type=int, help="multiple of 32 (default: the model's)")
    p.add_argument("--fps", type=float, help="frame rate (default: the model's)")
    # The sound is the user's own: its level is kept unless they ask for a target.
    add_output_arguments(p, "talkies-animated.mp4", loudness=None)
    add_model_arguments(p)


def run(args: argparse.Namespace) -> int:
    began = time.monotonic()
    destination = output_destination(args, "talkies-animated")
    sound = read_clip(args.audio, pictures=False).sound()
    if sound is None:
        raise ValueError(f"{args.audio} has no sound stream; animate needs a sound to follow")
    check_sound(sound)
    image = None if args.image is None else load_image(args.image)
    model, pos, neg = open_model_and_prompts(args)
    made = animate_to_sound(
        model,
        sound,
        pos,
        neg,
        fps=args.fps,
        width=args.width,
        height=args.height,
        image=image,
        image_strength=args.image_strength,
        options=sampling_options(model, args),
    )
    return save_and_report(
        destination,
        args,
        made.images,
        made.fps,
        made.audio,
        tags={"animates": args.audio.name},
        made=f"{made.images.shape[0]} frames at {made.fps} fps",
        began=began,
        notes=made.notes,
    )

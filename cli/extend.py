"""``python -m talkies extend clip.mp4 "what happens next" --seconds 2 -o longer.mp4``."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..model.pipeline.extend import extend_media
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
    p.add_argument("clip", type=Path, help="the MP4 (with sound) to continue")
    p.add_argument("prompt", help="what happens next and what it sounds like")
    p.add_argument("--seconds", type=float, default=2.0, help="how much longer (whole 8-frame steps)")
    p.add_argument("--overlap", type=int, default=2, help="latent frames of the clip's end to continue from")
    add_output_arguments(p, "talkies-extended.mp4")
    add_model_arguments(p)


def run(args: argparse.Namespace) -> int:
    began = time.monotonic()
    destination = output_destination(args, "talkies-extended")
    frames, sound, fps = read_picture_and_sound(
        args.clip,
        "Talkies extends a clip's picture and sound together",
        "Talkies extends picture and sound together",
    )
    model, pos, neg = open_model_and_prompts(args)
    images, sound = extend_media(
        model,
        frames,
        sound,
        fps,
        pos,
        neg,
        seconds=args.seconds,
        overlap=args.overlap,
        options=sampling_options(model, args),
    )
    return save_and_report(
        destination,
        args,
        images,
        fps,
        sound,
        tags={"extends": args.clip.name},
        made=f"{images.shape[0]} frames ({frames.shape[0]} kept)",
        began=began,
    )

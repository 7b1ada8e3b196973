"""``python -m talkies generate "PROMPT" -o clip.mp4``: one clip with sound, in one line."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..model.media.image_prep import load_image
from ..model.pipeline.generate import generate
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
    p.add_argument("prompt", help="what happens in the clip and what it sounds like")
    add_output_arguments(p, "talkies.mp4")
    p.add_argument("--image", type=Path, help="a picture to start from (image-to-video)")
    p.add_argument("--image-strength", type=float, default=1.0, help="how exactly the clip keeps the image")
    p.add_argument("--seconds", type=float, help="duration: the 8k+1 frame count that lasts nearest to it")
    p.add_argument("--frames", type=int, help="frame count, 8k+1 (instead of --seconds)")
    p.add_argument("--width", type=int, help="multiple of 32 (default: the model's)")
    p.add_argument("--height", type=int, help="multiple of 32 (default: the model's)")
    p.add_argument("--fps", type=float, help="frame rate (default: the model's)")
    add_model_arguments(p)


# The arguments passed to ``generate`` as they are.
GENERATE_OPTIONS = (
    "negative",
    "image_strength",
    "width",
    "height",
    "frames",
    "seconds",
    "fps",
    "seed",
    "steps",
)


def run(args: argparse.Namespace) -> int:
    start = time.monotonic()
    destination = output_destination(args, "talkies")
    model = open_model(args)
    video, audio = guidance(model, args)
    image = None if args.image is None else load_image(args.image)
    options = {name: getattr(args, name) for name in GENERATE_OPTIONS}
    clip = generate(model, args.prompt, image=image, video_guidance=video, audio_guidance=audio, **options)
    metadata = {"prompt": args.prompt, "seed": args.seed, "model": model.path.name}
    path, delivery = save_clip(destination, args, clip.images, clip.fps, clip.audio, metadata=metadata)
    made = f"{clip.images.shape[0]} frames at {clip.fps} fps with sound in {time.monotonic() - start:.1f} s"
    report_saved(path, delivery, made)
    return 0

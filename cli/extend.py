"""``python -m talkies extend clip.mp4 "what happens next" --seconds 2 -o longer.mp4``."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..model.media.mp4 import read_clip
from ..model.media.waveform import Waveform
from ..model.pipeline.extend import extend_media
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
    p.add_argument("clip", type=Path, help="the MP4 (with sound) to continue")
    p.add_argument("prompt", help="what happens next and what it sounds like")
    p.add_argument("--seconds", type=float, default=2.0, help="how much longer (whole 8-frame steps)")
    p.add_argument("--overlap", type=int, default=2, help="latent frames of the clip's end to continue from")
    add_output_arguments(p, "talkies-extended.mp4")
    add_model_arguments(p)


def run(args: argparse.Namespace) -> int:
    start = time.monotonic()
    destination = output_destination(args, "talkies-extended")
    clip = read_clip(args.clip)
    if clip.fps is None or clip.frames.shape[0] == 0:
        raise ValueError(f"{args.clip} has no picture; Talkies extends a clip's picture and sound together")
    if clip.waveform is None:
        raise ValueError(f"{args.clip} has no sound; Talkies extends picture and sound together")
    model = open_model(args)
    video_guidance, audio_guidance = guidance(model, args)
    pos, neg = encode_prompts(model, args.prompt, args.negative)
    images, sound = extend_media(
        model,
        clip.frames.float() / 255.0,
        Waveform(clip.waveform[None], clip.sample_rate),
        clip.fps,
        pos,
        neg,
        seconds=args.seconds,
        overlap=args.overlap,
        seed=args.seed,
        steps=args.steps,
        video_guidance=video_guidance,
        audio_guidance=audio_guidance,
    )
    metadata = {"prompt": args.prompt, "seed": args.seed, "extends": args.clip.name}
    path, delivery = save_clip(destination, args, images, clip.fps, sound, metadata=metadata)
    made = f"{images.shape[0]} frames ({clip.frames.shape[0]} kept) in {time.monotonic() - start:.1f} s"
    report_saved(path, delivery, made)
    return 0

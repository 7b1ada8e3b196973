"""``python -m talkies extend clip.mp4 "what happens next" --seconds 2 -o longer.mp4``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..model.media.mp4 import read_clip
from ..model.media.waveform import Waveform
from ..model.pipeline.extend import extend_media
from ..model.pipeline.text_encode import encode_prompts
from .model_options import add_model_arguments, guidance, open_model, save_clip


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("clip", type=Path, help="the MP4 (with sound) to continue")
    p.add_argument("prompt", help="what happens next and what it sounds like")
    p.add_argument("--seconds", type=float, default=2.0, help="how much longer (whole 8-frame steps)")
    p.add_argument("--overlap", type=int, default=2, help="latent frames of the clip's end to continue from")
    p.add_argument(
        "-o", "--output", type=Path, default=Path("talkies-extended.mp4"), help="MP4 file or folder"
    )
    add_model_arguments(p)


def run(args: argparse.Namespace) -> int:
    start = time.monotonic()
    clip = read_clip(args.clip)
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
    path = save_clip(args, images, clip.fps, sound, prefix="talkies-extended", metadata=metadata)
    print(path)
    print(
        f"{images.shape[0]} frames ({clip.frames.shape[0]} kept) in {time.monotonic() - start:.1f} s",
        file=sys.stderr,
    )
    return 0

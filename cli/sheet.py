"""``python -m talkies sheet``: a contact sheet PNG of clips — frames, waveform, onsets, contacts.

Clips are MP4 files, or prompts generated on the spot with a model (the built-in one by
default), so ``python -m talkies sheet --prompt "…" --prompt "…" -o sheet.png`` shows what the
model makes for those prompts, one row per clip.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..model.media.mp4 import read_clip
from ..model.media.png import write_png
from ..model.pipeline.generate import generate
from ..toyworld.held_out import held_out_prompts
from ..toyworld.sheet import clip_sheet, contact_sheet
from .model_options import add_model_arguments, guidance, open_model


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("clips", nargs="*", type=Path, help="MP4 clips to show")
    p.add_argument("--prompt", action="append", default=[], help="also generate this prompt and show it")
    p.add_argument(
        "--held-out",
        type=int,
        default=0,
        metavar="N",
        help="also generate the first N held-out toy-world prompts (those the evaluation starts with)",
    )
    p.add_argument("--seconds", type=float, help="length of generated clips (default: the model's)")
    p.add_argument("--columns", type=int, default=8, help="frames shown per clip")
    p.add_argument("-o", "--output", type=Path, required=True, help="the PNG to write")
    add_model_arguments(p)


def run(args: argparse.Namespace) -> int:
    if args.held_out < 0:
        raise ValueError(f"--held-out must be 0 or more, got {args.held_out}")
    prompts = list(args.prompt) + held_out_prompts(args.held_out)
    if not args.clips and not prompts:
        raise ValueError("give MP4 clips, or --prompt or --held-out to generate, to put on the sheet")
    if args.columns < 1:
        raise ValueError(f"--columns must be at least 1, got {args.columns}")
    if args.output.suffix.lower() != ".png":
        raise ValueError(f"the sheet is a PNG: name it {args.output.with_suffix('.png')}")
    if args.output.exists():
        raise ValueError(f"{args.output} already exists; it is kept. Choose another name")
    blocks = []
    for path in args.clips:
        clip = read_clip(path)
        if clip.fps is None:
            raise ValueError(f"{path} has no video stream; a sheet shows frames")
        wave = None if clip.waveform is None else clip.waveform.numpy()
        blocks.append(clip_sheet(clip.frames.numpy(), float(clip.fps), wave, clip.sample_rate, args.columns))
    if prompts:
        model = open_model(args)
        video, audio = guidance(model, args)
        for prompt in prompts:
            print(f"row {len(blocks) + 1}: {prompt}")
            options = {"seconds": args.seconds, "seed": args.seed, "steps": args.steps}
            made = generate(model, prompt, video_guidance=video, audio_guidance=audio, **options)
            frames = (made.images.clamp(0, 1) * 255).round().byte().numpy()
            wave = made.audio.samples[0].float().numpy()
            blocks.append(clip_sheet(frames, float(made.fps), wave, made.audio.sample_rate, args.columns))
    print(write_png(contact_sheet(blocks), args.output))
    return 0

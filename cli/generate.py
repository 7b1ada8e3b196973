"""``python -m talkies generate "PROMPT" -o clip.mp4``: one clip with sound, in one line."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..model.media.image_prep import load_image
from ..model.parallel.mesh import ParallelMesh
from ..model.pipeline.best_of import MAX_CANDIDATES, check_candidates, score_lines
from ..model.pipeline.generate import generate
from ..model.pipeline.two_stage import generate_two_stage, load_upsampler
from ..toyworld.prompt_measures import prompt_measures
from .launch import add_launch_arguments, launch
from .model_options import (
    add_model_arguments,
    add_output_arguments,
    guidance,
    lora_choice,
    open_model,
    output_destination,
    save_and_report,
    whole_number,
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
    p.add_argument(
        "--candidates",
        type=whole_number("candidates", check_candidates),
        default=1,
        metavar="N",
        help=f"best of N (1 to {MAX_CANDIDATES}): sample seeds --seed … --seed + N − 1, score each clip's "
        "sync (AV-Align and the sound-to-motion lag) and keep the best",
    )
    p.add_argument(
        "--two-stage",
        type=Path,
        metavar="UPSCALER",
        help="LTX-2's two-stage path: half size first, this spatial ×2 latent upsampler, then a refining "
        "stage on the distilled σ list",
    )
    p.add_argument(
        "--refiner-lora",
        action="append",
        default=[],
        type=lora_choice,
        metavar="FILE[:STRENGTH]",
        help="with --two-stage: a LoRA for the refining stage only (the distilled LoRA)",
    )
    add_model_arguments(p)
    add_launch_arguments(p)


# The arguments passed to ``generate`` as they are.
GENERATE_OPTIONS = (
    "candidates",
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
    with launch(args) as mesh:
        return _generate(args, mesh)


def _generate(args: argparse.Namespace, mesh: ParallelMesh | None) -> int:
    began = time.monotonic()
    destination = output_destination(args, "talkies")
    model = open_model(args, mesh)
    video, audio = guidance(model, args)
    image = None if args.image is None else load_image(args.image)
    options = {name: getattr(args, name) for name in GENERATE_OPTIONS}
    options.update(image=image, video_guidance=video, audio_guidance=audio)
    if args.candidates > 1 and model.trained_on_toy_world:
        options["measures"] = prompt_measures(args.prompt)
    if args.two_stage is not None:
        refiner = model.with_loras(args.refiner_lora) if args.refiner_lora else model
        upsampler = load_upsampler(args.two_stage)
        clip = generate_two_stage(model, args.prompt, upsampler=upsampler, refiner=refiner, **options)
    elif args.refiner_lora:
        raise ValueError("--refiner-lora is for the second stage: give --two-stage UPSCALER too")
    else:
        clip = generate(model, args.prompt, **options)
    if mesh is not None and not mesh.leader:
        return 0
    for line in score_lines(clip.candidates, clip.kept):
        print(line, file=sys.stderr)
    seed = clip.candidates[clip.kept].seed if clip.candidates else args.seed
    return save_and_report(
        destination,
        args,
        clip.images,
        clip.fps,
        clip.audio,
        tags={"seed": seed, "model": model.path.name},
        made=f"{clip.images.shape[0]} frames at {clip.fps} fps with sound",
        began=began,
    )

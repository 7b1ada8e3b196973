"""The options every generating command shares: which model, on what device, guided how."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import torch

from ..model.loading.builtin import builtin_checkpoint
from ..model.media.delivery import DEFAULT_LOUDNESS_LUFS, PEAK_CEILING_DBTP, Delivery, parse_target
from ..model.media.destination import Destination, check_destination, destination_for
from ..model.media.loudness import LOUDNESS_TARGETS
from ..model.media.mp4 import probe_clip, write_clip
from ..model.media.waveform import Waveform
from ..model.parallel.mesh import ParallelMesh
from ..model.pipeline.defaults import defaults_for
from ..model.pipeline.load import DTYPE_CHOICES, TalkiesModel
from ..model.pipeline.sample import MAX_SEED, check_seed
from ..model.pipeline.sampling_options import SamplingOptions
from ..model.pipeline.text_encode import encode_prompts
from ..model.sampling.guidance import Guidance
from ..model.text.conditioner import PromptEmbedding
from .cancel import raise_if_cancelled


def add_model_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=_seed, default=0, help=f"noise seed, 0 to {MAX_SEED} (2**63 - 1)")
    p.add_argument("--steps", type=int, help="denoising steps (default: the model's)")
    p.add_argument("--negative", default="", help="what to steer away from")
    p.add_argument("--video-cfg", type=float, help="video guidance scale (default: the model's)")
    p.add_argument("--audio-cfg", type=float, help="audio guidance scale (default: the model's)")
    p.add_argument(
        "--video-modality",
        type=float,
        help="how much the picture follows the sound (modality guidance, 1 is off; default: the model's)",
    )
    p.add_argument(
        "--audio-modality",
        type=float,
        help="how much the sound follows the picture (modality guidance, 1 is off; default: the model's)",
    )
    p.add_argument("--model", type=Path, help="an LTX-2 or Talkies checkpoint (default: the built-in model)")
    p.add_argument(
        "--text-encoder",
        type=Path,
        help="text encoder: the Gemma 3 folder for LTX-2.0/2.3, the Gemma 4 .safetensors file for LTX-2.5",
    )
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--dtype", default="auto", choices=DTYPE_CHOICES)
    p.add_argument(
        "--lora",
        action="append",
        default=[],
        type=lora_choice,
        metavar="FILE[:STRENGTH]",
        help="a LoRA for the transformer, strength 1 unless given; repeat to stack several",
    )


def lora_choice(text: str) -> tuple[Path, float]:
    """``FILE[:STRENGTH]`` → (file, strength); the strength after the last colon, if it is a number."""
    path, _, strength = text.rpartition(":")
    try:
        return (Path(path), float(strength)) if path else (Path(text), 1.0)
    except ValueError:
        return Path(text), 1.0


def whole_number(name: str, check: Callable[[int], int]) -> Callable[[str], int]:
    """An argparse type: a whole number that ``check`` accepts, else its message (exit status 2)."""

    def parse(text: str) -> int:
        try:
            return check(int(text))
        except ValueError as exc:
            whole = text.strip().lstrip("+-").isdigit()
            raise argparse.ArgumentTypeError(
                str(exc) if whole else f"{name} must be a whole number; got {text!r}"
            ) from None

    return parse


_seed = whole_number("seed", check_seed)


def open_model(args: argparse.Namespace, mesh: ParallelMesh | None = None) -> TalkiesModel:
    return TalkiesModel(
        args.model or builtin_checkpoint(),
        text_encoder=args.text_encoder,
        device=args.device,
        dtype=args.dtype,
        loras=args.lora,
        mesh=mesh,
    )


def open_model_and_prompts(args: argparse.Namespace) -> tuple[TalkiesModel, PromptEmbedding, PromptEmbedding]:
    """The model (:func:`open_model`) and the command's ``prompt`` and ``--negative`` encoded by it."""
    model = open_model(args)
    return model, *encode_prompts(model, args.prompt, args.negative)


def guidance(model: TalkiesModel, args: argparse.Namespace) -> tuple[Guidance, Guidance]:
    """The model's recommended guidance, with the CFG and modality scales the user overrode."""
    d = defaults_for(model)

    def overridden(recommended: Guidance, stream: str) -> Guidance:
        given = {k: getattr(args, f"{stream}_{k}") for k in ("cfg", "modality")}
        return replace(recommended, **{k: v for k, v in given.items() if v is not None})

    return overridden(d.video, "video"), overridden(d.audio, "audio")


def sampling_options(model: TalkiesModel, args: argparse.Namespace) -> SamplingOptions:
    """``--seed``, ``--steps`` and the guidance (:func:`guidance`), as a stage's options."""
    video_guidance, audio_guidance = guidance(model, args)
    return SamplingOptions(
        seed=args.seed, steps=args.steps, video_guidance=video_guidance, audio_guidance=audio_guidance
    )


def add_output_arguments(
    p: argparse.ArgumentParser, default_name: str, loudness: float | None = DEFAULT_LOUDNESS_LUFS
) -> None:
    """``-o`` and ``--loudness``: where the clip goes and the level it is delivered at (``loudness``
    None: the level is kept unless asked, for a command that delivers the user's own sound)."""
    p.add_argument(
        "-o",
        "--output",
        default=default_name,
        help=f"an .mp4 file to write (default: {default_name}), or a folder ending in / for numbered names",
    )
    choices = ", ".join(f"{t:g}" for t in LOUDNESS_TARGETS)
    default = "off" if loudness is None else f"{loudness:g}"
    p.add_argument(
        "--loudness",
        type=_loudness,
        default=loudness,
        metavar="LUFS",
        help=f"normalise the sound to {choices} LUFS or 'off' (default {default}); "
        f"the true peak stays under {PEAK_CEILING_DBTP:g} dBTP after AAC coding either way",
    )


def _loudness(text: str) -> float | None:
    try:
        return parse_target(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def output_destination(args: argparse.Namespace, prefix: str) -> Destination:
    """The checked destination of ``-o``: found wrong here, before any work, not after it."""
    return check_destination(destination_for(args.output, prefix))


def save_and_report(
    destination: Destination,
    args: argparse.Namespace,
    images: torch.Tensor,
    fps: Fraction,
    sound: Waveform,
    *,
    tags: dict,
    made: str,
    began: float,
    notes: tuple[str, ...] = (),
) -> int:
    """How a generating command ends (its exit status 0): the stage's ``notes`` (:func:`report_notes`),
    the clip written at the loudness choice and tagged with the prompt, the seed and ``tags`` (which
    may override either), then the path on stdout and, on stderr, what was ``made`` in the seconds
    since ``began`` and the delivery the tags record."""
    report_notes(notes)
    raise_if_cancelled()
    metadata = {"prompt": args.prompt, "seed": args.seed, **tags}
    path = write_clip(destination, images, fps, sound.as_audio(), loudness=args.loudness, metadata=metadata)
    delivery = Delivery.from_tags(probe_clip(path).metadata)
    print(path)
    level = "" if delivery is None else f"; {delivery.summary()}"
    print(f"{made} in {time.monotonic() - began:.1f} s{level}", file=sys.stderr)
    if delivery is not None and delivery.note:
        print(f"note: {delivery.note}", file=sys.stderr)
    return 0


def report_notes(notes: tuple[str, ...]) -> None:
    """What a stage did to fit the inputs (snapped, padded, cut), one ``note:`` line each on stderr."""
    for note in notes:
        print(f"note: {note}", file=sys.stderr)

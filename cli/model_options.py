"""The options every generating command shares: which model, on what device, guided how."""

from __future__ import annotations

import argparse
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import torch

from ..model.loading.builtin import builtin_checkpoint
from ..model.media.mp4 import write_clip
from ..model.media.waveform import Waveform
from ..model.pipeline.defaults import defaults_for
from ..model.pipeline.load import DTYPE_CHOICES, TalkiesModel
from ..model.sampling.guidance import Guidance


def add_model_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, help="denoising steps (default: the model's)")
    p.add_argument("--negative", default="", help="what to steer away from")
    p.add_argument("--video-cfg", type=float, help="video guidance scale (default: the model's)")
    p.add_argument("--audio-cfg", type=float, help="audio guidance scale (default: the model's)")
    p.add_argument("--model", type=Path, help="an LTX-2 or Talkies checkpoint (default: the built-in model)")
    p.add_argument("--text-encoder", type=Path, help="text encoder folder (Gemma 3 for LTX-2)")
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


def open_model(args: argparse.Namespace) -> TalkiesModel:
    return TalkiesModel(
        args.model or builtin_checkpoint(),
        text_encoder=args.text_encoder,
        device=args.device,
        dtype=args.dtype,
        loras=args.lora,
    )


def guidance(model: TalkiesModel, args: argparse.Namespace) -> tuple[Guidance, Guidance]:
    """The model's recommended guidance, with the CFG scales the user overrode."""
    d = defaults_for(model)
    video = d.video if args.video_cfg is None else replace(d.video, cfg=args.video_cfg)
    audio = d.audio if args.audio_cfg is None else replace(d.audio, cfg=args.audio_cfg)
    return video, audio


def save_clip(
    args: argparse.Namespace,
    images: torch.Tensor,
    fps: Fraction,
    sound: Waveform,
    *,
    prefix: str,
    metadata: dict,
) -> Path:
    """Write a command's clip to ``--output`` (a file or a folder), with the command's loudness choice."""
    loudness = getattr(args, "loudness", None)
    return write_clip(
        args.output, images, fps, sound.as_audio(), prefix=prefix, loudness=loudness, metadata=metadata
    )
